/**
 * The checks behind `npm run exercise`. Each chapter's check.ts describes its
 * exercise with `defineExercise`; `runExercise` loads a module (your
 * exercise.ts, or the chapter's solution.ts), runs every check against it in
 * a fresh process, and says in plain words what went wrong.
 *
 * Each check runs with a deadline, and when it ends, however it ends, every
 * process it started is killed and every server it opened is closed, so one
 * check cannot leak into the next.
 */
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import {
  _,
  type CrashReport,
  exit,
  flush,
  type Matched,
  monitor,
  on,
  Pid,
  ProcessExit,
  processes,
  type Ref,
  receive,
  run,
  self,
  setLogger,
} from 'beamish/runtime';

/**
 * A check that did not hold. Its message is one plain sentence for the learner.
 * @example throw new CheckFailure("counter(3) should reply ['count', 3], but it replied ['count', 0].");
 */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

/**
 * Ends the running check as failed. Write `sentence` as "X should Y, but Z".
 * @example fail(`counter(3) should reply ['count', 3], but it replied ${show(reply)}.`)
 */
export function fail(sentence: string): never {
  throw new CheckFailure(sentence);
}

/**
 * One thing an exercise must do.
 * @example
 * const check: Check<Module> = {
 *   title: "counter(3) answers ['get', you] with ['count', 3]",
 *   hint: "On ['get', from], send(from, ['count', count]).",
 *   async run({ counter }) { ... },
 * };
 */
export interface Check<M> {
  /** What is checked, in a few words: printed after ✔ or ✘. */
  readonly title: string;
  /** A nudge printed under a failed check. */
  readonly hint: string;
  /** How long the whole check may take; 3000 ms unless said. */
  readonly deadlineMs?: number;
  /** Runs the check, in a process of its own; throws (usually via `fail`) when it does not hold. */
  readonly run: (mod: M) => Promise<void>;
}

/**
 * A chapter's exercise: what it must export, and its checks, in order.
 * @example { title: 'State in a loop', exports: ['counter'], checks: [check] }
 */
export interface Exercise<M> {
  /** The chapter's title, e.g. 'State in a loop'. */
  readonly title: string;
  /** The functions the module must export. */
  readonly exports: ReadonlyArray<keyof M & string>;
  readonly checks: ReadonlyArray<Check<M>>;
}

/**
 * Declares an exercise. `M` is the module's type: `typeof import('./exercise.js')`.
 * @example export default defineExercise<typeof import('./exercise.js')>({ title, exports: ['counter'], checks })
 */
export function defineExercise<M>(exercise: Exercise<M>): Exercise<M> {
  return exercise;
}

/**
 * How one check went.
 * @example { title: "'stop' ends it, normally", ok: false, detail: "counter(0) should end ...", hint: '...', ms: 501 }
 */
export interface CheckResult {
  readonly title: string;
  readonly ok: boolean;
  /** Why it failed, in plain words (only when it failed). */
  readonly detail?: string;
  /** The check's hint (only when it failed). */
  readonly hint?: string;
  readonly ms: number;
}

// Cleanups registered by the running check (servers to close, ...). Checks
// run one at a time, so one list serves.
let cleanups: Array<() => unknown> = [];

/**
 * Registers something to undo when the running check ends, after its
 * processes are killed: closing a server it started, say.
 * @example const server = await startServer(); onCleanup(() => server.close());
 */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

/**
 * Loads the module at `modulePath` and makes sure it exports the functions
 * `exercise` needs. Never throws: when the module cannot be used, `problem`
 * says why in one sentence, and no check can run.
 * @example const answer = await loadAnswer(exercise, 'examples/learn/03-state-in-a-loop/exercise.ts');
 */
export async function loadAnswer<M>(
  exercise: Exercise<M>,
  modulePath: string,
): Promise<{ readonly mod: M } | { readonly problem: string }> {
  const file = modulePath.split(/[\\/]/).pop() ?? modulePath;
  let mod: M;
  try {
    mod = (await import(pathToFileURL(modulePath).href)) as M;
  } catch (err) {
    return { problem: `${file} could not be loaded: ${messageOf(err)}` };
  }
  const missing = exercise.exports.find((name) => typeof (mod as Record<string, unknown>)[name] !== 'function');
  if (missing !== undefined) return { problem: `${file} should export a function named ${missing}, but it does not.` };
  return { mod };
}

