import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type CheckResult, type Exercise, runExercise } from '../../examples/learn/harness.js';

/**
 * The learning track's exercises (examples/learn/NN-name/): for every
 * chapter, the reference solution passes every check, the untouched stub
 * fails every check saying so in plain words, and a plausible wrong answer
 * fails exactly the checks it should, with the sentence that explains it.
 * Then `scripts/exercise.ts`, run as a learner runs it.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const learn = join(root, 'examples', 'learn');
const chapters = readdirSync(learn)
  .filter((d) => /^\d\d-/.test(d))
  .sort();
const exec = promisify(execFile);

async function exerciseOf(dir: string): Promise<Exercise<unknown>> {
  return (await import(pathToFileURL(join(learn, dir, 'check.ts')).href)).default as Exercise<unknown>;
}

function summary(results: CheckResult[]): string {
  return results.map((r) => `${r.ok ? '✔' : '✘'} ${r.title}${r.detail ? `\n    ${r.detail}` : ''}`).join('\n');
}

// Wrong answers a learner might write, one per chapter: which checks (by
// index) each must fail, and what the first failure must say. They are
// written to a temporary folder as .mts files (ESM wherever they are; as .ts
// outside the package, tsx would load them as CommonJS, with a second copy
// of the runtime), and import the runtime by absolute URL.
const runtime = pathToFileURL(join(root, 'src/runtime/index.js')).href;
const gunApi = pathToFileURL(join(root, 'src/gun/index.js')).href;
// TypeScript takes a path, not a URL: the answers that are type-checked import the runtime so.
const runtimePath = join(root, 'src/runtime/index.js');
const MUTANTS: Record<string, { code: string; failing: number[]; says: RegExp }> = {
  '01': {
    // Shouts the text back.
    code: `import { anyPid, anyString, receive, send, spawn } from '${runtime}';
      export function startEcho() {
        return spawn(async () => {
          const [, from, text] = await receive([['echo', anyPid, anyString]]);
          send(from, ['echoed', text.toUpperCase()]);
        });
      }`,
    failing: [1],
    says: /should send back \['echoed', 'hi'\], but it sent \['echoed', 'HI'\]/,
  },
  '02': {
    // Takes every message in arrival order, whatever it is.
    code: `import { _, receive } from '${runtime}';
      export async function prioritized() {
        const out = [];
        for (;;) {
          const m = await receive([_], 0, 'empty');
          if (m === 'empty') return out;
          if (Array.isArray(m)) out.push(m[1]);
        }
      }`,
    failing: [0, 1],
    says: /should return \['a', 'b', 1, 2\], but it returned \[1, 'a', 2, 'b'\]/,
  },
  '03': {
    // One count for every counter: a module variable.
    code: `import { anyNumber, anyPid, on, receive, send, spawn } from '${runtime}';
      let count = 0;
      export function counter(initial) {
        count = initial;
        return spawn(async () => {
          let running = true;
          while (running) {
            await receive([
              on(['add', anyNumber], ([, n]) => { count += n; }),
              on(['get', anyPid], ([, from]) => { send(from, ['count', count]); }),
              on('stop', () => { running = false; }),
            ]);
          }
        });
      }`,
    failing: [2],
    says: /but they replied \['count', 106\] and \['count', 106\]/,
  },
  '04': {
    // A fresh timeout for each receive: never returns while votes keep coming.
    code: `import { anyString, receive } from '${runtime}';
      export async function collectVotes(ms) {
        const tally = {};
        for (;;) {
          const vote = await receive([['vote', anyString]], ms, 'time is up');
          if (vote === 'time is up') return tally;
          tally[vote[1]] = (tally[vote[1]] ?? 0) + 1;
        }
      }`,
    failing: [2],
    says: /collectVotes\(150\) should return about 150 ms after it was called, but it was still collecting after 800 ms/,
  },
  '05': {
    // Monitors instead of links: gives up without 'shutdown', and the worker outlives its supervisor.
    code: `import { _, receive, spawn, spawnMonitor } from '${runtime}';
      export function supervise(worker, maxRestarts) {
        return spawn(async () => {
          for (let left = maxRestarts; ; left--) {
            const [pid, ref] = spawnMonitor(worker);
            const [, , , , reason] = await receive([['DOWN', ref, 'process', pid, _]]);
            if (reason === 'normal' || left === 0) return;
          }
        });
      }`,
    failing: [2, 4],
    says: /should exit with reason 'shutdown', but it ended normally/,
  },
  '06': {
    // Leaves its monitors on after a timeout.
    code: `import { _, monitor, receive } from '${runtime}';
      export async function waitForAll(pids, timeoutMs) {
        const refs = pids.map((p) => monitor('process', p));
        const out = [];
        for (const r of refs) {
          const m = await receive([['DOWN', r, _, _, _]], timeoutMs, 'timeout');
          if (m === 'timeout') return m;
          out.push(m[4]);
        }
        return out;
      }`,
    failing: [3],
    says: /should leave no monitor on, but the caller still held 1/,
  },
  '07': {
    // Sleeps for each reminder, and cannot cancel.
    code: `import { anyNumber, anyPid, anyString, receive, register, send, sleep, spawn } from '${runtime}';
      export function startReminders() {
        const pid = spawn(async () => {
          for (;;) {
            const m = await receive([['remind', anyPid, anyNumber, anyString], ['cancel', anyString], 'stop']);
            if (m === 'stop') return;
            if (m[0] === 'remind') { await sleep(m[2]); send(m[1], ['reminder', m[3]]); }
          }
        });
        register('reminders', pid);
        return pid;
      }`,
    failing: [2, 3],
    says: /The reminder due in 50 ms should come first, but \['reminder', 'late'\] came first/,
  },
  '08': {
    // Never stops its ring.
    code: `import { anyNumber, anyPid, receive, self, send, spawn } from '${runtime}';
      export async function ring(size, rounds) {
        const caller = self();
        const pids = [];
        for (let i = 0; i < size; i++) {
          pids.push(spawn(async () => {
            const [, next] = await receive([['next', anyPid]]);
            for (;;) {
              const [, left] = await receive([['token', anyNumber]]);
              if (left === 0) continue;
              send(caller, ['visit', self()]);
              send(next, ['token', left - 1]);
            }
          }));
        }
        pids.forEach((pid, i) => send(pid, ['next', pids[(i + 1) % size]]));
        send(pids[0], ['token', size * rounds]);
        const visits = [];
        while (visits.length < size * rounds) visits.push((await receive([['visit', anyPid]]))[1]);
        return visits;
      }`,
    failing: [2],
    says: /its processes should all have ended, but 5 of them were still alive/,
  },
  '09': {
    // Takes any `from`, so a get from a non-pid crashes it.
    code: `import { _, anyString, on, receive, send, spawn } from '${runtime}';
      export function startStore() {
        return spawn(async () => {
          const data = new Map();
          let dropped = 0;
          for (;;) {
            await receive([
              on(['put', anyString, _], ([, k, v]) => { data.set(k, v); }),
              on(['get', _, anyString], ([, from, k]) => { send(from, data.has(k) ? ['value', k, data.get(k)] : ['missing', k]); }),
              on(['dropped', _], ([, from]) => { send(from, ['dropped', dropped]); }),
              on(_, () => { dropped++; }),
            ]);
          }
        });
      }`,
    failing: [1, 2],
    says: /but the store ended first: it crashed: send: bad argument 'dest'/,
  },
  '10': {
    // One receive for every state: a send while down goes out on a dead WebSocket; 'stop' crashes.
    code: `import * as gun from '${gunApi}';
      import { _, anyString, makeRef, on, receive, send, spawn } from '${runtime}';
      export function wsClient(port, owner) {
        return spawn(async () => {
          const conn = gun.open('127.0.0.1', port, { dialect: 'gun2', retryTimeout: 100 });
          let ref = makeRef();
          for (;;) {
            await receive([
              on(['gun_up', conn, _], () => { ref = gun.wsUpgrade(conn, '/echo'); }),
              on(['gun_upgrade', conn, _, _, _], () => { send(owner, ['ready']); }),
              on(['send', anyString], ([, text]) => { gun.wsSend(conn, ref, ['text', text]); }),
              on(['gun_ws', conn, _, ['text', anyString]], ([, , , [, t]]) => { send(owner, ['text', t]); }),
              on(['gun_down', conn, _, _, _], ([, , , r]) => { send(owner, ['down', r]); }),
              on('stop', () => { gun.close(conn); throw new Error('stopped'); }),
              on(_, () => {}),
            ]);
          }
        });
      }`,
    failing: [3, 4],
    says: /\['send', 'while down'\] sent while the connection was down should go out once it is back/,
  },
};

describe("the learning track's exercises", () => {
  let mutants = '';
  before(() => {
    mutants = mkdtempSync(join(tmpdir(), 'beamish-learn-'));
  });
  after(() => rmSync(mutants, { recursive: true, force: true }));

  it('there are ten chapters, each with exercise.ts, solution.ts, check.ts and a page in docs/learn', () => {
    assert.equal(chapters.length, 10, chapters.join(', '));
    chapters.forEach((dir, i) => {
      assert.equal(dir.slice(0, 2), String(i + 1).padStart(2, '0'));
      for (const file of ['exercise.ts', 'solution.ts', 'check.ts']) {
        assert.ok(existsSync(join(learn, dir, file)), `${dir}/${file}`);
      }
      assert.ok(existsSync(join(root, 'docs', 'learn', `${dir}.md`)), `docs/learn/${dir}.md`);
    });
  });

  for (const dir of chapters) {
    it(`${dir}: the solution passes every check`, async () => {
      const results = await runExercise(await exerciseOf(dir), join(learn, dir, 'solution.ts'));
      assert.ok(results.length >= 3, `${results.length} checks`);
      assert.ok(
        results.every((r) => r.ok),
        summary(results),
      );
    });

    it(`${dir}: the untouched exercise fails every check, saying it is not written yet`, async () => {
      const results = await runExercise(await exerciseOf(dir), join(learn, dir, 'exercise.ts'));
      for (const r of results) {
        assert.equal(r.ok, false, `${r.title} passed`);
        assert.match(r.detail ?? '', /^Not written yet: TODO: .+ \(at \d\d-[\w-]+\/exercise\.ts:\d+:\d+\)\.$/);
        assert.ok((r.hint ?? '').length > 10, `no hint for ${r.title}`);
      }
    });

    const mutant = MUTANTS[dir.slice(0, 2)];
    if (mutant === undefined) continue;
    it(`${dir}: a plausible wrong answer fails the checks it should, in plain words`, async () => {
      const file = join(mutants, `${dir}.mts`);
      writeFileSync(file, mutant.code);
      const results = await runExercise(await exerciseOf(dir), file);
      const failing = results.flatMap((r, i) => (r.ok ? [] : [i]));
      assert.deepEqual(failing, mutant.failing, summary(results));
      const first = results[mutant.failing[0] as number];
      assert.match(first?.detail ?? '', mutant.says);
      // A sentence for a person, not a stack trace.
      for (const r of results.filter((x) => !x.ok)) assert.doesNotMatch(r.detail ?? '', /\n|node:internal|at async/);
    });
  }
});

describe('npm run exercise (scripts/exercise.ts)', { concurrency: true }, () => {
  const script = join(root, 'scripts', 'exercise.ts');
  async function exercise(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
    return exec(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: root,
      timeout: 30_000,
      env: { ...process.env, NO_COLOR: '1', ...env },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '' }),
    );
  }

  it('with --solution, by name: every check ✔, exit code 0', async () => {
    const { code, stdout } = await exercise(['state-in-a-loop', '--solution']);
    assert.equal(code, 0, stdout);
    assert.equal(stdout.match(/✔/g)?.length, 4, stdout);
    assert.match(stdout, /All 4 checks pass\. Next: docs\/learn\/04-timeouts\.md/);
  });

  it('on the untouched exercise, by number: each check ✘ with the reason and a hint, exit code 1', async () => {
    const { code, stdout } = await exercise(['3']);
    assert.equal(code, 1, stdout);
    assert.equal(stdout.match(/✘/g)?.length, 4, stdout);
    assert.match(
      stdout,
      /✘ counter\(3\) answers \['get', you\] with \['count', 3\]\n {6}Not written yet: TODO: start a counter at 3/,
    );
    assert.match(stdout, /hint: In the loop, on \['get', from\]/);
    assert.match(stdout, /0 of 4 checks pass\./);
  });

  it('an unknown exercise lists them all, exit code 1', async () => {
    const { code, stdout } = await exercise(['no-such-chapter']);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /There is no exercise called 'no-such-chapter'/);
    for (const dir of chapters) assert.ok(stdout.includes(`${dir.slice(0, 2)}  ${dir.slice(3)}`), dir);
  });

  it('a type error is shown before the checks, as file:line, the message and a hint; exit code 1 though the checks pass', async () => {
    // The answer of issue 17: `_` for the sender, so TypeScript sees an `unknown` where send wants a Pid.
    const dir = mkdtempSync(join(tmpdir(), 'beamish-learn-types-'));
    try {
      const file = join(dir, 'answer.mts');
      writeFileSync(
        file,
        [
          `import { _, anyNumber, type Pid, receive, send, spawn } from '${runtimePath}';`,
          '',
          "export type CounterMsg = ['add', number] | ['get', Pid] | 'stop';",
          '',
          'export function counter(initial: number): Pid<CounterMsg> {',
          '  return spawn<CounterMsg>(async () => {',
          '    let count = initial;',
          '    for (;;) {',
          "      const msg = await receive([['add', anyNumber], ['get', _], 'stop']);",
          "      if (msg === 'stop') return;",
          "      if (msg[0] === 'add') count += msg[1];",
          "      else send(msg[1], ['count', count]);",
          '    }',
          '  });',
          '}',
          '',
        ].join('\n'),
      );
      const { code, stdout } = await exercise(['3', '--module', file]);
      assert.equal(code, 1, stdout);
      assert.match(stdout, /TypeScript finds 1 error in .*answer\.mts:\n\n {2}✘ .*answer\.mts:12:17 \(TS2769\)\n/);
      assert.match(stdout, /Argument of type 'unknown' is not assignable to parameter of type 'Pid<unknown>'\./);
      assert.match(stdout, /hint: What `_` matches comes out of receive typed `unknown`[\s\S]*Match it with `anyPid`/);
      // The errors come first; the checks still run, and the verdict counts the error.
      assert.ok(stdout.indexOf('TS2769') < stdout.indexOf('✔'), stdout);
      assert.equal(stdout.match(/✔/g)?.length, 4, stdout);
      assert.match(stdout, /All 4 checks pass, but TypeScript finds 1 error \(above\): fix that too\./);
      assert.doesNotMatch(stdout, /Next: docs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a syntax error is reported once, by TypeScript, and no check runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beamish-learn-syntax-'));
    try {
      const file = join(dir, 'answer.mts');
      writeFileSync(
        file,
        `import { spawn } from '${runtimePath}';\nexport function counter(initial: number) {\n  return spawn(async () => {\n    let count = initial\n  });\n}}\n`,
      );
      const { code, stdout } = await exercise(['3', '--module', file]);
      assert.equal(code, 1, stdout);
      assert.equal(stdout.match(/✘/g)?.length, 1, stdout);
      assert.match(stdout, /✘ .*answer\.mts:6:2 \(TS1128\)\n {6}Declaration or statement expected\./);
      assert.match(stdout, /None of the 4 checks can run until \S*answer\.mts loads: fix the error\s+above first\./);
      assert.doesNotMatch(stdout, /could not be loaded|counter\(3\) answers/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file that loads but lacks the export says so once, not under every check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beamish-learn-export-'));
    try {
      const file = join(dir, 'answer.mts');
      writeFileSync(file, 'export function count(): number {\n  return 1;\n}\n');
      const { code, stdout } = await exercise(['3', '--module', file]);
      assert.equal(code, 1, stdout);
      assert.equal(stdout.match(/✘/g)?.length, 1, stdout);
      assert.match(stdout, /✘ answer\.mts should export a function named counter, but it does not\./);
      assert.match(stdout, /None of the 4 checks can run until this is fixed\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('alone, it lists the exercises and which answers already pass, and how long that took', async () => {
    const line = (dir: string, status: string) =>
      new RegExp(`^ {2}${dir.slice(0, 2)} {2}${dir.slice(3)} +${status}$`, 'm');
    const untouched = await exercise([]);
    assert.equal(untouched.code, 0, untouched.stdout);
    for (const dir of chapters) assert.match(untouched.stdout, line(dir, '· not started'), untouched.stdout);
    assert.match(
      untouched.stdout,
      /Checked in \d+\.\d s\. Next: docs\/learn\/01-spawn-and-send\.md, and `npm run exercise 1`/,
    );
    const solutions = await exercise(['--solution']);
    assert.equal(solutions.code, 0, solutions.stdout);
    for (const dir of chapters) assert.match(solutions.stdout, line(dir, '✔ all \\d checks pass'), solutions.stdout);
    // About 2.5 s when the machine is idle: one child runs the ten, one after another.
    assert.match(solutions.stdout, /All 10 pass \(checked in \d+\.\d s\)\./);
  });

  it('code that never awaits is stopped by the watchdog, and the learner is told why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beamish-learn-loop-'));
    try {
      const file = join(dir, 'busy.ts');
      writeFileSync(file, 'export function counter(): unknown {\n  for (;;) {}\n}\n');
      const { code, stdout } = await exercise(['3', '--module', file], { EXERCISE_TIMEOUT_MS: '1500' });
      assert.equal(code, 1, stdout);
      assert.match(
        stdout,
        /The checks did not finish within 1\.5 s, so they were stopped\. Does your code loop without ever\s+awaiting\?/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
