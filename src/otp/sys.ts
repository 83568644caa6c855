import { isDeepStrictEqual } from 'node:util';
import { _, demonitor, ErlangList, exit, formatTerm, monitor, receive, self, send } from '../runtime/index.js';
import { type From, genCall, reply, resolveServer, type ServerRef, unreachable } from './call.js';
import { checkServer, checkTimeout } from './checks.js';
import { CallError } from './errors.js';

/**
 * System messages, as OTP's `sys` module: every behaviour's loop answers
 * `['system', from, request]` itself, whatever its callbacks are, so a
 * running server can be looked into (`getState`, `statistics`), patched
 * (`replaceState`) and stopped (`stop`) from outside.
 */

/** What a behaviour's process counts while it runs (`sys:statistics/2`). */
export interface Statistics {
  /** When the process started. */
  readonly startTime: Date;
  /** Now, as seen by the process. */
  readonly currentTime: Date;
  /** Messages its loop has taken from the mailbox (system messages excluded). */
  readonly messagesIn: number;
  /** Replies it has sent to calls. */
  readonly messagesOut: number;
}

/**
 * What every behaviour counts for `statistics`: one object per process,
 * kept by its loop (`messagesIn++` per message taken, `messagesOut++` per
 * reply sent).
 */
export class Counters {
  /** When the process started. */
  readonly startTime = new Date();
  /** Messages the loop has taken from the mailbox. */
  messagesIn = 0;
  /** Replies sent to calls. */
  messagesOut = 0;

  /** The figures as `statistics` returns them. */
  statistics(): Statistics {
    return {
      startTime: this.startTime,
      currentTime: new Date(),
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
    };
  }
}

/** What a behaviour gives the system-message handler. */
export interface SystemTarget {
  getState(): unknown;
  /** Replaces the state with `fn(state)`; returns the new state. */
  replaceState(fn: (state: unknown) => unknown): unknown;
  statistics(): Statistics;
  /** Runs the behaviour's terminate with `reason`, then ends the process with it. */
  terminate(reason: unknown): Promise<never>;
}

export type SystemRequest =
  | readonly ['get_state']
  | readonly ['replace_state', (state: unknown) => unknown]
  | readonly ['get_statistics']
  | readonly ['terminate', unknown];

/** Whether `message` is a system message `['system', from, request]`. */
export function isSystem(message: unknown): message is readonly ['system', From, SystemRequest] {
  return Array.isArray(message) && message.length === 3 && message[0] === 'system' && Array.isArray(message[2]);
}

/**
 * Answers a system message inside the behaviour's process. A request it
 * does not know gets `['error', 'unknown_system_msg']`, as OTP's does.
 */
export async function handleSystem(from: From, request: SystemRequest, target: SystemTarget): Promise<void> {
  switch (request[0]) {
    case 'get_state':
      reply(from, target.getState());
      return;
    case 'replace_state': {
      let result: unknown;
      try {
        result = target.replaceState(request[1]);
      } catch (error) {
        // sys:replace_state: a fun that fails leaves the state as it was.
        result = ['error', ['callback_failed', error]];
        reply(from, result);
        return;
      }
      reply(from, result);
      return;
    }
    case 'get_statistics':
      reply(from, target.statistics());
      return;
    case 'terminate':
      // The stopper waits for the DOWN, not for a reply.
      await target.terminate(request[1]);
      return;
    default:
      reply(from, ['error', 'unknown_system_msg']);
  }
}

/**
 * The state of a running GenServer or GenStatem (`sys:get_state/2`); for a
 * GenStatem, `[stateName, data]`.
 *
 * ```ts
 * const count = await getState<number>(pid); // e.g. 3; Erlang: sys:get_state(Pid)
 * ```
 */
export function getState<S = unknown>(server: ServerRef, timeoutMs = 5000): Promise<S> {
  return genCall('sys', 'getState', server, 'system', ['get_state'], timeoutMs) as Promise<S>;
}

