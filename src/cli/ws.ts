/**
 * `beamish ws://URL`, wscat-like: opens a connection, upgrades (with the
 * headers and subprotocols given), sends each line of stdin as a text frame,
 * and prints every tuple the owner receives. Ends with a clean close when
 * stdin ends.
 */
import { createInterface } from 'node:readline';
import * as gun from '../gun/index.js';
import { _, monitor, receive, self, send } from '../runtime/index.js';
import type { Connect } from './args.js';
import { cannotConnect, fail, printer } from './output.js';
import { traceConnection, untraced } from './trace.js';
import { endpoint } from './url.js';

/**
 * Runs the session. Exits 0 after a clean close, 1 when the connection
 * cannot be made, the upgrade is refused or the connection is lost, 2 when
 * Gun refuses an argument (a bad header name).
 *
 * @example
 * await ws({ kind: 'connect', mode: 'ws', url: new URL('ws://127.0.0.1:8080/echo'),
 *   headers: [], protocols: ['mychat'], caFile: undefined, js: false, trace: false }, undefined);
 */
export async function ws({ url, headers, protocols, js, trace }: Connect, ca: Buffer | undefined): Promise<never> {
  const { host, port, tls } = endpoint(url);
  const print = printer(js);

  let conn: gun.ConnPid;
  let drained = untraced;
  try {
    conn = gun.open(host, port, { transport: tls ? 'tls' : 'tcp', retry: 0, tlsOpts: ca === undefined ? {} : { ca } });
    if (trace) drained = traceConnection(conn);
    gun.wsUpgrade(conn, `${url.pathname}${url.search}`, headers, { protocols, keepalive: 30_000 });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err), 2);
  }
  const ref = monitor('process', conn);

  // stdin lines arrive as messages, like everything else.
  const me = self();
  const lines = createInterface({ input: process.stdin });
  lines.pause();
  lines.on('line', (line) => send(me, ['stdin', line]));
  lines.on('close', () => send(me, ['stdin', 'eof']));

  let upgraded = false;
  let closing = false;
  for (;;) {
    const msg = await receive([
      ['gun_ws_upgrade', conn, _],
      ['gun_ws_upgrade', conn, 'error', _, _, _],
      ['gun_data', conn, _, _],
      ['gun_ws', conn, _],
      ['gun_error', conn, _],
      ['stdin', _],
      ['DOWN', ref, 'process', conn, _],
    ]);
    switch (msg[0]) {
      case 'stdin':
        if (msg[1] === 'eof' && !closing) {
          closing = true;
          gun.wsSend(conn, 'close');
        } else if (!closing) {
          gun.wsSend(conn, ['text', msg[1] as string]);
        }
        break;
      case 'DOWN': {
        const reason = msg[4];
        if (!upgraded) cannotConnect(url, reason);
        if (reason === 'shutdown' || reason === 'normal') {
          await drained();
          process.exit(0);
        }
        fail(`connection ended: ${gun.formatGunMessage(reason)}`);
        break;
      }
      default:
        print(msg);
        if (msg[0] === 'gun_ws_upgrade' && msg[2] === 'ok') {
          upgraded = true;
          lines.resume();
        } else if (msg[0] === 'gun_ws_upgrade') {
          // The body, if any, follows as gun_data: print it before leaving.
          if (msg[3] === 'nofin') print(await receive([['gun_data', conn, _, _]], 1000, 'no body'));
          fail(`upgrade refused: HTTP ${msg[4]}`);
        } else if (msg[0] === 'gun_error' && !closing) {
          fail(`connection lost: ${gun.formatGunMessage(msg[2])}`);
        }
    }
  }
}
