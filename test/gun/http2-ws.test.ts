/**
 * WebSocket over HTTP/2 (RFC 8441, the extended CONNECT), against a
 * node:http2 server with `enableConnectProtocol` whose 'stream' handler
 * accepts `:method CONNECT` + `:protocol websocket` and runs WebSocket
 * framing on the stream with ws's Receiver and Sender (server side:
 * unmasked), as an echo, with plain GETs served beside it. Cases follow
 * Gun 2.4.1's ws_SUITE (its http2 group) and section 12 of
 * docs/reference/gun-2.4.1-http2-traces.md; each `it` names the one it
 * follows. Where ours deliberately differs from Gun 2.4.1 (a close frame
 * ends its stream, not the connection; `wsSend` on a stream that is not a
 * WebSocket gives a `badstate` instead of crashing the connection), the test
 * asserts ours and says what Gun does.
 *
 * ws's Receiver and Sender are taken through src/gun/protocols/ws-library.ts,
 * which types them (ws exports them, @types/ws does not declare them).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as gun from '../../src/gun/index.js';
import { type PerMessageDeflate, type Receiver, type Sender, wsLibrary } from '../../src/gun/protocols/ws-library.js';
import { _, makeRef, monitor, type Ref, receive, self, send, spawn } from '../../src/runtime/index.js';
import { withConns } from '../helpers/gun.js';
import { testCa } from '../helpers/servers.js';

/** Every wait for a message that should come is bounded by this. */
const T = 3000;
/** How long a message that must not come is waited for. */
const QUIET = 150;

// -- the server ----------------------------------------------------------------------

/** The server's side of one WebSocket stream. */
interface Peer {
  readonly path: string;
  readonly headers: http2.IncomingHttpHeaders;
  /** Frames received: ['text', s] | ['binary', buf] | ['close', code, reason]. */
  readonly received: unknown[];
  /** RSV1 (compressed) of each data frame's first byte as it came off the wire. */
  readonly rsv1: boolean[];
  /** Receiver errors (a frame that breaks RFC 6455, e.g. unmasked). */
  readonly errors: Error[];
  /** The stream's RST_STREAM code once closed (0: ended cleanly), undefined while open. */
  rstCode: number | undefined;
  /** Resolves when the stream has closed. */
  readonly closed: Promise<void>;
}

interface H2WsServer {
  readonly port: number;
  /** Every accepted WebSocket, in order. */
  readonly peers: Peer[];
  /** Request headers of every CONNECT, accepted or not, in order. */
  readonly connects: http2.IncomingHttpHeaders[];
  /** GET /slow streams, held unanswered. */
  readonly held: http2.ServerHttp2Stream[];
  close(): Promise<void>;
}

const fixtures = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

/**
 * Paths: CONNECT `/ws` echoes (text `close` makes the server close with
 * 1000 "bye"; text `burst` makes it send `one`, `two`, `three`); CONNECT
 * `/deflate` is the same echo with permessage-deflate when offered; CONNECT
 * `/forbidden` answers 403 "no ws for you". GET `/hello` answers 200
 * "hello"; GET `/slow` is never answered.
 */
