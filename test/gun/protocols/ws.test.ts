import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { IncomingFrame, WireFrame } from '../../../src/gun/frames.js';
import { type ResolvedWsOptions, WS_DEFAULTS } from '../../../src/gun/options.js';
import type { Command, Stream } from '../../../src/gun/protocols/protocol.js';
import { MAX_MESSAGE_BYTES, Ws } from '../../../src/gun/protocols/ws.js';
import { DEFLATE_OFFER, negotiateDeflate } from '../../../src/gun/protocols/ws-deflate.js';
import {
  type Extensions,
  type PerMessageDeflate,
  type Receiver,
  type Sender,
  type SenderSocket,
  wsLibrary,
} from '../../../src/gun/protocols/ws-library.js';
import * as reasons from '../../../src/gun/reasons.js';
import { makeRef, Pid } from '../../../src/runtime/index.js';

/**
 * The WebSocket protocol module without a network: server frames are made
 * by ws's own Sender (unmasked, as a server sends them) and fed to `handle`;
 * what the module writes is decoded by a server-side ws Receiver, which
 * refuses unmasked frames.
 */

const ws = wsLibrary;

// -- helpers ---------------------------------------------------------------------

/** A server: frames as a server sends them, compressed when it has permessage-deflate. */
class Server {
  readonly deflate: PerMessageDeflate | undefined;
  /** The server's `sec-websocket-extensions` answer to Gun's offer. */
  readonly extensions: string | undefined;
  private readonly sender: Sender;
  private chunks: Buffer[] = [];
  private pending = 0;

  constructor(compress = false) {
    if (compress) {
      this.deflate = new ws.PerMessageDeflate({ isServer: true });
      const offer = ws.extension.parse(DEFLATE_OFFER)['permessage-deflate'] ?? [];
      this.extensions = ws.extension.format({ 'permessage-deflate': this.deflate.accept(offer) });
    }
    const socket: SenderSocket = {
      destroyed: false,
      cork() {},
      uncork() {},
      write: (chunk, cb) => {
        this.chunks.push(Buffer.from(chunk));
        cb?.();
        return true;
      },
    };
    this.sender = new ws.Sender(socket, this.deflate === undefined ? {} : { 'permessage-deflate': this.deflate });
  }

  private done = (): void => {
    this.pending--;
  };

  text(data: string, { fin = true, compress = false } = {}): this {
    this.pending++;
    this.sender.send(data, { binary: false, compress, fin, mask: false }, this.done);
    return this;
  }

  binary(data: Buffer, { fin = true, compress = false } = {}): this {
    this.pending++;
    this.sender.send(data, { binary: true, compress, fin, mask: false }, this.done);
    return this;
  }

  ping(data = Buffer.alloc(0)): this {
    this.sender.ping(data, false);
    return this;
  }

  pong(data = Buffer.alloc(0)): this {
    this.sender.pong(data, false);
    return this;
  }

  close(code?: number, reason?: string): this {
    this.sender.close(code, reason, false);
    return this;
  }

  /** The bytes written so far, synchronously: only for uncompressed frames. */
  bytes(): Buffer {
    assert.equal(this.pending, 0, 'a compressed frame is still being deflated: use flush()');
    const all = Buffer.concat(this.chunks);
    this.chunks = [];
    return all;
  }

  /** The bytes once every deflate is done. */
  async flush(): Promise<Buffer> {
    await until(() => this.pending === 0);
    return this.bytes();
  }
}

type Decoded =
  | ['text', string]
  | ['binary', Buffer]
  | ['ping' | 'pong', Buffer]
  | ['close', number, string]
  | ['error', string];

/** Decodes what the module wrote, as a server does: unmasked frames are refused. */
class Peer {
  readonly events: Decoded[] = [];
  private readonly receiver: Receiver;

  constructor(server?: Server) {
    const extensions: Extensions = server?.deflate === undefined ? {} : { 'permessage-deflate': server.deflate };
    this.receiver = new ws.Receiver({ isServer: true, extensions });
    this.receiver.on('message', (data, isBinary) =>
      this.events.push(isBinary ? ['binary', data] : ['text', data.toString()]),
    );
    this.receiver.on('ping', (data) => this.events.push(['ping', Buffer.from(data)]));
    this.receiver.on('pong', (data) => this.events.push(['pong', Buffer.from(data)]));
    this.receiver.on('conclude', (code, reason) => this.events.push(['close', code, reason.toString()]));
    this.receiver.on('error', (err) => this.events.push(['error', `${err.code}: ${err.message}`]));
  }

  read(commands: readonly Command[]): Decoded[] {
    for (const data of written(commands)) this.receiver.write(data);
    return this.events;
  }
}

