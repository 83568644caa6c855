import type { Pid, Ref } from '../runtime/ids.js';
import type { IncomingFrame } from './frames.js';
import type { Headers } from './headers.js';

/**
 * A message dialect: the shapes of the tuples the owner gets. The connection
 * process says what happened; the dialect only decides how it is written.
 * Each method returns the messages to send, in order (often none).
 */
export interface DialectWriter {
  /** The transport connection is (back) up. */
  up(conn: Pid): unknown[];
  /** An established connection was lost (or closed by the peer); a reconnect may follow. */
  down(conn: Pid, reason: unknown, upgrades: Ref[]): unknown[];
  /** The server accepted a WebSocket upgrade. */
  upgraded(conn: Pid, ref: Ref, headers: Headers): unknown[];
  /** The server answered the upgrade with something other than 101. */
  refused(conn: Pid, ref: Ref, status: number, headers: Headers, body: Buffer): unknown[];
  /** A frame arrived on the WebSocket. */
  frame(conn: Pid, ref: Ref, frame: IncomingFrame): unknown[];
  /** A call could not be carried out (bad state and the like). */
  error(conn: Pid, ref: Ref | undefined, reason: unknown): unknown[];
}

/** The messages of the 'classic' dialect, the seed chapter's. */
export type ClassicMessage =
  | ['gun_ws_upgrade', Pid, 'ok']
  | ['gun_ws_upgrade', Pid, 'error', 'fin' | 'nofin', number, Headers]
  | ['gun_data', Pid, 'fin', Buffer]
  | ['gun_ws', Pid, IncomingFrame]
  | ['gun_error', Pid, unknown];

/**
 * 'classic': exactly the seed's messages. Connection state changes have no
 * message of their own; a lost connection is a `gun_error`, which tells the
 * owner to upgrade again.
 */
export const classic: DialectWriter = {
  up: () => [],
  down: (conn, reason) => [['gun_error', conn, reason]],
  upgraded: (conn) => [['gun_ws_upgrade', conn, 'ok']],
  refused: (conn, _ref, status, headers, body) =>
    body.length === 0
      ? [['gun_ws_upgrade', conn, 'error', 'fin', status, headers]]
      : [
          ['gun_ws_upgrade', conn, 'error', 'nofin', status, headers],
          // The seed is silent on the body; we pass it on so a 401's reason is not lost.
          ['gun_data', conn, 'fin', body],
        ],
  frame: (conn, _ref, frame) => [['gun_ws', conn, frame]],
  error: (conn, _ref, reason) => [['gun_error', conn, reason]],
};
