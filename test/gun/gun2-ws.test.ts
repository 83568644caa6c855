/**
 * Gun 2.4.1's ws_SUITE and flow_SUITE (its WebSocket cases), ported case by
 * case to the gun2 dialect. Each test starts with Gun's suite and case name;
 * the server is `startCowboyLike()`, whose paths stand for the Cowboy routes
 * of those suites: `"/"` → `/ws` (ws_echo_h), `"/reject"` → `/ws_reject`,
 * `"/subprotocol"` → `/ws_subprotocol`. Only ws_SUITE's `http` group is
 * ported (beamish has no HTTP/2). Where our port deliberately differs from
 * Gun, the test asserts ours and a comment names Gun's behaviour.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as gun from '../../src/gun/index.js';
import { _, flush, type Ref, receive, run, self, send, sleep, spawn } from '../../src/runtime/index.js';
import { type CowboyLikeServer, startCowboyLike } from '../helpers/cowboy-like.js';

/** Milliseconds a raw receive waits for a message that should come. */
const T = 3000;

/** Opens a gun2 connection to `port` and waits for `gun_up` (Gun's `gun:open` + `{ok, http} = gun:await_up`). */
async function openUp(port: number, opts: gun.OpenOptions = {}): Promise<gun.ConnPid> {
  const pid = gun.open('127.0.0.1', port, { dialect: 'gun2', ...opts });
  try {
    assert.deepEqual(await gun.awaitUp(pid), ['ok', 'http']);
  } catch (err) {
    gun.close(pid);
    throw err;
  }
  return pid;
}

/** Runs `body` on a connection that is closed (`gun:close`) whatever happens. */
async function withConn(port: number, opts: gun.OpenOptions, body: (pid: gun.ConnPid) => Promise<void>): Promise<void> {
  const pid = await openUp(port, opts);
  try {
    await body(pid);
  } finally {
    gun.close(pid);
  }
}

/** Gun's `{upgrade, [<<"websocket">>], _} = gun:await(Pid, Ref)`; returns the 101's headers. */
async function awaitUpgrade(pid: gun.ConnPid, ref: Ref): Promise<gun.Headers> {
  const got = await gun.await(pid, ref);
  assert.equal(got[0], 'upgrade', `expected the upgrade, got ${JSON.stringify(got)}`);
  const [, protocols, headers] = got as readonly ['upgrade', string[], gun.Headers];
  assert.deepEqual(protocols, ['websocket']);
  assert.ok(Array.isArray(headers));
  return headers;
}

