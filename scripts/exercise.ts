/**
 * `npm run exercise <n>`: checks your answer to the exercise of chapter `n`
 * of the learning track (docs/learn/), and says in plain words what is
 * wrong, with a hint.
 *
 *   npm run exercise 3                    # checks examples/learn/03-.../exercise.ts
 *   npm run exercise state-in-a-loop      # the same, by name
 *   npm run exercise 3 -- --solution      # checks the chapter's solution.ts instead
 *   npm run exercise 3 -- --module my.ts  # checks another file
 *   npm run exercise                      # lists the exercises
 *
 * Exit code 0 when every check passes, 1 otherwise.
 *
 * The checks run in a child process, watched from here: JavaScript cannot
 * interrupt a loop that never awaits, so a child stuck in one is killed
 * after a while (60 s, or EXERCISE_TIMEOUT_MS), and that is reported too.
 * Within the child, each check has its own deadline, and every process and
 * server a check starts is stopped when it ends (examples/learn/harness.ts).
 */
import { spawn as spawnChild } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CheckResult, Exercise } from '../examples/learn/harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const learn = join(root, 'examples', 'learn');
const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const green = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);

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

/** `text` wrapped to `width` columns, every line indented by `indent`. */
function wrap(text: string, indent: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
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
    listExercises();
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

/** The child: runs the checks of `dir` against `file`, printing each result as it comes. */
async function runChecks(dir: string, file: string): Promise<number> {
  const { runExercise } = await import('../examples/learn/harness.js');
  const exercise = (await import(pathToFileURL(join(learn, dir, 'check.ts')).href)).default as Exercise<unknown>;
  const chapter = Number(dir.slice(0, 2));
  const shown = relative(root, file);
  console.log(`Chapter ${chapter}: ${exercise.title}`);
  console.log(dim(`checking ${shown}\n`));
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
  console.log('');
  if (passed === results.length) {
    const next = exercises().find((d) => Number(d.slice(0, 2)) === chapter + 1);
    console.log(
      green(`All ${results.length} checks pass.`) + (next ? ` Next: docs/learn/${next}.md` : ' That was the last one.'),
    );
    return 0;
  }
  console.log(`${passed} of ${results.length} checks pass.`);
  console.log(
    wrap(
      `Edit ${shown} and run \`npm run exercise ${chapter}\` again. Stuck? A solution is in examples/learn/${dir}/solution.ts.`,
      '',
    ),
  );
  return 1;
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  // Exit at once: a timer or socket your code left behind must not keep the checks running.
  const code = await runChecks(argv[1] as string, argv[2] as string);
  process.exit(code);
} else {
  process.exitCode = await main();
}
