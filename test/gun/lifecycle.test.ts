import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as gun from '../../src/gun/index.js';
import { _, exit, flush, isAlive, monitor, receive, run, self, send, sleep, spawn } from '../../src/runtime/index.js';
import { peerClose, upgraded } from '../helpers/gun.js';
import { freePort, startMuteServer, startServer, type TestServer } from '../helpers/servers.js';

const T = 3000;
let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

describe('Gun connection lifecycle (classic)', () => {
  it('calls made before the connection is up wait, and run once it is', () =>
    run(async () => {
      const port = await freePort();
      const pid = gun.open('127.0.0.1', port, { retry: 20, retryTimeout: 20 });
      gun.wsUpgrade(pid, '/echo');
      gun.wsSend(pid, ['text', 'queued']);
      // The premise: an attempt failed (info waits for a connect under way,
      // so not_connected means one ended, with nobody listening) and the
      // calls are still waiting.
      assert.equal((await gun.info(pid)).stateName, 'not_connected');
      assert.deepEqual(flush(), []);
      const late = await startServer({ port });
      try {
        assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
        assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'queued']]);
      } finally {
        gun.close(pid);
        await late.close();
      }
    }));

  it('the server dropping the TCP connection gives gun_error; Gun reconnects, and upgrading again works', () =>
    run(async () => {
      const pid = await upgraded(server.port, { retry: 3, retryTimeout: 20 }, '/echo');
      server.dropAll();
      const [, , reason] = await receive([['gun_error', pid, _]], T);
      assert.equal((reason as [string, string])[0], 'closed');
      // No automatic upgrade: sending now is a bad state...
      gun.wsSend(pid, ['text', 'not yet']);
      const [, , bad] = await receive([['gun_error', pid, _]], T);
      assert.equal((bad as [string, string])[0], 'badstate');
      // ...until the owner upgrades again, as the seed says.
      gun.wsUpgrade(pid, '/echo');
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      gun.wsSend(pid, ['text', 'again']);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'again']]);
      gun.close(pid);
    }));

  it('a close frame from the server is delivered, then the connection counts as lost', () =>
    run(async () => {
      const pid = await upgraded(server.port, { retry: 1, retryTimeout: 20 }, '/sink');
      server.sockets.at(-1)?.close(4000, 'server says bye');
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['close', 4000, 'server says bye']]);
      const [, , reason] = await receive([['gun_error', pid, _]], T);
      assert.equal((reason as [string, string])[0], 'closed');
      assert.equal(isAlive(pid), true, 'it reconnects');
      gun.close(pid);
    }));

  it('with retry 0, a clean close by the server ends the connection with reason normal', () =>
    run(async () => {
      const pid = await upgraded(server.port, { retry: 0 }, '/sink');
      const ref = monitor('process', pid);
      server.sockets.at(-1)?.close(1000);
      await receive([['gun_ws', pid, ['close', 1000, '']]], T);
      await receive([['gun_error', pid, _]], T);
      assert.deepEqual(await receive([['DOWN', ref, 'process', pid, _]], T), ['DOWN', ref, 'process', pid, 'normal']);
    }));

  it('a server that is gone: retries, then exit [shutdown, econnrefused] seen by a monitor', () =>
    run(async () => {
      const port = await freePort();
      const started = Date.now();
      const pid = gun.open('127.0.0.1', port, { retry: 2, retryTimeout: 30 });
      const ref = monitor('process', pid);
      const down = await receive([['DOWN', ref, 'process', pid, _]], T);
      assert.deepEqual(down[4], ['shutdown', 'econnrefused']);
      // Three attempts: the first, an immediate retry (as Gun), then one 30 ms later.
      assert.ok(Date.now() - started >= 25);
      assert.deepEqual(flush(), []);
    }));

  it('after a failed first connect the first retry is immediate, as in Gun; the next ones wait retryTimeout', () =>
    run(async () => {
      const port = await freePort();
      // retry 1 with a minute between attempts: only an immediate first
      // retry lets the connection give up within the receive's 3 s.
      const pid = gun.open('127.0.0.1', port, { retry: 1, retryTimeout: 60_000 });
      const ref = monitor('process', pid);
      const down = await receive([['DOWN', ref, 'process', pid, _]], T);
      assert.deepEqual(down[4], ['shutdown', 'econnrefused']);
      // With two retries the second waits the minute: still alive after the first two attempts.
      const waiting = gun.open('127.0.0.1', port, { retry: 2, retryTimeout: 60_000 });
      await sleep(200);
      assert.equal(isAlive(waiting), true);
      gun.close(waiting);
    }));

  it('connectTimeout bounds each attempt', () =>
    run(async () => {
      // A listening socket whose backlog is never accepted still completes TCP,
      // so use TLS to a plain server that never answers the handshake instead.
      const mute = await startMuteServer();
      try {
        const pid = gun.open('127.0.0.1', mute.port, { transport: 'tls', retry: 0, connectTimeout: 50 });
        const ref = monitor('process', pid);
        const down = await receive([['DOWN', ref, 'process', pid, _]], T);
        assert.deepEqual(down[4], ['shutdown', 'timeout']);
      } finally {
        await mute.close();
      }
    }));

  it('the owner exiting normally: close 1001 sent, the connection exits normal', () =>
    run(async () => {
      const me = self();
      const owner = spawn(async () => {
        const pid = await upgraded(server.port, { retry: 0 }, '/sink');
        send(me, ['conn', pid]);
        await receive(['go']);
      });
      const [, pid] = await receive([['conn', _]], T);
      const conn = pid as gun.ConnPid;
      const ref = monitor('process', conn);
      const closed = peerClose(server);
      send(owner, 'go');
      assert.deepEqual(await closed, [1001, '']);
      assert.deepEqual(await receive([['DOWN', ref, 'process', conn, _]], T), ['DOWN', ref, 'process', conn, 'normal']);
    }));

  it('the owner crashing: close 1001 sent, the connection exits [shutdown, [owner_down, reason]]', () =>
    run(async () => {
      const me = self();
      const owner = spawn(async () => {
        const pid = await upgraded(server.port, { retry: 0 }, '/sink');
        send(me, ['conn', pid]);
        await receive([]);
      });
      const [, pid] = await receive([['conn', _]], T);
      const conn = pid as gun.ConnPid;
      const ref = monitor('process', conn);
      const closed = peerClose(server);
      exit(owner, 'crashed');
      assert.deepEqual(await closed, [1001, '']);
      const [, , , , reason] = await receive([['DOWN', ref, 'process', conn, _]], T);
      assert.deepEqual(reason, ['shutdown', ['owner_down', 'crashed']]);
    }));

  it('opts.owner makes another process the owner', () =>
    run(async () => {
      const me = self();
      const owner = spawn(async () => {
        const msg = await receive([['gun_ws_upgrade', _, _]], T);
        send(me, ['owner got', msg]);
      });
      const pid = gun.open('127.0.0.1', server.port, { retry: 0, owner });
      gun.wsUpgrade(pid, '/sink');
      const [, msg] = await receive([['owner got', _]], T);
      assert.deepEqual(msg, ['gun_ws_upgrade', pid, 'ok']);
      assert.deepEqual(flush(), []);
      gun.close(pid);
    }));

  it('shutdown sends close 1001, waits for the peer, and exits shutdown', () =>
    run(async () => {
      const pid = await upgraded(server.port, { retry: 3 }, '/sink');
      const closed = peerClose(server);
      const ref = monitor('process', pid);
      gun.shutdown(pid);
      assert.deepEqual(await closed, [1001, '']);
      assert.deepEqual(await receive([['DOWN', ref, 'process', pid, _]], T), ['DOWN', ref, 'process', pid, 'shutdown']);
    }));

  it('shutdown against a server that never answers the close exits after closingTimeout', () =>
    run(async () => {
      const mute = await startMuteServer();
      try {
        const pid = gun.open('127.0.0.1', mute.port, {
          retry: 3,
          wsOpts: { closingTimeout: 100, keepalive: Infinity },
        });
        gun.wsUpgrade(pid, '/');
        await receive([['gun_ws_upgrade', pid, 'ok']], T);
        const ref = monitor('process', pid);
        const t = Date.now();
        gun.shutdown(pid);
        assert.deepEqual(await receive([['DOWN', ref, 'process', pid, _]], T), [
          'DOWN',
          ref,
          'process',
          pid,
          'shutdown',
        ]);
        const waited = Date.now() - t;
        assert.ok(waited >= 90, `waited ${waited} ms`);
        assert.ok(mute.bytesAfterHandshake() > 0, 'the close frame was sent');
      } finally {
        await mute.close();
      }
    }));

  it('close ends the connection at once, with no handshake', () =>
    run(async () => {
      const pid = await upgraded(server.port, { retry: 3 }, '/sink');
      const closed = peerClose(server);
      gun.close(pid);
      assert.equal(isAlive(pid), false);
      assert.deepEqual(await closed, [1006, '']);
    }));

  it('a server that stops answering pings is detected as dead', () =>
    run(async () => {
      const mute = await startMuteServer();
      try {
        const pid = await upgraded(mute.port, { retry: 0, wsOpts: { keepalive: 40 } }, '/');
        const ref = monitor('process', pid);
        const [, , reason] = await receive([['gun_error', pid, _]], T);
        assert.equal((reason as [string, string])[0], 'closed');
        assert.match((reason as [string, string])[1], /ping/);
        const down = await receive([['DOWN', ref, 'process', pid, _]], T);
        assert.deepEqual(down[4], ['shutdown', reason]);
      } finally {
        await mute.close();
      }
    }));

  it("a dead connection's pid holds neither its socket nor the connection's state", () =>
    run(async () => {
      // The test runner does not pass --expose-gc; this gives the same gc().
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      const pid = await upgraded(server.port, { retry: 0 }, '/echo');
      const socket = new WeakRef((await gun.info(pid)).socket as object);
      const ref = monitor('process', pid);
      gun.close(pid);
      await receive([['DOWN', ref, 'process', pid, _]], T);
      // deref() keeps its target alive to the end of the job that called it:
      // collect in a job of its own, look after it.
      for (let i = 0; i < 20; i++) {
        await sleep(10);
        gc();
        await sleep(0);
        if (socket.deref() === undefined) break;
      }
      assert.equal(socket.deref(), undefined, 'the socket was collected while its pid is still held');
      // The pid still says what it was: calls on it are accepted, and go nowhere.
      gun.shutdown(pid);
      assert.equal(String(pid).startsWith('<0.'), true);
    }));
});
