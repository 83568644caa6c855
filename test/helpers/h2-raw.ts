/**
 * A raw, scripted HTTP/2 server on 127.0.0.1 for hostile-peer tests (Gun's
 * traces use one: `h2raw.erl` in docs/reference/gun-2.4.1-http2-traces.md).
 * It speaks no HTTP/2 by itself: it reads the client's 24-byte preface and
 * then its frames (kept in `conn.frames`, each with its raw payload), and a
 * test writes whatever bytes it likes with the frame builders below, well
 * formed or not.
 *
 * Frames (RFC 9113 §4.1): a 9-byte header (24-bit length, 8-bit type, 8-bit
 * flags, 1 reserved bit + 31-bit stream id), then the payload.
 *
 * HPACK (RFC 7541), only what a script needs to write: `:status 200` as the
 * static table's entry 8 (0x88), and any other field as a literal without
 * indexing with a new name, no Huffman (0x00, then the name's length and
 * bytes, then the value's length and bytes; lengths as 7-bit prefix
 * integers). The client's header blocks are not decoded (they use Huffman
 * and the dynamic table); a test needs only their stream ids.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';

/** Frame types. */
export const DATA = 0x0;
export const HEADERS = 0x1;
export const RST_STREAM = 0x3;
export const SETTINGS = 0x4;
export const PUSH_PROMISE = 0x5;
export const PING = 0x6;
export const GOAWAY = 0x7;
export const WINDOW_UPDATE = 0x8;
export const CONTINUATION = 0x9;

/** Flags. */
export const END_STREAM = 0x1;
export const ACK = 0x1;
export const END_HEADERS = 0x4;

/** Error codes (RFC 9113 §7). */
export const NO_ERROR = 0x0;
export const PROTOCOL_ERROR = 0x1;
export const INTERNAL_ERROR = 0x2;
export const ENHANCE_YOUR_CALM = 0xb;

/** SETTINGS identifiers. */
export const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
export const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
export const SETTINGS_MAX_FRAME_SIZE = 0x5;

/** The client connection preface. */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** A frame the client sent. */
export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

// -- frame builders ----------------------------------------------------------------

/** One frame: the 9-byte header, then `payload`. `length` overrides the length field (to lie about it). */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Buffer = Buffer.alloc(0),
  length?: number,
): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(length ?? payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** SETTINGS with `entries` ([identifier, value] pairs), or a SETTINGS ACK. */
export function settings(entries: ReadonlyArray<readonly [number, number]> = []): Buffer {
  const payload = Buffer.alloc(6 * entries.length);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return frame(SETTINGS, 0, 0, payload);
}

export function settingsAck(): Buffer {
  return frame(SETTINGS, ACK, 0);
}

/** PING with 8 bytes of `data` (zero-padded or cut). */
export function ping(data: Buffer = Buffer.alloc(8), ack = false): Buffer {
  const payload = Buffer.alloc(8);
  data.copy(payload, 0, 0, 8);
  return frame(PING, ack ? ACK : 0, 0, payload);
}

export function rstStream(streamId: number, code: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(RST_STREAM, 0, streamId, payload);
}

export function goaway(lastStreamId: number, code: number, debug = ''): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  payload.writeUInt32BE(code, 4);
  return frame(GOAWAY, 0, 0, Buffer.concat([payload, Buffer.from(debug)]));
}

export function windowUpdate(streamId: number, increment: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment & 0x7fffffff);
  return frame(WINDOW_UPDATE, 0, streamId, payload);
}

export function data(streamId: number, payload: Buffer | string, endStream = false): Buffer {
  return frame(DATA, endStream ? END_STREAM : 0, streamId, Buffer.from(payload));
}

/** HEADERS carrying `block` (see `hpack`); END_HEADERS unless `endHeaders` is false (CONTINUATION follows). */
export function headers(streamId: number, block: Buffer, endStream = false, endHeaders = true): Buffer {
  return frame(HEADERS, (endStream ? END_STREAM : 0) | (endHeaders ? END_HEADERS : 0), streamId, block);
}

export function continuation(streamId: number, block: Buffer, endHeaders = false): Buffer {
  return frame(CONTINUATION, endHeaders ? END_HEADERS : 0, streamId, block);
}

/** PUSH_PROMISE on `streamId` promising `promisedId`, with the promised request's header `block`. */
export function pushPromise(streamId: number, promisedId: number, block: Buffer): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(promisedId & 0x7fffffff);
  return frame(PUSH_PROMISE, END_HEADERS, streamId, Buffer.concat([id, block]));
}

// -- HPACK ---------------------------------------------------------------------------

/** An HPACK integer with an N-bit prefix (RFC 7541 §5.1); `first` holds the bits above the prefix. */
export function hpackInt(value: number, prefixBits: number, first = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([first | value]);
  const bytes = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** A string literal, no Huffman: 7-bit prefix length, then the bytes. */
function hpackString(s: string): Buffer {
  const bytes = Buffer.from(s, 'latin1');
  return Buffer.concat([hpackInt(bytes.length, 7), bytes]);
}

/**
 * A header block: `:status 200` as the static entry 0x88, every other field
 * a literal without indexing with a literal name (0x00, name, value).
 */
export function hpack(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    if (name === ':status' && value === '200') parts.push(Buffer.from([0x88]));
    else parts.push(Buffer.from([0x00]), hpackString(name), hpackString(value));
  }
  return Buffer.concat(parts);
}

