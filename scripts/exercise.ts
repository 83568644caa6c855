/**
 * `npm run exercise <n>`: checks your answer to the exercise of chapter `n`
 * of the learning track (docs/learn/), and says in plain words what is
 * wrong, with a hint.
 *
 *   npm run exercise 3                    # checks examples/learn/03-.../exercise.ts
 *   npm run exercise state-in-a-loop      # the same, by name
 *   npm run exercise 3 -- --solution      # checks the chapter's solution.ts instead
 *   npm run exercise 3 -- --module my.ts  # checks another file
 *   npm run exercise                      # lists the exercises, and which already pass
 *   npm run exercise -- --solution        # the same list, for the solutions
 *
 * Exit code 0 when every check passes and TypeScript finds no error, 1
 * otherwise (the list always exits 0).
 *
 * First the file is type-checked (examples/learn/typecheck.ts, about 0.3 s)
 * and the first errors are shown, with a hint for the common ones. Then the
 * checks run, even when there are type errors, unless the file cannot be
 * loaded at all: then that is said once, not under every check.
 *
 * The checks run in a child process, watched from here: JavaScript cannot
 * interrupt a loop that never awaits, so a child stuck in one is killed
 * after a while (60 s, or EXERCISE_TIMEOUT_MS), and that is reported too.
 * Within the child, each check has its own deadline, and every process and
 * server a check starts is stopped when it ends (examples/learn/harness.ts).
 *
 * The list runs every chapter's checks, one chapter after another, in one
 * child process: about 1 s in all on a fresh clone, whose untouched
 * exercises fail at once, and 2.5 s when all ten pass. There the watchdog
 * allows 15 s (or EXERCISE_TIMEOUT_MS) between two checks; a chapter stuck
 * longer is reported as stuck, and a new child goes on with the next one.
 */
import { type ChildProcess, spawn as spawnChild } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CheckResult, Exercise } from '../examples/learn/harness.js';
import { hintFor, type TypeProblem, typeCheck } from '../examples/learn/typecheck.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const learn = join(root, 'examples', 'learn');
const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const green = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);

/** How many errors of TypeScript's are shown, at most. */
const SHOWN_TYPE_ERRORS = 3;

/** The exercise folders, in chapter order: '01-spawn-and-send', ... */
function exercises(): string[] {
  return readdirSync(learn, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^\d\d-/.test(e.name) && existsSync(join(learn, e.name, 'check.ts')))
    .map((e) => e.name)
    .sort();
}

/** The folder `wanted` names: a chapter number ('3', '03'), a full folder name, or the name without its number. */
function findExercise(wanted: string): string | undefined {
  const all = exercises();
  if (/^\d+$/.test(wanted)) return all.find((dir) => Number(dir.slice(0, 2)) === Number(wanted));
  return all.find((dir) => dir === wanted || dir.slice(3) === wanted);
}

function listExercises(): void {
  console.log('The exercises of the learning track (docs/learn/):\n');
  for (const dir of exercises()) console.log(`  ${dir.slice(0, 2)}  ${dir.slice(3)}`);
  console.log('\nRun one with `npm run exercise <number or name>`, e.g. `npm run exercise 1`.');
}

/** `text` wrapped to `width` columns, every line indented by `indent`; a `command in backticks` is not broken. */
function wrap(text: string, indent: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.match(/`[^`]*`\S*|\S+/g) ?? []) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

/** '1 error', '2 errors'. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A path as the learner would type it: relative to the clone when it is inside it. */
function shownPath(file: string): string {
  const rel = relative(root, file);
  return rel.startsWith('..') ? file : rel;
}

/**
 * TypeScript's first errors, each as `✘ file:line:column (TSnnnn)`, its
 * message, and a hint when it is a common one.
 */
function printTypeProblems(problems: readonly TypeProblem[], file: string): void {
  console.log(`TypeScript finds ${plural(problems.length, 'error')} in ${shownPath(file)}:\n`);
  for (const p of problems.slice(0, SHOWN_TYPE_ERRORS)) {
    const where = p.file === '' ? 'TypeScript' : `${shownPath(p.file)}:${p.line}:${p.column}`;
    console.log(`  ${red('✘')} ${where} ${dim(`(TS${p.code})`)}`);
    for (const line of p.message.split('\n')) {
      console.log(wrap(line.trim(), ' '.repeat(6 + (line.length - line.trimStart().length))));
    }
    const hint = hintFor(p);
    if (hint !== undefined) console.log(dim(wrap(`hint: ${hint}`, '      ')));
  }
  if (problems.length > SHOWN_TYPE_ERRORS) {
    console.log(`\n  ...and ${problems.length - SHOWN_TYPE_ERRORS} more: \`npm run typecheck\` shows them all.`);
  }
  console.log('');
}