/**
 * Loads the module at `modulePath` and runs every check of `exercise`
 * against it, one after another. `onResult` is told of each result as soon
 * as it is known. Never throws: a module that cannot be loaded fails every
 * check, saying why (`loadAnswer` tells that once, before any check).
 * @example const results = await runExercise(exercise, 'examples/learn/03-state-in-a-loop/solution.ts');
 */
export async function runExercise<M>(
  exercise: Exercise<M>,
  modulePath: string,
  onResult: (result: CheckResult) => void = () => {},
): Promise<CheckResult[]> {
  const answer = await loadAnswer(exercise, modulePath);
  const results: CheckResult[] = [];
  for (const check of exercise.checks) {
    const started = Date.now();
    const detail = 'problem' in answer ? answer.problem : await runCheck(check, answer.mod);
    const result: CheckResult =
      detail === undefined
        ? { title: check.title, ok: true, ms: Date.now() - started }
        : { title: check.title, ok: false, detail, hint: check.hint, ms: Date.now() - started };
    results.push(result);
    onResult(result);
  }
  return results;
}

/** Runs one check; returns undefined when it holds, else why not. */
async function runCheck<M>(check: Check<M>, mod: M): Promise<string | undefined> {
  const shell = self();
  const before = new Set(processes());
  const crashes: CrashReport[] = [];
  const logger = setLogger({ crash: (report) => crashes.push(report) });
  cleanups = [];
  const deadlineMs = check.deadlineMs ?? 3000;
  let checkPid: Pid | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = run(async () => {
      checkPid = self();
      await check.run(mod);
    });
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs);
    });
    if ((await Promise.race([outcome, deadline])) === 'late') {
      // Killed below with the rest; its promise then rejects, unheard.
      outcome.catch(() => {});
      return `The check did not finish within ${deadlineMs} ms: something waits for a message that never comes.`;
    }
    return undefined;
  } catch (err) {
    return explain(err, crashes, checkPid);
  } finally {
    clearTimeout(timer);
    for (const pid of processes()) {
      if (!before.has(pid) && pid !== shell) exit(pid, 'kill');
    }
    // Each cleanup may take a second at most; one that fails is let go.
    for (const cleanup of cleanups.splice(0)) {
      let cap: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.resolve().then(cleanup),
        new Promise((resolve) => {
          cap = setTimeout(resolve, 1000);
        }),
      ]).catch(() => {});
      clearTimeout(cap);
    }
    setLogger(logger);
  }
}

/** Why a check failed, from what it threw and what crashed meanwhile. */
function explain(err: unknown, crashes: CrashReport[], checkPid: Pid | undefined): string {
  let text: string;
  if (err instanceof CheckFailure) text = err.message;
  else if (err instanceof ProcessExit) text = `Your code ended the check's process: ${err.message}.`;
  else if (messageOf(err).startsWith('TODO')) text = `Not written yet: ${messageOf(err)}${whereIn(err)}.`;
  else text = `Your code threw an error: ${messageOf(err)}${whereIn(err)}.`;
  // A crash of one of the learner's processes the sentence does not name yet.
  for (const { pid, error } of crashes) {
    if (pid === checkPid || error instanceof CheckFailure) continue;
    const message = messageOf(error);
    if (!text.includes(message)) text += ` (Meanwhile process ${pid} crashed: ${message}${whereIn(error)})`;
  }
  return text;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : show(err);
}

/** ' (exercise.ts:12:5)': the first line of the stack that is in an exercise or solution file. */
function whereIn(err: unknown): string {
  if (!(err instanceof Error) || err.stack === undefined) return '';
  const line = err.stack.split('\n').find((l) => /(exercise|solution)\.ts:\d+/.test(l));
  const at = line?.match(/([\w-]+\/(?:exercise|solution)\.ts:\d+:\d+)/)?.[1];
  return at === undefined ? '' : ` (at ${at})`;
}

/**
 * A term as you would write it in TypeScript: `['count', 3]`, `'stop'`.
 * @example show(['count', 3]) // "['count', 3]"
 */
