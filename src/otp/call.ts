import {
  _,
  demonitor,
  monitor,
  nameAt,
  type Pid,
  ReceiveTimeout,
  type Ref,
  receive,
  receiveNow,
  self,
  send,
  whereis,
} from '../runtime/index.js';
import { checkServer, checkTimeout } from './checks.js';
import { CallError } from './errors.js';

/**
 * The request–reply protocol under every behaviour's `call`, as OTP's
 * `gen:call/4`, in three moves:
 * 1. monitor the server, with the monitor's ref made an alias of the caller
 *    (`monitor(..., { alias: 'demonitor' })`), so a dead server, or one that
 *    dies while it works, shows as a DOWN instead of a wait without end;
 * 2. send `['$gen_call', [caller, alias], request]`, Erlang's
 *    `{'$gen_call', {Pid, Tag}, Request}`; the server replies
 *    `[alias, reply]`, sent to the alias;
 * 3. a selective receive on that alias: the reply, or the DOWN, or the
 *    timeout. Giving up ends the alias, so a reply sent after the timeout
 *    is dropped instead of landing in the caller's mailbox later.
 */

declare const replyType: unique symbol;

/**
 * Who is waiting for a reply: `[callerPid, tag]`, as Erlang's `From`. Pass
 * it to `reply(from, value)` to answer later (a deferred reply). `R` is the
 * reply type the caller expects.
 */
export type From<R = unknown> = readonly [pid: Pid, tag: Ref] & {
  /** Exists only in the type system: the reply type, never set at run time. */
  readonly [replyType]?: R;
};

/**
 * A server: its pid, the name it is registered under, or `[name, node]`
 * for a name on another node (Erlang's `{Name, Node}`; needs a running
 * node, see beamish/distribution).
 */
export type ServerRef = Pid | string | readonly [name: string, node: string];

/** The pid a server ref leads to now, or undefined (a name nothing holds). */
export function resolveServer(server: ServerRef): Pid | undefined {
  if (typeof server === 'string') return whereis(server);
  if (Array.isArray(server)) return nameAt(server[0], server[1]);
  return server as Pid;
}

/**
 * Answers a call: `reply(from, value)`, as `gen_server:reply/2`. For a
 * server that answers later, from another callback or another process;
 * a reply to a caller that gave up (timed out, died) is dropped.
 *
 * ```ts
 * // handleCall kept `from` and returned ['noreply', state]; answer it now:
 * reply(from, 42); // gen_server:reply(From, 42)
 * ```
 */
export function reply<R>(from: From<R>, value: R): void {
  send(from[1], [from[1], value]);
}

/** Whether `message` is a call request `['$gen_call', from, request]`. */
export function isCall(message: unknown): message is readonly ['$gen_call', From, unknown] {
  return Array.isArray(message) && message.length === 3 && message[0] === '$gen_call' && isFrom(message[1]);
}

function isFrom(value: unknown): value is From {
  return Array.isArray(value) && value.length === 2;
}

// Options passed on every call: made once, not per call.
const ALIAS_ENDS_WITH_MONITOR = { alias: 'demonitor' } as const;
const FLUSH = { flush: true } as const;

/**
 * Makes a call: sends `[tag, from, request]` and waits for the reply, as
 * `gen:call`. `module` names the behaviour in errors (`'gen_server'`).
 * Throws CallError with Erlang's reason: `'noproc'` (no such process, or a
 * name nothing holds), `'calling_self'`, `'timeout'`, or the reason the
 * server died with.
 */
export async function genCall(
  module: string,
  fn: string,
  server: ServerRef,
  tag: string,
  request: unknown,
  timeoutMs: number,
): Promise<unknown> {
  checkServer(fn, server);
  checkTimeout(fn, 'timeoutMs', timeoutMs);
  const pid = resolveServer(server);
  if (pid === undefined) throw new CallError('noproc', module, server, request, timeoutMs);
  const me = self();
  // Erlang: exit({calling_self, {gen_server, call, [...]}}) rather than a
  // deadlock until the timeout.
  if (pid === me) throw new CallError('calling_self', module, server, request, timeoutMs);
  const mref = monitor('process', pid, ALIAS_ENDS_WITH_MONITOR);
  send(pid, [tag, [me, mref], request]);
  let result: readonly unknown[];
  try {
    // The throwing form: with no `after` value, no extra promise per call.
    result = await receive(
      [
        [mref, _],
        ['DOWN', mref, _, _, _],
      ],
      timeoutMs,
    );
  } catch (error) {
    if (!(error instanceof ReceiveTimeout)) throw error;
    // Ends the alias too: from here on a reply is dropped at the send. One
    // that came in between the timer and now is taken, as gen:call does.
    demonitor(mref, FLUSH);
    const late = receiveNow([[mref, _]]);
    if (late !== undefined) return late[1];
    throw new CallError('timeout', module, server, request, timeoutMs);
  }
  if (result.length === 2) {
    demonitor(mref, FLUSH);
    return result[1];
  }
  throw new CallError(result[4], module, server, request, timeoutMs);
}

/**
 * Sends a cast `['$gen_cast', request]` and returns at once, as
 * `gen_server:cast/2`: never fails, not even for a dead server or a name
 * nothing holds (Erlang's cast is fire-and-forget).
 */
export function genCast(fn: string, server: ServerRef, request: unknown): void {
  checkServer(fn, server);
  const pid = resolveServer(server);
  if (pid !== undefined) send(pid, ['$gen_cast', request]);
}