interface Args {
  readonly target: string | undefined;
  readonly solution: boolean;
  readonly module: string | undefined;
}

function parseArgs(argv: string[]): Args {
  let target: string | undefined;
  let solution = false;
  let module: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--solution' || arg === 'solution') solution = true;
    else if (arg === '--module') module = argv[++i];
    else if (target === undefined) target = arg;
  }
  return { target, solution, module };
}

/** The parent: finds the exercise, runs the child, and stops it if it hangs. */
async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.target === undefined) {
    await listWithStatus(args.solution);
    return 0;
  }
  const dir = findExercise(args.target);
  if (dir === undefined) {
    console.log(`There is no exercise called '${args.target}'.\n`);
    listExercises();
    return 1;
  }
  const file =
    args.module !== undefined ? resolve(args.module) : join(learn, dir, args.solution ? 'solution.ts' : 'exercise.ts');
  if (!existsSync(file)) {
    console.log(`There is no file ${file} to check.`);
    return 1;
  }
  const limitMs = Number(process.env.EXERCISE_TIMEOUT_MS ?? 60_000);
  const checker = spawnChild(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', dir, file],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    checker.kill('SIGKILL');
  }, limitMs);
  const code = await new Promise<number>((done) => {
    checker.on('exit', (exitCode) => done(exitCode ?? 1));
  });
  clearTimeout(timer);
  if (timedOut) {
    console.log(
      `\n${red('✘')} ${wrap(
        `The checks did not finish within ${limitMs / 1000} s, so they were stopped. Does your code loop without ever awaiting? A process that never reaches an await stops every other process, the checks' included.`,
        '  ',
      ).trimStart()}`,
    );
    return 1;
  }
  return code;
}

/** The child: type-checks `file`, then runs the checks of `dir` against it, printing each result as it comes. */
async function runChecks(dir: string, file: string): Promise<number> {
  const { loadAnswer, runExercise } = await import('../examples/learn/harness.js');
  const exercise = (await import(pathToFileURL(join(learn, dir, 'check.ts')).href)).default as Exercise<unknown>;
  const chapter = Number(dir.slice(0, 2));
  const shown = shownPath(file);
  const command =
    file === join(learn, dir, 'exercise.ts')
      ? `npm run exercise ${chapter}`
      : file === join(learn, dir, 'solution.ts')
        ? `npm run exercise ${chapter} -- --solution`
        : `npm run exercise ${chapter} -- --module ${shown}`;
  const again = `Edit ${shown} and run \`${command}\` again.`;
  console.log(`Chapter ${chapter}: ${exercise.title}`);
  console.log(dim(`checking ${shown}\n`));

  const typed = await typeCheck([file]);
  const problems = typed.ok ? typed.problems : [];
  if (!typed.ok) console.log(dim(wrap(`(TypeScript could not check the file: ${typed.why})`, '')));
  if (problems.length > 0) printTypeProblems(problems, file);

  const answer = await loadAnswer(exercise, file);
  if ('problem' in answer) {
    // A syntax error TypeScript has just shown is what the loader trips on too: say it once.
    const shownAbove = problems.some((p) => p.code < 2000);
    if (!shownAbove) console.log(`  ${red('✘')} ${wrap(answer.problem, '    ').trimStart()}\n`);
    console.log(
      wrap(
        shownAbove
          ? `None of the ${exercise.checks.length} checks can run until ${shown} loads: fix the ${problems.length === 1 ? 'error' : 'errors'} above first. ${again}`
          : `None of the ${exercise.checks.length} checks can run until this is fixed. ${again}`,
        '',
      ),
    );
    return 1;
  }

  if (problems.length > 0) console.log('The checks:\n');
  const results = await runExercise(exercise, file, (r: CheckResult) => {
    if (r.ok) {
      console.log(`  ${green('✔')} ${r.title}`);
      return;
    }
    console.log(`  ${red('✘')} ${r.title}`);
    console.log(wrap(r.detail ?? '', '      '));
    if (r.hint !== undefined) console.log(dim(wrap(`hint: ${r.hint}`, '      ')));
  });
  const passed = results.filter((r) => r.ok).length;
  const typeErrors = plural(problems.length, 'error');
  console.log('');
  if (passed === results.length && problems.length === 0) {
    const next = exercises().find((d) => Number(d.slice(0, 2)) === chapter + 1);
    console.log(
      green(`All ${results.length} checks pass.`) + (next ? ` Next: docs/learn/${next}.md` : ' That was the last one.'),
    );
    return 0;
  }
  if (passed === results.length) {
    console.log(`All ${results.length} checks pass, but TypeScript finds ${typeErrors} (above): fix that too.`);
  } else {
    console.log(
      `${passed} of ${results.length} checks pass${problems.length > 0 ? `, and TypeScript finds ${typeErrors} (above)` : ''}.`,
    );
  }
  console.log(wrap(`${again} Stuck? A solution is in examples/learn/${dir}/solution.ts.`, ''));
  return 1;
}