async function startH2Ws(opts: { tls?: boolean; enableConnectProtocol?: boolean } = {}): Promise<H2WsServer> {
  const settings = { enableConnectProtocol: opts.enableConnectProtocol ?? true };
  const server = opts.tls
    ? http2.createSecureServer({
        cert: readFileSync(`${fixtures}server.crt`),
        key: readFileSync(`${fixtures}server.key`),
        settings,
      })
    : http2.createServer({ settings });
  const peers: Peer[] = [];
  const connects: http2.IncomingHttpHeaders[] = [];
  const held: http2.ServerHttp2Stream[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const path = String(headers[':path']);
    if (headers[':method'] === 'CONNECT') {
      connects.push(headers);
      if (path === '/forbidden') {
        stream.respond({ ':status': 403, 'content-length': '13' });
        stream.end('no ws for you');
        return;
      }
      peers.push(acceptWs(stream, headers, path === '/deflate'));
      return;
    }
    if (path === '/slow') {
      held.push(stream);
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end('hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    peers,
    connects,
    held,
    close: async () => {
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers the CONNECT with 200 and runs an echo WebSocket (server side: unmasked frames) on the stream. */
function acceptWs(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, deflateOk: boolean): Peer {
  let deflate: PerMessageDeflate | undefined;
  const response: http2.OutgoingHttpHeaders = { ':status': 200 };
  const offer = headers['sec-websocket-extensions'];
  if (deflateOk && typeof offer === 'string') {
    const offers = wsLibrary.extension.parse(offer)['permessage-deflate'];
    if (offers !== undefined) {
      // threshold 0 (ws's option, untyped in ws-library.ts): the server compresses every message, however small.
      const pmd = new wsLibrary.PerMessageDeflate({ isServer: true, threshold: 0 } as { isServer: boolean });
      const params = pmd.accept(offers);
      response['sec-websocket-extensions'] = wsLibrary.extension.format({ 'permessage-deflate': params });
      deflate = pmd;
    }
  }
  stream.respond(response);
  const extensions = deflate === undefined ? {} : { 'permessage-deflate': deflate };
  const rx: Receiver = new wsLibrary.Receiver({ isServer: true, extensions });
  const tx: Sender = new wsLibrary.Sender(
    stream as unknown as ConstructorParameters<typeof wsLibrary.Sender>[0],
    extensions,
  );
  const text = { binary: false, compress: deflate !== undefined, fin: true, mask: false };
  let closing = false;
  let resolveClosed: () => void = () => {};
  const peer: Peer = {
    path: String(headers[':path']),
    headers,
    received: [],
    rsv1: [],
    errors: [],
    rstCode: undefined,
    closed: new Promise((resolve) => {
      resolveClosed = resolve;
    }),
  };
  rx.on('message', (data, isBinary) => {
    peer.received.push(isBinary ? ['binary', Buffer.from(data)] : ['text', data.toString()]);
    if (!isBinary && data.toString() === 'close') {
      closing = true;
      tx.close(1000, 'bye', false);
      return;
    }
    if (!isBinary && data.toString() === 'burst') {
      for (const s of ['one', 'two', 'three']) tx.send(s, text);
      return;
    }
    tx.send(data, { ...text, binary: isBinary });
  });
  rx.on('ping', (data) => tx.pong(data, false));
  rx.on('conclude', (code, reason) => {
    peer.received.push(['close', code, reason.toString()]);
    // The close handshake is over (ours came back, or we echo theirs): the stream ends.
    if (closing) stream.end();
    else tx.close(code === 1005 ? undefined : code, reason, false, () => stream.end());
    closing = true;
  });
  rx.on('error', (err) => peer.errors.push(err));
  stream.on('data', (chunk: Buffer) => {
    // The first byte of each frame is not tracked across chunks; the tests send one frame per write.
    const opcode = (chunk[0] as number) & 0x0f;
    if (opcode === 1 || opcode === 2) peer.rsv1.push(((chunk[0] as number) & 0x40) !== 0);
    rx.write(chunk);
  });
  stream.on('close', () => {
    peer.rstCode = stream.rstCode ?? 0;
    resolveClosed();
  });
  return peer;
}

// -- helpers -------------------------------------------------------------------------

/** Opens a gun2 connection over HTTP/2 (prior knowledge, or ALPN over TLS) and waits for gun_up and the server's SETTINGS. */
async function openH2(port: number, opts: gun.OpenOptions = {}): Promise<gun.ConnPid> {
  const pid = gun.open('127.0.0.1', port, {
    dialect: 'gun2',
    protocols: ['http2'],
    retry: 0,
    ...opts,
    http2Opts: { notifySettingsChanged: true, ...opts.http2Opts },
  });
  assert.deepEqual(await receive([['gun_up', pid, _]], T), ['gun_up', pid, 'http2']);
  // ws_SUITE's do_await_enable_connect_protocol: no extended CONNECT before the server allows it.
  await receive([['gun_notify', pid, 'settings_changed', _]], T);
  return pid;
}

/** The gun_upgrade of `ref`: Gun's `{gun_upgrade, Pid, Ref, [<<"websocket">>], Headers}`; returns the headers. */
async function upgraded(pid: gun.ConnPid, ref: Ref): Promise<gun.Headers> {
  const msg = await receive(
    [
      ['gun_upgrade', pid, ref, _, _],
      ['gun_error', pid, ref, _],
      ['gun_response', pid, ref, _, _, _],
    ],
    T,
  );
  assert.equal(msg[0], 'gun_upgrade', `expected the upgrade, got ${JSON.stringify(msg.slice(3))}`);
  assert.deepEqual(msg[3], ['websocket']);
  const headers = msg[4] as gun.Headers;
  assert.ok(Array.isArray(headers));
  assert.ok(!headers.some(([n]) => n.startsWith(':')), 'no pseudo-header in the upgrade headers');
  return headers;
}

/** The next gun_ws of `ref`. */
async function frame(pid: gun.ConnPid, ref: Ref): Promise<unknown> {
  const [, , , f] = await receive([['gun_ws', pid, ref, _]], T);
  return f;
}

/** A GET /hello on `pid` that must answer 200 "hello". */
async function hello(pid: gun.ConnPid): Promise<void> {
  const ref = gun.get(pid, '/hello');
  const [, , , isFin, status] = await receive([['gun_response', pid, ref, _, _, _]], T);
  assert.deepEqual([isFin, status], ['nofin', 200]);
  const [, , , fin, body] = await receive([['gun_data', pid, ref, _, _]], T);
  assert.deepEqual([fin, String(body)], ['fin', 'hello']);
}

/** Nothing more for the test process from `pid` (no gun_down, no stray gun_error) for a short while. */
async function quiet(pid: gun.ConnPid): Promise<void> {
  const stray = await receive(
    [
      [_, pid, _],
      [_, pid, _, _],
      [_, pid, _, _, _],
    ],
    QUIET,
    'none',
  );
  assert.equal(stray, 'none', `unexpected message: ${JSON.stringify(stray)}`);
}

/** A header's value in a message's headers. */
function header(headers: gun.Headers, name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

/** Waits for `p`, at most T ms. */
async function within<V>(p: Promise<V>, what: string): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), T);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// -- the tests -----------------------------------------------------------------------

describe('WebSocket over HTTP/2 (RFC 8441): ws_SUITE http2 group and traces 12', () => {
  let h2: H2WsServer;
  let h2tls: H2WsServer;
  let plain: H2WsServer;
  before(async () => {
    h2 = await startH2Ws();
    h2tls = await startH2Ws({ tls: true });
    plain = await startH2Ws({ enableConnectProtocol: false });
  });
  after(async () => {
    await h2.close();
    await h2tls.close();
    await plain.close();
  });

  it('ws_SUITE await (trace 12a): gun_upgrade over h2, a text and a binary frame echoed as gun_ws on the ref', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const ref = gun.wsUpgrade(pid, '/ws');
      await upgraded(pid, ref);
      const connect = h2.connects.at(-1);
      assert.equal(connect?.[':method'], 'CONNECT');
      assert.equal(connect?.[':protocol'], 'websocket');
      assert.equal(connect?.[':path'], '/ws');
      assert.equal(connect?.['sec-websocket-version'], '13');
      // RFC 8441 §5: none of HTTP/1.1's upgrade headers on the extended CONNECT.
      assert.equal(connect?.['sec-websocket-key'], undefined);
      assert.equal(connect?.upgrade, undefined);
      gun.wsSend(pid, ref, ['text', 'Hello!']);
      assert.deepEqual(await frame(pid, ref), ['text', 'Hello!']);
      gun.wsSend(pid, ref, ['binary', Buffer.from([1, 2, 3])]);
      assert.deepEqual(await frame(pid, ref), ['binary', Buffer.from([1, 2, 3])]);
      // Trace 12a: stream_info running, and the connection still says http2.
      assert.deepEqual(await gun.streamInfo(pid, ref), ['ok', { ref, replyTo: self(), state: 'running' }]);
      assert.equal((await gun.info(pid)).protocol, 'http2');
      assert.deepEqual(h2.peers.at(-1)?.errors, [], 'the client masks its frames');
    }));

  it('trace 12a: plain GETs on the same connection, right after wsUpgrade and while the WebSocket is open', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const ref = gun.wsUpgrade(pid, '/ws');
      await hello(pid);
      await upgraded(pid, ref);
      gun.wsSend(pid, ref, ['text', 'hi']);
      await hello(pid);
      assert.deepEqual(await frame(pid, ref), ['text', 'hi']);
      gun.wsSend(pid, ref, ['text', 'again']);
      assert.deepEqual(await frame(pid, ref), ['text', 'again']);
      await quiet(pid);
    }));

  it('ws_SUITE send_many: a list of frames in one wsSend, echoed in order', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const ref = gun.wsUpgrade(pid, '/ws');
      await upgraded(pid, ref);
      gun.wsSend(pid, ref, [
        ['text', 'Hello!'],
        ['binary', Buffer.from('World!')],
      ]);
      assert.deepEqual(await frame(pid, ref), ['text', 'Hello!']);
      assert.deepEqual(await frame(pid, ref), ['binary', Buffer.from('World!')]);
    }));

  it('ws_SUITE send_many_close: frames then close in one wsSend; the close comes back and only that stream ends', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const ref = gun.wsUpgrade(pid, '/ws');
      await upgraded(pid, ref);
      const peer = h2.peers.at(-1) as Peer;
      gun.wsSend(pid, ref, [['text', 'Hello!'], ['binary', Buffer.from('World!')], 'close']);
      assert.deepEqual(await frame(pid, ref), ['text', 'Hello!']);
      assert.deepEqual(await frame(pid, ref), ['binary', Buffer.from('World!')]);
      // Gun's {ws, close}: the server echoed a close without a code.
      assert.deepEqual(await frame(pid, ref), 'close');
      await within(peer.closed, 'the WebSocket stream to close');
      assert.equal(peer.rstCode, 0, 'the stream ended both ways, not reset');
      await quiet(pid);
      await hello(pid);
    }));

  it('two WebSockets side by side on one connection, each echo on its own ref', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const a = gun.wsUpgrade(pid, '/ws');
      const b = gun.wsUpgrade(pid, '/ws');
      await upgraded(pid, a);
      await upgraded(pid, b);
      gun.wsSend(pid, b, ['text', 'to b']);
      gun.wsSend(pid, a, ['text', 'to a']);
      gun.wsSend(pid, b, ['binary', Buffer.from('b2')]);
      assert.deepEqual(await frame(pid, a), ['text', 'to a']);
      assert.deepEqual(await frame(pid, b), ['text', 'to b']);
      assert.deepEqual(await frame(pid, b), ['binary', Buffer.from('b2')]);
      // One closes; the other goes on.
      gun.wsSend(pid, a, ['close', 1000, '']);
      assert.deepEqual(await frame(pid, a), ['close', 1000, '']);
      gun.wsSend(pid, b, ['text', 'still here']);
      assert.deepEqual(await frame(pid, b), ['text', 'still here']);
      assert.deepEqual(await gun.streamInfo(pid, a), ['ok', undefined]);
      assert.deepEqual(await gun.streamInfo(pid, b), ['ok', { ref: b, replyTo: self(), state: 'running' }]);
    }));

  it('ws_SUITE reply_to: the WebSocket messages go to wsOpts.replyTo', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const parent = self();
      const child = spawn(async () => {
        const [, ref] = (await receive([['go', _]], T)) as readonly [string, Ref];
        await upgraded(pid, ref);
        send(parent, ['ready', self()]);
        send(parent, ['echo', self(), await frame(pid, ref)]);
      });
      const ref = gun.wsUpgrade(pid, '/ws', [], { replyTo: child });
      send(child, ['go', ref]);
      await receive([['ready', child]], T);
      gun.wsSend(pid, ref, ['text', 'Hello!']);
      assert.deepEqual(await receive([['echo', child, _]], T), ['echo', child, ['text', 'Hello!']]);
      await quiet(pid);
    }));

  it('ws_SUITE headers_normalized_upgrade: object headers with mixed-case names go lower-cased on the CONNECT', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const ref = gun.wsUpgrade(pid, '/ws', { Atom_Header_Name: 'value', string_header_name: 'value' });
      await upgraded(pid, ref);
      const connect = h2.connects.at(-1);
      assert.equal(connect?.atom_header_name, 'value');
      assert.equal(connect?.string_header_name, 'value');
    }));

  it('ws_SUITE reject_upgrade (trace 12c): a 403 to the CONNECT is a response with its body; the connection goes on', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const ref = gun.wsUpgrade(pid, '/forbidden');
      const [, , , isFin, status] = await receive([['gun_response', pid, ref, _, _, _]], T);
      assert.deepEqual([isFin, status], ['nofin', 403]);
      const [, , , fin, body] = await receive([['gun_data', pid, ref, _, _]], T);
      assert.deepEqual([fin, String(body)], ['fin', 'no ws for you']);
      // As Cowboy in 12c, node:http2 resets the request side it never read: Gun tells it after the body.
      assert.deepEqual(await receive([['gun_error', pid, ref, _]], T), [
        'gun_error',
        pid,
        ref,
        ['stream_error', 'no_error', 'Stream reset by server.'],
      ]);
      assert.deepEqual(await gun.streamInfo(pid, ref), ['ok', undefined]);
      await hello(pid);
    }));

  it('trace 12b: a server without enableConnectProtocol resets the CONNECT: a stream_error; the connection goes on', () =>
    withConns(async (track) => {
      const pid = track(await openH2(plain.port));
      const ref = gun.wsUpgrade(pid, '/ws');
      assert.deepEqual(
        await receive(
          [
            ['gun_error', pid, ref, _],
            ['gun_upgrade', pid, ref, _, _],
          ],
          T,
        ),
        ['gun_error', pid, ref, ['stream_error', 'protocol_error', 'Stream reset by server.']],
      );
      await hello(pid);
      assert.equal(plain.peers.length, 0, 'no WebSocket was accepted');
    }));

  it('trace 12d, ours: a server close frame ends its stream only; the GET in flight and the connection go on (Gun takes the connection down)', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const mref = monitor('process', pid);
      const ref = gun.wsUpgrade(pid, '/ws');
      await upgraded(pid, ref);
      const peer = h2.peers.at(-1) as Peer;
      const slow = gun.get(pid, '/slow');
      gun.wsSend(pid, ref, ['text', 'close']);
      assert.deepEqual(await frame(pid, ref), ['close', 1000, 'bye']);
      // Gun 2.4.1: {gun_error, Pid, SlowRef, {closed, normal}} and gun_down normal. Here nothing of the sort.
      await within(peer.closed, 'the WebSocket stream to close');
      assert.equal(peer.rstCode, 0, 'the stream ended both ways, not reset');
      // Our answer to the server's close: its code (the reason is not echoed).
      assert.deepEqual((peer.received.at(-1) as unknown[]).slice(0, 2), ['close', 1000], 'the close was answered');
      await quiet(pid);
      assert.deepEqual(await gun.streamInfo(pid, ref), ['ok', undefined]);
      assert.deepEqual(await gun.streamInfo(pid, slow), ['ok', { ref: slow, replyTo: self(), state: 'running' }]);
      await hello(pid);
      assert.equal(await receive([['DOWN', mref, _, _, _]], 0, 'alive'), 'alive');
    }));

  it('trace 12f, ours: a client close frame ends its stream only; the connection goes on (Gun takes it down)', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const ref = gun.wsUpgrade(pid, '/ws');
      await upgraded(pid, ref);
      const peer = h2.peers.at(-1) as Peer;
      gun.wsSend(pid, ref, ['close', 1000, '']);
      assert.deepEqual(await frame(pid, ref), ['close', 1000, '']);
      await within(peer.closed, 'the WebSocket stream to close');
      assert.equal(peer.rstCode, 0);
      assert.deepEqual(peer.received, [['close', 1000, '']]);
      await quiet(pid);
      await hello(pid);
      // Frames after the close: the stream is gone.
      gun.wsSend(pid, ref, ['text', 'late']);
      assert.deepEqual(await receive([['gun_error', pid, ref, _]], T), [
        'gun_error',
        pid,
        ref,
        ['badstate', 'The stream cannot be found.'],
      ]);
    }));

  it('trace 12g: cancel on the WebSocket ref resets its stream quietly; a GET works; wsSend on it is a badstate (Gun crashes)', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const mref = monitor('process', pid);
      const ref = gun.wsUpgrade(pid, '/ws');
      await upgraded(pid, ref);
      const peer = h2.peers.at(-1) as Peer;
      gun.cancel(pid, ref);
      await within(peer.closed, 'the WebSocket stream to be reset');
      assert.equal(peer.rstCode, http2.constants.NGHTTP2_CANCEL);
      await quiet(pid);
      await hello(pid);
      gun.wsSend(pid, ref, ['text', 'after cancel']);
      assert.deepEqual(await receive([['gun_error', pid, ref, _]], T), [
        'gun_error',
        pid,
        ref,
        ['badstate', 'The stream cannot be found.'],
      ]);
      await hello(pid);
      assert.equal(await receive([['DOWN', mref, _, _, _]], 0, 'alive'), 'alive');
    }));

  it('trace 12i, ours: wsSend on a ref that is no stream here is a badstate gun_error (Gun crashes the connection)', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const mref = monitor('process', pid);
      const ref = makeRef();
      gun.wsSend(pid, ref, ['text', 'x']);
      assert.deepEqual(await receive([_], T), ['gun_error', pid, ref, ['badstate', 'The stream cannot be found.']]);
      await hello(pid);
      assert.equal(await receive([['DOWN', mref, _, _, _]], 0, 'alive'), 'alive');
    }));

  it("wsSend on a plain HTTP/2 request's ref is a badstate: 'This stream is not a Websocket.'", () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const slow = gun.get(pid, '/slow');
      await hello(pid); // the GET /slow is on the wire and open
      gun.wsSend(pid, slow, ['text', 'x']);
      assert.deepEqual(await receive([['gun_error', pid, slow, _]], T), [
        'gun_error',
        pid,
        slow,
        ['badstate', 'This stream is not a Websocket.'],
      ]);
      assert.deepEqual(await gun.streamInfo(pid, slow), ['ok', { ref: slow, replyTo: self(), state: 'running' }]);
    }));

  it("the classic dialect over h2: ['gun_ws_upgrade', pid, 'ok'], ['gun_ws', pid, frame], wsSend without a ref", () =>
    withConns(async (track) => {
      const pid = track(
        gun.open('127.0.0.1', h2.port, {
          protocols: ['http2'],
          retry: 0,
          http2Opts: { notifySettingsChanged: true },
        }),
      );
      // The classic dialect says nothing when up; the settings notify still comes.
      await receive([['gun_notify', pid, 'settings_changed', _]], T);
      gun.wsUpgrade(pid, '/ws');
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      gun.wsSend(pid, ['text', 'classic']);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'classic']]);
      gun.wsSend(pid, [
        ['binary', Buffer.from([9])],
        ['text', 'two'],
      ]);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['binary', Buffer.from([9])]]);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'two']]);
    }));

  it('flow_SUITE (ws): wsOpts.flow 1 holds frames back until updateFlow', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const ref = gun.wsUpgrade(pid, '/ws', [], { flow: 1 });
      await upgraded(pid, ref);
      gun.wsSend(pid, ref, ['text', 'burst']);
      assert.deepEqual(await frame(pid, ref), ['text', 'one']);
      assert.equal(await receive([['gun_ws', pid, ref, _]], QUIET, 'held'), 'held');
      gun.updateFlow(pid, ref, 2);
      assert.deepEqual(await frame(pid, ref), ['text', 'two']);
      assert.deepEqual(await frame(pid, ref), ['text', 'three']);
    }));

  it('permessage-deflate: wsOpts.compress true, the server negotiates it; frames are compressed both ways', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const ref = gun.wsUpgrade(pid, '/deflate', [], { compress: true });
      const headers = await upgraded(pid, ref);
      assert.match(header(headers, 'sec-websocket-extensions') ?? '', /^permessage-deflate/);
      assert.match(String(h2.connects.at(-1)?.['sec-websocket-extensions']), /permessage-deflate/);
      const peer = h2.peers.at(-1) as Peer;
      const big = 'deflate me '.repeat(400); // over ws's 1 KiB threshold: the client compresses it
      gun.wsSend(pid, ref, ['text', big]);
      assert.deepEqual(await frame(pid, ref), ['text', big]);
      gun.wsSend(pid, ref, ['text', 'small']);
      assert.deepEqual(await frame(pid, ref), ['text', 'small']); // compressed by the server (threshold 0)
      assert.deepEqual(peer.received, [
        ['text', big],
        ['text', 'small'],
      ]);
      assert.equal(peer.rsv1[0], true, 'the client sent the big message compressed');
      assert.deepEqual(peer.errors, []);
    }));

  it('permessage-deflate offered but not taken: plain frames', () =>
    withConns(async (track) => {
      const pid = track(await openH2(h2.port));
      const ref = gun.wsUpgrade(pid, '/ws', [], { compress: true });
      const headers = await upgraded(pid, ref);
      assert.equal(header(headers, 'sec-websocket-extensions'), undefined);
      const peer = h2.peers.at(-1) as Peer;
      const big = 'plain '.repeat(400);
      gun.wsSend(pid, ref, ['text', big]);
      assert.deepEqual(await frame(pid, ref), ['text', big]);
      assert.deepEqual(peer.rsv1, [false]);
    }));

  it('over TLS with ALPN (default protocols): gun_up http2, then a WebSocket echo', () =>
    withConns(async (track) => {
      const pid = track(
        gun.open('127.0.0.1', h2tls.port, {
          dialect: 'gun2',
          retry: 0,
          transport: 'tls',
          tlsOpts: { ca: testCa },
          http2Opts: { notifySettingsChanged: true },
        }),
      );
      assert.deepEqual(await receive([['gun_up', pid, _]], T), ['gun_up', pid, 'http2']);
      await receive([['gun_notify', pid, 'settings_changed', _]], T);
      const ref = gun.wsUpgrade(pid, '/ws');
      await upgraded(pid, ref);
      assert.equal(h2tls.connects.at(-1)?.[':scheme'], 'https');
      gun.wsSend(pid, ref, ['text', 'over tls']);
      assert.deepEqual(await frame(pid, ref), ['text', 'over tls']);
      await hello(pid);
    }));
});
