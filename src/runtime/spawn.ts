import { actor, current, startAs } from './context.js';
import { BadArgError, exitReasonOf, ProcessExit } from './errors.js';
import { type Pid, Ref } from './ids.js';
import { reportCrash } from './logger.js';
import { Proc } from './process.js';
import { registerProc } from './registry.js';
import { addLink, addMonitor } from './signal-table.js';
import { emitTrace, TRACE_PROCS, TRACE_SET_ON_SPAWN } from './trace-events.js';

/** What a process runs: any function, usually async. Its result is ignored. */
export type ProcessFn = () => unknown;

/**
 * Options of `spawn`, `spawnLink`, `spawnMonitor` and `run`: each is set up
 * before the new process runs, so nothing can reach it first.
 */
export interface SpawnOptions {
  /** Link the new process to the caller before it runs (`spawn_link`). */
  readonly link?: boolean;
  /** Register the new process under this name before it runs. */
  readonly name?: string;
  /** Start the process with `trap_exit` set. */
  readonly trapExit?: boolean;
}

// Processes start in a microtask, as an Erlang process starts after spawn
// returns. One microtask starts every process spawned since the last one.
let starting: Array<Proc | ProcessFn> = [];

function scheduleStart(proc: Proc, fn: ProcessFn): void {
  if (starting.length === 0) queueMicrotask(startAll);
  starting.push(proc, fn);
}

function startAll(): void {
  const batch = starting;
  starting = [];
  startAs(batch, start);
}

function start(proc: Proc, fn: ProcessFn): void {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    failed(proc, err);
    return;
  }
  if (isThenable(result)) {
    Promise.resolve(result).then(returned, threw);
  } else {
    proc.die('normal');
  }
}

// The end of an async process function. Reactions run in the context `then`
// was called in, the process's own, so `current()` finds the process: two
// shared functions instead of two closures per process.
function returned(): void {
  current().die('normal');
}

function threw(err: unknown): void {
  failed(current(), err);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function failed(proc: Proc, err: unknown): void {
  // A dead process throwing is its code unwinding after a kill: nothing new.
  if (!proc.alive) return;
  const reason = exitReasonOf(err);
  if (!(err instanceof ProcessExit)) reportCrash({ pid: proc.pid, name: proc.name, error: err, reason });
  proc.die(reason);
}

function create(fn: unknown, opts: SpawnOptions | undefined, caller: string): Proc {
  if (typeof fn !== 'function') {
    throw new BadArgError(caller, 'fn', `expected a function, got ${fn === null ? 'null' : typeof fn}`);
  }
  if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
    throw new BadArgError(caller, 'opts', 'expected an options object');
  }
  const parent = actor();
  const proc = new Proc();
  const fnName: unknown = (fn as ProcessFn).name;
  proc.initial = typeof fnName === 'string' ? fnName : '';
  if (opts?.name !== undefined) {
    try {
      registerProc(caller, opts.name, proc);
    } catch (err) {
      proc.die('normal');
      throw err;
    }
  }
  if (opts?.trapExit === true) proc.trapExit = true;
  if (parent.traceFlags !== 0) traceSpawn(parent, proc, fn as ProcessFn);
  if (opts?.link === true) addLink(parent, proc);
  return proc;
}

/**
 * The trace of a spawn: the parent's `spawn` event, and with `set_on_spawn`
 * the child inherits the parent's flags and tracer (then its own `spawned`
 * event, as Erlang's). Erlang names the function as `{M, F, Args}`; a JS
 * function has only its name.
 */
function traceSpawn(parent: Proc, child: Proc, fn: ProcessFn): void {
  const what = fn.name === '' ? 'anonymous' : fn.name;
  if ((parent.traceFlags & TRACE_PROCS) !== 0) emitTrace(parent, ['trace', parent.pid, 'spawn', child.pid, what]);
  if ((parent.traceFlags & TRACE_SET_ON_SPAWN) !== 0) {
    child.traceFlags = parent.traceFlags;
    child.tracer = parent.tracer;
    if ((child.traceFlags & TRACE_PROCS) !== 0) emitTrace(child, ['trace', child.pid, 'spawned', parent.pid, what]);
  }
}

