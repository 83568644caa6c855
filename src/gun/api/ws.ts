import { BadArgError, makeRef, Ref, self, send } from '../../runtime/index.js';
import { describe } from '../../runtime/validate.js';
import { type OutgoingFrame, toWireFrames } from '../frames.js';
import { type HeadersInput, headerSubprotocols, normalizeHeaders } from '../headers.js';
import { resolveWsOptions, type WsOptions } from '../options.js';
import { connectionArg, pathArg } from './checks.js';
import type { ConnPid, StreamRef } from './ids.js';

/**
 * WebSocket, and flow control: Gun's `ws_upgrade`, `ws_send`, `update_flow`.
 * The classic dialect names no stream (there is one WebSocket per
 * connection); gun2 code passes the ref `wsUpgrade` returned. Both forms
 * work in both dialects.
 */

/**
 * Asks to upgrade the connection to WebSocket on `path`; returns the
 * upgrade's stream ref. Gun fills in every header the upgrade needs;
 * `headers` adds more (a subprotocol, cookies, auth). The answer: classic
 * `['gun_ws_upgrade', pid, 'ok']` or `['gun_ws_upgrade', pid, 'error',
 * isFin, status, headers]` (to the owner); gun2 `['gun_upgrade', pid, ref,
 * ['websocket'], headers]` or a `gun_response` (to the caller, or
 * `wsOpts.replyTo`). Called while the connection is down, it waits until it
 * is back up.
 *
 * The ref, per dialect: in gun2 it names the WebSocket in every message
 * (`['gun_ws', pid, ref, frame]`) and in the calls (`wsSend(pid, ref,
 * frames)`), as Gun 2's `StreamRef = gun:ws_upgrade(...)`. In classic the
 * messages name no stream, as the seed's `gun:ws_upgrade/2`, which
 * returned `ok`; the ref is still the WebSocket's, and `wsSend(pid, ref,
 * frames)`, `updateFlow`, `streamInfo` and `flush(ref)` take it there too,
 * so ignoring it (the seed's way) and keeping it are both right.
 *
 * @example
 * ```ts
 * const conn = gun.open('127.0.0.1', 8080, { dialect: 'gun2' });
 * const ws = gun.wsUpgrade(conn, '/websocket', [['sec-websocket-protocol', 'mychat']]);
 * await receive([['gun_upgrade', conn, ws, ['websocket'], _]], 1000);
 * ```
 */
export function wsUpgrade(pid: ConnPid, path: string, headers?: HeadersInput, wsOpts?: WsOptions): StreamRef {
  const conn = connectionArg('wsUpgrade', pid);
  const target = pathArg('wsUpgrade', path);
  const pairs = normalizeHeaders('wsUpgrade', headers);
  // Subprotocols come from `wsOpts.protocols` and from `sec-websocket-protocol`
  // (Gun itself sends both). Within each, a name that is not a token or is
  // given twice is refused here; a name in both is legal, and is offered once.
  headerSubprotocols('wsUpgrade', pairs);
  // Checked here, against the dialect's defaults, so that a bad option fails
  // at the call; the connection merges it with the connection's defaults.
  resolveWsOptions('wsUpgrade', 'wsOpts', wsOpts, conn.dialect.wsDefaults);
  // A copy: an options object changed (or a getter that answers differently)
  // after the call cannot reach the connection.
  const opts = wsOpts === undefined ? undefined : { ...wsOpts };
  const replyTo = opts?.replyTo ?? (conn.dialect.name === 'classic' ? undefined : self());
  const ref = makeRef();
  send(pid, ['$gun_call', { kind: 'ws_upgrade', ref, replyTo, path: target, headers: pairs, wsOpts: opts }]);
  return ref;
}

/**
 * Sends one frame or a list of frames, in order: `wsSend(pid, frames)`
 * (classic) or `wsSend(pid, ref, frames)` (gun2). Frames after a close are
 * dropped. A close ends the connection for good in the classic dialect; in
 * gun2 it ends in `gun_down` and a reconnect. Before an upgrade the caller
 * gets a `badstate` `gun_error`.
 *
 * @example
 * ```ts
 * gun.wsSend(conn, ['text', 'Hello!']); // classic; Erlang: gun:ws_send(ConnPid, {text, <<"Hello!">>})
 * gun.wsSend(conn, ws, [['text', 'one'], ['binary', Buffer.from([2])], 'close']); // gun2, a list
 * ```
 */
export function wsSend(pid: ConnPid, frames: OutgoingFrame | readonly OutgoingFrame[]): void;
export function wsSend(pid: ConnPid, ref: StreamRef, frames: OutgoingFrame | readonly OutgoingFrame[]): void;
export function wsSend(pid: ConnPid, ...args: [unknown] | [unknown, unknown]): void {
  connectionArg('wsSend', pid);
  const [ref, frames] = args.length === 2 ? [streamRef('wsSend', args[0]), args[1]] : [undefined, args[0]];
  send(pid, ['$gun_call', { kind: 'ws_send', ref, caller: self(), frames: toWireFrames('wsSend', frames) }]);
}

/**
 * Flow control: lets the connection deliver `increment` more messages:
 * `updateFlow(pid, increment)` for the classic WebSocket, or
 * `updateFlow(pid, ref, increment)` for a stream (gun2, HTTP).
 *
 * @example
 * ```ts
 * const ref = gun.get(conn, '/big', {}, { flow: 1 }); // one gun_data, then reading pauses
 * gun.updateFlow(conn, ref, 10); // ten more
 * ```
 */
export function updateFlow(pid: ConnPid, increment: number): void;
export function updateFlow(pid: ConnPid, ref: StreamRef, increment: number): void;
export function updateFlow(pid: ConnPid, ...args: [unknown] | [unknown, unknown]): void {
  connectionArg('updateFlow', pid);
  const [ref, increment] = args.length === 2 ? [streamRef('updateFlow', args[0]), args[1]] : [undefined, args[0]];
  if (typeof increment !== 'number' || !Number.isInteger(increment) || increment <= 0) {
    throw new BadArgError('updateFlow', 'increment', `expected a whole number > 0, got ${describe(increment)}`);
  }
  send(pid, ['$gun_call', { kind: 'update_flow', ref, caller: self(), increment }]);
}

function streamRef(fn: string, ref: unknown): Ref {
  if (!(ref instanceof Ref)) throw new BadArgError(fn, 'ref', `expected a stream ref, got ${describe(ref)}`);
  return ref;
}
