import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as gun from '../../src/gun/index.js';
import { _, flush, monitor, receive, run } from '../../src/runtime/index.js';
import { type PythonServer, startPythonEcho } from '../helpers/servers.js';

/**
 * The core cases against a WebSocket server nobody here wrote: Debian's
 * python3-websockets (installed by .ci/run), started by the test.
 */
const T = 5000;
let server: PythonServer;
before(async () => {
  server = await startPythonEcho();
});
after(() => server.close());

describe('Gun against python3-websockets', () => {
  it('upgrades, echoes text and binary, answers keepalive pings, and closes cleanly', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0, wsOpts: { keepalive: 30, silencePings: false } });
      gun.wsUpgrade(pid, '/', [['sec-websocket-protocol', 'mychat']]);
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      gun.wsSend(pid, ['text', 'Hello!']);
      assert.deepEqual(await receive([['gun_ws', pid, ['text', _]]], T), ['gun_ws', pid, ['text', 'Hello!']]);
      const bin = Buffer.from([1, 2, 3, 0, 255]);
      gun.wsSend(pid, ['binary', bin]);
      assert.deepEqual(await receive([['gun_ws', pid, ['binary', _]]], T), ['gun_ws', pid, ['binary', bin]]);
      // Our keepalive pings are answered by the server's pongs.
      assert.deepEqual(await receive([['gun_ws', pid, 'pong']], T), ['gun_ws', pid, 'pong']);
      const ref = monitor('process', pid);
      gun.wsSend(pid, ['text', 'last']);
      assert.deepEqual(await receive([['gun_ws', pid, ['text', _]]], T), ['gun_ws', pid, ['text', 'last']]);
      // websockets stops echoing once it has read a close, so a frame after
      // ours would not come back anyway; what matters is that it is not sent.
      gun.wsSend(pid, [
        ['close', 1000, 'bye'],
        ['text', 'dropped'],
      ]);
      assert.deepEqual(await receive([['gun_ws', pid, ['close', _, _]]], T), ['gun_ws', pid, ['close', 1000, 'bye']]);
      assert.deepEqual(await receive([['DOWN', ref, 'process', pid, _]], T), ['DOWN', ref, 'process', pid, 'shutdown']);
      assert.deepEqual(
        flush().filter((m) => (m as unknown[])[2] !== 'pong'),
        [],
      );
    }));
});
