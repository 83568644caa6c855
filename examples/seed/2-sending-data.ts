/**
 * The seed chapter's "Sending data":
 *
 *   gun:ws_send(Pid, {text, "Hello!"}).
 *   gun:ws_send(Pid, [{text, "Hello!"}, {binary, SomeBin}, close]).
 *
 * Run: npx tsx examples/seed/2-sending-data.ts
 */
import * as gun from '../../src/gun/index.js';
import { _, receive } from '../../src/runtime/index.js';
import { startEchoServer } from '../echo-server.js';

const server = await startEchoServer();
const pid = gun.open('127.0.0.1', server.port);
gun.wsUpgrade(pid, '/websocket');
await receive([['gun_ws_upgrade', pid, 'ok']], 1000);

const someBin = Buffer.from([1, 2, 3]);

// Send one text frame.
gun.wsSend(pid, ['text', 'Hello!']);
// Send one text frame, one binary frame and close the connection.
gun.wsSend(pid, [['text', 'Hello!'], ['binary', someBin], 'close']);

// The echoes, then the server's answer to our close; Gun does not reconnect.
for (let i = 0; i < 4; i++) console.log(gun.formatGunMessage(await receive([['gun_ws', pid, _]], 1000)));
await server.close();
