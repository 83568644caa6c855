import { formatTerm } from '../../runtime/index.js';
import type { ConnPid } from '../api/ids.js';
import type { IncomingFrame } from '../frames.js';
import type { Headers } from '../headers.js';
import { WS_DEFAULTS } from '../options.js';
import type { IsFin, Stream } from '../protocols/protocol.js';
import * as reasons from '../reasons.js';
import type { Dialect } from './dialect.js';
import { binaryShape, frameShape, headersShape, reasonShape, streamMessage } from './shapes.js';

/**
 * 'classic': the messages of the seed chapter (Gun's original WebSocket
 * guide), with no stream refs for WebSocket:
 *
 * | event                          | message to the owner                                         |
 * | ------------------------------ | ------------------------------------------------------------ |
 * | upgrade accepted               | `['gun_ws_upgrade', pid, 'ok']`                              |
 * | upgrade refused (non-101)      | `['gun_ws_upgrade', pid, 'error', isFin, status, headers]`,  |
 * |                                | then the body as `['gun_data', pid, isFin, data]`            |
 * | frame received                 | `['gun_ws', pid, frame]`                                     |
 * | connection lost, bad state     | `['gun_error', pid, reason]`                                 |
 *
 * HTTP requests speak Gun 2's messages (with refs) in both dialects. Coming
 * up says nothing; going down says `gun_error` to the owner when a
 * WebSocket was lost (an upgrade or a request cut off gets its stream
 * error, as in Gun). A close frame from the owner ends the
 * connection ('shutdown'); a close from the server is delivered, then the
 * connection counts as lost and reconnects.
 */

/**
 * `{gun_ws_upgrade, ConnPid, ok}` or `{gun_ws_upgrade, ConnPid, error,
 * IsFin, Status, Headers}`: the server's answer to `wsUpgrade`, sent to the
 * owner (classic dialect).
 *
 * - `['gun_ws_upgrade', conn, 'ok']`: the server accepted (101); from now on
 *   the connection speaks WebSocket and `wsSend` may be used.
 * - `['gun_ws_upgrade', conn, 'error', isFin, status, headers]`: the server
 *   answered something else, `status` with its `headers`; `isFin` is
 *   `'nofin'` when a body follows, as `ClassicGunData` messages. The
 *   connection stays up, speaking HTTP.
 *
 * ```ts
 * const up = await receive([['gun_ws_upgrade', conn, 'ok'], ['gun_ws_upgrade', conn, 'error', _, _, _]], 5000);
 * ```
 */
export type ClassicGunWsUpgrade =
  | ['gun_ws_upgrade', ConnPid, 'ok']
  | ['gun_ws_upgrade', ConnPid, 'error', IsFin, number, Headers];

/**
 * `{gun_data, ConnPid, IsFin, Data}`: a piece of the body of a refused
 * upgrade's response, sent to the owner (classic dialect; HTTP requests get
 * `GunData`, with their stream ref). `isFin` is `'fin'` on the last piece.
 *
 * ```ts
 * const [, , isFin, data] = await receive([['gun_data', conn, gun.anyIsFin, anyBuffer]]);
 * ```
 */
export type ClassicGunData = ['gun_data', ConnPid, IsFin, Buffer];

/**
 * `{gun_ws, ConnPid, Frame}`: a frame from the server, sent to the owner
 * (classic dialect). One frame per message: a fragmented message arrives
 * whole. Pings and pongs only with `wsOpts.silencePings: false`; a close
 * frame comes before the connection counts as lost (`ClassicGunError`).
 *
 * ```ts
 * const [, , frame] = await receive([['gun_ws', conn, gun.anyFrame]]);
 * ```
 */
export type ClassicGunWs = ['gun_ws', ConnPid, IncomingFrame];