export function show(term: unknown): string {
  return inspect(term, { breakLength: Infinity, depth: 4 }).replace(/^\[ (.*) \]$/, '[$1]');
}

/**
 * What a process's exit reason means, in words.
 * @example describeExit(['error', new Error('boom')]) // 'it crashed: boom'
 */
export function describeExit(reason: unknown): string {
  if (reason === 'normal') return 'it ended normally';
  if (reason === 'killed') return 'it was killed';
  if (reason === 'noproc') return 'it was not alive at all';
  if (Array.isArray(reason) && reason[0] === 'error') return `it crashed: ${messageOf(reason[1])}${whereIn(reason[1])}`;
  return `it exited with reason ${show(reason)}`;
}

/**
 * A process the check watches with a monitor, so that a wait can end as soon as it dies, and say so.
 * @example const counter: Watched = watch(mod.counter(3), 'counter(3)');
 */
export interface Watched {
  readonly pid: Pid;
  /** How the sentence calls it: 'counter(3)', 'the echo process'. */
  readonly name: string;
  readonly ref: Ref;
}

/**
 * Monitors `pid`, so that `expectMessage` can tell "it never answered" from
 * "it died". Fails at once if `pid` is not a pid.
 * @example const counter = watch(mod.counter(3), 'counter(3)');
 */
export function watch(pid: unknown, name: string): Watched {
  if (!(pid instanceof Pid)) fail(`${name} should return a pid, but it returned ${show(pid)}.`);
  return { pid, name, ref: monitor('process', pid) };
}

/**
 * Waits at most `ms` for a message matching `pattern` and returns it. Fails
 * with "`expectation`, but ..." when nothing comes in time or when `watched`
 * dies first. `expectation` reads as "counter(3) should reply ['count', 3]".
 * @example await expectMessage(['count', anyNumber], 500, "counter(3) should reply ['count', 3]", counter);
 */
export async function expectMessage<const P>(
  pattern: P,
  ms: number,
  expectation: string,
  watched?: Watched,
): Promise<Matched<P>> {
  // The watched process's DOWN first, so that `pattern` may be `_`.
  const clauses: unknown[] = [];
  if (watched !== undefined) {
    clauses.push(on(['DOWN', watched.ref, 'process', watched.pid, _], ([, , , , reason]) => ({ down: reason })));
  }
  clauses.push(on(pattern, (m) => ({ got: m })));
  const outcome = (await receive(clauses, ms, () => ({ late: true }))) as { got?: unknown; down?: unknown };
  if ('got' in outcome) return outcome.got as Matched<P>;
  if ('down' in outcome && watched !== undefined) {
    fail(`${expectation}, but ${watched.name} ended first: ${describeExit(outcome.down)}.`);
  }
  fail(`${expectation}, but nothing came within ${ms} ms.${mailboxNote()}`);
}

/**
 * Fails if a message matching `pattern` comes within `ms`.
 * @example await expectNoMessage(['reminder', 'tea'], 200, 'a cancelled reminder should never arrive');
 */
export async function expectNoMessage(pattern: unknown, ms: number, expectation: string): Promise<void> {
  const got = await receive([on(pattern, (m) => ({ got: m }))], ms, undefined);
  if (got !== undefined) fail(`${expectation}, but ${show(got.got)} came.`);
}

/**
 * Waits at most `ms` for `watched` to end, and returns its exit reason.
 * @example const reason = await expectDown(counter, 500, "counter(3) should end when sent 'stop'");
 */
export async function expectDown(watched: Watched, ms: number, expectation: string): Promise<unknown> {
  const down = await receive(
    [on(['DOWN', watched.ref, 'process', watched.pid, _], ([, , , , reason]) => ({ reason }))],
    ms,
    undefined,
  );
  if (down === undefined) fail(`${expectation}, but ${watched.name} was still running after ${ms} ms.`);
  return down.reason;
}

/** " Your mailbox held instead: ...": what came, when it was not what was expected. */
function mailboxNote(): string {
  const held = flush().filter((m) => !(Array.isArray(m) && m[0] === 'DOWN'));
  if (held.length === 0) return '';
  const listed = held.slice(0, 3).map(show).join(', ');
  return ` What came instead: ${listed}${held.length > 3 ? `, and ${held.length - 3} more` : ''}.`;
}