/** Waits (a turn at a time) until `done()` holds. */
async function until(done: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A module after a handshake in which the server answered `extensions` (negotiated as the HTTP/1.1 module does). */
function setup(opts: Partial<ResolvedWsOptions> = {}, extensions?: string) {
  const stream: Stream = { ref: makeRef(), replyTo: new Pid(undefined), upgrade: true };
  const later: Command[][] = [];
  const resolved = { ...WS_DEFAULTS, ...opts };
  const deflate = negotiateDeflate(extensions, resolved.compress);
  const m = new Ws({ stream, headers: [], opts: resolved, deflate }, (commands) => later.push(commands));
  /** Resolves when the module releases zlib (deflate.cleanup), which it does once no inflate runs. */
  const cleanedUp = new Promise<void>((resolve) => {
    if (deflate === undefined) return;
    const cleanup = deflate.cleanup.bind(deflate);
    deflate.cleanup = () => {
      cleanup();
      resolve();
    };
  });
  /** Every command handed to `later` so far, in order. */
  const laterCommands = (): Command[] => later.flat();
  return { m, stream, later, laterCommands, cleanedUp, deflate, caller: new Pid(undefined) };
}

/** PerMessageDeflate#compress's callback. */
type Callback2 = (err: Error | null, data?: Buffer) => void;

/** Runs one call with a fresh `out` and returns it. */
function call(fn: (out: Command[]) => void): Command[] {
  const out: Command[] = [];
  fn(out);
  return out;
}

function delivered(commands: readonly Command[], stream?: Stream): IncomingFrame[] {
  return commands.flatMap((c) => {
    if (c.type !== 'deliver') return [];
    if (stream !== undefined) assert.equal(c.stream, stream);
    assert.equal(c.event[0], 'ws');
    return [c.event[1] as IncomingFrame];
  });
}

/** The mask bit of every frame in `bytes`, walking their headers. */
function maskBits(bytes: Buffer): boolean[] {
  const bits: boolean[] = [];
  for (let at = 0; at < bytes.length; ) {
    const second = bytes[at + 1] as number;
    let length = second & 0x7f;
    let header = 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at + 2));
      header = 10;
    }
    const masked = (second & 0x80) === 0x80;
    bits.push(masked);
    at += header + (masked ? 4 : 0) + length;
  }
  return bits;
}

function written(commands: readonly Command[]): Buffer[] {
  return commands.flatMap((c) => (c.type === 'write' ? [Buffer.from(c.data)] : []));
}

/**
 * The commands in short: 'deliver', 'write', 'active:false', 'close',
 * 'error'; writes in a row count as one (ws writes a frame's header and
 * payload separately when it masks the payload in place).
 */
function kinds(commands: readonly Command[]): string[] {
  const all = commands.map((c) => (c.type === 'active' ? `active:${c.active}` : c.type));
  return all.filter((k, i) => k !== 'write' || all[i - 1] !== 'write');
}

function closes(commands: readonly Command[]): unknown[] {
  return commands.flatMap((c) => (c.type === 'close' ? [c.reason] : []));
}

const text = (s: string): WireFrame => ({ kind: 'text', data: Buffer.from(s) });
const binary = (b: Buffer): WireFrame => ({ kind: 'binary', data: b });
const closeFrame = (code?: number, reason = ''): WireFrame => ({ kind: 'close', code, reason: Buffer.from(reason) });

/** A frame header written by hand, for what no well-behaved Sender makes. */
function rawFrame(first: number, payload: Buffer, mask?: Buffer): Buffer {
  assert.ok(payload.length < 126);
  const head = Buffer.from([first, payload.length | (mask === undefined ? 0 : 0x80)]);
  if (mask === undefined) return Buffer.concat([head, payload]);
  const body = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
  return Buffer.concat([head, mask, body]);
}

// -- receiving -------------------------------------------------------------------

