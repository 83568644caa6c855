import { formatTerm } from '../../runtime/index.js';
import type { ConnPid, StreamRef } from '../api/ids.js';
import type { IncomingFrame } from '../frames.js';
import type { Headers } from '../headers.js';
import { WS_DEFAULTS } from '../options.js';
import type { IsFin } from '../protocols/protocol.js';
import type { Dialect } from './dialect.js';
import { binariesShape, binaryShape, frameShape, headersShape, listShape, streamMessage } from './shapes.js';

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
 * The messages of the 'gun2' dialect. A message received with a pattern
 * that types each element (`['gun_ws', conn, ref, gun.anyFrame]`, see
 * api/patterns.ts) is one of these.
 */
export type Gun2Message =
  | ['gun_up', ConnPid, 'http' | 'ws']
  | ['gun_down', ConnPid, 'http' | 'ws', unknown, StreamRef[]]
  | ['gun_inform', ConnPid, StreamRef, number, Headers]
  | ['gun_response', ConnPid, StreamRef, IsFin, number, Headers]
  | ['gun_data', ConnPid, StreamRef, IsFin, Buffer]
  | ['gun_trailers', ConnPid, StreamRef, Headers]
  | ['gun_upgrade', ConnPid, StreamRef, ['websocket'], Headers]
  | ['gun_ws', ConnPid, StreamRef, IncomingFrame]
  | ['gun_error', ConnPid, StreamRef, unknown]
  | ['gun_error', ConnPid, unknown];

export const gun2: Dialect = {
  name: 'gun2',
  // Gun 2's ws_opts: no keepalive pings unless asked for.
  wsDefaults: { ...WS_DEFAULTS, keepalive: Infinity },
  clientCloseEnds: false,
  up: (conn, owner, protocol) => [[owner, ['gun_up', conn, protocol]]],
  down: (conn, owner, protocol, reason, killed) => [
    [owner, ['gun_down', conn, protocol, reason, killed.map((s) => s.ref)]],
  ],
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
    case 'gun_error/4':
      return formatTerm(message);
    case 'gun_down/5':
      return formatTerm([tag, conn, message[2], message[3], listShape(message[4])]);
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
    case 'gun_ws/4':
      return formatTerm([tag, conn, ref, frameShape(message[3])]);
    default:
      return undefined;
  }
}
