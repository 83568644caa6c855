/**
 * A malformed or hostile HTTP/2 peer (test/helpers/h2-raw.ts, a scripted
 * raw server, as Gun's traces use `h2raw.erl`) must get a clean outcome: a
 * `gun_error` for the stream it broke, or a `gun_down` with a reason and the
 * connection process gone (or reconnected), never a hang, an unhandled error
 * or a hurt runtime. So every case ends by spawning a process and trading a
 * message with it, and the whole file fails on any uncaughtException or
 * unhandledRejection. Floods also check that the heap did not grow by more
 * than a loose bound (not a timing assertion).
 *
 * Connections use `{ dialect: 'gun2', protocols: ['http2'], retry: 0 }`
 * over TCP (prior knowledge), as the traces do; each case has a raw server
 * of its own. Where node:http2 or our module cannot give a clean outcome,
 * the case is a `todo` that says why.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import * as gun from '../../src/gun/index.js';
import { _, isAlive, monitor, type Pid, type Ref, receive, run, self, send, spawn } from '../../src/runtime/index.js';
import * as raw from '../helpers/h2-raw.js';

/** Every wait for what should come is bounded by this. */
const T = 3000;
/** How long a message that must not come is waited for. */
const QUIET = 150;
/** The bound of a case that is a `todo` where it hangs: it fails fast. */
const TODO_T = 500;
/** How much the heap may grow across a flood: loose, only to catch a runaway. */
const HEAP_BOUND = 50 * 1024 * 1024;

const ok200 = raw.hpack([[':status', '200']]);

// -- the guard -------------------------------------------------------------------------

const unhandled: unknown[] = [];
const onUnhandled = (err: unknown): void => {
  unhandled.push(err);
};
before(() => {
  process.on('uncaughtException', onUnhandled);
  process.on('unhandledRejection', onUnhandled);
});
after(() => {
  process.off('uncaughtException', onUnhandled);
  process.off('unhandledRejection', onUnhandled);
});
afterEach(() => {
  const seen = unhandled.splice(0);
  assert.deepEqual(seen, [], 'no uncaught exception nor unhandled rejection');
});

// -- helpers -------------------------------------------------------------------------

interface Case {
  readonly pid: gun.ConnPid;
  readonly mref: Ref;
  readonly srv: raw.RawH2Server;
  readonly conn: raw.RawH2Conn;
}

/**
 * Runs `body` in a process against a fresh raw server: the connection is
 * open (its gun_up received) and monitored. Afterwards the connection and
 * the server are closed, and the runtime must still work.
 */
function hostile(opts: gun.OpenOptions, body: (c: Case) => Promise<void>): Promise<void> {
  return run(async () => {
    const srv = await raw.startRawH2();
    const pid = gun.open('127.0.0.1', srv.port, { dialect: 'gun2', protocols: ['http2'], retry: 0, ...opts });
    const mref = monitor('process', pid);
    try {
      const conn = await srv.nextConn();
      assert.deepEqual(await receive([['gun_up', pid, _]], T), ['gun_up', pid, 'http2']);
      await body({ pid, mref, srv, conn });
    } finally {
      if (isAlive(pid)) gun.close(pid);
      await srv.close();
    }
    await runtimeWorks();
  });
}

/** The runtime is unharmed: a new process answers a message. */
async function runtimeWorks(): Promise<void> {
  const echo = spawn(async () => {
    const [, from, n] = (await receive([['echo', _, _]], T)) as readonly [string, Pid, number];
    send(from, ['echoed', n]);
  });
  send(echo, ['echo', self(), 42]);
  assert.deepEqual(await receive([['echoed', _]], T), ['echoed', 42]);
}

