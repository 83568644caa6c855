import { formatTerm, type Ref } from '../../runtime/index.js';
import type { ConnPid, StreamRef } from '../api/ids.js';
import type { IncomingFrame } from '../frames.js';
import type { Headers } from '../headers.js';
import { WS_DEFAULTS } from '../options.js';
import type { IsFin, ProtocolName } from '../protocols/protocol.js';
import type { Dialect } from './dialect.js';
import {
  binariesShape,
  binaryShape,
  frameShape,
  headersShape,
  listShape,
  reasonShape,
  streamMessage,
} from './shapes.js';

/**
 * 'gun2': the messages of Gun 2.x, every stream named by its ref, so that
 * code written against today's Gun ports line by line:
 *
 * | event                      | message                                                      |
 * | -------------------------- | ------------------------------------------------------------ |
 * | connected (every time)     | `['gun_up', pid, protocol]` to the owner                     |
 * | connection lost            | `['gun_down', pid, protocol, reason, killedStreams]`         |
 * | 1xx                        | `['gun_inform', pid, ref, status, headers]`                  |
 * | response                   | `['gun_response', pid, ref, isFin, status, headers]`         |
 * | body                       | `['gun_data', pid, ref, isFin, data]`                        |
 * | trailers                   | `['gun_trailers', pid, ref, headers]`                        |
 * | upgrade accepted           | `['gun_upgrade', pid, ref, ['websocket'], headers]`          |
 * | frame received             | `['gun_ws', pid, ref, frame]`                                |
 * | stream error / other error | `['gun_error', pid, ref, reason]` / `['gun_error', pid, reason]` |
 *
 * A refused upgrade is an ordinary response on its stream. A close frame,
 * sent or received, ends in `['gun_down', pid, 'ws', 'normal', [ref]]`, then
 * a reconnect unless `retry` is 0. WebSocket keepalive is off by default,
 * as in Gun 2.
 */

/**
 * `{gun_up, ConnPid, Protocol}`: the connection is up, sent to the owner
 * each time it connects, the first time and after every reconnect (gun2
 * dialect). `protocol` is `'http'`: a connection always starts as HTTP/1.1.
 * `awaitUp` waits for it.
 *
 * ```ts
 * const [, , protocol] = await receive([['gun_up', conn, _]], 5000);
 * ```
 */
export type GunUp = ['gun_up', ConnPid, ProtocolName];

/**
 * `{gun_down, ConnPid, Protocol, Reason, KilledStreams}`: the connection
 * was lost, sent to the owner (gun2 dialect). `protocol` is what it spoke
 * (`'http'`, or `'ws'` after an upgrade); `reason` why (`'normal'` after a
 * close frame or `connection: close`, `'closed'`, `['error', code]`,
 * `['closed', text]`); `killedStreams` the refs of the streams that were
 * still running (each HTTP one has had its `GunError` just before; the
 * WebSocket's ref is there when it was one). It reconnects next, unless
 * `retry` is spent. Not sent for `shutdown`, `close` or the owner's death.
 *
 * ```ts
 * const [, , protocol, reason, killed] = await receive([['gun_down', conn, _, _, _]]);
 * ```
 */
export type GunDown = ['gun_down', ConnPid, ProtocolName, unknown, StreamRef[]];

/**
 * `{gun_inform, ConnPid, StreamRef, Status, Headers}`: an informational
 * (1xx, not 101) response, sent to the stream's process; the final
 * response follows as `GunResponse`. Both dialects.
 *
 * ```ts
 * const [, , , status, headers] = await receive([['gun_inform', conn, ref, anyNumber, gun.anyHeaders]]);
 * ```
 */
export type GunInform = ['gun_inform', ConnPid, StreamRef, number, Headers];

/**
 * `{gun_response, ConnPid, StreamRef, IsFin, Status, Headers}`: the
 * response's status and headers, sent to the stream's process; `isFin` is
 * `'fin'` when no body follows, else `GunData` messages come next. In gun2
 * a refused upgrade is one too. Both dialects.
 *
 * ```ts
 * const [, , , isFin, status, headers] = await receive([['gun_response', conn, ref, gun.anyIsFin, anyNumber, gun.anyHeaders]]);
 * ```
 */