/**
 * Replaces the state of a running GenServer or GenStatem with `fn(state)`
 * and returns the new one (`sys:replace_state/3`). For debugging. If `fn`
 * throws, the state stays as it was and replaceState throws that error.
 *
 * ```ts
 * await replaceState<number>(pid, (n) => n + 100); // sys:replace_state(Pid, fun(N) -> N + 100 end)
 * ```
 */
export async function replaceState<S>(server: ServerRef, fn: (state: S) => S, timeoutMs = 5000): Promise<S> {
  const result = await genCall('sys', 'replaceState', server, 'system', ['replace_state', fn], timeoutMs);
  if (Array.isArray(result) && result[0] === 'error' && Array.isArray(result[1]) && result[1][0] === 'callback_failed')
    throw result[1][1];
  return result as S;
}

/**
 * What a running GenServer or GenStatem has counted (`sys:statistics(Name, get)`).
 *
 * ```ts
 * const { messagesIn, startTime } = await statistics(pid);
 * ```
 */
export function statistics(server: ServerRef, timeoutMs = 5000): Promise<Statistics> {
  return genCall('sys', 'statistics', server, 'system', ['get_statistics'], timeoutMs) as Promise<Statistics>;
}

/**
 * A `stop` that failed: a CallError (`why`, `module`, `server`, `request`
 * `['stop', reason]`, `timeoutMs` as for a call) whose exit `reason` is the
 * one OTP 25's `proc_lib:stop/3` exits with: plain `why` (`noproc`,
 * `timeout`, the reason the process died with), not gen:call's
 * `{Why, {M, call, Args}}`; for a process stopping itself,
 * `{calling_self, {sys, terminate, [Pid, Reason, Timeout]}}` (what
 * sys:terminate raises and proc_lib:stop passes on).
 */
class StopError extends CallError {
  override readonly reason: unknown;
  constructor(why: unknown, module: string, server: ServerRef, reason: unknown, timeoutMs: number, exitReason = why) {
    super(why, module, server, ['stop', reason], timeoutMs);
    this.reason = exitReason;
    this.message = `${module} stop of ${String(server)} failed: ${formatTerm(exitReason)}`;
  }
}

/**
 * Stops a behaviour's process with `reason` and waits until it is gone, as
 * `proc_lib:stop/3` (under `gen_server:stop/3`) in OTP 25: its terminate
 * callback runs first. Throws a CallError whose exit reason is plain, as
 * proc_lib:stop's: `'noproc'` for no such process (a dead pid, a name
 * nothing holds), `'timeout'` (and kills it, where OTP 25 leaves it
 * running) when it takes longer than `timeoutMs`, or the reason it died
 * with when that is not `reason` (its terminate failed). The DOWN's reason
 * is compared with `reason` by value, as proc_lib:stop's
 * `{'DOWN', Mref, _, _, Reason}` matches: under `configure({ messages:
 * 'clone' })` the reason comes back as a copy.
 */
export async function stopProcess(
  module: string,
  fn: string,
  server: ServerRef,
  reason: unknown,
  timeoutMs: number,
): Promise<void> {
  checkServer(fn, server);
  checkTimeout(fn, 'timeoutMs', timeoutMs);
  const pid = resolveServer(server);
  if (pid === undefined) throw new StopError(unreachable(server), module, server, reason, timeoutMs);
  if (pid === self()) {
    const raised = ['calling_self', ['sys', 'terminate', new ErlangList([pid, reason, timeoutMs])]];
    throw new StopError('calling_self', module, server, reason, timeoutMs, raised);
  }
  const mref = monitor('process', pid);
  send(pid, ['system', [self(), mref], ['terminate', reason]]);
  const down = await receive([['DOWN', mref, _, _, _]], timeoutMs, undefined);
  if (down === undefined) {
    demonitor(mref, { flush: true });
    exit(pid, 'kill');
    throw new StopError('timeout', module, server, reason, timeoutMs);
  }
  const why = down[4];
  // Erlang's match of a bound variable: equal terms, not the same object
  // (Node's isDeepStrictEqual, as gen-statem-engine's sameState for states).
  if (why === reason || isDeepStrictEqual(why, reason)) return;
  throw new StopError(why, module, server, reason, timeoutMs);
}
