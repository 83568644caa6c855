/**
 * The type check behind `npm run exercise`: runs the project's TypeScript
 * compiler over a few files, with the project's own tsconfig.json (its
 * strictness, and its `paths` that make `beamish/runtime` mean src/runtime),
 * and says what it finds in plain words, with a hint for the mistakes
 * learners make most.
 *
 * Like the docs' snippet test (test/docs/snippets.test.ts), it runs the real
 * `tsc` from node_modules in a child process and reads its plain output. The
 * compiler takes either a project or a list of files, not both, so a
 * throwaway tsconfig.json in a temporary folder extends the project's and
 * lists just the files; the folder is removed when the compiler is done.
 * It takes about 0.3 s.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * One error TypeScript reports.
 * @example { file: '/work/examples/learn/03-state-in-a-loop/exercise.ts', line: 12, column: 17, code: 2769, message: 'No overload matches this call.\n...' }
 */
export interface TypeProblem {
  /** The absolute path of the file, or '' for an error about no file in particular. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The number after TS: 2769 for TS2769. */
  readonly code: number;
  /** The message; the lines after the first one explain it further, indented. */
  readonly message: string;
}

/**
 * What TypeScript says of `files`, checked as `npm run typecheck` would check
 * them: their errors only, not those of the files they import (the runtime's
 * are the project's business). `ok: false` when the compiler could not run.
 * @example const { problems } = await typeCheck(['examples/learn/03-state-in-a-loop/exercise.ts']);
 */
export async function typeCheck(
  files: readonly string[],
  root: string = projectRoot,
): Promise<{ readonly ok: true; readonly problems: TypeProblem[] } | { readonly ok: false; readonly why: string }> {
  const wanted = new Set(files.map((f) => resolve(f)));
  const dir = mkdtempSync(join(tmpdir(), 'beamish-typecheck-'));
  try {
    const config = join(dir, 'tsconfig.json');
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(root, 'tsconfig.json'),
        // Types are looked up next to the tsconfig.json, which is not in the project.
        compilerOptions: { noEmit: true, typeRoots: [join(root, 'node_modules', '@types')] },
        files: [...wanted],
        include: [],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const output = await new Promise<{ stdout: string; failed: string | undefined }>((done) => {
      execFile(
        process.execPath,
        [tsc, '-p', config, '--pretty', 'false'],
        { cwd: root, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          // Exit code 2 just means "errors found"; anything else without output is the compiler failing.
          const failed = err !== null && stdout.trim() === '' ? `${stderr.trim() || err.message}` : undefined;
          done({ stdout, failed });
        },
      );
    });
    if (output.failed !== undefined) return { ok: false, why: output.failed };
    const problems = parseTscOutput(output.stdout, root).filter((p) => p.file === '' || wanted.has(p.file));
    return { ok: true, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The errors in tsc's `--pretty false` output: `file(line,col): error TS2769: message`,
 * then the message's further lines, indented.
 * @example parseTscOutput("a.ts(3,5): error TS2304: Cannot find name 'spawn'.\n", '/work')
 */
export function parseTscOutput(stdout: string, root: string): TypeProblem[] {
  const problems: Array<{ file: string; line: number; column: number; code: number; message: string }> = [];
  for (const text of stdout.split(/\r?\n/)) {
    const located = text.match(/^(.+)\((\d+),(\d+)\): error TS(\d+): (.*)$/);
    const general = text.match(/^error TS(\d+): (.*)$/);
    const last = problems[problems.length - 1];
    if (located !== null) {
      const [, file = '', line = '0', column = '0', code = '0', message = ''] = located;
      problems.push({
        file: resolve(root, file),
        line: Number(line),
        column: Number(column),
        code: Number(code),
        message,
      });
    } else if (general !== null) {
      const [, code = '0', message = ''] = general;
      problems.push({ file: '', line: 0, column: 0, code: Number(code), message });
    } else if (last !== undefined && /^\s+\S/.test(text)) {
      last.message += `\n${text}`;
    }
  }
  return problems;
}

/**
 * A hint for the common mistakes, in words a learner can act on; undefined for the others.
 * @example hintFor({ code: 2769, message: "...Argument of type 'unknown' is not assignable to parameter of type 'Pid<unknown>'." })
 */
export function hintFor(problem: Pick<TypeProblem, 'code' | 'message'>): string | undefined {
  const { code, message } = problem;
  if (/'unknown' is not assignable to (parameter of )?type '(Pid|Ref)\b/.test(message)) {
    return "What `_` matches comes out of receive typed `unknown`, so TypeScript does not know it is a pid. Match it with `anyPid` instead of `_` (e.g. ['get', anyPid]), and the value you get is a Pid.";
  }
  if (/'unknown' is not assignable to (parameter of )?type '(number|string|boolean)'/.test(message) || code === 18046) {
    return 'What `_` matches comes out of receive typed `unknown`. Match it with the matcher for its type instead (anyNumber, anyString, anyPid, anyArray, ...), and the value you get has that type.';
  }
  if (code === 2304) {
    return "Is it imported? The runtime's functions and matchers come from 'beamish/runtime': import { spawn, receive, anyPid } from 'beamish/runtime'. Or is it misspelt?";
  }
  if (code === 2307) return "Import the runtime as 'beamish/runtime' (and Gun as 'beamish/gun').";
  if (code === 1308) {
    return 'Only an async function can await: write the process as spawn(async () => { ... }), and mark a function async when it awaits receive.';
  }
  if (code === 7006 || code === 7031) {
    return "Give it a type, e.g. (n: number) => ..., or let a typed pattern give it one: on(['add', anyNumber], ([, n]) => ...) makes n a number.";
  }
  if (code === 2366 || code === 2355) {
    return 'The function says it returns something, but some way through it ends without a return: add the missing return, or check the declared return type.';
  }
  if (code === 2554) return 'Compare the call with the function it calls: how many arguments does it take?';
  return undefined;
}