/**
 * Starts a process running `fn`; returns its pid at once (Erlang's
 * `spawn/1`). `fn` starts in a microtask, after `spawn` returns. The type
 * parameter says what the process accepts, so `send` to it is checked.
 *
 * @example
 * ```ts
 * // Erlang: Pid = spawn(fun() -> receive {ping, From} -> From ! pong end end)
 * const echo = spawn(async () => {
 *   const [, from] = await receive([['ping', anyPid]]);
 *   send(from, 'pong');
 * });
 * send(echo, ['ping', self()]);
 * await receive(['pong']);
 * ```
 */
export function spawn<M = unknown>(fn: ProcessFn, opts?: SpawnOptions): Pid<M> {
  const proc = create(fn, opts, 'spawn');
  scheduleStart(proc, fn);
  return proc.pid as Pid<M>;
}

/**
 * `spawn`, linked to the caller before it runs (Erlang's `spawn_link`): if
 * either dies abnormally, so does the other, unless it traps exits.
 *
 * @example
 * ```ts
 * processFlag('trap_exit', true);
 * const worker = spawnLink(() => exit('crashed')); // Erlang: spawn_link(fun() -> exit(crashed) end)
 * await receive([['EXIT', worker, 'crashed']]); // trapped: the exit signal arrives as a message
 * ```
 */
export function spawnLink<M = unknown>(fn: ProcessFn, opts?: Omit<SpawnOptions, 'link'>): Pid<M> {
  const proc = create(fn, { ...opts, link: true }, 'spawnLink');
  scheduleStart(proc, fn);
  return proc.pid as Pid<M>;
}

/**
 * `spawn`, monitored by the caller before it runs; returns `[pid, monitorRef]`
 * (Erlang's `spawn_monitor`). The caller gets `['DOWN', monitorRef,
 * 'process', pid, reason]` when the process ends.
 *
 * @example
 * ```ts
 * const [worker, ref] = spawnMonitor(() => sleep(10)); // Erlang: {Pid, Ref} = spawn_monitor(F)
 * const [, , , , reason] = await receive([['DOWN', ref, 'process', worker, _]]); // reason: 'normal'
 * ```
 */
export function spawnMonitor<M = unknown>(fn: ProcessFn, opts?: Omit<SpawnOptions, 'link'>): [Pid<M>, Ref] {
  const proc = create(fn, opts, 'spawnMonitor');
  const ref = new Ref();
  addMonitor(actor(), proc, ref);
  scheduleStart(proc, fn);
  return [proc.pid as Pid<M>, ref];
}

/**
 * Runs `fn` in a new process and resolves with its result once it returns,
 * or rejects as soon as the process dies otherwise: with what it threw, or
 * with a `ProcessExit` carrying the reason it was killed with. Handy in tests
 * and scripts: each call gets a fresh process with an empty mailbox.
 *
 * @example
 * ```ts
 * const n = await run(async () => {
 *   send(self(), ['n', 41]);
 *   const [, m] = await receive([['n', anyNumber]]);
 *   return m + 1;
 * }); // 42
 * ```
 */
export function run<T>(fn: () => T | Promise<T>, opts?: SpawnOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const proc = create(fn, opts, 'run');
    let thrown: { error: unknown } | undefined;
    let returned = false;
    let result: T;
    const wrapped = async (): Promise<void> => {
      try {
        result = await fn();
        returned = true;
      } catch (error) {
        thrown = { error };
        throw error;
      }
    };
    proc.onExit = (reason) => {
      if (returned && reason === 'normal') resolve(result);
      else reject(thrown !== undefined ? thrown.error : new ProcessExit(reason));
    };
    scheduleStart(proc, wrapped);
  });
}