/**
 * `{gun_error, ConnPid, Reason}`: something went wrong with the WebSocket,
 * sent to the owner (classic dialect): the WebSocket was lost (`['closed',
 * text]`, a socket error's code; the connection then reconnects, without
 * upgrading again), or a call the state does not allow (`['badstate',
 * text]`, say `wsSend` before the upgrade), or the server broke HTTP
 * (`['connection_error', kind, text]`). An error about an HTTP stream
 * carries its ref, as Gun 2's (`GunError`).
 *
 * ```ts
 * const [, , reason] = await receive([['gun_error', conn, _]]);
 * ```
 */
export type ClassicGunError = ['gun_error', ConnPid, unknown];

/**
 * The messages of the 'classic' dialect's WebSocket, one of
 * `ClassicGunWsUpgrade`, `ClassicGunData`, `ClassicGunWs`,
 * `ClassicGunError`. HTTP requests speak Gun 2's messages (`Gun2Message`)
 * in this dialect too. A message received with a pattern that types each
 * element (`['gun_ws', conn, gun.anyFrame]`, see api/patterns.ts) is one of
 * these.
 */
export type ClassicMessage = ClassicGunWsUpgrade | ClassicGunData | ClassicGunWs | ClassicGunError;

/** The owner hears why its WebSocket went away in the seed's terms. */
function lostReason(reason: unknown): unknown {
  if (reason === 'normal') return reasons.CLOSED_BY_PEER;
  if (reason === 'closed') return reasons.CONNECTION_LOST;
  if (Array.isArray(reason) && reason[0] === 'error' && typeof reason[1] === 'string') return ['closed', reason[1]];
  return reason;
}

export const classic: Dialect = {
  name: 'classic',
  // The seed promises automatic pings, so 'classic' pings by default.
  wsDefaults: WS_DEFAULTS,
  clientCloseEnds: true,
  subprotocolHeaderOffers: true,
  stateName: (state) => (state === 'connecting' ? 'not_connected' : state),
  up: () => [],
  // The owner hears of a lost WebSocket; HTTP streams cut off have been
  // told already, each with a stream error (see connection.ts).
  down: (conn, owner, protocol, reason) =>
    protocol === 'ws' ? [[owner, ['gun_error', conn, lostReason(reason)]]] : [],
  stream(conn, s: Stream, event) {
    if (!s.upgrade) return streamMessage(conn, s.ref, event);
    switch (event[0]) {
      case 'upgrade':
        return ['gun_ws_upgrade', conn, 'ok'];
      case 'response':
        return ['gun_ws_upgrade', conn, 'error', event[1], event[2], event[3]];
      case 'data':
        return ['gun_data', conn, event[1], event[2]];
      case 'ws':
        return ['gun_ws', conn, event[1]];
      case 'error':
        return ['gun_error', conn, event[1]];
      default:
        return streamMessage(conn, s.ref, event);
    }
  },
  notify: (conn, kind, value) => ['gun_notify', conn, kind, value],
  // An error about a stream carries its ref (HTTP speaks Gun 2 here too);
  // the seed's WebSocket errors name no stream.
  error: (conn, ref, reason) => (ref === undefined ? ['gun_error', conn, reason] : ['gun_error', conn, ref, reason]),
};

/**
 * A classic message in Erlang's notation, or undefined if it is not one.
 * Each position where Gun has a binary prints as one (frame payloads, data,
 * header names and values); the rest by formatTerm's rule.
 */
export function formatClassic(message: readonly unknown[]): string | undefined {
  const [tag, conn] = message;
  switch (message.length === 0 ? '' : `${String(tag)}/${message.length}`) {
    case 'gun_ws/3':
      return formatTerm([tag, conn, frameShape(message[2])]);
    case 'gun_ws_upgrade/3':
      return formatTerm(message);
    case 'gun_error/3':
      return formatTerm([tag, conn, reasonShape(message[2])]);
    case 'gun_ws_upgrade/6':
      return formatTerm([...message.slice(0, 5), headersShape(message[5])]);
    case 'gun_data/4':
      return formatTerm([tag, conn, message[2], binaryShape(message[3])]);
    default:
      return undefined;
  }
}