// ---------------------------------------------------------------------------
// The list: `npm run exercise` alone.

/** How one chapter's answer does. */
type Status =
  | { readonly state: 'passes'; readonly total: number }
  | { readonly state: 'not started'; readonly total: number }
  | { readonly state: 'fails'; readonly passed: number; readonly total: number }
  | { readonly state: 'does not load' }
  | { readonly state: 'stuck'; readonly afterMs: number }
  | { readonly state: 'missing' };

/** What the status child tells its parent: a check finished, or a chapter did. */
type StatusMessage =
  | { readonly kind: 'progress' }
  | { readonly kind: 'status'; readonly dir: string; readonly status: Status };

function isStatusMessage(m: unknown): m is StatusMessage {
  if (typeof m !== 'object' || m === null || !('kind' in m)) return false;
  return m.kind === 'progress' || (m.kind === 'status' && 'dir' in m && typeof m.dir === 'string' && 'status' in m);
}

/** Runs the checks of every chapter (`pairs` of folder and file) in a child, telling `onStatus` of each as it comes. */
async function collectStatuses(
  pairs: ReadonlyArray<readonly [string, string]>,
  onStatus: (dir: string, status: Status) => void,
): Promise<void> {
  const limitMs = Number(process.env.EXERCISE_TIMEOUT_MS ?? 15_000);
  let remaining = pairs;
  while (remaining.length > 0) {
    const reported = new Set<string>();
    // The learner's console output would clutter the list: only the IPC channel is kept.
    const child: ChildProcess = spawnChild(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--status', ...remaining.flat()],
      { cwd: root, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] },
    );
    let stuck = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stuck = true;
        child.kill('SIGKILL');
      }, limitMs);
    };
    arm();
    child.on('message', (m: unknown) => {
      arm();
      if (isStatusMessage(m) && m.kind === 'status') {
        reported.add(m.dir);
        onStatus(m.dir, m.status);
      }
    });
    await new Promise<void>((done) => child.on('close', () => done()));
    clearTimeout(timer);
    const rest = remaining.filter(([dir]) => !reported.has(dir));
    const current = rest[0];
    if (current === undefined) return;
    // The child stopped (or was stopped) in the middle of this one; the next child starts after it.
    onStatus(current[0], stuck ? { state: 'stuck', afterMs: limitMs } : { state: 'does not load' });
    remaining = rest.slice(1);
  }
}

