import {
  _,
  demonitor,
  monitor,
  nameAt,
  node,
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
 *
 * Across nodes the tag goes out as Erlang's `[alias | Mref]` (the node
 * layer writes an alias tag of a call that way, and reads the reply
 * `{[alias | Mref], Reply}` back as `[mref, reply]`), so an Erlang
 * gen_server replies to the alias too; and a DOWN `noconnection` (the node
 * is down, died during the call, or never was) fails the call with
 * `['nodedown', node]`, as gen:do_call turns it into `{nodedown, Node}`.
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
 * Why a server that resolveServer did not find cannot be reached, as
 * gen:do_for_proc says it: `['nodedown', node]` for `[name, node]` of
 * another node (this one is not distributed, or cannot reach it), else
 * `'noproc'`. Checked against erl: on an undistributed node,
 * gen_server:call({foo, 'ghost@127.0.0.1'}, x) exits {nodedown, 'ghost@127.0.0.1'}.
 */
export function unreachable(server: ServerRef): unknown {
  return Array.isArray(server) && server[1] !== node() ? ['nodedown', server[1]] : 'noproc';
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
 * name nothing holds), `['nodedown', node]` (a server on a node that cannot
 * be reached, or is lost during the call), `'calling_self'`, `'timeout'`,
 * or the reason the server died with.
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
  if (pid === undefined) throw new CallError(unreachable(server), module, server, request, timeoutMs);
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
  // gen:do_call: {'DOWN', Mref, _, _, noconnection} -> exit({nodedown, Node}).
  const why = result[4] === 'noconnection' ? ['nodedown', nodeOfServer(server, pid)] : result[4];
  throw new CallError(why, module, server, request, timeoutMs);
}

/**
 * The node a server lives on, as gen.erl's get_node: the node of
 * `[name, node]`, or of the pid (a pid or name of another node carries its
 * node; a local pid is on this one).
 */
function nodeOfServer(server: ServerRef, pid: Pid): string {
  if (Array.isArray(server)) return server[1];
  return 'node' in pid && typeof pid.node === 'string' ? pid.node : node();
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
