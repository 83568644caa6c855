/** Shared steps of the Gun tests. */
import assert from 'node:assert/strict';
import * as gun from '../../src/gun/index.js';
import { _, isAlive, receive, run } from '../../src/runtime/index.js';
import type { TestServer } from './servers.js';

/** Opens a connection owned by the running process and waits for its upgrade on `path`. */
export async function upgraded(
  port: number,
  opts: gun.OpenOptions,
  path = '/echo',
  headers?: gun.HeadersInput,
  wsOpts?: gun.WsOptions,
): Promise<gun.ConnPid> {
  const pid = gun.open('127.0.0.1', port, opts);
  gun.wsUpgrade(pid, path, headers, wsOpts);
  assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], 3000), ['gun_ws_upgrade', pid, 'ok']);
  return pid;
}

/** The close code and reason the server's newest WebSocket will see. */
export function peerClose(server: TestServer): Promise<[number, string]> {
  const peer = server.sockets.at(-1);
  assert.ok(peer, 'the server has a WebSocket');
  return new Promise((resolve) => peer.once('close', (code, reason) => resolve([code, reason.toString()])));
}

/** Runs `fn` in a process; the connections it registers with `track` are closed afterwards. */
export function withConns(fn: (track: (pid: gun.ConnPid) => gun.ConnPid) => Promise<void>): Promise<void> {
  return run(async () => {
    const pids: gun.ConnPid[] = [];
    try {
      await fn((pid) => {
        pids.push(pid);
        return pid;
      });
    } finally {
      for (const pid of pids) if (isAlive(pid)) gun.close(pid);
    }
  });
}