describe('ws protocol: receiving', () => {
  it('delivers text and binary messages on the handshake stream', () => {
    const { m, stream } = setup();
    const bytes = new Server()
      .text('héllo')
      .binary(Buffer.from([0, 1, 2, 255]))
      .bytes();
    const out = call((o) => m.handle(bytes, o));
    assert.deepEqual(kinds(out), ['deliver', 'deliver']);
    assert.deepEqual(delivered(out, stream), [
      ['text', 'héllo'],
      ['binary', Buffer.from([0, 1, 2, 255])],
    ]);
  });

  it('joins frames split across handle calls byte by byte', () => {
    const { m } = setup({ silencePings: false });
    // Lengths in 7 bits, 16 bits and 64 bits. (ws's Receiver joins the
    // pieces of a frame with Array#shift: tens of thousands of one-byte
    // chunks for one frame cost it quadratic time, so the big frame is cut
    // byte by byte only around its header.)
    const bytes = new Server()
      .text('one')
      .ping(Buffer.from('p'))
      .binary(Buffer.alloc(3000, 7))
      .text('x'.repeat(70000))
      .text('two')
      .bytes();
    const bigAt = bytes.length - 5 - 70010; // where the big frame starts
    const cuts: number[] = [];
    for (let i = 1; i <= bigAt + 12; i++) cuts.push(i);
    cuts.push(bigAt + 30000, bigAt + 69000);
    for (let i = bytes.length - 20; i <= bytes.length; i++) cuts.push(i);
    const out: Command[] = [];
    let from = 0;
    for (const to of cuts) {
      m.handle(bytes.subarray(from, to), out);
      from = to;
    }
    assert.deepEqual(delivered(out), [
      ['text', 'one'],
      ['ping', Buffer.from('p')],
      ['binary', Buffer.alloc(3000, 7)],
      ['text', 'x'.repeat(70000)],
      ['text', 'two'],
    ]);
  });

  it('joins a fragmented message into one delivery, with a control frame between its fragments', () => {
    const { m } = setup({ silencePings: false });
    const server = new Server();
    server.text('frag', { fin: false });
    server.ping(Buffer.from('mid'));
    server.text('men', { fin: false }).text('ted');
    server.binary(Buffer.from([1]), { fin: false }).binary(Buffer.from([2, 3]));
    const out = call((o) => m.handle(server.bytes(), o));
    assert.deepEqual(delivered(out), [
      ['ping', Buffer.from('mid')],
      ['text', 'fragmented'],
      ['binary', Buffer.from([1, 2, 3])],
    ]);
  });

  it('silencePings true: pings are answered with a masked pong carrying their payload, and neither pings nor pongs reach the owner', () => {
    const { m } = setup({ silencePings: true });
    const out = call((o) => m.handle(new Server().ping(Buffer.from('are you there')).pong().ping().bytes(), o));
    assert.deepEqual(delivered(out), []);
    assert.deepEqual(new Peer().read(out), [
      ['pong', Buffer.from('are you there')],
      ['pong', Buffer.alloc(0)],
    ]);
  });

  it('silencePings false: pings and pongs are delivered (bare when empty) and pings still answered', () => {
    const { m } = setup({ silencePings: false });
    const bytes = new Server().ping().ping(Buffer.from('d')).pong().pong(Buffer.from('e')).bytes();
    const out = call((o) => m.handle(bytes, o));
    assert.deepEqual(delivered(out), ['ping', ['ping', Buffer.from('d')], 'pong', ['pong', Buffer.from('e')]]);
    assert.deepEqual(new Peer().read(out), [
      ['pong', Buffer.alloc(0)],
      ['pong', Buffer.from('d')],
    ]);
  });

  it('a server close with a code is delivered as [close, code, reason], answered with the same code, then the connection closes normally', () => {
    const { m, stream } = setup();
    const out = call((o) => m.handle(new Server().text('last').close(4000, 'bye').bytes(), o));
    assert.deepEqual(kinds(out), ['deliver', 'deliver', 'write', 'close']);
    assert.deepEqual(delivered(out), [
      ['text', 'last'],
      ['close', 4000, 'bye'],
    ]);
    assert.deepEqual(new Peer().read(out), [['close', 4000, '']]);
    assert.deepEqual(closes(out), ['normal']);
    assert.deepEqual(
      call((o) => m.down('closed', o)),
      [],
    );
    assert.deepEqual(
      m.down('closed', []),
      [stream],
      'the stream is reported even after a completed close, as gun_ws:down/1',
    );
    assert.equal(m.streamInfo(stream.ref)?.state, 'stopping');
  });

  it('a server close without a code is delivered as close and answered with an empty close', () => {
    const { m } = setup();
    const out = call((o) => m.handle(new Server().close().bytes(), o));
    assert.deepEqual(delivered(out), ['close']);
    assert.deepEqual(new Peer().read(out), [['close', 1005, '']]);
    assert.deepEqual(closes(out), ['normal']);
  });

  it('nothing after the server close is read', () => {
    const { m } = setup();
    const out = call((o) => m.handle(new Server().close(1000).text('after').bytes(), o));
    assert.deepEqual(delivered(out), [['close', 1000, '']]);
    assert.deepEqual(
      call((o) => m.handle(new Server().text('later').bytes(), o)),
      [],
    );
  });

  it('handle never throws, whatever the server sends, and closes at most once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { maxLength: 12 }),
        fc.boolean(),
        (chunks, silencePings) => {
          const { m } = setup({ silencePings, flow: 3 });
          const out: Command[] = [];
          for (const chunk of chunks) m.handle(Buffer.from(chunk), out);
          m.keepalive(out);
          m.down('closed', out);
          assert.ok(closes(out).length <= 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// -- protocol errors -------------------------------------------------------------

describe('ws protocol: a server that breaks the protocol', () => {
  /** Feeds `bytes`, checks the close code written and returns the close reason. */
  function failWith(bytes: Buffer, code: number): unknown {
    const { m, stream } = setup();
    const out = call((o) => m.handle(bytes, o));
    assert.deepEqual(new Peer().read(out), [['close', code, '']]);
    const [reason, ...more] = closes(out);
    assert.equal(more.length, 0);
    assert.ok(Array.isArray(reason) && reason[0] === 'closed' && typeof reason[1] === 'string', String(reason));
    assert.deepEqual(
      call((o) => m.handle(new Server().text('after').bytes(), o)),
      [],
      'nothing is read after a protocol error',
    );
    assert.deepEqual(m.down('closed', []), [stream], 'no close handshake: the stream was killed');
    return reason;
  }

  it('invalid UTF-8 in a text message: close 1007 and a [closed, text] close', () => {
    const reason = failWith(rawFrame(0x81, Buffer.from([0x68, 0xff, 0x69])), 1007);
    assert.match((reason as string[])[1] as string, /UTF-8/);
  });

  it('invalid UTF-8 in a close reason: close 1007', () => {
    failWith(rawFrame(0x88, Buffer.from([0x03, 0xe8, 0xc3, 0x28])), 1007);
  });

  it('a masked frame from the server: close 1002', () => {
    const reason = failWith(rawFrame(0x81, Buffer.from('hi'), Buffer.from([1, 2, 3, 4])), 1002);
    assert.match((reason as string[])[1] as string, /MASK/);
  });

  it('an unknown opcode: close 1002', () => {
    failWith(rawFrame(0x83, Buffer.from('?')), 1002);
  });

  it('a continuation with no message to continue: close 1002', () => {
    failWith(rawFrame(0x80, Buffer.from('?')), 1002);
  });

  it('a fragmented control frame: close 1002', () => {
    failWith(rawFrame(0x09, Buffer.from('?')), 1002);
  });

  it('an invalid close code: close 1002', () => {
    failWith(rawFrame(0x88, Buffer.from([0x03, 0xed])), 1002); // 1005 may not be sent
  });

  it('a compressed frame without permessage-deflate: close 1002', () => {
    failWith(rawFrame(0xc1, Buffer.from('x')), 1002);
  });

  it('a message over MAX_MESSAGE_BYTES: close 1009 from its header alone', () => {
    const head = Buffer.alloc(10);
    head[0] = 0x82;
    head[1] = 127;
    head.writeUIntBE(MAX_MESSAGE_BYTES + 1, 4, 6);
    failWith(head, 1009);
  });

  it('frames held by flow control are delivered before the close', () => {
    const { m } = setup({ flow: 1 });
    const bytes = Buffer.concat([new Server().text('a').text('b').bytes(), rawFrame(0x83, Buffer.from('?'))]);
    const out = call((o) => m.handle(bytes, o));
    assert.deepEqual(kinds(out), ['deliver', 'active:false', 'write', 'deliver', 'close']);
    assert.deepEqual(delivered(out), [
      ['text', 'a'],
      ['text', 'b'],
    ]);
  });
});

// -- flow control ----------------------------------------------------------------

describe('ws protocol: flow control', () => {
  const six = () => {
    const server = new Server();
    for (let i = 1; i <= 6; i++) server.text(`m${i}`);
    return server.bytes();
  };

  it('credit 2, six frames in one chunk: two delivered, reading paused; updateFlow releases the rest in order, then resumes', () => {
    const { m, stream, caller } = setup({ flow: 2 });
    const out = call((o) => m.handle(six(), o));
    assert.deepEqual(kinds(out), ['deliver', 'deliver', 'active:false']);
    assert.deepEqual(delivered(out), [
      ['text', 'm1'],
      ['text', 'm2'],
    ]);
    const released = call((o) => m.updateFlow(stream.ref, caller, 10, o));
    assert.deepEqual(kinds(released), ['deliver', 'deliver', 'deliver', 'deliver', 'active:true']);
    assert.deepEqual(delivered(released), [
      ['text', 'm3'],
      ['text', 'm4'],
      ['text', 'm5'],
      ['text', 'm6'],
    ]);
    // Six credits left: the next frames go straight through.
    assert.deepEqual(delivered(call((o) => m.handle(new Server().text('m7').bytes(), o))), [['text', 'm7']]);
  });

  it('updateFlow smaller than what is held releases that many, in order, and reading stays paused', () => {
    const { m, stream, caller } = setup({ flow: 1 });
    m.handle(six(), []);
    const first = call((o) => m.updateFlow(stream.ref, caller, 2, o));
    assert.deepEqual(kinds(first), ['deliver', 'deliver']);
    assert.deepEqual(delivered(first), [
      ['text', 'm2'],
      ['text', 'm3'],
    ]);
    // Frames still in flight (read before the pause took effect) join the queue.
    assert.deepEqual(
      call((o) => m.handle(new Server().text('m7').bytes(), o)),
      [],
    );
    const rest = call((o) => m.updateFlow(stream.ref, caller, 4, o));
    assert.deepEqual(kinds(rest), ['deliver', 'deliver', 'deliver', 'deliver']);
    assert.deepEqual(delivered(rest), [
      ['text', 'm4'],
      ['text', 'm5'],
      ['text', 'm6'],
      ['text', 'm7'],
    ]);
    assert.deepEqual(kinds(call((o) => m.updateFlow(stream.ref, caller, 1, o))), ['active:true']);
  });

  it('pings count against the credit when delivered, and are answered even while paused', () => {
    const { m } = setup({ flow: 1, silencePings: false });
    const out = call((o) => m.handle(new Server().text('a').ping(Buffer.from('p')).bytes(), o));
    assert.deepEqual(kinds(out), ['deliver', 'active:false', 'write']);
    assert.deepEqual(new Peer().read(out), [['pong', Buffer.from('p')]]);
  });

  it('a server close delivers the held frames first, in order, then the close', () => {
    const { m } = setup({ flow: 2 });
    m.handle(six(), []);
    const out = call((o) => m.handle(new Server().close(1001, 'away').bytes(), o));
    assert.deepEqual(delivered(out), [
      ['text', 'm3'],
      ['text', 'm4'],
      ['text', 'm5'],
      ['text', 'm6'],
      ['close', 1001, 'away'],
    ]);
    assert.deepEqual(closes(out), ['normal']);
  });

  it('down delivers the held frames in order and returns the stream', () => {
    const { m, stream } = setup({ flow: 2 });
    m.handle(six(), []);
    const out: Command[] = [];
    assert.deepEqual(m.down('closed', out), [stream]);
    assert.deepEqual(delivered(out), [
      ['text', 'm3'],
      ['text', 'm4'],
      ['text', 'm5'],
      ['text', 'm6'],
    ]);
    assert.deepEqual(kinds(out), ['deliver', 'deliver', 'deliver', 'deliver']);
  });

  it('holds many frames without quadratic cost, none dropped', () => {
    const { m, stream, caller } = setup({ flow: 1 });
    const server = new Server();
    const n = 50000;
    for (let i = 0; i < n; i++) server.binary(Buffer.from([i & 0xff]));
    m.handle(server.bytes(), []);
    let count = 1;
    const started = Date.now();
    for (let i = 0; i < n; i += 1000) {
      const frames = delivered(call((o) => m.updateFlow(stream.ref, caller, 1000, o)));
      for (const f of frames) assert.deepEqual(f, ['binary', Buffer.from([count++ & 0xff])]);
    }
    assert.equal(count, n);
    assert.ok(Date.now() - started < 2000);
  });
});

// -- keepalive -------------------------------------------------------------------

describe('ws protocol: keepalive', () => {
  it('pings the server (masked) every period, and calls it dead after a whole period of silence', () => {
    const { m, stream } = setup();
    const first = call((o) => m.keepalive(o));
    assert.deepEqual(new Peer().read(first), [['ping', Buffer.alloc(0)]]);
    const second = call((o) => m.keepalive(o));
    assert.deepEqual(kinds(second), ['close']);
    assert.deepEqual(closes(second), [reasons.PEER_DEAD]);
    assert.deepEqual(
      call((o) => m.keepalive(o)),
      [],
    );
    assert.deepEqual(m.down('closed', []), [stream]);
  });

  it('anything from the server during a period shows it alive', () => {
    const { m } = setup({ silencePings: true });
    m.keepalive([]);
    m.handle(new Server().pong().bytes(), []);
    assert.deepEqual(kinds(call((o) => m.keepalive(o))), ['write']);
    m.handle(new Server().text('x').bytes(), []);
    assert.deepEqual(kinds(call((o) => m.keepalive(o))), ['write']);
    // Even a piece of a frame.
    m.handle(new Server().text('abc').bytes().subarray(0, 1), []);
    assert.deepEqual(kinds(call((o) => m.keepalive(o))), ['write']);
    assert.deepEqual(closes(call((o) => m.keepalive(o))), [reasons.PEER_DEAD]);
  });

  it('a period in which reading was paused for flow control never counts, and no ping is sent while paused', () => {
    const { m, stream, caller } = setup({ flow: 1 });
    m.keepalive([]); // ping; the period starts
    m.handle(new Server().text('a').text('b').bytes(), []); // paused
    // Paused: no ping, and silence does not count.
    assert.deepEqual(
      call((o) => m.keepalive(o)),
      [],
    );
    assert.deepEqual(
      call((o) => m.keepalive(o)),
      [],
    );
    assert.deepEqual(
      call((o) => m.keepalive(o)),
      [],
    );
    // Resumed in the middle of a period: that period had a pause in it.
    m.updateFlow(stream.ref, caller, 5, []);
    assert.deepEqual(kinds(call((o) => m.keepalive(o))), ['write']);
    // A whole period read and silent: dead.
    assert.deepEqual(closes(call((o) => m.keepalive(o))), [reasons.PEER_DEAD]);
  });

  it('no ping and no verdict once our close is sent (the closing timeout is the connection’s)', () => {
    const { m, stream, caller } = setup();
    m.wsSend(stream.ref, caller, [closeFrame(1000)], []);
    assert.deepEqual(
      call((o) => m.keepalive(o)),
      [],
    );
    assert.deepEqual(
      call((o) => m.keepalive(o)),
      [],
    );
  });
});

// -- sending ---------------------------------------------------------------------

describe('ws protocol: sending', () => {
  it('writes masked frames: text as text, binary as binary, ping, pong and close with their payloads', () => {
    const { m, stream, caller } = setup();
    const out = call((o) =>
      m.wsSend(
        stream.ref,
        caller,
        [
          text('héllo'),
          binary(Buffer.from([0, 255])),
          { kind: 'ping', data: Buffer.from('pi') },
          { kind: 'pong', data: Buffer.alloc(0) },
          closeFrame(4001, 'done'),
        ],
        o,
      ),
    );
    assert.deepEqual(new Peer().read(out), [
      ['text', 'héllo'],
      ['binary', Buffer.from([0, 255])],
      ['ping', Buffer.from('pi')],
      ['pong', Buffer.alloc(0)],
      ['close', 4001, 'done'],
    ]);
    assert.deepEqual(maskBits(Buffer.concat(written(out))), [true, true, true, true, true]);
    assert.deepEqual(closes(out), [], 'our close alone does not end the connection');
  });

  it('the payload given is not changed by masking', () => {
    const { m, stream, caller } = setup();
    const data = Buffer.from('unchanged');
    m.wsSend(stream.ref, caller, [binary(data), { kind: 'ping', data }], []);
    assert.equal(data.toString(), 'unchanged');
  });

  it('a server Receiver refuses unmasked frames (so the decoding above proves masking)', () => {
    const peer = new Peer();
    peer.read([{ type: 'write', data: new Server().text('plain').bytes() }]);
    return until(() => peer.events.length > 0).then(() => {
      assert.match((peer.events[0] as string[])[1] as string, /WS_ERR_EXPECTED_MASK/);
    });
  });

  it('a close without a code is sent as an empty close frame', () => {
    const { m, stream, caller } = setup();
    const out = call((o) => m.wsSend(stream.ref, caller, [closeFrame()], o));
    assert.deepEqual(new Peer().read(out), [['close', 1005, '']]);
  });

  it('frames after a close in one wsSend are dropped, and wsSend after our close sends nothing', () => {
    const { m, stream, caller } = setup();
    const out = call((o) => m.wsSend(stream.ref, caller, [text('a'), closeFrame(1000), text('b')], o));
    assert.deepEqual(new Peer().read(out), [
      ['text', 'a'],
      ['close', 1000, ''],
    ]);
    assert.deepEqual(
      call((o) => m.wsSend(stream.ref, caller, [text('c')], o)),
      [],
    );
    assert.deepEqual(
      call((o) => m.closing('shutdown', o)),
      [],
    );
    assert.equal(m.streamInfo(stream.ref)?.state, 'stopping');
  });

  it('after our close, frames still come in, pings are no longer answered, and the server close ends it normally with no second close frame', () => {
    const { m, stream, caller } = setup({ silencePings: false });
    m.wsSend(stream.ref, caller, [closeFrame(1000)], []);
    const out = call((o) => m.handle(new Server().text('late').ping().close(1000).bytes(), o));
    assert.deepEqual(kinds(out), ['deliver', 'deliver', 'deliver', 'close']);
    assert.deepEqual(delivered(out), [['text', 'late'], 'ping', ['close', 1000, '']]);
    assert.deepEqual(closes(out), ['normal']);
    assert.deepEqual(m.down('closed', []), [stream]);
  });

  it('closing sends close 1001 once, then waits for the server close', () => {
    const { m } = setup();
    const out = call((o) => m.closing('shutdown', o));
    assert.deepEqual(new Peer().read(out), [['close', 1001, '']]);
    assert.deepEqual(closes(out), []);
    assert.deepEqual(
      call((o) => m.closing('shutdown', o)),
      [],
    );
    const end = call((o) => m.handle(new Server().close(1001).bytes(), o));
    assert.deepEqual(kinds(end), ['deliver', 'close']);
    assert.deepEqual(closes(end), ['normal']);
  });

  it('down before the server answered our close returns the stream', () => {
    const { m, stream } = setup();
    m.closing('shutdown', []);
    assert.deepEqual(m.down('closed', []), [stream]);
  });
});

// -- calls -----------------------------------------------------------------------

describe('ws protocol: calls', () => {
  it('HTTP calls get Gun’s badstate error, without a stream ref', () => {
    const { m, stream, caller } = setup();
    const other: Stream = { ref: makeRef(), replyTo: new Pid(undefined), upgrade: false };
    const out: Command[] = [];
    m.request(other, 'GET', '/', [], undefined, { flow: Infinity }, out);
    m.data(stream.ref, caller, 'fin', Buffer.from('x'), out);
    m.cancel(stream.ref, caller, out);
    m.wsUpgrade(other, '/ws', [], WS_DEFAULTS, out);
    assert.deepEqual(out, [
      { type: 'error', to: other.replyTo, ref: undefined, reason: reasons.WS_ONLY },
      { type: 'error', to: caller, ref: undefined, reason: reasons.WS_ONLY },
      { type: 'error', to: caller, ref: undefined, reason: reasons.WS_ONLY },
      { type: 'error', to: other.replyTo, ref: undefined, reason: reasons.WS_ONLY },
    ]);
    assert.deepEqual(reasons.WS_ONLY, ['badstate', 'This connection only accepts Websocket frames.']);
  });

  it('wsSend and updateFlow naming another stream get "the stream cannot be found"', () => {
    const { m, caller } = setup({ flow: 1 });
    const ref = makeRef();
    const out: Command[] = [];
    m.wsSend(ref, caller, [text('x')], out);
    m.updateFlow(ref, caller, 1, out);
    assert.deepEqual(out, [
      { type: 'error', to: caller, ref, reason: reasons.STREAM_NOT_FOUND },
      { type: 'error', to: caller, ref, reason: reasons.STREAM_NOT_FOUND },
    ]);
  });

  it('streamInfo and has know the one stream', () => {
    const { m, stream } = setup();
    assert.equal(m.name, 'ws');
    assert.ok(m.has(stream.ref));
    assert.ok(!m.has(makeRef()));
    assert.deepEqual(m.streamInfo(stream.ref), { stream, state: 'running' });
    assert.equal(m.streamInfo(makeRef()), undefined);
  });
});

// -- permessage-deflate ----------------------------------------------------------

describe('ws protocol: permessage-deflate', () => {
  it('inflates compressed messages, in order with uncompressed frames and with chunks that came during the inflate (handed over by later)', async () => {
    const server = new Server(true);
    const { m, later, laterCommands } = setup({ compress: true, silencePings: false }, server.extensions);
    const big = 'compressible '.repeat(5000);
    server.text(big, { compress: true }).ping(Buffer.from('p')).text('plain');
    server.binary(Buffer.alloc(2000, 9), { compress: true });
    const first = await server.flush();
    const second = await server.text('after', { compress: true }).flush();
    const out = call((o) => m.handle(first, o));
    out.push(...call((o) => m.handle(second, o)));
    assert.deepEqual(out, [], 'nothing can be said before the inflate finishes');
    await until(() => delivered(laterCommands()).length === 5);
    assert.deepEqual(delivered(laterCommands()), [
      ['text', big],
      ['ping', Buffer.from('p')],
      ['text', 'plain'],
      ['binary', Buffer.alloc(2000, 9)],
      ['text', 'after'],
    ]);
    assert.deepEqual(new Peer(server).read(laterCommands()), [['pong', Buffer.from('p')]]);
    assert.ok(later.length < 5, 'commands are handed over in batches, not one by one');
  });

  it('compresses what it sends; a server with permessage-deflate decodes it (handed over by later)', async () => {
    const server = new Server(true);
    const { m, stream, caller, laterCommands } = setup({ compress: true }, server.extensions);
    const big = 'abc'.repeat(10000);
    const out = call((o) =>
      m.wsSend(
        stream.ref,
        caller,
        [text(big), binary(Buffer.alloc(5000, 1)), { kind: 'ping', data: Buffer.from('x') }],
        o,
      ),
    );
    assert.deepEqual(out, [], 'deflating is asynchronous');
    await until(() => written(laterCommands()).length >= 3);
    const compressedBytes = written(laterCommands()).reduce((n, b) => n + b.length, 0);
    assert.ok(compressedBytes < 1000, `sent compressed (${compressedBytes} bytes)`);
    const peer = new Peer(server);
    peer.read(laterCommands());
    await until(() => peer.events.length === 3);
    assert.deepEqual(peer.events, [
      ['text', big],
      ['binary', Buffer.alloc(5000, 1)],
      ['ping', Buffer.from('x')],
    ]);
    assert.deepEqual(maskBits(Buffer.concat(written(laterCommands()))), [true, true, true]);
  });

  it('a call made before a later batch was handed over takes that batch first', async () => {
    const server = new Server(true);
    const { m, stream, caller, later } = setup({ compress: true }, server.extensions);
    // Hold back the module's hand-over, to make a call in between.
    const handOvers: Array<() => void> = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (fn) => (fn.name === 'flushLater' ? handOvers.push(fn) : original(fn)) && undefined;
    let out: Command[];
    try {
      m.wsSend(stream.ref, caller, [text('x'.repeat(3000))], []);
      await until(() => handOvers.length > 0);
      out = call((o) => m.wsSend(stream.ref, caller, [{ kind: 'ping', data: Buffer.from('after') }], o));
    } finally {
      globalThis.queueMicrotask = original;
    }
    for (const handOver of handOvers) handOver();
    assert.deepEqual(later, [], 'the batch went with the call');
    const peer = new Peer(server);
    peer.read(out);
    await until(() => peer.events.length === 2);
    assert.deepEqual(peer.events, [
      ['text', 'x'.repeat(3000)],
      ['ping', Buffer.from('after')],
    ]);
  });

  it('a server close during a deflate: our close frame follows the compressed one, and the close command follows both', async () => {
    const server = new Server(true);
    const { m, stream, caller, laterCommands } = setup({ compress: true }, server.extensions);
    m.wsSend(stream.ref, caller, [text('y'.repeat(4000))], []);
    const out = call((o) => m.handle(new Server().close(1000, 'bye').bytes(), o));
    assert.deepEqual(kinds(out), ['deliver'], 'the close command waits for our close frame');
    await until(() => closes(laterCommands()).length === 1);
    assert.deepEqual(kinds(laterCommands()), ['write', 'close']);
    const peer = new Peer(server);
    peer.read(laterCommands());
    await until(() => peer.events.length === 2);
    assert.deepEqual(peer.events, [
      ['text', 'y'.repeat(4000)],
      ['close', 1000, ''],
    ]);
    assert.deepEqual(m.down('closed', []), [stream]);
  });

  it('a compressed frame that does not inflate: close 1007', async () => {
    const server = new Server(true);
    const { m, laterCommands } = setup({ compress: true }, server.extensions);
    m.handle(rawFrame(0xc1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])), []);
    await until(() => closes(laterCommands()).length === 1);
    assert.deepEqual(new Peer(server).read(laterCommands()), [['close', 1007, '']]);
  });

  it('down during an inflate: the late inflate result is dropped, nothing thrown', async () => {
    const server = new Server(true);
    const { m, stream, laterCommands, cleanedUp } = setup({ compress: true }, server.extensions);
    m.handle(await server.text('z'.repeat(100000), { compress: true }).flush(), []);
    let released = false;
    void cleanedUp.then(() => {
      released = true;
    });
    assert.deepEqual(m.down('closed', []), [stream]);
    await Promise.resolve();
    // The premise: an inflate was running, so zlib is released only once it ends.
    assert.equal(released, false, 'an inflate was running when down came');
    await cleanedUp;
    assert.deepEqual(laterCommands(), []);
  });

  it('down during a deflate: the late frame is dropped, nothing thrown', async () => {
    const server = new Server(true);
    const { m, stream, caller, laterCommands, deflate } = setup({ compress: true }, server.extensions);
    // The event to wait for: the deflate's result reaching ws's Sender (which drops it).
    const compressor = deflate as unknown as { compress(data: Buffer, fin: boolean, cb: Callback2): void };
    let done = false;
    const compressed = new Promise<void>((resolve) => {
      const compress = compressor.compress.bind(compressor);
      compressor.compress = (data, fin, cb) =>
        compress(data, fin, (err, buf) => {
          cb(err, buf);
          done = true;
          resolve();
        });
    });
    const sent = call((o) => m.wsSend(stream.ref, caller, [text('w'.repeat(100000)), closeFrame(1000)], o));
    assert.deepEqual(sent, [{ type: 'closing' }], 'deflating is asynchronous: only the close begins');
    // The premise: the deflate is still running when down comes (down's
    // zlib cleanup then ends it at once, with an error).
    assert.equal(done, false);
    assert.deepEqual(m.down('closed', []), [stream]);
    await compressed;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(laterCommands(), []);
  });

  it('ws-deflate: an answer the offer does not allow is refused with a clear reason, never thrown past negotiateDeflate', () => {
    const cases: Array<[boolean, string, RegExp]> = [
      [false, 'permessage-deflate', /not offered \(compress is false\)/],
      [true, 'x-webkit-deflate-frame', /not offered: x-webkit-deflate-frame/],
      [true, 'permessage-deflate; client_max_window_bits=7', /does not allow.*client_max_window_bits/],
      [true, 'permessage-deflate; bogus', /does not allow.*bogus/],
      [true, 'permessage-deflate, permessage-deflate', /more than once/],
      [true, 'permessage-deflate;;', /invalid sec-websocket-extensions/],
    ];
    for (const [compress, header, message] of cases) {
      assert.throws(() => negotiateDeflate(header, compress), message, header);
    }
    assert.equal(negotiateDeflate(undefined, true), undefined);
    assert.equal(negotiateDeflate(' ', true), undefined);
    assert.notEqual(negotiateDeflate('permessage-deflate; server_no_context_takeover', true), undefined);
  });
});