export type GunResponse = ['gun_response', ConnPid, StreamRef, IsFin, number, Headers];

/**
 * `{gun_data, ConnPid, StreamRef, IsFin, Data}`: a piece of a response's
 * body, sent to the stream's process; `isFin` is `'fin'` on the last piece
 * (unless trailers end the body: `GunTrailers`). With `reqOpts.flow`, at
 * most that many until `updateFlow`. Both dialects.
 *
 * ```ts
 * const [, , , isFin, data] = await receive([['gun_data', conn, ref, gun.anyIsFin, anyBuffer]]);
 * ```
 */
export type GunData = ['gun_data', ConnPid, StreamRef, IsFin, Buffer];

/**
 * `{gun_trailers, ConnPid, StreamRef, Headers}`: the trailers of a chunked
 * body, sent to the stream's process; they end the stream. Both dialects.
 *
 * ```ts
 * const [, , , trailers] = await receive([['gun_trailers', conn, ref, gun.anyHeaders]]);
 * ```
 */
export type GunTrailers = ['gun_trailers', ConnPid, StreamRef, Headers];

/**
 * `{gun_upgrade, ConnPid, StreamRef, Protocols, Headers}`: the server
 * accepted `wsUpgrade` (101), sent to the stream's process (the caller, or
 * `wsOpts.replyTo`; gun2 dialect). `protocols` is `['websocket']`,
 * `headers` the 101's. From now on the stream is a WebSocket: `wsSend`
 * with its ref, and frames come as `GunWs`.
 *
 * ```ts
 * const [, , , , headers] = await receive([['gun_upgrade', conn, ws, ['websocket'], gun.anyHeaders]], 5000);
 * ```
 */
export type GunUpgrade = ['gun_upgrade', ConnPid, StreamRef, ['websocket'], Headers];

/**
 * `{gun_ws, ConnPid, StreamRef, Frame}`: a frame from the server, sent to
 * the WebSocket stream's process (gun2 dialect). One frame per message: a
 * fragmented message arrives whole. Pings and pongs only with
 * `wsOpts.silencePings: false`. A close frame is followed by `GunDown`.
 *
 * ```ts
 * const [, , , frame] = await receive([['gun_ws', conn, ws, gun.anyFrame]]);
 * ```
 */
export type GunWs = ['gun_ws', ConnPid, StreamRef, IncomingFrame];

/**
 * `{gun_error, ConnPid, StreamRef, Reason}` or `{gun_error, ConnPid,
 * Reason}`: a stream failed, or a call could not be carried out.
 *
 * - `['gun_error', conn, ref, reason]`, to the stream's process: the
 *   connection was lost under it (`'closed'`, `['closed', text]`), a request
 *   was made while closing (`'closing'`, `['closing', why]`), a call named a
 *   stream it cannot act on (`['badstate', text]`). Both dialects.
 * - `['gun_error', conn, reason]`: an error that names no stream, such as
 *   `['badstate', text]` for a request on a WebSocket connection, or
 *   `['connection_error', kind, text]` when the server broke HTTP.
 *
 * ```ts
 * const [, , , reason] = await receive([['gun_error', conn, ref, _]]);
 * ```
 */
export type GunError = ['gun_error', ConnPid, StreamRef, unknown] | ['gun_error', ConnPid, unknown];

/**
 * The messages of the 'gun2' dialect: `GunUp`, `GunDown`, `GunInform`,
 * `GunResponse`, `GunData`, `GunTrailers`, `GunUpgrade`, `GunWs`,
 * `GunError`. A message received with a pattern that types each element
 * (`['gun_ws', conn, ref, gun.anyFrame]`, see api/patterns.ts) is one of
 * these.
 */
/**
 * `{gun_push, ConnPid, StreamRef, NewStreamRef, Method, URI, Headers}`
 * (HTTP/2): the server promised a response to a request it made up on
 * our behalf; sent to the parent stream's process, before the pushed
 * stream's own `gun_response`/`gun_data` on `NewStreamRef`. `uri` is
 * absolute (`'https://example.org/style.css'`); `headers` are the promised
 * request's, without pseudo-headers. Cancel `NewStreamRef` to refuse it.
 *
 * ```ts
 * const [, , , pushed, method, uri] = await receive([['gun_push', conn, ref, _, _, _, _]], 5000);
 * ```
 */
