import { actor, current } from './context.js';
import { BadArgError } from './errors.js';
import type { Pid } from './ids.js';
import { procOf } from './process.js';
import { emitTrace, TRACE_CALL, TRACE_PROCS, TRACE_RECEIVE, TRACE_SEND, TRACE_SET_ON_SPAWN } from './trace-events.js';
import { assertPid, describe } from './validate.js';

/**
 * Tracing, as Erlang's `erlang:trace/3`: a traced process reports what it
 * does as messages to a tracer process, so you can watch message passing
 * happen. beamish/otp's `startTracer` is a ready tracer that prints each
 * event in Erlang's notation, as `dbg` does.
 *
 * Costs nothing while nobody traces: each hook is one test of a field.
 */

/**
 * What to trace:
 * - `'send'`: `['trace', pid, 'send', msg, to]`, or
 *   `['trace', pid, 'send_to_non_existing_process', msg, to]`;
 * - `'receive'`: `['trace', pid, 'receive', msg]` when a message arrives in
 *   its mailbox (exit and DOWN messages included);
 * - `'procs'`: `['trace', pid, 'spawn', child, fnName]`,
 *   `['trace', pid, 'exit', reason]`, `link` / `unlink` / `getting_linked` /
 *   `getting_unlinked` with the other pid, `register` / `unregister` with the
 *   name, and `['trace', pid, 'spawned', parent, fnName]` for a child that
 *   inherited its flags;
 * - `'call'`: what beamish/otp's behaviours report through `traceCall`
 *   (a GenServer's requests: `['trace', pid, 'call', event]`);
 * - `'set_on_spawn'`: processes it spawns inherit its flags and tracer;
 * - `'all'`: every flag above.
 */
export type TraceFlag = 'send' | 'receive' | 'procs' | 'call' | 'set_on_spawn' | 'all';

/** The messages a tracer receives. */
export type TraceMessage =
  | readonly ['trace', Pid, 'send' | 'send_to_non_existing_process', unknown, unknown]
  | readonly ['trace', Pid, 'receive', unknown]
  | readonly ['trace', Pid, 'spawn' | 'spawned', Pid, string]
  | readonly ['trace', Pid, 'exit', unknown]
  | readonly ['trace', Pid, 'link' | 'unlink' | 'getting_linked' | 'getting_unlinked', Pid]
  | readonly ['trace', Pid, 'register' | 'unregister', string]
  | readonly ['trace', Pid, 'call', unknown];

/** Options of `trace` when it turns flags on. */
export interface TraceOptions {
  /** Where trace messages go; the caller by default, as in Erlang. Must be alive. */
  readonly tracer?: Pid;
}

const BITS: Record<TraceFlag, number> = {
  send: TRACE_SEND,
  receive: TRACE_RECEIVE,
  procs: TRACE_PROCS,
  call: TRACE_CALL,
  set_on_spawn: TRACE_SET_ON_SPAWN,
  all: TRACE_SEND | TRACE_RECEIVE | TRACE_PROCS | TRACE_CALL | TRACE_SET_ON_SPAWN,
};

/**
 * Turns `flags` on (`how` true) or off (false) for process `target`, with
 * trace messages going to `opts.tracer` (default: the caller). Returns the
 * number of processes whose flags changed: 1, as Erlang's `erlang:trace/3`
 * for one pid. A process has one tracer: turning flags on with another
 * tracer moves all of its tracing there. Tracing ends by itself when the
 * tracer dies.
 *
 * ```ts
 * trace(pid, true, ['send', 'receive']);           // the caller is the tracer
 * const m = await receive([['trace', pid, _, _]]); // e.g. ['trace', pid, 'receive', 'hello']
 * trace(pid, false, ['all']);
 * ```
 */
