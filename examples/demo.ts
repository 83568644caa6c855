/**
 * `npm start`: the main job. Starts a WebSocket echo server on 127.0.0.1 (a
 * free port, nothing to set up), talks to it through a Gun connection, and
 * prints every message the owner receives, in Erlang's notation and in JS.
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
    `${String(n).padStart(2)}. erlang: ${gun.formatGunMessage(msg)}\n    js:     ${inspect(msg, { breakLength: Infinity })}`,
  );
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
