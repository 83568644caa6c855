/**
 * `npm start`: the main job. Starts a WebSocket echo server on 127.0.0.1 (a
 * free port, nothing to set up), talks to it through a Gun connection, and
 * prints every message the owner receives: first what it means, then the
 * message in Erlang's notation and in JS.
 */
import { inspect } from 'node:util';
import * as gun from '../src/gun/index.js';
import { _, monitor, receive } from '../src/runtime/index.js';
import { startEchoServer } from './echo-server.js';

const server = await startEchoServer();
console.log(`echo server on ws://127.0.0.1:${server.port}\n`);

let n = 0;
function show(msg: unknown): void {
  n++;
  console.log(
    `${String(n).padStart(2)}. ${meaning(msg)}\n    erlang: ${gun.formatGunMessage(msg)}\n    js:     ${inspect(msg, { breakLength: Infinity })}`,
  );
}

/** One line on what a message the demo receives tells its owner. */
function meaning(msg: unknown): string {
  const m = msg as unknown[];
  switch (m[0]) {
    case 'gun_ws_upgrade':
      if (m[2] === 'ok')
        return 'gun_ws_upgrade ok: the server accepted the upgrade; the connection now speaks WebSocket';
      return `gun_ws_upgrade error: the server refused the upgrade with HTTP ${m[4]}; ${m[3] === 'nofin' ? 'its body follows as gun_data (nofin)' : 'no body (fin)'}`;
    case 'gun_data':
      return `gun_data: the refusal's body, ${(m[3] as Buffer).length} bytes; ${m[2] === 'fin' ? 'fin: the last of it' : 'nofin: more follows'}`;
    case 'gun_ws': {
      const frame = m[2];
      if (frame === 'close') return 'gun_ws close: the server answered our close frame; the WebSocket is closed';
      const [type, data] = frame as [string, string | Buffer];
      return type === 'text'
        ? `gun_ws text: the server echoed our text frame (${data.length} characters)`
        : `gun_ws binary: the server echoed our binary frame (${data.length} bytes)`;
    }
    case 'gun_error':
      return 'gun_error: the connection was lost; Gun reconnects by itself, and the owner must upgrade again';
    case 'DOWN':
      return `DOWN: the connection process has ended (reason ${gun.formatGunMessage(m[4])}) after the close; the monitor reports it`;
    default:
      return 'a message the demo did not expect';
  }
}

/** Receives the next message from `conn`, prints it, returns it. */
async function next(conn: gun.ConnPid): Promise<unknown> {
  const msg = await receive(
    [
      ['gun_ws_upgrade', conn, _],
      ['gun_ws_upgrade', conn, 'error', _, _, _],
      ['gun_ws', conn, _],
      ['gun_data', conn, _, _],
      ['gun_error', conn, _],
    ],
    2000,
  );
  show(msg);
  return msg;
}

const conn = gun.open('127.0.0.1', server.port, { retryTimeout: 100 });

console.log('-- a refused upgrade (401, with a body)');
gun.wsUpgrade(conn, '/private');
await next(conn);
await next(conn);

console.log('\n-- upgrade, then a text frame and a binary frame');
gun.wsUpgrade(conn, '/echo', [['sec-websocket-protocol', 'mychat']]);
await next(conn);
gun.wsSend(conn, ['text', 'Hello!']);
await next(conn);
gun.wsSend(conn, ['binary', Buffer.from([0xde, 0xad, 0xbe, 0xef])]);
await next(conn);

console.log('\n-- the server drops the connection: gun_error, Gun reconnects, the owner upgrades again');
server.drop();
await next(conn);
gun.wsUpgrade(conn, '/echo');
await next(conn);

console.log('\n-- a list of frames ending with a close: sent in order, then a clean end');
const ref = monitor('process', conn);
gun.wsSend(conn, [['text', 'one'], ['text', 'two'], 'close']);
await next(conn);
await next(conn);
await next(conn);
show(await receive([['DOWN', ref, 'process', conn, _]], 2000));

await server.close();
console.log('\ndone');
