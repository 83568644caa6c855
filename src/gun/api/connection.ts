import {
  _,
  BadArgError,
  demonitor,
  exit,
  makeRef,
  monitor,
  NoProcError,
  on,
  Pid,
  type Ref,
  receive,
  self,
  send,
} from '../../runtime/index.js';
import { describe } from '../../runtime/validate.js';
import { type ConnectionInfo, type Control, type StreamInfo, startConnection } from '../connection.js';
import { dialects } from '../dialects/index.js';
import { type OpenOptions, resolveOptions } from '../options.js';
import type { ProtocolName } from '../protocols/protocol.js';
import { connectionArg, refArg, timeoutArg } from './checks.js';
import { asConnPid, type ConnPid, type StreamRef } from './ids.js';

/**
 * Opening and closing connections, and asking about them: Gun's `open`,
 * `await_up`, `info`, `stream_info`, `set_owner`, `shutdown`, `close`. Like
 * Gun's, the functions that act do not wait for the connection: they check
 * their arguments (a bad one throws BadArgError at the call) and send the
 * connection process a message; what happens next arrives as messages.
 */

/**
 * Opens a connection to `host:port` and returns its pid at once; it connects
 * in the background. The caller (or `opts.owner`) owns it: gets its
 * connection messages, and when the owner dies the connection closes and
 * exits. `opts.dialect` picks the message shapes: `'classic'` (the default,
 * the seed chapter's) or `'gun2'` (Gun 2.x's: `gun_up` once connected).
 * A bad argument or option throws BadArgError here.
 *
 * @example
 * ```ts
 * const conn = gun.open('127.0.0.1', 8080); // Erlang: {ok, ConnPid} = gun:open("127.0.0.1", 8080)
 * const tls = gun.open('example.org', 443, { dialect: 'gun2' }); // TLS: port 443's default
 * ```
 */
export function open(host: string, port: number, opts?: OpenOptions): ConnPid {
  const { owner, dialect, ...cfg } = resolveOptions(host, port, opts, (name) => dialects[name].wsDefaults);
  return asConnPid(startConnection({ ...cfg, dialect: dialects[dialect], owner: owner ?? self() }));
}

/** What `awaitUp` returns: Gun's `{ok, Protocol}` or `{error, Reason}`. */
export type AwaitUpResult = readonly ['ok', ProtocolName] | readonly ['error', readonly ['down', unknown] | 'timeout'];

/**
 * Waits for the connection to be up: Gun's `await_up`, for the gun2 dialect
 * (`['gun_up', pid, protocol]`). `timeout` in ms (default 5000), or the ref
 * of a monitor on the connection the caller already holds.
 *
 * @example
 * ```ts
 * const conn = gun.open('127.0.0.1', 8080, { dialect: 'gun2' });
 * const up = await gun.awaitUp(conn); // ['ok', 'http'], or ['error', ['down', reason]], ['error', 'timeout']
 * // Erlang: {ok, http} = gun:await_up(ConnPid)
 * ```
 */
export async function awaitUp(pid: ConnPid, timeout?: number | Ref): Promise<AwaitUpResult> {
  connectionArg('awaitUp', pid);
  return withMonitor(pid, timeoutArg('awaitUp', timeout), (ms, mref) =>
    receive(
      [
        on(['gun_up', pid, _], ([, , protocol]) => ['ok', protocol as ProtocolName] as const),
        on(['DOWN', mref, 'process', pid, _], ([, , , , reason]) => ['error', ['down', reason]] as const),
      ],
      ms,
      ['error', 'timeout'] as const,
    ),
  );
}

/**
 * Runs `fn` with a monitor on `pid`: the caller's own (when `timeout` is a
 * ref; then Gun's default 5000 ms applies), or one made and removed here, as
 * Gun's await functions do.
 */
export async function withMonitor<T>(
  pid: Pid,
  timeout: number | Ref,
  fn: (ms: number, mref: Ref) => Promise<T>,
): Promise<T> {
  if (typeof timeout !== 'number') return fn(5000, timeout);
  const mref = monitor('process', pid);
  try {
    return await fn(timeout, mref);
  } finally {
    demonitor(mref, { flush: true });
  }
}

/**
 * Gun's `info/1`: a snapshot of the connection (owner, socket, transport,
 * state, origin, protocol, socket address). Like Gun's, it is a call the
 * connection answers in turn, after the messages sent to it before, so it
 * sees the effect of the caller's earlier calls. Rejects with NoProcError
 * when the connection has exited.
 *
 * @example
 * ```ts
 * const { stateName, protocol, sockPort } = await gun.info(conn);
 * ```
 */
