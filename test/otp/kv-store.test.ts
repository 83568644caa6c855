import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { kv, kvSupervisor } from '../../examples/otp/kv-store.js';
import { CallError } from '../../src/otp/errors.js';
import { Supervisor, type SupervisorReport } from '../../src/otp/supervisor.js';
import { _, exit, monitor, type Pid, receive, run, setLogger, whereis } from '../../src/runtime/index.js';

/** The key-value store under a supervisor (examples/otp/kv-store.ts), run as a script and driven from a test. */

const execute = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `fn` with crash reports silenced (the store crashes on purpose). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const previous = setLogger({ crash() {} });
  try {
    return await fn();
  } finally {
    setLogger(previous);
  }
}

/** Makes the store crash with a bad incr; the CallError carries its crash. */
async function crashStore(name: string): Promise<void> {
  await kv(['put', 'bad', 'text'], name);
  await assert.rejects(kv(['incr', 'bad'], name), (e: unknown) => e instanceof CallError);
}

describe('the kv-store example', () => {
  it('npx tsx examples/otp/kv-store.ts: the store crashes, the supervisor restarts it, the data is read back; exits 0', async () => {
    const { stdout, stderr } = await execute(process.execPath, ['--import', 'tsx', 'examples/otp/kv-store.ts'], {
      cwd: root,
      timeout: 30_000,
    });
    const lines = stdout.trimEnd().split('\n');
    const pid = String.raw`<0\.\d+\.0>`;
    const expected = [
      new RegExp(`^supervisor ${pid} started: store ${pid}, backup ${pid}$`),
      /^incr apples -> 4$/,
      /^keys -> apples, name$/,
      /^incr name -> the store crashed: gen_server call to kv failed: error: cannot increment name: kv$/,
      new RegExp(`^restarted: store ${pid}, backup ${pid}$`),
      new RegExp(`^store ${pid} -> ${pid}$`),
      /^get apples -> 4 \(read back from the backup\)$/,
      /^stopped$/,
    ];
    assert.equal(lines.length, expected.length, stdout);
    for (const [i, line] of lines.entries()) assert.match(line, expected[i] as RegExp);
    const [, before, after] = /^store (\S+) -> (\S+)$/.exec(lines[5] as string) ?? [];
    assert.notEqual(before, after);
    // The crash, as the runtime and the supervisor report it.
    assert.match(
      stderr,
      /Error in process <0\.\d+\.0> \(kv\) with exit value:\n\{error,#TypeError<cannot increment name: kv>\}\nTypeError: cannot increment name: kv\n {4}at /,
    );
    assert.match(stderr, /=SUPERVISOR REPORT====[\s\S]*errorContext: child_terminated[\s\S]*offender: id=store/);
  });

  it('a crashed store comes back with the data its backup kept; the backup is not restarted (rest_for_one: it comes first)', () =>
    quietly(() =>
      run(async () => {
        const sup = await Supervisor.start(kvSupervisor('kv_t1'), { report: () => {} });
        await kv(['put', 'apples', 3], 'kv_t1');
        const store = whereis('kv_t1') as Pid;
        const backup = whereis('kv_t1_backup') as Pid;
        await crashStore('kv_t1');
        await Supervisor.countChildren(sup); // answered once the store is restarted
        assert.notEqual(whereis('kv_t1'), store);
        assert.equal(whereis('kv_t1_backup'), backup);
        assert.equal(await kv(['get', 'apples'], 'kv_t1'), 3);
        assert.deepEqual(await kv(['keys'], 'kv_t1'), ['apples', 'bad']);
        await Supervisor.stop(sup);
        assert.equal(whereis('kv_t1'), undefined);
      }),
    ));

  it('rest_for_one: when the backup dies, the store after it is restarted too, and both start empty', () =>
    run(async () => {
      const sup = await Supervisor.start(kvSupervisor('kv_t2'), { report: () => {} });
      await kv(['put', 'apples', 3], 'kv_t2');
      const store = whereis('kv_t2') as Pid;
      exit(whereis('kv_t2_backup') as Pid, 'kill');
      await Supervisor.countChildren(sup);
      assert.notEqual(whereis('kv_t2'), store);
      assert.equal(await kv(['get', 'apples'], 'kv_t2'), undefined);
      await Supervisor.stop(sup);
    }));

  it('a store that keeps crashing: the fourth restart within 5 s exceeds intensity 3 and the supervisor exits shutdown', () =>
    quietly(() =>
      run(async () => {
        const reports: SupervisorReport[] = [];
        const sup = await Supervisor.start(kvSupervisor('kv_t3'), { report: (r) => reports.push(r) });
        const ref = monitor('process', sup);
        for (let i = 0; i < 3; i++) {
          await crashStore('kv_t3');
          await Supervisor.countChildren(sup);
        }
        await crashStore('kv_t3');
        const [, , , , reason] = await receive([['DOWN', ref, 'process', _, _]], 2000);
        assert.equal(reason, 'shutdown');
        assert.equal(whereis('kv_t3_backup'), undefined);
        assert.equal(reports.at(-1)?.reason, 'reached_max_restart_intensity');
      }),
    ));
});
