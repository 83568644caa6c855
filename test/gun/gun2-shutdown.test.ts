/**
 * Gun 2.4.1's shutdown_SUITE, ported case by case to the gun2 dialect: the
 * ways a connection ends (gun.shutdown, the owner dying, `connection: close`,
 * a WebSocket close frame either way, shutdown or owner death while already
 * closing) and the exit reason each gives. The server is the Cowboy-like
 * helper, whose paths carry shutdown_SUITE's handlers and delays
 * (`/delayed` 500 ms, `/ws_frozen` 500 ms, `/ws_frozen_long` 1500 ms,
 * `/ws_timeout_close` 500 ms).
 *
 * Gun's `gun_is_down(Pid, MRef, Expected)` is `isDown` here (bounded, where
 * Gun's waits forever), `ws_is_down(Pid, Ref, Expected)` is `wsIsDown`.
 * Gun's tests open "localhost"; ours open 127.0.0.1. Gun's port 12345 (where
 * nothing listens) is a port just found free.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as gun from '../../src/gun/index.js';
import {
  _,
  exit,
  isAlive,
  monitor,
  type Ref,
  receive,
  run,
  self,
  send,
  sleep,
  spawn,
} from '../../src/runtime/index.js';
import { type CowboyLikeServer, startCowboyLike } from '../helpers/cowboy-like.js';
import { freePort } from '../helpers/servers.js';

/** Every receive of these tests is bounded by this. */
const T = 3000;

/** Runs `fn` in a fresh process with a fresh server, which is stopped afterwards. */
function withServer(fn: (server: CowboyLikeServer) => Promise<void>): Promise<void> {
  return run(async () => {
    const server = await startCowboyLike();
    try {
      await fn(server);
    } finally {
      await server.close();
    }
  });
}

/** Closes a connection a failed test left running. */
function closeIfAlive(pid: gun.ConnPid | undefined): void {
  if (pid !== undefined && isAlive(pid)) gun.close(pid);
}

function open(port: number, opts: gun.OpenOptions = {}): gun.ConnPid {
  return gun.open('127.0.0.1', port, { dialect: 'gun2', ...opts });
}

/** Gun's gun_is_down/3: the test's own DOWN for `pid` says `expected`. */
async function isDown(pid: gun.ConnPid, mref: Ref, expected: unknown): Promise<void> {
  const [, , , , reason] = await receive([['DOWN', mref, 'process', pid, _]], T);
  assert.deepEqual(reason, expected);
}

/** Gun's ws_is_down/3: `['gun_down', pid, 'ws', expected, [ref]]`. */
async function wsIsDown(pid: gun.ConnPid, ref: Ref, expected: unknown): Promise<void> {
  const [, , , reason, streams] = await receive([['gun_down', pid, 'ws', _, _]], T);
  assert.deepEqual(reason, expected);
  assert.deepEqual(streams, [ref]);
}

/** No gun_down for `pid` in the mailbox (call it after the DOWN: it would have come before). */
function noGunDown(pid: gun.ConnPid): Promise<void> {
  return receive([['gun_down', pid, _, _, _]], 0, 'none').then((got) =>
    assert.equal(got, 'none', `no gun_down expected, got ${String(got)}`),
  );
}

