import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as gun from '../../src/gun/index.js';
import { _, flush, monitor, receive, run, sleep } from '../../src/runtime/index.js';
import { peerClose, upgraded } from '../helpers/gun.js';
import { startMuteServer, startServer, type TestServer } from '../helpers/servers.js';

const T = 2000;
let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

/** A connection owned by the running process, upgraded on `path`. */
const upgradedHere = (path = '/echo', headers?: gun.HeadersInput, wsOpts?: gun.WsOptions) =>
  upgraded(server.port, { retry: 0 }, path, headers, wsOpts);

/** Waits until the server has seen `n` frames. */
async function serverReceived(n: number): Promise<unknown[]> {
  for (let i = 0; i < 200 && server.received.length < n; i++) await sleep(5);
  return server.received.splice(0);
}

describe('Gun WebSocket upgrade (classic)', () => {
  it('an accepted upgrade gives [gun_ws_upgrade, pid, ok]', () =>
    run(async () => {
      const pid = await upgradedHere();
      gun.close(pid);
    }));

  it('a refused upgrade with a body gives nofin, then the body as gun_data', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0 });
      gun.wsUpgrade(pid, '/refuse400');
      const [, , , isFin, status, headers] = await receive([['gun_ws_upgrade', pid, 'error', _, _, _]], T);
      assert.equal(isFin, 'nofin');
      assert.equal(status, 400);
      assert.ok((headers as [string, string][]).some(([n, v]) => n === 'content-type' && v === 'text/plain'));
      const [, , fin, body] = await receive([['gun_data', pid, _, _]], T);
      assert.equal(fin, 'fin');
      assert.equal((body as Buffer).toString(), 'bad request!');
      gun.close(pid);
    }));

  it('a refused upgrade without a body gives fin; the server closed, Gun reconnects, and the owner can upgrade again', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 1 });
      gun.wsUpgrade(pid, '/refuse404');
      const msg = await receive([['gun_ws_upgrade', pid, 'error', _, _, _]], T);
      assert.equal(msg[3], 'fin');
      assert.equal(msg[4], 404);
      gun.wsUpgrade(pid, '/echo');
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      assert.deepEqual(flush(), []);
      gun.close(pid);
    }));

  it('custom headers reach the server, names lower-cased; pairs may repeat', () =>
    run(async () => {
      server.requests.length = 0;
      const pid = await upgradedHere('/hdr', [
        ['X-Custom', 'one'],
        ['cookie', 'a=1'],
        ['cookie', 'b=2'],
      ]);
      const req = server.requests.at(-1);
      assert.equal(req?.path, '/hdr');
      assert.equal(req?.headers['x-custom'], 'one');
      assert.match(String(req?.headers.cookie), /a=1.*b=2/);
      assert.equal(req?.headers.upgrade, 'websocket');
      gun.close(pid);
      const pid2 = await upgradedHere('/hdr2', { Authorization: 'Bearer t' });
      assert.equal(server.requests.at(-1)?.headers.authorization, 'Bearer t');
      gun.close(pid2);
    }));

  it('a subprotocol offered by header (as in the seed) or by wsOpts is chosen by the server', () =>
    run(async () => {
      const pid = await upgradedHere('/proto', [['sec-websocket-protocol', 'mychat']]);
      assert.equal(server.sockets.at(-1)?.protocol, 'mychat');
      gun.close(pid);
      const pid2 = await upgradedHere('/proto', undefined, { protocols: ['other', 'mychat'] });
      assert.equal(server.sockets.at(-1)?.protocol, 'mychat');
      gun.close(pid2);
    }));

  it('a server that chooses a subprotocol nobody offered fails the upgrade with gun_error', () =>
    run(async () => {
      const mute = await startMuteServer('evil');
      try {
        const pid = gun.open('127.0.0.1', mute.port, { retry: 0 });
        const ref = monitor('process', pid);
        gun.wsUpgrade(pid, '/', [['sec-websocket-protocol', 'mychat']]);
        const fault = [
          'connection_error',
          'protocol_error',
          "The server chose a subprotocol that was not offered: 'evil'.",
        ];
        assert.deepEqual(await receive([['gun_error', pid, _]], T), ['gun_error', pid, fault]);
        // Then the connection it closed: the upgrade was cut off with it.
        assert.deepEqual(await receive([['gun_error', pid, _]], T), ['gun_error', pid, ['closed', ['error', fault]]]);
        await receive([['DOWN', ref, 'process', pid, _]], T);
        assert.deepEqual(flush(), []);
      } finally {
        await mute.close();
      }
    }));

  it('wsSend before an upgrade gives [gun_error, pid, [badstate, _]]', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0 });
      gun.wsSend(pid, ['text', 'too early']);
      const [, , reason] = await receive([['gun_error', pid, _]], T);
      assert.equal((reason as [string, string])[0], 'badstate');
      gun.close(pid);
    }));

  it('upgrading an upgraded connection again gives a badstate gun_error', () =>
    run(async () => {
      const pid = await upgradedHere();
      gun.wsUpgrade(pid, '/echo');
      const [, , reason] = await receive([['gun_error', pid, _]], T);
      assert.equal((reason as [string, string])[0], 'badstate');
      gun.close(pid);
    }));
});