/** The connection went down with a connection error: gun_down (reason returned) and, retry 0, the process exit. */
async function downWithConnectionError(c: Case, ms = T): Promise<unknown[]> {
  const [, , protocol, reason, killed] = await receive([['gun_down', c.pid, _, _, _]], ms);
  assert.equal(protocol, 'http2');
  assert.ok(Array.isArray(killed));
  assert.ok(Array.isArray(reason) && reason[0] === 'error', `reason: ${JSON.stringify(reason)}`);
  const [, err] = reason as [string, unknown[]];
  assert.equal(err[0], 'connection_error');
  assert.equal(typeof err[1], 'string');
  assert.equal(typeof err[2], 'string');
  assert.deepEqual(await receive([['DOWN', c.mref, 'process', c.pid, _]], T), [
    'DOWN',
    c.mref,
    'process',
    c.pid,
    ['shutdown', reason],
  ]);
  return err;
}

/** A GET /next that the raw server answers 200 "ok": the connection still works. */
async function stillWorks(c: Case, nth: number): Promise<void> {
  const ref = gun.get(c.pid, '/next');
  const h = await c.conn.request(nth);
  c.conn.send(raw.headers(h.streamId, ok200), raw.data(h.streamId, 'ok', true));
  assert.deepEqual(await receive([['gun_response', c.pid, ref, _, _, _]], T), [
    'gun_response',
    c.pid,
    ref,
    'nofin',
    200,
    [],
  ]);
  const [, , , fin, body] = await receive([['gun_data', c.pid, ref, _, _]], T);
  assert.deepEqual([fin, String(body)], ['fin', 'ok']);
  assert.equal(await receive([['DOWN', c.mref, _, _, _]], 0, 'alive'), 'alive');
}

/** Nothing from the connection for a short while. */
async function quiet(pid: gun.ConnPid): Promise<void> {
  const stray = await receive(
    [
      [_, pid, _],
      [_, pid, _, _],
      [_, pid, _, _, _],
      [_, pid, _, _, _, _],
    ],
    QUIET,
    'none',
  );
  assert.equal(stray, 'none', `unexpected message: ${JSON.stringify(stray)}`);
}

/** A request: its ref and the HEADERS frame the raw server got for it. */
async function request(c: Case, nth = 1): Promise<{ ref: Ref; streamId: number }> {
  const ref = gun.get(c.pid, '/x');
  const h = await c.conn.request(nth);
  return { ref, streamId: h.streamId };
}

/** The error code of the GOAWAY the client sent. */
async function clientGoaway(c: Case): Promise<number> {
  const f = await c.conn.waitFrame((x) => x.type === raw.GOAWAY);
  return f.payload.readUInt32BE(4);
}

// -- the cases -----------------------------------------------------------------------

