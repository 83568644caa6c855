import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as gun from '../../src/gun/index.js';
import { _, flush, monitor, receive, run } from '../../src/runtime/index.js';
import { type FayeServer, pythonEchoMissing, startFayeEcho, startPythonEcho } from '../helpers/servers.js';
import { skippable } from '../helpers/skippable.js';

/**
 * The core cases against WebSocket servers nobody here wrote: faye-websocket
 * (an npm implementation that shares no code with `ws`) always, and Debian's
 * python3-websockets when it is installed (.ci/run installs it; without it
 * those tests are skipped, saying why).
 */
const T = 5000;

/** Upgrade, echo text and binary, keepalive pongs, and a clean close: the same script for every peer. */
function echoScript(port: () => number) {
  return () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', port(), { retry: 0, wsOpts: { keepalive: 30, silencePings: false } });
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
      // A peer may stop echoing once it has read a close, so a frame after
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
    });
}

describe('Gun against faye-websocket', () => {
  let server: FayeServer | undefined;
  before(async () => {
    server = await startFayeEcho();
  });
  after(() => server?.close());
  const port = () => (server as FayeServer).port;

  it('upgrades, echoes text and binary, answers keepalive pings, and closes cleanly', echoScript(port));

  it('a server that accepts without choosing any offered subprotocol: the upgrade succeeds (as Gun 2.4.1)', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', port(), { retry: 0, wsOpts: { protocols: ['other'] } });
      gun.wsUpgrade(pid, '/');
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      assert.equal((server as FayeServer).chosen.at(-1), '');
      gun.wsSend(pid, ['text', 'still works']);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'still works']]);
      gun.close(pid);
      assert.deepEqual(flush(), []);
    }));
});

const pythonMissing = pythonEchoMissing();
describe('Gun against python3-websockets', () => {
  const { it, before, after } = skippable(pythonMissing);
  let server: Awaited<ReturnType<typeof startPythonEcho>> | undefined;
  before(async () => {
    server = await startPythonEcho();
  });
  after(() => server?.close());

  it(
    'upgrades, echoes text and binary, answers keepalive pings, and closes cleanly',
    echoScript(() => (server as { port: number }).port),
  );
});
