/**
 * `beamish get URL`: one GET on a gun2 connection with no retry, printing
 * every message the owner gets for it, from gun_up to the end of the body.
 */
import * as gun from '../gun/index.js';
import { _, monitor, type Ref, receive } from '../runtime/index.js';
import type { Connect } from './args.js';
import { cannotConnect, fail, printer } from './output.js';
import { traceConnection, untraced } from './trace.js';
import { endpoint } from './url.js';

/**
 * Runs the GET. Exits 0 when the body is complete, 1 when the connection
 * cannot be made or the stream fails, 2 when Gun refuses an argument (a bad
 * header name).
 *
 * @example
 * await get({ kind: 'connect', mode: 'get', url: new URL('http://127.0.0.1:8080/'),
 *   headers: [], protocols: [], caFile: undefined, js: false, trace: false }, undefined);
 */
export async function get({ url, headers, js, trace }: Connect, ca: Buffer | undefined): Promise<never> {
  const { host, port, tls } = endpoint(url);
  const print = printer(js);
  let conn: gun.ConnPid;
  let ref: Ref;
  let drained = untraced;
  try {
    conn = gun.open(host, port, {
      dialect: 'gun2',
      transport: tls ? 'tls' : 'tcp',
      retry: 0,
      tlsOpts: ca === undefined ? {} : { ca },
    });
    if (trace) drained = traceConnection(conn);
    ref = gun.get(conn, `${url.pathname}${url.search}`, headers);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err), 2);
  }
  const mref = monitor('process', conn);
  let up = false;
  const done = async (): Promise<never> => {
    gun.close(conn);
    await drained();
    process.exit(0);
  };
  for (;;) {
    const msg = await receive([
      ['gun_up', conn, _],
      ['gun_inform', conn, ref, _, _],
      ['gun_response', conn, ref, _, _, _],
      ['gun_data', conn, ref, _, _],
      ['gun_trailers', conn, ref, _],
      ['gun_error', conn, ref, _],
      ['gun_error', conn, _],
      ['gun_down', conn, _, _, _],
      ['DOWN', mref, 'process', conn, _],
    ]);
    switch (msg[0]) {
      case 'DOWN': {
        const reason = msg[4];
        if (!up) cannotConnect(url, reason);
        fail(`connection ended: ${gun.formatGunMessage(reason)}`);
        break;
      }
      case 'gun_up':
        up = true;
        print(msg);
        break;
      case 'gun_response':
        print(msg);
        if (msg[3] === 'fin') await done();
        break;
      case 'gun_data':
        print(msg);
        if (msg[3] === 'fin') await done();
        break;
      case 'gun_trailers':
        print(msg);
        await done();
        break;
      case 'gun_error':
        print(msg);
        if (msg.length === 4) fail(`stream error: ${gun.formatGunMessage(msg[3])}`);
        fail(`connection error: ${gun.formatGunMessage(msg[2])}`);
        break;
      case 'gun_down':
        print(msg);
        fail(`connection lost: ${gun.formatGunMessage(msg[3])}`);
        break;
      default:
        print(msg);
    }
  }
}
