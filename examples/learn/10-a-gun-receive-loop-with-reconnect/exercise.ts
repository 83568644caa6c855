/**
 * Chapter 10, A Gun receive loop with reconnect: your exercise.
 * Check it with `npm run exercise 10`.
 */
import type { Pid } from 'beamish/runtime';

/** What the client takes. */
export type ClientMsg = ['send', string] | 'stop';

/**
 * Starts a process that keeps a WebSocket open to
 * `ws://127.0.0.1:<port>/echo` through Gun, and returns its pid.
 *
 * It tells `owner`:
 * - `['ready']` each time the WebSocket is up: after the first upgrade,
 *   and again after each reconnect;
 * - `['text', text]` for each text frame the server sends;
 * - `['down', reason]` each time the connection is lost.
 *
 * It takes:
 * - `['send', text]`: sends `text` as a text frame. A text sent while the
 *   connection is down is not lost: it goes out once the WebSocket is back.
 * - `'stop'`: shuts the connection down, waits until it is gone, and ends.
 *
 * Open the connection with `gun.open('127.0.0.1', port, { dialect: 'gun2',
 * retryTimeout: 100 })`, from `import * as gun from 'beamish/gun'`.
 *
 * @example
 * const client = wsClient(port, self());
 * await receive([['ready']]);
 * send(client, ['send', 'hello']);
 * await receive([['text', anyString]]); // ['text', 'hello']
 */
export function wsClient(port: number, owner: Pid): Pid<ClientMsg> {
  // Inside the process: open; then, in a loop: await gun.awaitUp(conn);
  // ref = gun.wsUpgrade(conn, '/echo'); wait for ['gun_upgrade', conn, ref, ...];
  // tell the owner ['ready']; then receive ['send', text], ['gun_ws', ...],
  // ['gun_down', ...] and 'stop' until the connection goes down.
  throw new Error(`TODO: connect to port ${port} and report to ${owner}`);
}