/** Waits for `fn` to be true (the server's view lags the client's by a socket event). */
async function until(what: string, fn: () => boolean): Promise<void> {
  for (let waited = 0; !fn(); waited += 10) {
    if (waited >= T) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The close frames the server's WebSocket handlers received, once `n` have. */
async function serverCloses(server: CowboyLikeServer, n = 1): Promise<Array<[number, string]>> {
  await until(`${n} close(s) seen by the server`, () => server.closes.length >= n);
  return server.closes;
}

/** `ws_upgrade` on `path` and `{upgrade, [<<"websocket">>], _} = await`. */
async function upgrade(pid: gun.ConnPid, path: string): Promise<Ref> {
  const ref = gun.wsUpgrade(pid, path);
  const res = await gun.await(pid, ref);
  assert.deepEqual(res.slice(0, 2), ['upgrade', ['websocket']]);
  return ref;
}

/**
 * Gun's `spawn(fun() -> {ok, ConnPid} = gun:open(...), Self ! {conn, ConnPid}, Body, exit(Reason) end)`:
 * a process that opens (and so owns) a connection, tells us its pid, runs
 * `body`, then exits with `reason`. Returns the connection's pid.
 */
async function spawnOwner(
  port: number,
  opts: gun.OpenOptions,
  body: (pid: gun.ConnPid) => Promise<void>,
  reason: unknown,
): Promise<gun.ConnPid> {
  const me = self();
  spawn(async () => {
    const pid = open(port, opts);
    send(me, ['conn', pid]);
    await body(pid);
    exit(reason);
  });
  const [, pid] = await receive([['conn', _]], T);
  return pid as gun.ConnPid;
}

describe('Gun 2.4.1 shutdown_SUITE (gun2 dialect)', () => {
  it('shutdown_SUITE not_connected_gun_shutdown: shutdown while waiting to retry exits shutdown at once', () =>
    run(async () => {
      const port = await freePort();
      // Default retry (5) and retryTimeout (5000): after the failed attempt
      // and the immediate first retry, it waits 5 s between attempts.
      const pid = open(port);
      try {
        const mref = monitor('process', pid);
        gun.shutdown(pid);
        await isDown(pid, mref, 'shutdown');
        await noGunDown(pid);
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE not_connected_owner_down: the owner exiting normal while not connected: exit normal', () =>
    run(async () => {
      const port = await freePort();
      const pid = await spawnOwner(port, {}, () => sleep(100), 'normal');
      try {
        const mref = monitor('process', pid);
        await isDown(pid, mref, 'normal');
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE http1_gun_shutdown_no_streams: shutdown with no stream closes at once, exit shutdown, no gun_down', () =>
    withServer(async (server) => {
      const pid = open(server.port);
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        gun.shutdown(pid);
        await isDown(pid, mref, 'shutdown');
        await noGunDown(pid);
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE http1_gun_shutdown_one_stream: the running request completes, then exit shutdown', () =>
    withServer(async (server) => {
      const pid = open(server.port);
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        const ref = gun.get(pid, '/delayed');
        gun.shutdown(pid);
        const res = await gun.await(pid, ref);
        assert.deepEqual(res.slice(0, 3), ['response', 'nofin', 200]);
        const body = await gun.awaitBody(pid, ref);
        assert.equal(body[0], 'ok');
        assert.equal(String(body[1]), 'Hello world!');
        await isDown(pid, mref, 'shutdown');
        await noGunDown(pid);
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE http1_gun_shutdown_pipelined_streams: pipelined streams get [closing, shutdown] at once, the head one completes, exit shutdown', () =>
    withServer(async (server) => {
      const pid = open(server.port);
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        const ref1 = gun.get(pid, '/delayed');
        const ref2 = gun.get(pid, '/delayed');
        const ref3 = gun.get(pid, '/delayed');
        gun.shutdown(pid);
        assert.deepEqual(await gun.await(pid, ref2), ['error', ['stream_error', ['closing', 'shutdown']]]);
        assert.deepEqual(await gun.await(pid, ref3), ['error', ['stream_error', ['closing', 'shutdown']]]);
        const res = await gun.await(pid, ref1);
        assert.deepEqual(res.slice(0, 3), ['response', 'nofin', 200]);
        const body = await gun.awaitBody(pid, ref1);
        assert.equal(body[0], 'ok');
        assert.equal(String(body[1]), 'Hello world!');
        await isDown(pid, mref, 'shutdown');
        // Nothing more for the cancelled streams.
        assert.equal(
          await receive(
            [
              ['gun_error', pid, ref2, _],
              ['gun_error', pid, ref3, _],
            ],
            0,
            'none',
          ),
          'none',
        );
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE http1_gun_shutdown_timeout: the closing timeout cuts the running request off with [closed, shutdown], exit shutdown', () =>
    withServer(async (server) => {
      const pid = open(server.port, { httpOpts: { closingTimeout: 100 } });
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        const ref = gun.get(pid, '/delayed'); // answered after 500 ms
        gun.shutdown(pid);
        // The closing timeout fires before the response: gun_http:close/4
        // tells the stream `{closed, shutdown}` ("closed", not "closing")
        // before gun.erl's disconnect/2 stops the process.
        assert.deepEqual(await gun.await(pid, ref), ['error', ['stream_error', ['closed', 'shutdown']]]);
        await isDown(pid, mref, 'shutdown');
        await noGunDown(pid);
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE http1_owner_down: the owner exiting normal while connected: exit normal', () =>
    withServer(async (server) => {
      const pid = await spawnOwner(
        server.port,
        {},
        async (conn) => {
          assert.deepEqual(await gun.awaitUp(conn), ['ok', 'http']);
          await sleep(100);
        },
        'normal',
      );
      try {
        const mref = monitor('process', pid);
        await isDown(pid, mref, 'normal');
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE http1_request_connection_close: a request saying connection: close, retry 0: the response, then exit normal', () =>
    withServer(async (server) => {
      const pid = open(server.port, { retry: 0 });
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        const ref = gun.get(pid, '/', { connection: 'close' });
        const res = await gun.await(pid, ref);
        assert.deepEqual(res.slice(0, 3), ['response', 'nofin', 200]);
        const body = await gun.awaitBody(pid, ref);
        assert.equal(body[0], 'ok');
        assert.equal(String(body[1]), 'Hello world!');
        // Not asserted by Gun's case, but what gun.erl's disconnect/2 does
        // with status up: gun_down (a completed response is no killed stream).
        assert.deepEqual(await receive([['gun_down', pid, _, _, _]], T), ['gun_down', pid, 'http', 'normal', []]);
        await isDown(pid, mref, 'normal');
        assert.equal(server.requests.at(-1)?.headers.connection, 'close');
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE http1_response_connection_close: a response saying connection: close, retry 0: the response, then exit normal', () =>
    withServer(async (server) => {
      const pid = open(server.port, { retry: 0 });
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        // Gun's case runs a second Cowboy listener with max_keepalive 1 and
        // asks "/": our /close is that listener's answer (connection: close).
        const ref = gun.get(pid, '/close');
        const res = await gun.await(pid, ref);
        assert.deepEqual(res.slice(0, 3), ['response', 'nofin', 200]);
        const headers = (res as readonly ['response', gun.IsFin, number, gun.Headers])[3];
        assert.ok(headers.some(([name, value]) => name === 'connection' && value === 'close'));
        const body = await gun.awaitBody(pid, ref);
        assert.equal(body[0], 'ok');
        assert.equal(String(body[1]), 'Hello world!');
        assert.deepEqual(await receive([['gun_down', pid, _, _, _]], T), ['gun_down', pid, 'http', 'normal', []]);
        await isDown(pid, mref, 'normal');
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE ws_gun_shutdown: shutdown sends close 1001, waits for the echo, exit shutdown, no gun_down', () =>
    withServer(async (server) => {
      const pid = open(server.port);
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        const ref = await upgrade(pid, '/ws');
        gun.shutdown(pid);
        await isDown(pid, mref, 'shutdown');
        await noGunDown(pid);
        // The server's echo of our close came before the exit (unasserted by Gun).
        assert.deepEqual(await receive([['gun_ws', pid, ref, _]], 0, 'none'), [
          'gun_ws',
          pid,
          ref,
          ['close', 1001, ''],
        ]);
        assert.deepEqual(await serverCloses(server), [[1001, '']]);
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE ws_gun_shutdown_timeout: a server that never answers the close: wsOpts.closingTimeout ends it, exit shutdown', () =>
    withServer(async (server) => {
      const pid = open(server.port, { wsOpts: { closingTimeout: 100 } });
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        // The server reads nothing for 1500 ms after the 101.
        const ref = await upgrade(pid, '/ws_frozen_long');
        gun.shutdown(pid);
        await isDown(pid, mref, 'shutdown');
        await noGunDown(pid);
        // The closing timeout, not the server's answer, ended it: no close echo came.
        assert.equal(await receive([['gun_ws', pid, ref, _]], 0, 'none'), 'none');
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE ws_owner_down: the owner exiting normal after an upgrade: close 1001, exit normal', () =>
    withServer(async (server) => {
      const pid = await spawnOwner(
        server.port,
        {},
        async (conn) => {
          assert.deepEqual(await gun.awaitUp(conn), ['ok', 'http']);
          await upgrade(conn, '/ws');
          await sleep(100);
        },
        'normal',
      );
      try {
        const mref = monitor('process', pid);
        await isDown(pid, mref, 'normal');
        assert.deepEqual(await serverCloses(server), [[1001, '']]);
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE ws_owner_down_error: the owner crashing after an upgrade: close 1001, exit [shutdown, [owner_down, unexpected]]', () =>
    withServer(async (server) => {
      const pid = await spawnOwner(
        server.port,
        {},
        async (conn) => {
          assert.deepEqual(await gun.awaitUp(conn), ['ok', 'http']);
          await upgrade(conn, '/ws');
          await sleep(100);
        },
        'unexpected',
      );
      try {
        const mref = monitor('process', pid);
        await isDown(pid, mref, ['shutdown', ['owner_down', 'unexpected']]);
        assert.deepEqual(await serverCloses(server), [[1001, '']]);
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE ws_gun_send_close_frame: our close 3333 echoed, gun_down ws normal [ref], retry 0: exit normal', () =>
    withServer(async (server) => {
      const pid = open(server.port, { retry: 0 });
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        const ref = await upgrade(pid, '/ws');
        gun.wsSend(pid, ref, ['close', 3333, '']);
        assert.deepEqual(await gun.await(pid, ref), ['ws', ['close', 3333, '']]);
        await wsIsDown(pid, ref, 'normal');
        await isDown(pid, mref, 'normal');
        assert.deepEqual(await serverCloses(server), [[3333, '']]);
      } finally {
        closeIfAlive(pid);
      }
    }));

  it("shutdown_SUITE ws_gun_receive_close_frame: the server's close 3333 delivered and answered, gun_down ws normal [ref], retry 0: exit normal", () =>
    withServer(async (server) => {
      const pid = open(server.port, { retry: 0 });
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        const ref = await upgrade(pid, '/ws_timeout_close'); // close 3333 after 500 ms
        assert.deepEqual(await gun.await(pid, ref), ['ws', ['close', 3333, '']]);
        await wsIsDown(pid, ref, 'normal');
        await isDown(pid, mref, 'normal');
        // Gun (gun_ws:closing/4) answers a peer's close with 1000 whatever
        // its code; ours echoes the peer's code, as RFC 6455 §5.5.1 has it
        // (protocols/ws.ts, onConclude), so the server reads 3333.
        assert.deepEqual(await serverCloses(server), [[3333, '']]);
      } finally {
        closeIfAlive(pid);
      }
    }));

  it('shutdown_SUITE closing_gun_shutdown: shutdown while closing: no second close, no reconnect, exit shutdown', () =>
    withServer(async (server) => {
      const pid = open(server.port); // retry 5: only the shutdown stops a reconnect
      try {
        assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
        const mref = monitor('process', pid);
        // The server reads nothing for 500 ms after the 101.
        const ref = await upgrade(pid, '/ws_frozen');
        gun.wsSend(pid, ref, ['close', 3333, '']);
        gun.shutdown(pid);
        assert.deepEqual(await gun.await(pid, ref), ['ws', ['close', 3333, '']]);
        await isDown(pid, mref, 'shutdown');
        await noGunDown(pid);
        assert.equal(await receive([['gun_up', pid, _]], 0, 'none'), 'none');
        // Our close only: shutdown added no 1001.
        assert.deepEqual(await serverCloses(server), [[3333, '']]);
        assert.equal(server.requests.length, 1, 'no reconnect');
      } finally {
        closeIfAlive(pid);
      }
    }));

  it("shutdown_SUITE closing_owner_down: the owner exiting normal while closing: the close completes, exit normal (the owner's reason)", () =>
    withServer(async (server) => {
      const pid = await spawnOwner(
        server.port,
        {},
        async (conn) => {
          assert.deepEqual(await gun.awaitUp(conn), ['ok', 'http']);
          const ref = await upgrade(conn, '/ws_frozen');
          gun.wsSend(conn, ref, ['close', 3333, '']);
          await sleep(100);
        },
        'normal',
      );
      try {
        const mref = monitor('process', pid);
        await isDown(pid, mref, 'normal');
        // Our close only: the owner's death added no 1001.
        assert.deepEqual(await serverCloses(server), [[3333, '']]);
      } finally {
        closeIfAlive(pid);
      }
    }));
});