/** The status child: runs every chapter's checks, one after another, and reports over IPC. */
async function reportStatuses(pairs: string[]): Promise<void> {
  const { loadAnswer, runExercise } = await import('../examples/learn/harness.js');
  const tell = (m: StatusMessage) =>
    new Promise<void>((done) => {
      if (process.send === undefined) done();
      else process.send(m, () => done());
    });
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const dir = pairs[i] as string;
    const file = pairs[i + 1] as string;
    const exercise = (await import(pathToFileURL(join(learn, dir, 'check.ts')).href)).default as Exercise<unknown>;
    let status: Status;
    if (!existsSync(file)) status = { state: 'missing' };
    else if ('problem' in (await loadAnswer(exercise, file))) status = { state: 'does not load' };
    else {
      const progress: Array<Promise<void>> = [];
      const results = await runExercise(exercise, file, () => {
        progress.push(tell({ kind: 'progress' }));
      });
      await Promise.all(progress);
      const passed = results.filter((r) => r.ok).length;
      const total = results.length;
      if (passed === total) status = { state: 'passes', total };
      else if (results.every((r) => (r.detail ?? '').startsWith('Not written yet:')))
        status = { state: 'not started', total };
      else status = { state: 'fails', passed, total };
    }
    await tell({ kind: 'status', dir, status });
  }
}

/** `npm run exercise` alone: every exercise, and how far its answer (or, with --solution, its solution) goes. */
async function listWithStatus(solution: boolean): Promise<void> {
  const started = Date.now();
  const dirs = exercises();
  const name = solution ? 'solution.ts' : 'exercise.ts';
  const pairs = dirs.map((dir) => [dir, join(learn, dir, name)] as const);
  const width = Math.max(...dirs.map((d) => d.length - 3));
  console.log(`The exercises of the learning track (docs/learn/), and how each examples/learn/NN-name/${name} does:\n`);

  const typed = typeCheck(pairs.map(([, file]) => file).filter((file) => existsSync(file)));
  const statuses = new Map<string, Status>();
  let printing = Promise.resolve();
  const line = async (dir: string, status: Status) => {
    const checked = await typed;
    const errors = checked.ok ? checked.problems.filter((p) => p.file === join(learn, dir, name)).length : 0;
    const typeNote = errors > 0 ? `, and ${plural(errors, 'TypeScript error')}` : '';
    let text: string;
    switch (status.state) {
      case 'passes':
        text =
          errors > 0
            ? `${red('✘')} all ${status.total} checks pass${typeNote}`
            : `${green('✔')} all ${status.total} checks pass`;
        break;
      case 'not started':
        text = `${dim('·')} not started${typeNote}`;
        break;
      case 'fails':
        text = `${red('✘')} ${status.passed} of ${status.total} checks pass${typeNote}`;
        break;
      case 'does not load':
        text = `${red('✘')} does not load${typeNote}`;
        break;
      case 'stuck':
        text = `${red('✘')} stopped: a check was still running after ${status.afterMs / 1000} s (a loop that never awaits?)`;
        break;
      case 'missing':
        text = `${red('✘')} there is no ${name}`;
        break;
    }
    console.log(`  ${dir.slice(0, 2)}  ${dir.slice(3).padEnd(width)}  ${text}`);
  };
  await collectStatuses(pairs, (dir, status) => {
    statuses.set(dir, status);
    printing = printing.then(() => line(dir, status));
  });
  await printing;

  const checked = await typed;
  if (!checked.ok) console.log(dim(wrap(`\n(TypeScript could not check the files: ${checked.why})`, '')));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const next = dirs.find((dir) => {
    const s = statuses.get(dir);
    const typeErrors = checked.ok && checked.problems.some((p) => p.file === join(learn, dir, name));
    return s?.state !== 'passes' || typeErrors;
  });
  console.log('');
  if (next === undefined) {
    console.log(`All ${dirs.length} pass (checked in ${seconds} s).`);
    return;
  }
  const chapter = Number(next.slice(0, 2));
  console.log(
    wrap(
      `Checked in ${seconds} s. Next: docs/learn/${next}.md, and \`npm run exercise ${chapter}\` to check your answer.`,
      '',
    ),
  );
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  // Exit at once: a timer or socket your code left behind must not keep the checks running.
  const code = await runChecks(argv[1] as string, argv[2] as string);
  process.exit(code);
} else if (argv[0] === '--status') {
  await reportStatuses(argv.slice(1));
  process.exit(0);
} else {
  process.exitCode = await main();
}