/** The value of header `name` in a message's headers. */
function header(headers: gun.Headers, name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

describe('Gun 2 ws_SUITE (gun2 dialect, http group)', () => {
  let server: CowboyLikeServer;
  before(async () => {
    server = await startCowboyLike();
  });
  after(() => server.close());

  it('ws_SUITE await: gun.await gives the upgrade, then the echoed frame', () =>
    run(() =>
      withConn(server.port, {}, async (pid) => {
        const ref = gun.wsUpgrade(pid, '/ws', []);
        await awaitUpgrade(pid, ref);
        gun.wsSend(pid, ref, ['text', 'Hello!']);
        assert.deepEqual(await gun.await(pid, ref), ['ws', ['text', 'Hello!']]);
      }),
    ));

  it('ws_SUITE headers_normalized_upgrade: object headers with mixed-case names are accepted and lower-cased', () =>
    run(() =>
      withConn(server.port, {}, async (pid) => {
        // Gun's map #{atom_header_name => ..., "string_header_name" => ...}: JavaScript names are strings,
        // so the normalisation left to check is the lower-casing.
        const ref = gun.wsUpgrade(pid, '/ws', { Atom_Header_Name: 'value', string_header_name: 'value' });
        await awaitUpgrade(pid, ref);
        const req = server.requests.at(-1);
        assert.equal(req?.path, '/ws');
        assert.equal(req?.upgrade, true);
        const raw = req?.rawHeaders ?? [];
        const names = raw.filter((_v, i) => i % 2 === 0);
        assert.ok(names.includes('atom_header_name'), `sent lower-cased: ${JSON.stringify(raw)}`);
        assert.ok(names.includes('string_header_name'), `sent: ${JSON.stringify(raw)}`);
        assert.equal(req?.headers.atom_header_name, 'value');
        assert.equal(req?.headers.string_header_name, 'value');
      }),
    ));

  it('ws_SUITE http11_keepalive: keepalive pings are answered and, unsilenced, the pong is delivered as pong', () =>
    run(() =>
      withConn(server.port, { wsOpts: { keepalive: 100, silencePings: false } }, async (pid) => {
        // wsUpgrade without wsOpts: the connection's wsOpts apply (Gun's ws_upgrade/3).
        const ref = gun.wsUpgrade(pid, '/ws', []);
        await awaitUpgrade(pid, ref);
        // Gun's empty ping comes back as an empty pong: the bare atom pong, not {pong, <<>>}.
        assert.deepEqual(await gun.await(pid, ref), ['ws', 'pong']);
      }),
    ));

  it('ws_SUITE http11_keepalive_default_silence_pings: pongs are silenced by default', () =>
    run(() =>
      withConn(server.port, { wsOpts: { keepalive: 100 } }, async (pid) => {
        const before = server.received.length;
        const ref = gun.wsUpgrade(pid, '/ws', []);
        await awaitUpgrade(pid, ref);
        // About ten pings go out in that second; none of their pongs reaches us.
        assert.deepEqual(await gun.await(pid, ref, 1000), ['error', 'timeout']);
        // The pings did go out, and were answered (so the silence is ours, not the server's).
        assert.ok(
          server.received.slice(before).some(([kind]) => kind === 'ping'),
          'the server saw keepalive pings',
        );
      }),
    ));

  it('ws_SUITE http11_request_error: an HTTP request on an upgraded connection gets a connection-level badstate', () =>
    run(() =>
      withConn(server.port, {}, async (pid) => {
        const ref = gun.wsUpgrade(pid, '/ws', []);
        await awaitUpgrade(pid, ref);
        const ref2 = gun.get(pid, '/');
        // Gun's {gun_error, Pid, {badstate, _}} (no stream ref), which await on any ref picks up.
        assert.deepEqual(await gun.await(pid, ref2), [
          'error',
          ['connection_error', ['badstate', 'This connection only accepts Websocket frames.']],
        ]);
      }),
    ));

  it('ws_SUITE reject_upgrade: a refused upgrade is an ordinary response on its stream', () =>
    run(() =>
      withConn(server.port, {}, async (pid) => {
        const ref = gun.wsUpgrade(pid, '/ws_reject', []);
        // The very next message in the mailbox, whatever it is.
        const next = (await receive([_], 1000)) as readonly unknown[];
        assert.equal(next.length, 6, `expected gun_response, got ${String(next[0])}`);
        assert.deepEqual(next.slice(0, 5), ['gun_response', pid, ref, 'nofin', 400]);
        assert.ok(Array.isArray(next[5]));
        assert.deepEqual(await gun.awaitBody(pid, ref, 1000), ['ok', Buffer.from('Upgrade rejected')]);
      }),
    ));

  it('ws_SUITE reply_to: the upgrade and the frames go to replyTo, even when another process sends', () =>
    run(async () => {
      const me = self();
      const replyTo = spawn(async () => {
        const [, conn, stream] = (await receive([['stream', _, _]], T)) as readonly [string, gun.ConnPid, Ref];
        send(me, ['ready', await gun.await(conn, stream)]);
        send(me, ['ok', await gun.await(conn, stream)]);
      });
      await withConn(server.port, {}, async (pid) => {
        const ref = gun.wsUpgrade(pid, '/ws', [], { replyTo });
        send(replyTo, ['stream', pid, ref]);
        const [, upgrade] = await receive([['ready', _]], 1000);
        assert.equal((upgrade as readonly unknown[])[0], 'upgrade');
        assert.deepEqual((upgrade as readonly unknown[])[1], ['websocket']);
        // Sent by this process, not by replyTo.
        gun.wsSend(pid, ref, ['text', 'Hello!']);
        const [, frame] = await receive([['ok', _]], 1000);
        assert.deepEqual(frame, ['ws', ['text', 'Hello!']]);
        // Nothing of the stream came here.
        assert.deepEqual(flush(), []);
      });
    }));

  it('ws_SUITE send_many: a list of frames is sent in order', () =>
    run(() =>
      withConn(server.port, {}, async (pid) => {
        const ref = gun.wsUpgrade(pid, '/ws', []);
        await awaitUpgrade(pid, ref);
        gun.wsSend(pid, ref, [
          ['text', 'Hello!'],
          ['binary', Buffer.from('World!')],
        ]);
        assert.deepEqual(await gun.await(pid, ref), ['ws', ['text', 'Hello!']]);
        assert.deepEqual(await gun.await(pid, ref), ['ws', ['binary', Buffer.from('World!')]]);
      }),
    ));

  it('ws_SUITE send_many_close: a list ending with close is sent in order; the close echo is delivered as close', () =>
    run(() =>
      withConn(server.port, {}, async (pid) => {
        const ref = gun.wsUpgrade(pid, '/ws', []);
        await awaitUpgrade(pid, ref);
        gun.wsSend(pid, ref, [['text', 'Hello!'], ['binary', Buffer.from('World!')], 'close']);
        assert.deepEqual(await gun.await(pid, ref), ['ws', ['text', 'Hello!']]);
        assert.deepEqual(await gun.await(pid, ref), ['ws', ['binary', Buffer.from('World!')]]);
        // The echo of a close without a payload: the bare close.
        assert.deepEqual(await gun.await(pid, ref), ['ws', 'close']);
        // Not asserted by Gun's case, but what Gun then does (gun_ws:down/1, default retry 5):
        // gun_down ws normal [Ref], then an immediate reconnect, gun_up http (no re-upgrade).
        assert.deepEqual(await receive([['gun_down', pid, _, _, _]], T), ['gun_down', pid, 'ws', 'normal', [ref]]);
        assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
      }),
    ));

  it('ws_SUITE subprotocol_match: the server picks echo of those offered; the upgrade still says websocket', () =>
    run(() =>
      withConn(server.port, {}, async (pid) => {
        // Gun's protocols => [{<<"dummy">>, gun_ws_h}, {<<"echo">>, gun_ws_h}, {<<"junk">>, gun_ws_h}]:
        // beamish has one handler, so only the names are given.
        const ref = gun.wsUpgrade(pid, '/ws_subprotocol', [], { protocols: ['dummy', 'echo', 'junk'] });
        const headers = await awaitUpgrade(pid, ref);
        assert.equal(header(headers, 'sec-websocket-protocol'), 'echo');
        assert.equal(server.requests.at(-1)?.headers['sec-websocket-protocol'], 'dummy, echo, junk');
        gun.wsSend(pid, ref, ['text', 'Hello!']);
        assert.deepEqual(await gun.await(pid, ref), ['ws', ['text', 'Hello!']]);
      }),
    ));

  it('ws_SUITE subprotocol_nomatch: no offered subprotocol fits: the 400 and its body', () =>
    run(() =>
      withConn(server.port, {}, async (pid) => {
        const ref = gun.wsUpgrade(pid, '/ws_subprotocol', [], { protocols: ['dummy', 'junk'] });
        const response = await gun.await(pid, ref);
        assert.deepEqual(response.slice(0, 3), ['response', 'nofin', 400]);
        assert.deepEqual(await gun.awaitBody(pid, ref), ['ok', Buffer.from('nomatch')]);
      }),
    ));

  it('ws_SUITE subprotocol_required_but_missing: no subprotocol offered: the 400 and its body', () =>
    run(() =>
      withConn(server.port, {}, async (pid) => {
        const ref = gun.wsUpgrade(pid, '/ws_subprotocol', []);
        const response = await gun.await(pid, ref);
        assert.deepEqual(response.slice(0, 3), ['response', 'nofin', 400]);
        assert.equal(server.requests.at(-1)?.headers['sec-websocket-protocol'], undefined);
        assert.deepEqual(await gun.awaitBody(pid, ref), ['ok', Buffer.from('undefined')]);
      }),
    ));
});

describe('Gun 2 flow_SUITE, WebSocket cases (gun2 dialect)', () => {
  /** Each flow_SUITE case starts its own listener, as Gun's do. */
  async function withServer(body: (server: CowboyLikeServer) => Promise<void>): Promise<void> {
    const server = await startCowboyLike();
    try {
      await body(server);
    } finally {
      await server.close();
    }
  }

  it('flow_SUITE flow_ws: with flow 1, one frame is delivered, the rest wait for updateFlow', () =>
    run(() =>
      withServer((server) =>
        withConn(server.port, {}, async (pid) => {
          const ref = gun.wsUpgrade(pid, '/ws', [], { flow: 1 });
          await awaitUpgrade(pid, ref);
          // Gun sends "Hello!" each time; distinct texts show the order as well.
          gun.wsSend(pid, ref, ['text', 'one']);
          await sleep(500);
          gun.wsSend(pid, ref, ['text', 'two']);
          assert.deepEqual(await gun.await(pid, ref), ['ws', ['text', 'one']]);
          // Gun waits 3000 ms here; the second echo was sent ~500 ms in, so 1000 ms shows it is held.
          assert.deepEqual(await gun.await(pid, ref, 1000), ['error', 'timeout']);
          gun.updateFlow(pid, ref, 2);
          gun.wsSend(pid, ref, ['text', 'three']);
          await sleep(500);
          gun.wsSend(pid, ref, ['text', 'four']);
          // The held second echo, then the third; the fourth is past the credit.
          assert.deepEqual(await gun.await(pid, ref), ['ws', ['text', 'two']]);
          assert.deepEqual(await gun.await(pid, ref), ['ws', ['text', 'three']]);
          assert.deepEqual(await gun.await(pid, ref, 1000), ['error', 'timeout']);
          // Gun checks flow only between socket reads, so frames read together past the credit would all be
          // delivered; we hold them. Each echo here comes in its own read, so both behave the same.
        }),
      ),
    ));

  it('flow_SUITE no_flow_ws: without flow, updateFlow is ignored and every frame is delivered', () =>
    run(() =>
      withServer((server) =>
        withConn(server.port, {}, async (pid) => {
          const ref = gun.wsUpgrade(pid, '/ws', []);
          await awaitUpgrade(pid, ref);
          gun.updateFlow(pid, ref, 2);
          gun.wsSend(pid, ref, ['text', 'one']);
          await sleep(100);
          gun.wsSend(pid, ref, ['text', 'two']);
          assert.deepEqual(await gun.await(pid, ref), ['ws', ['text', 'one']]);
          assert.deepEqual(await gun.await(pid, ref), ['ws', ['text', 'two']]);
        }),
      ),
    ));
});