export type GunPush = ['gun_push', ConnPid, StreamRef, StreamRef, string, string, Headers];

/**
 * `{gun_notify, ConnPid, Event, Value}` (HTTP/2): `'settings_changed'`
 * with the server's settings after each SETTINGS frame it sends (with
 * `http2Opts.notifySettingsChanged`), a Map with Gun's keys
 * (`'max_concurrent_streams'`, ..., `'infinity'` for no limit); or
 * `'ping_ack'` with the ref `gun.ping` returned, to its caller.
 */
export type GunNotify =
  | ['gun_notify', ConnPid, 'settings_changed', Map<string, number | boolean | 'infinity'>]
  | ['gun_notify', ConnPid, 'ping_ack', Ref];

export type Gun2Message =
  | GunUp
  | GunPush
  | GunNotify
  | GunDown
  | GunInform
  | GunResponse
  | GunData
  | GunTrailers
  | GunUpgrade
  | GunWs
  | GunError;

export const gun2: Dialect = {
  name: 'gun2',
  // Gun 2's ws_opts: no keepalive pings unless asked for.
  wsDefaults: { ...WS_DEFAULTS, keepalive: Infinity },
  clientCloseEnds: false,
  subprotocolHeaderOffers: false,
  // Gun 2 waits for a retry in domain_lookup (not_connected/3 moves there
  // at once, with the retry as a state timeout): what real Gun's info says.
  stateName: (state) => (state === 'not_connected' || state === 'connecting' ? 'domain_lookup' : state),
  up: (conn, owner, protocol) => [[owner, ['gun_up', conn, protocol]]],
  down: (conn, owner, protocol, reason, killed) => [
    [owner, ['gun_down', conn, protocol, reason, killed.map((s) => s.ref)]],
  ],
  notify: (conn, kind, value) => ['gun_notify', conn, kind, value],
  stream: (conn, s, event) => streamMessage(conn, s.ref, event),
  error: (conn, ref, reason) => (ref === undefined ? ['gun_error', conn, reason] : ['gun_error', conn, ref, reason]),
};

/**
 * A gun2 (or shared HTTP) message in Erlang's notation, or undefined if it
 * is not one. Each position where Gun 2 has a binary or a list prints as
 * one (payloads, data, headers, the upgrade's protocols, the killed
 * streams); the rest by formatTerm's rule.
 */
export function formatGun2(message: readonly unknown[]): string | undefined {
  const [tag, conn, ref] = message;
  switch (message.length === 0 ? '' : `${String(tag)}/${message.length}`) {
    case 'gun_up/3':
      return formatTerm(message);
    case 'gun_error/4':
      return formatTerm([tag, conn, ref, reasonShape(message[3])]);
    case 'gun_down/5':
      return formatTerm([tag, conn, message[2], reasonShape(message[3]), listShape(message[4])]);
    case 'gun_inform/5':
      return formatTerm([tag, conn, ref, message[3], headersShape(message[4])]);
    case 'gun_response/6':
      return formatTerm([tag, conn, ref, message[3], message[4], headersShape(message[5])]);
    case 'gun_data/5':
      return formatTerm([tag, conn, ref, message[3], binaryShape(message[4])]);
    case 'gun_trailers/4':
      return formatTerm([tag, conn, ref, headersShape(message[3])]);
    case 'gun_upgrade/5':
      return formatTerm([tag, conn, ref, binariesShape(message[3]), headersShape(message[4])]);
    case 'gun_push/7':
      return formatTerm([
        tag,
        conn,
        ref,
        message[3],
        binaryShape(message[4]),
        binaryShape(message[5]),
        headersShape(message[6]),
      ]);
    case 'gun_notify/4':
      return formatTerm(message);
    case 'gun_ws/4':
      return formatTerm([tag, conn, ref, frameShape(message[3])]);
    default:
      return undefined;
  }
}