describe('Gun WebSocket frames (classic)', () => {
  it('text and binary frames go out and come back', () =>
    run(async () => {
      const pid = await upgradedHere();
      gun.wsSend(pid, ['text', 'Hello!']);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'Hello!']]);
      gun.wsSend(pid, ['text', Buffer.from('from a buffer')]);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'from a buffer']]);
      const bin = Buffer.from([0, 1, 2, 255]);
      gun.wsSend(pid, ['binary', bin]);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['binary', bin]]);
      gun.close(pid);
    }));

  it('a list of frames is sent in order', () =>
    run(async () => {
      server.received.length = 0;
      const pid = await upgradedHere('/sink');
      gun.wsSend(pid, [['text', 'one'], ['binary', Buffer.from('two')], 'ping', ['text', 'three']]);
      const got = await serverReceived(4);
      assert.deepEqual(got, [
        ['text', 'one'],
        ['binary', Buffer.from('two')],
        ['ping', Buffer.alloc(0)],
        ['text', 'three'],
      ]);
      gun.close(pid);
    }));

  it('ping and pong frames with payloads reach the server', () =>
    run(async () => {
      server.received.length = 0;
      const pid = await upgradedHere('/sink');
      gun.wsSend(pid, [['ping', 'p1'], 'pong', ['pong', Buffer.from('p2')]]);
      assert.deepEqual(await serverReceived(3), [
        ['ping', Buffer.from('p1')],
        ['pong', Buffer.alloc(0)],
        ['pong', Buffer.from('p2')],
      ]);
      gun.close(pid);
    }));

  it('frames after a close in the same list are dropped; the close ends the connection, no reconnect', () =>
    run(async () => {
      server.received.length = 0;
      const pid = await upgraded(server.port, { retry: 3 }, '/sink');
      const closed = peerClose(server);
      const ref = monitor('process', pid);
      gun.wsSend(pid, [
        ['text', 'before'],
        ['close', 4001, 'done'],
        ['text', 'after'],
      ]);
      // The server's answering close frame is delivered, then the connection exits.
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['close', 4001, 'done']]);
      assert.deepEqual(await receive([['DOWN', ref, 'process', pid, _]], T), ['DOWN', ref, 'process', pid, 'shutdown']);
      assert.deepEqual(server.received, [['text', 'before']]);
      assert.deepEqual(await closed, [4001, 'done']);
      assert.deepEqual(flush(), []);
    }));

  it('a bare close sends a close frame without a code', () =>
    run(async () => {
      const pid = await upgradedHere('/sink');
      const closed = peerClose(server);
      const ref = monitor('process', pid);
      gun.wsSend(pid, 'close');
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, 'close']);
      await receive([['DOWN', ref, _, _, _]], T);
      assert.deepEqual(await closed, [1005, '']);
    }));

  it('pings from the server are answered; with silencePings false the owner sees pings and pongs', () =>
    run(async () => {
      const pid = await upgradedHere('/sink', undefined, { silencePings: false, keepalive: Infinity });
      const peer = server.sockets.at(-1);
      assert.ok(peer);
      const pong = new Promise<Buffer>((resolve) => peer.once('pong', resolve));
      peer.ping(Buffer.from('are you there'));
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['ping', Buffer.from('are you there')]]);
      assert.equal((await pong).toString(), 'are you there');
      peer.pong();
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, 'pong']);
      gun.close(pid);
    }));

  it('pings are silenced by default', () =>
    run(async () => {
      const pid = await upgradedHere('/sink', undefined, { keepalive: Infinity });
      const peer = server.sockets.at(-1);
      const pong = new Promise<Buffer>((resolve) => peer?.once('pong', resolve));
      peer?.ping();
      await pong;
      peer?.send('after the ping');
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'after the ping']]);
      gun.close(pid);
    }));

  it('a fragmented message from the server is delivered whole', () =>
    run(async () => {
      const pid = await upgradedHere('/sink');
      const peer = server.sockets.at(-1);
      peer?.send('frag-', { fin: false });
      peer?.send('ment', { fin: true });
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'frag-ment']]);
      gun.close(pid);
    }));

  it('keepalive pings the server', () =>
    run(async () => {
      server.received.length = 0;
      const pid = await upgradedHere('/sink', undefined, { keepalive: 20 });
      const got = await serverReceived(2);
      assert.ok(got.filter((f) => (f as unknown[])[0] === 'ping').length >= 2);
      gun.close(pid);
    }));

  it('permessage-deflate is negotiated when compress is set', () =>
    run(async () => {
      const pid = await upgradedHere('/echo', undefined, { compress: true });
      assert.match(String(server.requests.at(-1)?.headers['sec-websocket-extensions']), /permessage-deflate/);
      gun.wsSend(pid, ['text', 'x'.repeat(5000)]);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'x'.repeat(5000)]]);
      gun.close(pid);
    }));

  it('with flow, frames stop after the credit until updateFlow adds more; none is lost', () =>
    run(async () => {
      const pid = await upgradedHere('/sink', undefined, { flow: 2 });
      const peer = server.sockets.at(-1);
      const socket = (await gun.info(pid)).socket;
      assert.ok(socket !== undefined);
      const before = socket.bytesRead;
      for (let i = 0; i < 6; i++) peer?.send(`m${i}`);
      // The premise: all six frames (2 + 2 bytes each, unmasked) reached the
      // client; then an info, answered after the socket data queued before
      // it, says the connection has handled them.
      for (let i = 0; i < 400 && socket.bytesRead < before + 24; i++) await sleep(5);
      assert.equal(socket.bytesRead, before + 24, 'the client read all six frames');
      await gun.info(pid);
      const first = flush() as unknown[][];
      assert.equal(first.length, 2, 'exactly the credit is delivered before updateFlow');
      gun.updateFlow(pid, 10);
      const rest: unknown[] = [];
      while (first.length + rest.length < 6) rest.push(await receive([['gun_ws', pid, _]], T));
      assert.deepEqual(
        [...first, ...rest].map((m) => (m as [string, unknown, [string, string]])[2][1]),
        ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'],
      );
      gun.close(pid);
    }));

  it('flow control and keepalive: a paused reader is not taken for a dead peer, and no frame is lost', () =>
    run(async () => {
      const pid = await upgradedHere('/sink', undefined, { flow: 10, keepalive: 100 });
      const peer = server.sockets.at(-1);
      const total = 20_000;
      const payload = 'x'.repeat(100);
      for (let i = 0; i < total; i++) peer?.send(`${i} ${payload}`);
      // The owner is busy for ten keepalive periods without giving credit:
      // reading stays paused, so the server's pongs cannot be read.
      await sleep(1000);
      let next = 0;
      while (next < total) {
        const msg = await receive(
          [
            ['gun_ws', pid, ['text', _]],
            ['gun_error', pid, _],
          ],
          T,
        );
        assert.equal(msg[0], 'gun_ws', `frame ${next}: got ${String(msg[2])}`);
        assert.equal(String((msg[2] as [string, string])[1]).split(' ')[0], String(next));
        next++;
        if (next % 10 === 0) gun.updateFlow(pid, 10);
      }
      gun.close(pid);
    }));

  it('frames held back by flow control are delivered, in order, when the server closes', () =>
    run(async () => {
      const pid = await upgradedHere('/sink', undefined, { flow: 1 });
      const peer = server.sockets.at(-1);
      for (let i = 0; i < 3; i++) peer?.send(`h${i}`);
      peer?.close(4002, 'end');
      const got: unknown[] = [];
      for (let i = 0; i < 5; i++)
        got.push(
          await receive(
            [
              ['gun_ws', pid, _],
              ['gun_error', pid, _],
            ],
            T,
          ),
        );
      assert.deepEqual(
        got.map((m) => (m as unknown[])[2]),
        [
          ['text', 'h0'],
          ['text', 'h1'],
          ['text', 'h2'],
          ['close', 4002, 'end'],
          ['closed', 'The server closed the Websocket connection.'],
        ],
      );
      gun.close(pid);
    }));
});
