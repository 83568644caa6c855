/**
 * `beamish ws://URL`, wscat-like: opens a connection, upgrades (with the
 * headers and subprotocols given), sends each line of stdin as a text frame,
 * and prints every tuple the owner receives. Ends with a clean close when
 * stdin ends.
 *
 * It speaks HTTP/1.1, as wscat does, unless `--http2` asks for a WebSocket
 * over HTTP/2 (RFC 8441, an extended CONNECT): Gun's default protocols over
 * TLS would offer h2 by ALPN, and most servers that take h2 take WebSocket
 * only over HTTP/1.1.
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
 * With `--http2` the upgrade waits for the server's first SETTINGS (Gun's
 * `gun_notify settings_changed`): a server applies its
 * SETTINGS_ENABLE_CONNECT_PROTOCOL only once they are acknowledged, and an
 * extended CONNECT sent before is reset (the traces' case 12b').
 *
 * @example
 * await ws({ kind: 'connect', mode: 'ws', url: new URL('ws://127.0.0.1:8080/echo'),
 *   headers: [], protocols: ['mychat'], caFile: undefined, js: false, trace: false, http: undefined }, undefined);
 */
export async function ws(
  { url, headers, protocols, js, trace, http }: Connect,
  ca: Buffer | undefined,
): Promise<never> {
  const { host, port, tls } = endpoint(url);
  const print = printer(js);
  const h2 = http === 'http2';

  let conn: gun.ConnPid;
  let drained = untraced;
  const upgrade = (): void => {
    try {
      gun.wsUpgrade(conn, `${url.pathname}${url.search}`, headers, { protocols, keepalive: 30_000 });
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err), 2);
    }
  };
  try {
    conn = gun.open(host, port, {
      transport: tls ? 'tls' : 'tcp',
      retry: 0,
      tlsOpts: ca === undefined ? {} : { ca },
      ...(h2 ? { protocols: ['http2'], http2Opts: { notifySettingsChanged: true } } : { protocols: ['http'] }),
    });
    if (trace) drained = traceConnection(conn);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err), 2);
  }
  // Over HTTP/1.1 the upgrade goes at once (Gun sends it once connected).
  let upgrading = !h2;
  if (upgrading) upgrade();
  const ref = monitor('process', conn);
  // A failure lets the tracer print its last lines first (--trace).
  const failing = async (message: string): Promise<never> => {
    await drained();
    fail(message);
  };

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
      ['gun_notify', conn, 'settings_changed', _],
      ['stdin', _],
      ['DOWN', ref, 'process', conn, _],
    ]);
    switch (msg[0]) {
      case 'gun_notify':
        // The server's SETTINGS (--http2): the first one lets the upgrade go.
        if (!upgrading) {
          upgrading = true;
          upgrade();
        }
        break;
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
        if (!upgraded) {
          await drained();
          cannotConnect(url, reason);
        }
        if (reason === 'shutdown' || reason === 'normal') {
          await drained();
          process.exit(0);
        }
        await failing(`connection ended: ${gun.formatGunMessage(reason)}`);
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
          await failing(`upgrade refused: HTTP ${msg[4]}`);
        } else if (msg[0] === 'gun_ws' && h2 && isClose(msg[2])) {
          // Over HTTP/2 the close ends the WebSocket's stream, not the
          // connection (Gun 2.4.1 takes it down): end it here, as
          // HTTP/1.1 would.
          gun.shutdown(conn);
        } else if (msg[0] === 'gun_error' && !upgraded) {
          // Over HTTP/2, a server without RFC 8441 resets the CONNECT.
          const hint = h2
            ? ' (over HTTP/2 the server must take an extended CONNECT, RFC 8441; --http1 upgrades over HTTP/1.1)'
            : '';
          await failing(`upgrade failed: ${gun.formatGunMessage(msg[2])}${hint}`);
        } else if (msg[0] === 'gun_error' && !closing) {
          await failing(`connection lost: ${gun.formatGunMessage(msg[2])}`);
        }
    }
  }
}

/** A close frame, as Gun gives it: `'close'` or `['close', code, reason]`. */
function isClose(frame: unknown): boolean {
  return frame === 'close' || (Array.isArray(frame) && frame[0] === 'close');
}