export function trace(target: Pid, how: boolean, flags: readonly TraceFlag[], opts?: TraceOptions): number {
  assertPid('trace', 'target', target);
  if (typeof how !== 'boolean') throw new BadArgError('trace', 'how', `expected a boolean, got ${describe(how)}`);
  if (!Array.isArray(flags))
    throw new BadArgError('trace', 'flags', `expected a list of flags, got ${describe(flags)}`);
  let bits = 0;
  for (const flag of flags) {
    const bit = BITS[flag as TraceFlag];
    if (typeof bit !== 'number' || !Object.hasOwn(BITS, flag as string)) {
      throw new BadArgError(
        'trace',
        'flags',
        `unknown trace flag ${describe(flag)}; expected one of ${Object.keys(BITS).join(', ')}`,
      );
    }
    bits |= bit;
  }
  const me = actor();
  const proc = procOf(target);
  if (!proc.alive) throw new BadArgError('trace', 'target', `${target} is not alive`);
  if (!how) {
    proc.traceFlags &= ~bits;
    if (proc.traceFlags === 0) proc.tracer = undefined;
    return 1;
  }
  if (opts !== undefined && (typeof opts !== 'object' || opts === null))
    throw new BadArgError('trace', 'opts', 'expected an options object');
  let tracer = me;
  if (opts?.tracer !== undefined) {
    assertPid('trace', 'opts.tracer', opts.tracer);
    tracer = procOf(opts.tracer);
  }
  if (!tracer.alive) throw new BadArgError('trace', 'opts.tracer', `the tracer ${tracer.pid} is not alive`);
  proc.tracer = tracer;
  proc.traceFlags |= bits;
  return 1;
}

/**
 * Reports `event` as `['trace', self(), 'call', event]` if the running
 * process is traced with `'call'`; does nothing otherwise. For behaviours
 * (beamish/otp's GenServer reports each request it handles) and for any
 * code that wants its own events in the trace.
 *
 * @example
 * ```ts
 * trace(self(), true, ['call']);
 * traceCall(['step', 1]);
 * await receive([['trace', self(), 'call', ['step', 1]]]); // the caller is its own tracer here
 * ```
 */
export function traceCall(event: unknown): void {
  const me = actor();
  if ((me.traceFlags & TRACE_CALL) !== 0) emitTrace(me, ['trace', me.pid, 'call', event]);
}

/**
 * Whether the running process is traced with `flag`: one field test, so
 * code can skip building a `traceCall` event nobody will see.
 *
 * @example
 * ```ts
 * const queue = [1, 2, 3];
 * if (isTraced('call')) traceCall(['queue', [...queue]]); // the copy is made only when someone watches
 * ```
 */
export function isTraced(flag: Exclude<TraceFlag, 'all'>): boolean {
  const bit = BITS[flag];
  if (typeof bit !== 'number' || !Object.hasOwn(BITS, flag))
    throw new BadArgError('isTraced', 'flag', `unknown trace flag ${describe(flag)}`);
  return (current().traceFlags & bit) !== 0;
}

/**
 * The flags `pid` is traced with, and its tracer; `undefined` if it is not
 * traced or not alive. Erlang's `erlang:trace_info(Pid, flags)` and
 * `erlang:trace_info(Pid, tracer)` in one call.
 *
 * @example
 * ```ts
 * const worker = spawn(() => receive(['stop']));
 * trace(worker, true, ['send', 'procs']);
 * traceInfo(worker); // { flags: [ 'send', 'procs' ], tracer: self() }
 * trace(worker, false, ['all']);
 * traceInfo(worker); // undefined
 * send(worker, 'stop');
 * ```
 */
export function traceInfo(pid: Pid):
  | {
      /** The flags it is traced with, in a fixed order; never `'all'`. */
      flags: TraceFlag[];
      /** The process its trace messages go to. */
      tracer: Pid;
    }
  | undefined {
  assertPid('traceInfo', 'pid', pid);
  const proc = procOf(pid);
  if (!proc.alive || proc.traceFlags === 0 || proc.tracer === undefined) return undefined;
  const flags = (Object.keys(BITS) as TraceFlag[]).filter((f) => f !== 'all' && (proc.traceFlags & BITS[f]) !== 0);
  return { flags, tracer: proc.tracer.pid };
}