// -- the server ----------------------------------------------------------------------

/** One client connection. */
export class RawH2Conn extends EventEmitter {
  /** Frames received after the preface, in order. */
  readonly frames: Frame[] = [];
  /** The 24-byte preface came, as it should. */
  preface = false;
  /** The client closed (or the socket is gone). */
  closed = false;
  private buf = Buffer.alloc(0);
  private readonly gone: Promise<void>;

  constructor(readonly socket: net.Socket) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {}); // a reset from the client is an outcome the test reads, not a failure here
    this.gone = new Promise((resolve) => {
      socket.once('close', () => {
        this.closed = true;
        this.emit('frame');
        resolve();
      });
    });
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (!this.preface) {
      if (this.buf.length < PREFACE.length) return;
      this.preface = this.buf.subarray(0, PREFACE.length).equals(PREFACE);
      this.buf = this.buf.subarray(PREFACE.length);
    }
    while (this.buf.length >= 9) {
      const length = this.buf.readUIntBE(0, 3);
      if (this.buf.length < 9 + length) break;
      this.frames.push({
        type: this.buf[3] as number,
        flags: this.buf[4] as number,
        streamId: this.buf.readUInt32BE(5) & 0x7fffffff,
        payload: Buffer.from(this.buf.subarray(9, 9 + length)),
      });
      this.buf = this.buf.subarray(9 + length);
    }
    this.emit('frame');
  }

  /** Writes bytes (frames, or anything else) unless the socket is gone. */
  send(...chunks: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(chunks));
  }

  /** The first frame from index `from` on that `match` accepts, waiting at most `ms` (rejects after). */
  async waitFrame(match: (f: Frame) => boolean, ms = 2000, from = 0): Promise<Frame> {
    let found: Frame | undefined;
    let checked = from;
    await this.waitUntil(() => {
      // Each frame is looked at once.
      for (; found === undefined && checked < this.frames.length; checked++) {
        const f = this.frames[checked] as Frame;
        if (match(f)) found = f;
      }
      return found !== undefined;
    }, ms);
    return found as Frame;
  }

  /** Waits until `cond` holds, checked after each read from the client, at most `ms` (rejects after, or on the client's close). */
  waitUntil(cond: () => boolean, ms = 2000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (cond()) {
          cleanup();
          resolve();
        } else if (this.closed) {
          cleanup();
          reject(new Error('the client closed the connection first'));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`not in ${ms} ms; got frame types ${this.frames.map((f) => f.type).join(',')}`));
      }, ms);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('frame', check);
      };
      this.on('frame', check);
      check();
    });
  }

  /** A request's HEADERS (the `n`th one, from 1), for its stream id. */
  request(n = 1, ms = 2000): Promise<Frame> {
    let seen = 0;
    // waitFrame looks at each frame once, in order: the nth HEADERS is the nth match.
    return this.waitFrame((f) => f.type === HEADERS && ++seen === n, ms);
  }

  /**
   * The usual opening: waits for the preface and the client's SETTINGS,
   * sends our SETTINGS (`entries`) and the ACK of the client's.
   */
  async handshake(entries: ReadonlyArray<readonly [number, number]> = []): Promise<void> {
    await this.waitFrame((f) => f.type === SETTINGS && (f.flags & ACK) === 0);
    this.send(settings(entries), settingsAck());
  }

  /**
   * The client's ACK of our SETTINGS: once it came, the client has also
   * read our ACK of its own (sent before), so its settings are in force.
   */
  settled(ms = 2000): Promise<Frame> {
    return this.waitFrame((f) => f.type === SETTINGS && (f.flags & ACK) !== 0, ms);
  }

  /** Resolves once the client has closed the socket, or after `ms` with false. */
  async waitClosed(ms = 2000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.gone.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface RawH2Server {
  readonly port: number;
  /** Every connection so far, in order. */
  readonly conns: RawH2Conn[];
  /** The next connection not yet handed out (waits for it, at most `ms`). */
  nextConn(ms?: number): Promise<RawH2Conn>;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a raw HTTP/2 server on 127.0.0.1, an ephemeral port. */
export async function startRawH2(): Promise<RawH2Server> {
  const conns: RawH2Conn[] = [];
  const events = new EventEmitter();
  let handedOut = 0;
  const server = net.createServer((socket) => {
    conns.push(new RawH2Conn(socket));
    events.emit('conn');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    conns,
    nextConn(ms = 2000) {
      return new Promise((resolve, reject) => {
        const take = (): boolean => {
          const conn = conns[handedOut];
          if (conn === undefined) return false;
          handedOut++;
          clearTimeout(timer);
          events.off('conn', take);
          resolve(conn);
          return true;
        };
        const timer = setTimeout(() => {
          events.off('conn', take);
          reject(new Error(`no connection in ${ms} ms`));
        }, ms);
        if (!take()) events.on('conn', take);
      });
    },
    async close() {
      for (const conn of conns) conn.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
