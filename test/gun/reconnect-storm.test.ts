/**
 * Issue 20's "unanswered upgrades", brought down to seconds. In the soak
 * (scripts/soak.ts) some upgrades sent right after `gun_up` got no answer
 * until the next kill ended them with `['closed', ['error', 'econnreset']]`.
 * They were never lost by the client: the kernel completes a TCP handshake as
 * soon as a socket listens, so `gun_up` comes (as in Gun, on connect) and the
 * upgrade request is written and acknowledged, while the server process has
 * not yet taken the connection off its listen queue. Node's libuv (>= 1.45)
 * accepts one connection per event-loop turn, so a server busy echoing for
 * the connections it already has drains a queue of hundreds of reconnecting
 * clients slowly; a SIGKILL then resets every connection still queued, and
 * the request bytes waiting in them.
 *
 * These tests keep to what the owner sees. The server is a child process:
 * one that never returns to its event loop (so never accepts), and one that
 * spends a long turn on each connection it accepts; each is SIGKILLed, as in
 * the soak, and replaced by an ordinary echo server on the same port.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn as spawnChild } from 'node:child_process';
import { createRequire } from 'node:module';
import { after, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import * as gun from '../../src/gun/index.js';
import { _, isAlive, type Ref, receive, run } from '../../src/runtime/index.js';

/** Every receive here is bounded by this. */
const T = 5000;

const wsModule = createRequire(import.meta.url).resolve('ws');

/**
 * A server that never takes a connection off its listen queue: it listens,
 * says its port, and then its only thread sleeps (Atomics.wait, no CPU), so
 * libuv never gets to accept.
 */
const NEVER_ACCEPTS = `
  const net = require('node:net');
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => {
    process.stdout.write('PORT ' + s.address().port + '\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
`;

/**
 * A WebSocket echo server that spends a long turn (DELAY ms, asleep) on each
 * connection it accepts: the k-th queued connection is accepted after about
 * k * DELAY ms, as on a server busy with its other connections.
 */
const SLOW_ACCEPT = `
  const http = require('node:http');
  const { WebSocketServer } = require(process.argv[1]);
  const delay = Number(process.argv[2]);
  const lock = new Int32Array(new SharedArrayBuffer(4));
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (d, binary) => ws.send(d, { binary })));
  server.on('connection', () => Atomics.wait(lock, 0, 0, delay));
  server.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + server.address().port + '\\n'));
`;

const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts `script` in a child process (node -e); resolves with the child and the port it listens on. */
function startChild(script: string, args: string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const child = spawnChild(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)));
  });
}

/** SIGKILLs the child, as the soak's chaos does, and waits until it is gone. */
function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => {
      children.delete(child);
      resolve();
    });
    child.kill('SIGKILL');
  });
}

/** An ordinary echo server on `port` (the restarted one). */
async function echoServer(port: number): Promise<WebSocketServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (d, binary) => ws.send(d, { binary })));
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  return wss;
}

function closeServer(wss: WebSocketServer): Promise<void> {
  for (const c of wss.clients) c.terminate();
  return new Promise((resolve) => wss.close(() => resolve()));
}

/** Upgrades and checks one echo, as the soak's owners do after every gun_up. */
async function upgradeAndEcho(pid: gun.ConnPid, text: string): Promise<void> {
  const ref = gun.wsUpgrade(pid, '/echo');
  const up = await gun.await(pid, ref, T);
  assert.equal(up[0], 'upgrade', `the upgrade after the restart: ${JSON.stringify(up)}`);
  gun.wsSend(pid, ref, ['text', text]);
  assert.deepEqual(await gun.await(pid, ref, T), ['ws', ['text', text]]);
}