describe('HTTP/2: a hostile or malformed peer gets a clean gun_error / gun_down', () => {
  it('garbage bytes instead of the server preface (SETTINGS): gun_down with a connection_error; the process exits', () =>
    hostile({}, async (c) => {
      await c.conn.waitFrame((f) => f.type === raw.SETTINGS);
      c.conn.send(Buffer.from('this is not HTTP/2 at all, not even close!!\r\n\r\n'));
      const err = await downWithConnectionError(c);
      assert.equal(err[1], 'protocol_error');
      assert.equal(await c.conn.waitClosed(), true, 'the client closed the socket');
    }));

  it('garbage, with retry: the connection goes down, then reconnects and works', () =>
    hostile({ retry: 1, retryTimeout: 10 }, async (c) => {
      c.conn.send(Buffer.from('\x00\x00\x01\x09garbage garbage garbage'));
      const [, , , reason] = await receive([['gun_down', c.pid, 'http2', _, _]], T);
      assert.equal((reason as unknown[])[0], 'error');
      const second = await c.srv.nextConn();
      assert.deepEqual(await receive([['gun_up', c.pid, _]], T), ['gun_up', c.pid, 'http2']);
      await second.handshake();
      await stillWorks({ ...c, conn: second }, 1);
    }));

  it('a frame longer than SETTINGS_MAX_FRAME_SIZE: the stream errs, gun_down with a connection_error', () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      const { ref, streamId } = await request(c);
      c.conn.send(raw.frame(raw.DATA, 0, streamId, Buffer.alloc(20_000)));
      assert.equal((await receive([['gun_error', c.pid, ref, _]], TODO_T))[0], 'gun_error');
      await downWithConnectionError(c);
      assert.equal(await clientGoaway(c), 0x6, 'GOAWAY FRAME_SIZE_ERROR');
    }));

  it('a response header block over http2Opts.maxHeaderListSize: enhance_your_calm for that stream; the connection goes on', () =>
    hostile({ http2Opts: { maxHeaderListSize: 1000 } }, async (c) => {
      await c.conn.handshake();
      await c.conn.settled(); // our limit is in force once the server ACKed it
      const { ref, streamId } = await request(c);
      c.conn.send(
        raw.headers(
          streamId,
          raw.hpack([
            [':status', '200'],
            ['x-big', 'a'.repeat(2000)],
          ]),
          true,
        ),
      );
      const msg = await receive(
        [
          ['gun_error', c.pid, ref, _],
          ['gun_response', c.pid, ref, _, _, _],
        ],
        T,
      );
      assert.equal(msg[0], 'gun_error', 'the header block was refused');
      assert.deepEqual((msg[3] as unknown[]).slice(0, 2), ['stream_error', 'enhance_your_calm']);
      const rst = await c.conn.waitFrame((f) => f.type === raw.RST_STREAM && f.streamId === streamId);
      assert.equal(rst.payload.readUInt32BE(0), raw.ENHANCE_YOUR_CALM);
      await stillWorks(c, 2);
    }));

  it(
    'maxHeaderListSize applies to a request made before the server ACKed our SETTINGS',
    {
      todo: 'node:http2 reads the acknowledged SETTINGS_MAX_HEADER_LIST_SIZE when a stream is created, so a request sent before the ACK takes a header block of up to about 64 KB (the bound of nghttp2) whatever maxHeaderListSize says',
    },
    () =>
      hostile({ http2Opts: { maxHeaderListSize: 1000 } }, async (c) => {
        const { ref, streamId } = await request(c);
        c.conn.send(
          raw.settings(),
          raw.settingsAck(),
          raw.headers(
            streamId,
            raw.hpack([
              [':status', '200'],
              ['x-big', 'a'.repeat(2000)],
            ]),
            true,
          ),
        );
        const msg = await receive(
          [
            ['gun_error', c.pid, ref, _],
            ['gun_response', c.pid, ref, _, _, _],
          ],
          TODO_T,
        );
        assert.equal(msg[0], 'gun_error', `got ${String(msg[0])}`);
      }),
  );

  it('a header block in 2000 CONTINUATION frames: the stream errs, gun_down with a connection_error', () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      const { ref, streamId } = await request(c);
      const before = process.memoryUsage().heapUsed;
      const frames = [raw.headers(streamId, ok200, true, false)];
      for (let i = 0; i < 2000; i++) frames.push(raw.continuation(streamId, raw.hpack([[`x-h${i}`, 'v'.repeat(50)]])));
      c.conn.send(...frames);
      assert.equal((await receive([['gun_error', c.pid, ref, _]], T))[0], 'gun_error');
      const err = await downWithConnectionError(c);
      assert.match(String(err[2]), /CONTINUATION/);
      assert.ok(process.memoryUsage().heapUsed - before < HEAP_BOUND, 'the heap stayed bounded');
    }));

  it("a connection error with a stream open has Gun's shape: a ref-less gun_error, the stream 'closed' with it, listed in gun_down", () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      const { ref, streamId } = await request(c);
      const frames = [raw.headers(streamId, ok200, true, false)];
      for (let i = 0; i < 2000; i++) frames.push(raw.continuation(streamId, raw.hpack([[`x-h${i}`, 'v']])));
      c.conn.send(...frames);
      // Gun (trace 6c): {gun_error, Pid, {Code, Human}}, {gun_error, Pid, R, {closed, {error, {connection_error, ...}}}}, gun_down [R].
      const [, , connErr] = await receive([['gun_error', c.pid, _]], TODO_T);
      const [, , , streamErr] = await receive([['gun_error', c.pid, ref, _]], TODO_T);
      const [, , , reason, killed] = await receive([['gun_down', c.pid, _, _, _]], TODO_T);
      assert.deepEqual(streamErr, ['closed', reason]);
      assert.deepEqual(connErr, ((reason as unknown[])[1] as unknown[]).slice(1));
      assert.deepEqual(killed, [ref]);
    }));

  it('a flood of 2000 SETTINGS frames: a clean gun_down (nghttp2 sees a flood), the heap bounded', () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      const before = process.memoryUsage().heapUsed;
      const frames: Buffer[] = [];
      for (let i = 0; i < 2000; i++) frames.push(raw.settings([[raw.SETTINGS_MAX_CONCURRENT_STREAMS, 100 + i]]));
      c.conn.send(...frames);
      // Gun would ACK them all; nghttp2 counts the ACKs it has to queue and ends the session.
      const err = await downWithConnectionError(c);
      assert.match(String(err[2]), /flood/i);
      assert.ok(process.memoryUsage().heapUsed - before < HEAP_BOUND, 'the heap stayed bounded');
    }));

  it('a flood of 5000 PINGs in one write: a clean gun_down (nghttp2 sees a flood), the heap bounded', () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      const before = process.memoryUsage().heapUsed;
      const frames: Buffer[] = [];
      for (let i = 0; i < 5000; i++) frames.push(raw.ping());
      c.conn.send(...frames);
      const err = await downWithConnectionError(c);
      assert.match(String(err[2]), /flood/i);
      assert.ok(process.memoryUsage().heapUsed - before < HEAP_BOUND, 'the heap stayed bounded');
    }));

  it('5000 PINGs paced in writes of 250: every one ACKed, the connection goes on', () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      let acks = 0;
      let from = 0;
      for (let w = 1; w <= 20; w++) {
        const frames: Buffer[] = [];
        for (let i = 0; i < 250; i++) frames.push(raw.ping());
        c.conn.send(...frames);
        await c.conn.waitUntil(() => {
          for (; from < c.conn.frames.length; from++) {
            const f = c.conn.frames[from] as raw.Frame;
            if (f.type === raw.PING && (f.flags & raw.ACK) !== 0) acks++;
          }
          return acks >= 250 * w;
        });
      }
      assert.equal(acks, 5000);
      await stillWorks(c, 1);
    }));

  it('a flood of 5000 RST_STREAM on idle (never opened) streams: a clean gun_down protocol_error, the heap bounded', () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      const before = process.memoryUsage().heapUsed;
      const frames: Buffer[] = [];
      for (let i = 0; i < 5000; i++) frames.push(raw.rstStream(2 * i + 101, raw.INTERNAL_ERROR));
      c.conn.send(...frames);
      // RFC 9113 §6.4: RST_STREAM on an idle stream is a connection error PROTOCOL_ERROR.
      const err = await downWithConnectionError(c);
      assert.equal(err[1], 'protocol_error');
      // The client's GOAWAY: PROTOCOL_ERROR from nghttp2 (Node 24), INTERNAL_ERROR from node (Node 20).
      assert.ok([raw.PROTOCOL_ERROR, raw.INTERNAL_ERROR].includes(await clientGoaway(c)));
      assert.ok(process.memoryUsage().heapUsed - before < HEAP_BOUND, 'the heap stayed bounded');
    }));

  it('a flood of 5000 RST_STREAM on a finished stream: ignored, no message, the connection goes on', () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      const { ref, streamId } = await request(c);
      c.conn.send(raw.headers(streamId, ok200, true));
      assert.deepEqual(await receive([['gun_response', c.pid, ref, _, _, _]], T), [
        'gun_response',
        c.pid,
        ref,
        'fin',
        200,
        [],
      ]);
      const before = process.memoryUsage().heapUsed;
      const frames: Buffer[] = [];
      for (let i = 0; i < 5000; i++) frames.push(raw.rstStream(streamId, raw.INTERNAL_ERROR));
      c.conn.send(...frames);
      await quiet(c.pid);
      await stillWorks(c, 2);
      assert.ok(process.memoryUsage().heapUsed - before < HEAP_BOUND, 'the heap stayed bounded');
    }));

  it('trace 6c, ours: a PUSH_PROMISE for another authority is refused (RST_STREAM REFUSED_STREAM), no gun_push; its late frames are ignored, the connection goes on', () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      const { ref, streamId } = await request(c);
      const promise = raw.hpack([
        [':method', 'GET'],
        [':scheme', 'http'],
        [':authority', 'other.example'],
        [':path', '/pushed'],
      ]);
      c.conn.send(raw.pushPromise(streamId, 2, promise));
      const rst = await c.conn.waitFrame((f) => f.type === raw.RST_STREAM && f.streamId === 2);
      assert.equal(rst.payload.readUInt32BE(0), 0x7, 'REFUSED_STREAM');
      // As Cowboy in 6c: the pushed response comes after the client's RST, then the parent's.
      // Gun 2.4.1 takes the whole connection down there (stream_closed); nghttp2 ignores them.
      c.conn.send(raw.headers(2, ok200), raw.data(2, 'pushed', true));
      c.conn.send(raw.headers(streamId, ok200), raw.data(streamId, 'parent', true));
      const first = await receive(
        [
          ['gun_push', c.pid, _, _, _, _, _],
          ['gun_response', c.pid, ref, _, _, _],
        ],
        T,
      );
      assert.equal(first[0], 'gun_response', 'no gun_push');
      const [, , , fin, body] = await receive([['gun_data', c.pid, ref, _, _]], T);
      assert.deepEqual([fin, String(body)], ['fin', 'parent']);
      await quiet(c.pid);
      await stillWorks(c, 2);
    }));

  it('DATA on a stream never opened: gun_down with a connection_error', () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      c.conn.send(raw.data(7, 'boo', true));
      const err = await downWithConnectionError(c, TODO_T);
      assert.equal(err[1], 'protocol_error');
      assert.equal(await clientGoaway(c), raw.PROTOCOL_ERROR);
    }));

  it('trace 9e: HEADERS without :status on a request stream: a protocol_error stream error for its ref; the connection goes on', () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      const { ref, streamId } = await request(c);
      c.conn.send(raw.headers(streamId, raw.hpack([['x-no-status', '1']]), true));
      const [, , , reason] = await receive([['gun_error', c.pid, ref, _]], T);
      // Gun's text: 'A required pseudo-header was not found. (RFC7540 8.1.2.3, RFC7540 8.1.2.4)'; node does not say why.
      assert.deepEqual((reason as unknown[]).slice(0, 2), ['stream_error', 'protocol_error']);
      const rst = await c.conn.waitFrame((f) => f.type === raw.RST_STREAM && f.streamId === streamId);
      assert.equal(rst.payload.readUInt32BE(0), raw.PROTOCOL_ERROR);
      await quiet(c.pid);
      await stillWorks(c, 2);
    }));

  it("trace 10e: GOAWAY(last_stream_id 0, enhance_your_calm) with a request in flight: its ['goaway', 'enhance_your_calm', ...], then gun_down normal", () =>
    hostile({}, async (c) => {
      await c.conn.handshake();
      const { ref } = await request(c);
      c.conn.send(raw.goaway(0, raw.ENHANCE_YOUR_CALM));
      assert.deepEqual(await receive([_], T), [
        'gun_error',
        c.pid,
        ref,
        ['goaway', 'enhance_your_calm', 'The connection is going away.'],
      ]);
      assert.deepEqual(await receive([_], T), ['gun_down', c.pid, 'http2', 'normal', []]);
      assert.deepEqual(await receive([['DOWN', c.mref, 'process', c.pid, _]], T), [
        'DOWN',
        c.mref,
        'process',
        c.pid,
        'normal',
      ]);
      assert.equal(await c.conn.waitClosed(), true, 'the client closed the socket');
    }));
});
