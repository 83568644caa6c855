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

/** Gun's `protocols` for `--http1` / `--http2`; none (Gun's default) without either. */
function gunProtocols(http: Connect['http']): { protocols?: gun.ProtocolChoice[] } {
  if (http === 'http1') return { protocols: ['http'] };
  if (http === 'http2') return { protocols: ['http2'] };
  return {};
}

/**
 * Runs the GET. Exits 0 when the body is complete (and the body of every
 * response the server pushed with it), 1 when the connection cannot be
 * made or the stream fails, 2 when Gun refuses an argument (a bad header
 * name). Over HTTP/2, a push prints as `gun_push`, and the pushed
 * stream's messages print as the GET's do; a pushed stream that fails
 * prints its `gun_error` and fails nothing.
 *
 * @example
 * await get({ kind: 'connect', mode: 'get', url: new URL('http://127.0.0.1:8080/'),
 *   headers: [], protocols: [], caFile: undefined, js: false, trace: false, http: undefined }, undefined);
 */
export async function get({ url, headers, js, trace, http }: Connect, ca: Buffer | undefined): Promise<never> {
  const { host, port, tls } = endpoint(url);
  const print = printer(js);
  let conn: gun.ConnPid;
  let ref: Ref;
  let drained = untraced;
  try {
    // Without --http1/--http2, Gun's default: ALPN h2 then http/1.1 over
    // TLS, HTTP/1.1 over TCP.
    conn = gun.open(host, port, {
      dialect: 'gun2',
      transport: tls ? 'tls' : 'tcp',
      retry: 0,
      tlsOpts: ca === undefined ? {} : { ca },
      ...gunProtocols(http),
    });
    if (trace) drained = traceConnection(conn);
    ref = gun.get(conn, `${url.pathname}${url.search}`, headers);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err), 2);
  }
  const mref = monitor('process', conn);
  // A failure lets the tracer print its last lines first (--trace).
  const failing = async (message: string): Promise<never> => {
    await drained();
    fail(message);
  };
  let up = false;
  // The GET's stream, until its end; then the pushed streams still going.
  let main = true;
  const pushed = new Set<Ref>();
  const ended = async (stream: Ref): Promise<void> => {
    if (stream === ref) main = false;
    else pushed.delete(stream);
    if (main || pushed.size > 0) return;
    gun.close(conn);
    await drained();
    process.exit(0);
  };
  // A message about a stream already ended (a reset after the end) changes nothing.
  const ours = (stream: unknown): stream is Ref => (stream === ref && main) || pushed.has(stream as Ref);
  for (;;) {
    const msg = await receive([
      ['gun_up', conn, _],
      ['gun_push', conn, ref, _, _, _, _],
      ['gun_inform', conn, _, _, _],
      ['gun_response', conn, _, _, _, _],
      ['gun_data', conn, _, _, _],
      ['gun_trailers', conn, _, _],
      ['gun_error', conn, _, _],
      ['gun_error', conn, _],
      ['gun_notify', conn, _, _],
      ['gun_down', conn, _, _, _],
      ['DOWN', mref, 'process', conn, _],
    ]);
    switch (msg[0]) {
      case 'DOWN': {
        const reason = msg[4];
        if (!up) {
          await drained();
          cannotConnect(url, reason);
        }
        await failing(`connection ended: ${gun.formatGunMessage(reason)}`);
        break;
      }
      case 'gun_up':
        up = true;
        print(msg);
        break;
      case 'gun_push':
        pushed.add(msg[3] as Ref);
        print(msg);
        break;
      case 'gun_inform':
        if (ours(msg[2])) print(msg);
        break;
      case 'gun_response':
        if (!ours(msg[2])) break;
        print(msg);
        if (msg[3] === 'fin') await ended(msg[2]);
        break;
      case 'gun_data':
        if (!ours(msg[2])) break;
        print(msg);
        if (msg[3] === 'fin') await ended(msg[2]);
        break;
      case 'gun_trailers':
        if (!ours(msg[2])) break;
        print(msg);
        await ended(msg[2]);
        break;
      case 'gun_error':
        if (msg.length === 4) {
          if (!ours(msg[2])) break;
          print(msg);
          // A pushed stream is the server's extra: its failure fails nothing.
          if (msg[2] !== ref) await ended(msg[2]);
          else await failing(`stream error: ${gun.formatGunMessage(msg[3])}`);
          break;
        }
        print(msg);
        await failing(`connection error: ${gun.formatGunMessage(msg[2])}`);
        break;
      case 'gun_down':
        print(msg);
        await failing(`connection lost: ${gun.formatGunMessage(msg[3])}`);
        break;
      default:
        print(msg);
    }
  }
}