describe('reconnect storm: upgrades sent while the server has not accepted the connection', () => {
  it('the owner sees gun_up, then no answer (await times out), then the kill resets it; after the restart it upgrades', () =>
    run(async () => {
      const { child, port } = await startChild(NEVER_ACCEPTS);
      let wss: WebSocketServer | undefined;
      const pid = gun.open('127.0.0.1', port, { dialect: 'gun2', retry: 20, retryTimeout: 50 });
      try {
        // The kernel completed the handshake: the connection is up, though no process accepted it.
        assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
        const ref = gun.wsUpgrade(pid, '/echo');
        // How the owner tells: no answer within its own deadline.
        assert.deepEqual(await gun.await(pid, ref, 300), ['error', 'timeout']);
        // Our side of the line: the whole request left the client (nothing corked, nothing queued).
        const info = await gun.info(pid);
        assert.equal(info.stateName, 'connected');
        assert.ok(info.socket !== undefined);
        assert.ok(info.socket.bytesWritten > 0, 'the upgrade request was written');
        assert.equal(info.socket.writableLength, 0, 'nothing waits in Node for the socket');
        assert.equal(info.socket.writableCorked, 0, 'the socket is not corked');
        assert.equal(info.socket.bytesRead, 0, 'nothing came back');

        // The kill: the connection still queued is reset, with the request in it (the trace).
        await kill(child);
        assert.deepEqual(await receive([['gun_error', pid, ref, _]], T), [
          'gun_error',
          pid,
          ref,
          ['closed', ['error', 'econnreset']],
        ]);
        assert.deepEqual(await receive([['gun_down', pid, _, _, _]], T), [
          'gun_down',
          pid,
          'http',
          ['error', 'econnreset'],
          [ref],
        ]);

        // The server is back on the same port: gun_up, and the owner upgrades again.
        wss = await echoServer(port);
        assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
        await upgradeAndEcho(pid, 'after the restart');
      } finally {
        if (isAlive(pid)) gun.close(pid);
        await kill(child);
        if (wss !== undefined) await closeServer(wss);
      }
    }));

  it('docs/gun.md, bounding an upgrade: await with a timeout, then cancel: the connection goes down (normal) at once and a fresh one comes up', () =>
    run(async () => {
      const { child, port } = await startChild(NEVER_ACCEPTS);
      const pid = gun.open('127.0.0.1', port, { dialect: 'gun2', retry: 5, retryTimeout: 50 });
      try {
        assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
        const ref = gun.wsUpgrade(pid, '/echo');
        assert.deepEqual(await gun.await(pid, ref, 300), ['error', 'timeout']);
        // The premise: while the upgrade waits, nothing else may use the connection.
        const blocked = gun.get(pid, '/');
        assert.equal((await gun.await(pid, blocked, T))[0], 'error');
        gun.cancel(pid, ref);
        // Cancelled, it is no killed stream; the connection starts again.
        assert.deepEqual(await receive([['gun_down', pid, _, _, _]], T), ['gun_down', pid, 'http', 'normal', []]);
        assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
        assert.equal((await gun.info(pid)).socket?.bytesWritten, 0, 'a fresh connection: nothing written on it yet');
      } finally {
        if (isAlive(pid)) gun.close(pid);
        await kill(child);
      }
    }));

  it('many connections at a server slow to accept: each upgrade is answered or cut by the kill, never lost', () =>
    run(async () => {
      const N = 12;
      const DELAY = 200; // ms the server spends on each connection it accepts: all N take >= 2.4 s
      const { child, port } = await startChild(SLOW_ACCEPT, [wsModule, String(DELAY)]);
      let wss: WebSocketServer | undefined;
      const pids: gun.ConnPid[] = [];
      try {
        for (let i = 0; i < N; i++)
          pids.push(gun.open('127.0.0.1', port, { dialect: 'gun2', retry: 20, retryTimeout: 50 }));
        const refs = new Map<gun.ConnPid, Ref>();
        for (const pid of pids) {
          assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
          refs.set(pid, gun.wsUpgrade(pid, '/echo'));
        }
        // All are up and their requests are out; the server has accepted a few at most. Kill it.
        await receive([['never']], 300, null);
        await kill(child);

        // Each upgrade got exactly one outcome: a 101 before the kill, or an error and gun_down after it.
        let upgraded = 0;
        let cut = 0;
        for (const pid of pids) {
          const ref = refs.get(pid) as Ref;
          const first = (await receive(
            [
              ['gun_upgrade', pid, ref, _, _],
              ['gun_error', pid, ref, _],
            ],
            T,
          )) as readonly unknown[];
          if (first[0] === 'gun_upgrade') {
            upgraded++;
            const down = await receive([['gun_down', pid, 'ws', _, _]], T);
            assert.deepEqual(down[4], [ref], 'the WebSocket is the killed stream');
          } else {
            cut++;
            assert.deepEqual(first[3], ['closed', ['error', 'econnreset']]);
            const down = await receive([['gun_down', pid, 'http', _, _]], T);
            assert.deepEqual(down[4], [ref], 'the cut upgrade is among the killed streams');
          }
        }
        assert.equal(upgraded + cut, N);
        assert.ok(cut >= 1, `the server could not have accepted all ${N} connections in time (${upgraded} upgraded)`);

        // The restart: every connection comes back and upgrades.
        wss = await echoServer(port);
        for (const [i, pid] of pids.entries()) {
          assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
          await upgradeAndEcho(pid, `conn ${i}`);
        }
      } finally {
        for (const pid of pids) if (isAlive(pid)) gun.close(pid);
        await kill(child);
        if (wss !== undefined) await closeServer(wss);
      }
    }));
});