export async function info(pid: ConnPid, timeout = 5000): Promise<ConnectionInfo> {
  connectionArg('info', pid);
  return (await ask(pid, 'info', timeout, (from, tag) => ({ kind: 'info', from, tag }))) as ConnectionInfo;
}

/**
 * Gun's `stream_info/2`: `['ok', info]` for a running stream, `['ok',
 * undefined]` for an unknown one, `['error', 'not_connected']` while the
 * connection is down. A call, answered in turn, as `info`.
 *
 * @example
 * ```ts
 * const ref = gun.get(conn, '/slow');
 * const [ok, stream] = await gun.streamInfo(conn, ref); // ['ok', { ref, replyTo, state: 'running', ... }]
 * ```
 */
export async function streamInfo(
  pid: ConnPid,
  ref: StreamRef,
  timeout = 5000,
): Promise<readonly ['ok', StreamInfo | undefined] | readonly ['error', 'not_connected']> {
  connectionArg('streamInfo', pid);
  refArg('streamInfo', ref);
  return (await ask(pid, 'streamInfo', timeout, (from, tag) => ({ kind: 'stream_info', from, tag, ref }))) as
    | readonly ['ok', StreamInfo | undefined]
    | readonly ['error', 'not_connected'];
}

/** Sends a control that the connection answers, and waits for the answer (or its death). */
async function ask(
  pid: ConnPid,
  fn: string,
  timeout: number,
  control: (from: Pid, tag: Ref) => Control,
): Promise<unknown> {
  const tag = makeRef();
  const mref = monitor('process', pid);
  try {
    send(pid, ['$gun_ctl', control(self(), tag)]);
    const answer = await receive(
      [
        on(['$gun_reply', tag, _], ([, , value]) => ({ value })),
        on(['DOWN', mref, 'process', pid, _], () => undefined),
      ],
      timeout,
    );
    if (answer === undefined) throw new NoProcError(pid, fn);
    return answer.value;
  } finally {
    demonitor(mref, { flush: true });
  }
}

/**
 * Gives the connection to another process, which gets its messages from now
 * on and whose death now ends it. Only the owner may do this, as in Gun.
 *
 * @example
 * ```ts
 * const worker = spawn(loop);
 * gun.setOwner(conn, worker); // Erlang: gun:set_owner(ConnPid, Worker)
 * ```
 */
export function setOwner(pid: ConnPid, newOwner: Pid): void {
  const conn = connectionArg('setOwner', pid);
  if (!(newOwner instanceof Pid))
    throw new BadArgError('setOwner', 'newOwner', `expected a pid, got ${describe(newOwner)}`);
  const me = self();
  if (conn.currentOwner !== me) {
    throw new BadArgError(
      'setOwner',
      'pid',
      `only the owner (${conn.currentOwner}) can give the connection away, not ${me}`,
    );
  }
  send(pid, ['$gun_ctl', { kind: 'set_owner', from: me, owner: newOwner }]);
}

/**
 * Closes gracefully: the protocol says goodbye (a WebSocket close 1001;
 * HTTP/1.1 lets running requests finish), at most `closingTimeout`; never
 * reconnects; exits `'shutdown'`.
 *
 * @example
 * ```ts
 * gun.shutdown(conn); // Erlang: gun:shutdown(ConnPid)
 * ```
 */
export function shutdown(pid: ConnPid): void {
  connectionArg('shutdown', pid);
  send(pid, ['$gun_ctl', { kind: 'shutdown' }]);
}

/**
 * Closes at once, with no handshake: the connection process exits `'shutdown'` now.
 *
 * @example
 * ```ts
 * gun.close(conn); // Erlang: gun:close(ConnPid)
 * ```
 */
export function close(pid: ConnPid): void {
  connectionArg('close', pid);
  exit(pid, 'shutdown');
}

/**
 * Gun's `ping` (HTTP/2): sends a PING and returns its ref; when the server
 * acknowledges it, the caller gets `['gun_notify', conn, 'ping_ack', ref]`.
 * Over HTTP/1.1 or WebSocket the caller gets
 * `['gun_error', conn, ref, ['badstate', 'Ping is only supported over HTTP/2.']]`;
 * while the connection closes, nothing (as Gun). Waits for a connection like
 * every call.
 *
 * ```ts
 * const ref = gun.ping(conn);
 * await receive([['gun_notify', conn, 'ping_ack', ref]], 5000);
 * // Erlang: Ref = gun:ping(ConnPid), receive {gun_notify, ConnPid, ping_ack, Ref} -> ok end
 * ```
 */
export function ping(pid: ConnPid): Ref {
  connectionArg('ping', pid);
  const ref = makeRef();
  send(pid, ['$gun_call', { kind: 'ping', ref, caller: self() }]);
  return ref;
}
