import type { Pid, Ref } from '../../runtime/index.js';
import type { ConnectionMessage } from '../connection.js';

/**
 * The two identifiers Gun's calls hand out: a connection's pid (`open`) and
 * a stream's ref (`get`, `request`, `wsUpgrade`, ...).
 */

/**
 * Marks a pid as a Gun connection's; exists only in the type system (no
 * pid carries such a property), so it costs nothing at run time. Its name
 * is what a type error shows: "Property '[openedByGunOpen]' is missing in
 * type 'Pid<unknown>'".
 */
declare const openedByGunOpen: unique symbol;

/**
 * A Gun connection's pid: what `open` returns, and what every other Gun
 * function takes. It is a `Pid` (print it, monitor it, link to it, match it
 * in a pattern), but a plain `Pid` is not a `ConnPid`: `gun.wsSend(self(),
 * frame)` or `gun.get(spawn(fn), '/')` do not compile, where before they
 * failed only at run time (BadArgError). A connection pid kept in a
 * variable of type `Pid` has lost its type; keep it as a `ConnPid`.
 *
 * @example
 * ```ts
 * import * as gun from 'beamish/gun';
 *
 * const conn: gun.ConnPid = gun.open('127.0.0.1', 8080);
 * gun.wsUpgrade(conn, '/websocket');
 * ```
 */
export type ConnPid = {
  /** Exists only in the type system: the mark of a pid that `open` returned. */
  readonly [openedByGunOpen]: true;
} & Pid<ConnectionMessage>;

/**
 * The ref that names one stream of a connection: what `get`, `post`,
 * `request`, `headers` and `wsUpgrade` return, and what `data`, `cancel`,
 * `await`, `awaitBody`, `wsSend`, `updateFlow`, `streamInfo` and `flush`
 * take. gun2 messages carry it (`['gun_ws', pid, ref, frame]`); the classic
 * dialect's WebSocket messages do not (one WebSocket per connection), but
 * the calls take it there too. An ordinary `Ref`: the name says what it is.
 *
 * @example
 * ```ts
 * import * as gun from 'beamish/gun';
 *
 * const conn = gun.open('127.0.0.1', 8080, { dialect: 'gun2' });
 * const ws: gun.StreamRef = gun.wsUpgrade(conn, '/websocket');
 * gun.wsSend(conn, ws, ['text', 'Hello!']);
 * ```
 */
export type StreamRef = Ref;

/** `open`'s pid, typed as what it is: the one place a `Pid` becomes a `ConnPid`. */
export function asConnPid(pid: Pid<ConnectionMessage>): ConnPid {
  return pid as ConnPid;
}
