import { createHash, randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Pid, Ref } from '../../runtime/index.js';
import { SmallMap } from '../../runtime/small-map.js';
import type { WireFrame } from '../frames.js';
import type { Headers } from '../headers.js';
import { MAX_HEADER_BLOCK_SIZE, MAX_TRAILER_BLOCK_SIZE, type ResolvedWsOptions } from '../options.js';
import {
  BAD_REQUEST_LENGTH,
  BODY_TOO_LONG,
  BODY_TOO_SHORT,
  errorText,
  STREAM_CLOSED,
  STREAM_NOT_FOUND,
  UPGRADE_PENDING,
  WS_NOT_UPGRADED,
  WS_OVER_HTTP10,
} from '../reasons.js';
import type { Command, IsFin, Protocol, RequestOptions, Stream } from './protocol.js';
import { DEFLATE_OFFER, negotiateDeflate } from './ws-deflate.js';
import type { PerMessageDeflate } from './ws-library.js';

/**
 * The HTTP/1.1 client protocol module: Gun's `gun_http.erl`, with cowlib's
 * parsing (`cow_http1`, `cow_http_te`) written out here. It turns socket
 * bytes and calls into commands (protocol.ts) and never touches the socket.
 *
 * Writing. A request is written at once (pipelining); responses are matched
 * to requests in order. A streamed body (`request` with no body, then `data`
 * calls) holds back the requests made after it: their bytes wait, in order,
 * until its last `data` (Gun crashes on such a request instead).
 *
 * Reading. `handle` is a state machine over the bytes as they come: a head
 * (status line and fields, found with one `indexOf` of CRLF CRLF, decoded as
 * Latin-1), then a body by length, by chunks or up to the close. Body bytes
 * are never copied: each piece is a subarray of the socket's chunk (Node
 * never reuses those), so a body is as many `data` events as it arrived in
 * pieces, whatever its size. The only bytes ever kept across calls are an
 * unfinished head, chunk-size line or trailer block, each bounded.
 *
 * Faults of the peer (a malformed head, an oversized block, a response no
 * request waits for) never throw out of the module: the head stream's
 * reply-to gets `gun_error` with `['connection_error', kind, text]` (Gun's
 * shape, as gun_http gives it for `limit_reached`), nothing more is
 * delivered, and the connection closes with `['error', thatReason]` (Gun's
 * `{error, Reason}` command, which gun.erl gives gun_down as its reason).
 * The streams left are what `down` then reports as killed.
 */

export interface Http1Options {
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'tls';
  /** The version requests are written with (Gun's `http_opts.version`). */
  readonly version: 'HTTP/1.1' | 'HTTP/1.0';
  /** Most bytes a response's status line and fields may take, final CRLF CRLF included (Gun's max_header_block_size). */
  readonly maxHeaderBlockSize?: number;
  /** Most bytes a chunked body's trailer block may take (Gun's max_trailer_block_size). */
  readonly maxTrailerBlockSize?: number;
  /**
   * Is a `sec-websocket-protocol` header given to `wsUpgrade` an offer, as
   * `wsOpts.protocols` is? The classic dialect's rule (true); Gun 2 offers
   * only `protocols` and sends the header as it is (false).
   */
  readonly subprotocolHeaderOffers?: boolean;
  /**
   * The keepalive interval and closing timeout (Gun's `http_opts`), kept
   * by reference: connections opened alike share one object.
   */
  readonly timing?: Timing;
}

/** See Http1Options.timing. */
export interface Timing {
  readonly keepalive: number;
  readonly closingTimeout: number;
}

const DEFAULT_TIMING: Timing = Object.freeze({ keepalive: Infinity, closingTimeout: 15_000 });
/**
 * Most fields a head or a trailer block may have. Gun has no such limit (its
 * block size bounds them); 1000 is twice what any real response sends.
 */
const MAX_FIELDS = 1000;
/**
 * Longest chunk-size line, extensions included, CRLF excluded. cowlib reads
 * 16 hex digits and skips at most 128 characters of extensions; we are a
 * little more lenient with extensions, which we ignore as cowlib does.
 */
const MAX_CHUNK_LINE = 1024;
/** A body this small goes out in the same Buffer as its request head (one write instead of two). */
const COALESCE = 16 * 1024;

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
const EMPTY = Buffer.alloc(0);
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const DIGITS = /^[0-9]+$/;

const CLOSE_NORMAL: Command = { type: 'close', reason: 'normal' };
const CLOSING: Command = { type: 'closing' };
const ACTIVE: Command = { type: 'active', active: true };
const PASSIVE: Command = { type: 'active', active: false };

/** A fault of the peer: how the connection ends (see the module's comment). */
class PeerFault extends Error {
  constructor(
    readonly kind: 'protocol_error' | 'limit_reached',
    readonly text: string,
  ) {
    super(text);
  }
}

/** How a request body is being sent: done, chunked, raw (HTTP/1.0, no length), or the bytes still due. */
type BodyOut = 'done' | 'chunked' | 'raw' | number;

/** What an upgrade request offered, to check the 101 against. */
interface WsOffer {
  readonly key: string;
  readonly protocols: readonly string[];
  readonly compress: boolean;
  readonly opts: ResolvedWsOptions;
}

interface HttpStream {
  readonly stream: Stream;
  /** A HEAD request: its response has no body (Gun's response_io_from_headers). */
  readonly isHead: boolean;
  readonly ws: WsOffer | undefined;
  /** Data events left before reading pauses (Gun's flow). */
  credit: number;
  /** Not cancelled (Gun's is_alive). */
  alive: boolean;
  body: BodyOut;
  /** Bytes waiting behind another request's body; undefined once the request is on the wire. */
  pending: Buffer[] | undefined;
  /** The connection closes once this response is complete. */
  closeAfter: boolean;
  /** Its response is not complete yet. */
  awaiting: boolean;
}

type In = 'head' | 'length' | 'close' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers';

/** A queue with O(1) shift (Array#shift copies the array once it is long: a deep pipeline would be quadratic). */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private first = 0;

  get length(): number {
    return this.items.length - this.first;
  }

  peek(): T | undefined {
    return this.items[this.first];
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.first >= this.items.length) return undefined;
    const item = this.items[this.first];
    this.items[this.first++] = undefined;
    if (this.first === this.items.length) {
      // Empty: its storage goes (V8 frees an array's storage at length 0),
      // rather than room for 17 streams kept for as long as the connection
      // idles after its last response.
      this.items.length = 0;
      this.first = 0;
    } else if (this.first >= 1024 && this.first * 2 >= this.items.length) {
      this.items = this.items.slice(this.first);
      this.first = 0;
    }
    return item;
  }

  /** Empties the queue, returning what it held in order. */
  take(): T[] {
    const rest = this.items.slice(this.first) as T[];
    this.items = [];
    this.first = 0;
    return rest;
  }
}

/** The last authority made (see hostHeader), so that connections to one origin share its string. */
let lastAuthority: { transport: 'tcp' | 'tls'; host: string; port: number; header: string } | undefined;

function authorityOf(transport: 'tcp' | 'tls', host: string, port: number): string {
  const last = lastAuthority;
  if (last !== undefined && last.transport === transport && last.host === host && last.port === port) {
    return last.header;
  }
  const header = hostHeader(transport, host, port);
  lastAuthority = { transport, host, port, header };
  return header;
}

/** Shared by every module with nothing in `waiting` or `held`: never pushed to (each push checks for them first). */
const NO_STREAMS: HttpStream[] = [];
const NO_BUFFERS: Buffer[] = [];

export class Http1 implements Protocol {
  /** `'http'`, on the prototype (below): a field would cost every connection 8 bytes. */
  declare readonly name: 'http';

  private readonly version: 'HTTP/1.1' | 'HTTP/1.0';
  /** The host header Gun would write (host_header). */
  private readonly authority: string;
  private readonly maxHead: number;
  private readonly maxTrailers: number;
  private readonly headerOffers: boolean;
  private readonly timing: Timing;

  /** Streams in request order, waiting for (or reading) their response: the head one first. */
  private readonly responses = new Fifo<HttpStream>();
  /** Every stream we know, by ref: awaiting a response, or still sending its body. */
  /** By ref serial: one at a time unless pipelining, so a SmallMap. */
  private readonly streams = new SmallMap<number, HttpStream>();
  /** The stream on the wire whose body is not finished: nothing else may be written until it is. */
  private writer: HttpStream | undefined;
  /** Requests not yet written (behind `writer`), in order; NO_STREAMS while there are none. */
  private waiting: HttpStream[] = NO_STREAMS;
  /** An upgrade request without its answer yet. */
  private upgrading: HttpStream | undefined;
  /** No new request may be written: the connection closes after the responses under way. */
  private willClose = false;
  /** closing() was called. */
  private shuttingDown = false;
  /** The module is done: close or switch pushed, or down() called. */
  private stopped = false;
  /** A 101 handed the connection to the ws module. */
  private switched = false;

  // Reading.
  private in: In = 'head';
  /** Body bytes left (by length), or bytes left of the current chunk. */
  private remaining = 0;
  /** CR LF bytes seen after a chunk's data. */
  private crlf = 0;
  /** The response being read says the connection closes after it. */
  private responseCloses = false;
  /** An unfinished head, chunk-size line or trailer block: acc[0, accLen). */
  private acc: Buffer = EMPTY;
  private accLen = 0;
  /**
   * Where scan() found its segment: seg[segStart, segEnd), or seg undefined
   * when more is needed. Its reader clears it: kept, it would hold the
   * socket's last chunk (the last response) for as long as the connection
   * idles.
   */
  private seg: Buffer | undefined;
  private segStart = 0;
  private segEnd = 0;
  /** Reading is paused by flow control; `held` are the bytes read past the pause, in order. */
  private paused = false;
  private held: Buffer[] = NO_BUFFERS;
  /** down() is delivering what was held: no pausing any more. */
  private unpaced = false;

  constructor(options: Http1Options) {
    this.version = options.version;
    this.authority = authorityOf(options.transport, options.host, options.port);
    this.maxHead = options.maxHeaderBlockSize ?? MAX_HEADER_BLOCK_SIZE;
    this.maxTrailers = options.maxTrailerBlockSize ?? MAX_TRAILER_BLOCK_SIZE;
    this.headerOffers = options.subprotocolHeaderOffers ?? true;
    this.timing = options.timing ?? DEFAULT_TIMING;
  }

  keepaliveInterval(): number {
    return this.timing.keepalive;
  }

  closingTimeout(): number {
    return this.timing.closingTimeout;
  }

  awaitingUpgrade(): boolean {
    return this.upgrading !== undefined;
  }

  /** Over HTTP/1.1 a WebSocket is a switch of the whole connection to the ws module: none here. */
  wsRef(): Ref | undefined {
    return undefined;
  }

  // -- requests ---------------------------------------------------------------

  /**
   * gun_http:request/headers → send_request. The head is written as Gun
   * writes it: `content-length` (a whole body, even an empty one: Gun's
   * gun:get sends `content-length: 0`) or `transfer-encoding: chunked` (a
   * streamed body without a content-length, HTTP/1.1 only) first, then
   * `host` when the caller gave none, then the caller's headers in their
   * order. A caller's `transfer-encoding` is dropped, and its
   * `content-length` too when the body is whole (Gun's keydelete, which
   * drops only the first; we drop all). Gun adds no `connection` or `te`.
   */
  request(
    stream: Stream,
    method: string,
    path: string,
    headers: Headers,
    body: Buffer | undefined,
    opts: RequestOptions,
    out: Command[],
  ): void {
    if (this.refused(stream, out)) return;
    let fields = '';
    let length: string | undefined;
    let connection: string | undefined;
    let hasHost = false;
    for (const [name, value] of headers) {
      switch (name) {
        case 'transfer-encoding':
          continue;
        case 'content-length':
          if (body !== undefined) continue;
          length = length === undefined ? value : `${length},${value}`;
          break;
        case 'connection':
          connection = connection === undefined ? value : `${connection},${value}`;
          break;
        case 'host':
          hasHost = true;
          break;
      }
      fields += `${name}: ${value}\r\n`;
    }
    let bodyOut: BodyOut = 'done';
    let first = '';
    if (body !== undefined) {
      first = `content-length: ${body.length}\r\n`;
    } else if (length !== undefined) {
      const n = requestLength(length);
      if (n === undefined) {
        out.push({ type: 'error', to: stream.replyTo, ref: stream.ref, reason: BAD_REQUEST_LENGTH });
        return;
      }
      bodyOut = n;
    } else if (this.version === 'HTTP/1.1') {
      first = 'transfer-encoding: chunked\r\n';
      bodyOut = 'chunked';
    } else {
      // HTTP/1.0 has no chunked coding: Gun writes the body raw (its end is
      // for the server to guess), and so do we.
      bodyOut = 'raw';
    }
    if (!hasHost) first += `host: ${this.authority}\r\n`;
    const head = `${method} ${path} ${this.version}\r\n${first}${fields}\r\n`;
    const hs = this.open(
      stream,
      method === 'HEAD',
      undefined,
      opts.flow ?? Infinity,
      bodyOut,
      this.requestCloses(connection),
    );
    this.writeHead(hs, head, body, out);
  }

  /**
   * gun_http:data. Chunked framing when the request is chunked (cowlib's
   * chunk/last_chunk); raw bytes when it has a content-length or is HTTP/1.0.
   * As Gun, the first question is whether any request body is being sent:
   * when none is, error_stream_closed, whatever the ref (a stream whose
   * response is complete, say, is no longer known, and Gun still answers
   * "closed"). Then an unknown ref: error_stream_not_found; a stream with
   * no body to send: error_stream_closed. Where Gun crashes (more bytes
   * than the content-length, or a fin before it is reached) the caller gets
   * a badstate error and nothing is written.
   */
  data(ref: Ref, caller: Pid, isFin: IsFin, data: Buffer, out: Command[]): void {
    if (this.writer === undefined && !this.waiting.some((w) => w.body !== 'done')) {
      out.push({ type: 'error', to: caller, ref, reason: STREAM_CLOSED });
      return;
    }
    const hs = this.streams.get(ref.serial);
    if (hs === undefined) {
      out.push({ type: 'error', to: caller, ref, reason: STREAM_NOT_FOUND });
      return;
    }
    const fin = isFin === 'fin';
    const body = hs.body;
    if (body === 'done') {
      out.push({ type: 'error', to: caller, ref, reason: STREAM_CLOSED });
      return;
    }
    if (body === 'chunked') {
      this.writeChunk(hs, data, fin, out);
    } else if (body === 'raw') {
      if (data.length > 0) this.emit(hs, data, out);
    } else {
      if (data.length > body) {
        out.push({ type: 'error', to: caller, ref, reason: BODY_TOO_LONG });
        return;
      }
      if (fin && data.length < body) {
        out.push({ type: 'error', to: caller, ref, reason: BODY_TOO_SHORT });
        return;
      }
      if (data.length > 0) this.emit(hs, data, out);
      hs.body = body - data.length;
    }
    if (fin) this.bodyDone(hs, out);
  }

  /**
   * gun_http:ws_upgrade. Gun's headers, in Gun's order: `connection:
   * upgrade`, `upgrade: websocket`, `sec-websocket-version: 13`, the key,
   * then the offered subprotocols and the permessage-deflate offer (Gun's,
   * see ws-deflate.ts), then the caller's. The caller's copies of the
   * headers the handshake owns are dropped (Gun sends them twice). A
   * caller's `sec-websocket-protocol`: in Gun 2 (gun2) it is no offer, only
   * `wsOpts.protocols` are, and it goes out as given, so a server choosing
   * from it fails the handshake as Gun's select_protocol does; the classic
   * dialect merges it into the offer (the seed's rule).
   */
  wsUpgrade(stream: Stream, path: string, headers: Headers, opts: ResolvedWsOptions, out: Command[]): void {
    if (this.version === 'HTTP/1.0') {
      out.push({ type: 'error', to: stream.replyTo, ref: stream.ref, reason: WS_OVER_HTTP10 });
      return;
    }
    if (this.refused(stream, out)) return;
    const protocols = [...opts.protocols];
    let fields = '';
    let hasHost = false;
    for (const [name, value] of headers) {
      switch (name) {
        case 'sec-websocket-protocol':
          if (!this.headerOffers) break;
          for (const element of value.split(',')) {
            const p = trimOws(element, 0, element.length);
            if (p !== '' && !protocols.includes(p)) protocols.push(p);
          }
          continue;
        case 'connection':
        case 'upgrade':
        case 'sec-websocket-key':
        case 'sec-websocket-version':
        case 'sec-websocket-extensions':
        case 'content-length':
        case 'transfer-encoding':
          continue;
        case 'host':
          hasHost = true;
          break;
      }
      fields += `${name}: ${value}\r\n`;
    }
    const key = randomBytes(16).toString('base64');
    let head = `GET ${path} HTTP/1.1\r\n`;
    if (!hasHost) head += `host: ${this.authority}\r\n`;
    head += `connection: upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: ${key}\r\n`;
    if (protocols.length > 0) head += `sec-websocket-protocol: ${protocols.join(', ')}\r\n`;
    if (opts.compress) head += `sec-websocket-extensions: ${DEFLATE_OFFER}\r\n`;
    head += `${fields}\r\n`;
    // Gun counts the response's data events against the WebSocket's flow;
    // those credits are for frames (the ws module's), so an answer other than
    // 101 is read unpaced: a refused upgrade's body is never stuck.
    const offer: WsOffer = { key, protocols, compress: opts.compress, opts };
    const hs = this.open(stream, false, offer, Infinity, 'done', false);
    this.upgrading = hs;
    this.writeHead(hs, head, undefined, out);
  }

  /**
   * Gun refuses nothing here and writes whatever comes; we refuse, to the
   * stream's reply-to, a request that could never be answered: after the
   * point where the connection is known to close (a `connection: close`
   * either way, or closing()), `'closing'`, as gun.erl's closing state
   * answers; behind an upgrade that has no answer yet, a badstate (Gun
   * writes it, and after a 101 the server reads it as WebSocket bytes).
   */
  private refused(stream: Stream, out: Command[]): boolean {
    if (this.stopped || this.willClose) {
      out.push({ type: 'error', to: stream.replyTo, ref: stream.ref, reason: 'closing' });
      return true;
    }
    if (this.upgrading !== undefined) {
      out.push({ type: 'error', to: stream.replyTo, ref: stream.ref, reason: UPGRADE_PENDING });
      return true;
    }
    return false;
  }

  /**
   * Gun's conn_from_headers, for the request: does it ask the server to close
   * after answering? As RFC 9112 §9.3 has it: HTTP/1.1 closes on a `close`
   * option, HTTP/1.0 unless `keep-alive` is given (Gun's conn_from_header
   * also closes on any list without keep-alive or upgrade, `connection: te`
   * for one; we do not).
   */
  private requestCloses(connection: string | undefined): boolean {
    if (this.version === 'HTTP/1.0') return !hasToken(connection, 'keep-alive') || hasToken(connection, 'close');
    return hasToken(connection, 'close');
  }

  /** A new stream (Gun's new_stream), in line for its response. */
  private open(
    stream: Stream,
    isHead: boolean,
    ws: WsOffer | undefined,
    credit: number,
    body: BodyOut,
    closeAfter: boolean,
  ): HttpStream {
    const hs: HttpStream = {
      stream,
      isHead,
      ws,
      credit,
      alive: true,
      body,
      pending: this.writer !== undefined || this.waiting.length > 0 ? [] : undefined,
      closeAfter,
      awaiting: true,
    };
    this.responses.push(hs);
    this.streams.set(stream.ref.serial, hs);
    // Gun's State#http_state{connection=Conn}, but only for what follows: we
    // never let a later request undo it (in Gun, one without the header does).
    if (closeAfter) this.willClose = true;
    return hs;
  }

  /** Writes (or queues) a request head, with its body when whole; the stream then sends its body, or not. */
  private writeHead(hs: HttpStream, head: string, body: Buffer | undefined, out: Command[]): void {
    if (body !== undefined && body.length > 0 && body.length <= COALESCE) {
      const buf = Buffer.allocUnsafe(head.length + body.length);
      buf.write(head, 0, 'latin1');
      body.copy(buf, head.length);
      this.emit(hs, buf, out);
    } else {
      // Latin-1: one octet per character, as Node writes header values.
      this.emit(hs, Buffer.from(head, 'latin1'), out);
      if (body !== undefined && body.length > 0) this.emit(hs, body, out);
    }
    if (hs.pending !== undefined) {
      if (this.waiting === NO_STREAMS) this.waiting = [hs];
      else this.waiting.push(hs);
    } else if (hs.body !== 'done') this.writer = hs;
  }

  private writeChunk(hs: HttpStream, data: Buffer, fin: boolean, out: Command[]): void {
    const n = data.length;
    if (n === 0) {
      if (fin) this.emit(hs, LAST_CHUNK, out);
      return;
    }
    const size = `${n.toString(16)}\r\n`;
    const tail = fin ? '\r\n0\r\n\r\n' : '\r\n';
    if (n <= COALESCE) {
      const buf = Buffer.allocUnsafe(size.length + n + tail.length);
      buf.write(size, 0, 'latin1');
      data.copy(buf, size.length);
      buf.write(tail, size.length + n, 'latin1');
      this.emit(hs, buf, out);
    } else {
      this.emit(hs, Buffer.from(size, 'latin1'), out);
      this.emit(hs, data, out);
      this.emit(hs, Buffer.from(tail, 'latin1'), out);
    }
  }

  /** Bytes of `hs`'s request: written now, or kept until the requests before it are out. */
  private emit(hs: HttpStream, data: Buffer, out: Command[]): void {
    if (hs.pending !== undefined) hs.pending.push(data);
    else out.push({ type: 'write', data });
  }

  /** A request body is complete: the requests held behind it go out. */
  private bodyDone(hs: HttpStream, out: Command[]): void {
    hs.body = 'done';
    if (!hs.awaiting) this.streams.delete(hs.stream.ref.serial);
    if (this.writer !== hs) return;
    this.writer = undefined;
    this.flushWaiting(out);
  }

  private flushWaiting(out: Command[]): void {
    while (this.writer === undefined) {
      const next = this.waiting.shift();
      if (next === undefined) return;
      const pending = next.pending ?? [];
      next.pending = undefined;
      for (const data of pending) out.push({ type: 'write', data });
      if (next.body !== 'done') this.writer = next;
    }
  }

  // -- responses --------------------------------------------------------------

  handle(data: Buffer, out: Command[]): void {
    if (this.stopped) return;
    if (this.paused) {
      if (this.held === NO_BUFFERS) this.held = [data];
      else this.held.push(data);
      return;
    }
    this.process(data, out);
  }

  /** Reads `data` until it is all read, reading pauses, or the module stops. */
  private process(data: Buffer, out: Command[]): void {
    let pos = 0;
    const end = data.length;
    try {
      while (pos < end) {
        switch (this.in) {
          case 'head':
            pos = this.readHead(data, pos, out);
            break;
          case 'length':
            pos = this.readLength(data, pos, out);
            break;
          case 'close':
            pos = this.readClose(data, pos, out);
            break;
          case 'chunk-size':
            pos = this.readChunkSize(data, pos);
            break;
          case 'chunk-data':
            pos = this.readChunkData(data, pos, out);
            break;
          case 'chunk-crlf':
            pos = this.readChunkCrlf(data, pos);
            break;
          case 'trailers':
            pos = this.readTrailers(data, pos, out);
            break;
        }
        if (this.stopped) return;
        if (this.paused) {
          // Read past the pause: kept, in order, ahead of anything held after it.
          if (pos < end) {
            if (this.held === NO_BUFFERS) this.held = [data.subarray(pos)];
            else this.held.unshift(data.subarray(pos));
          }
          return;
        }
      }
    } catch (err) {
      if (!(err instanceof PeerFault)) throw err;
      this.fail(err, out);
    }
  }

  /** Reads what was held back by flow control, until it is all read or reading pauses again. */
  private drain(out: Command[]): void {
    while (!this.paused && !this.stopped) {
      const next = this.held.shift();
      if (next === undefined) return;
      this.process(next, out);
    }
  }

  /**
   * A fault of the peer (see the module's comment). Gun sends the head
   * stream's reply-to a gun_error without a stream ref for limit_reached and
   * for an unexpected 101, and crashes on a malformed head; we do the former
   * for every fault (not to a cancelled stream: it gets nothing more).
   */
  private fail(fault: PeerFault, out: Command[]): void {
    const reason = ['connection_error', fault.kind, fault.text];
    const hs = this.responses.peek();
    if (hs?.alive && hs.pending === undefined) {
      out.push({ type: 'error', to: hs.stream.replyTo, ref: undefined, reason });
    }
    out.push({ type: 'close', reason: ['error', reason] });
    this.stop();
  }

  private stop(): void {
    this.stopped = true;
    this.paused = false;
    this.held = NO_BUFFERS;
    this.acc = EMPTY;
    this.accLen = 0;
  }

  /** The head stream, which the state machine only reads for while there is one. */
  private head(): HttpStream {
    const hs = this.responses.peek();
    if (hs === undefined) throw new PeerFault('protocol_error', 'A response arrived with no request waiting for it.');
    return hs;
  }

  /** Status line and fields (gun_http:handle in `head`, then handle_head). */
  private readHead(data: Buffer, pos: number, out: Command[]): number {
    if (this.accLen === 0) {
      // Empty lines between responses are skipped, as RFC 9112 §2.2 asks a
      // server to do before a request (Gun fails to parse them).
      while (pos < data.length && (data[pos] === 13 || data[pos] === 10)) pos++;
      if (pos === data.length) return pos;
      // Gun closes, `normal`, when data comes and no stream waits
      // (gun_http:handle's `streams=[]` clause): Cowboy's 400 after an empty
      // keep-alive line, say. A request still queued behind another's body
      // cannot have been answered: that is the peer's fault.
      const hs = this.responses.peek();
      if (hs === undefined) {
        out.push(CLOSE_NORMAL);
        this.stop();
        return data.length;
      }
      if (hs.pending !== undefined) {
        throw new PeerFault('protocol_error', 'A response arrived with no request waiting for it.');
      }
    }
    const next = this.scan(data, pos, CRLFCRLF, this.maxHead);
    if (next < 0) throw new PeerFault('limit_reached', 'The response header block is too large.');
    const seg = this.seg;
    if (seg === undefined) return next;
    this.seg = undefined; // not kept: it holds the socket's chunk
    const text = seg.toString('latin1', this.segStart, this.segEnd);
    const eol = lineEnd(text, 0, 'head');
    const status = parseStatus(text, eol);
    if (status === undefined) throw new PeerFault('protocol_error', 'The response status line is malformed.');
    const version = text.charCodeAt(7) === 48 ? 'HTTP/1.0' : 'HTTP/1.1';
    const headers = parseFields(text, eol + 2, 'head');
    return this.onHead(version, status, headers, data, next, out);
  }

  private onHead(
    version: 'HTTP/1.1' | 'HTTP/1.0',
    status: number,
    headers: Headers,
    data: Buffer,
    pos: number,
    out: Command[],
  ): number {
    const hs = this.head();
    if (status < 200) {
      // handle_inform: a 101 to an upgrade switches; a 101 to anything else
      // is Gun's "Unexpected 101"; a 101 in an HTTP/1.0 response, like any
      // other 1xx, is an inform (Gun's `_` clause). Gun informs a cancelled
      // stream too; we do not.
      if (status === 101 && version === 'HTTP/1.1') return this.on101(hs, headers, data, pos, out);
      if (hs.alive) out.push({ type: 'deliver', stream: hs.stream, event: ['inform', status, headers] });
      return pos;
    }
    if (this.upgrading === hs) this.upgrading = undefined;
    // response_io_from_headers and the connection rules of handle_response.
    let te: string | undefined;
    let length: string | undefined;
    let connection: string | undefined;
    for (const [name, value] of headers) {
      if (name === 'transfer-encoding') te = te === undefined ? value : `${te},${value}`;
      else if (name === 'content-length') length = length === undefined ? value : `${length},${value}`;
      else if (name === 'connection') connection = connection === undefined ? value : `${connection},${value}`;
    }
    let mode: 'none' | 'length' | 'chunked' | 'close';
    let framingDoubt = false;
    if (hs.isHead || status === 204 || status === 304) {
      mode = 'none';
    } else if (te !== undefined && version === 'HTTP/1.1') {
      // Gun knows only `chunked` and `identity` (and crashes on the rest).
      // RFC 9112 §6.3: chunked last means chunked; any other last coding
      // means the body runs to the close. Transfer-encoding overrides a
      // content-length, and such a message may be smuggling: the connection
      // is not used again after it.
      mode = lastToken(te) === 'chunked' ? 'chunked' : 'close';
      framingDoubt = length !== undefined;
    } else if (length !== undefined) {
      // Gun reads only a transfer-encoding of HTTP/1.1 (one in HTTP/1.0
      // is faulty framing, RFC 9112 §6.1: close after it).
      this.remaining = responseLength(length);
      mode = this.remaining === 0 ? 'none' : 'length';
      framingDoubt = te !== undefined;
    } else {
      mode = 'close';
    }
    // handle_response's Conn2: the request's wish, the response's, and HTTP/1.0.
    // Gun closes after every HTTP/1.0 response, keep-alive or not, and after
    // every response when the client speaks HTTP/1.0; we keep an HTTP/1.0
    // connection that both sides asked to keep alive (the request's wish is
    // in hs.closeAfter).
    const saysClose =
      hs.closeAfter || hasToken(connection, 'close') || (version === 'HTTP/1.0' && !hasToken(connection, 'keep-alive'));
    // A body read to the close, or framing in doubt, closes too, but it is
    // not Gun's Conn2 = close: nothing is said to the streams behind.
    const closes = saysClose || mode === 'close' || framingDoubt;
    if (hs.alive) {
      out.push({
        type: 'deliver',
        stream: hs.stream,
        event: ['response', mode === 'none' ? 'fin' : 'nofin', status, headers],
      });
    }
    if (closes) {
      // From here no new request is written. A response that says so
      // (Gun's Conn2 = close) with a body to read: as gun_http's
      // handle_response, the streams pipelined behind
      // it are told `closing` at once (close_streams), before its body,
      // and the connection is closing (new requests wait for the next
      // connection, or are refused with retry 0); once the body is read,
      // the connection closes and no stream is left to be killed. A
      // response without a body closes at once: the streams behind it are
      // what down() reports as killed (Gun also tells the stream just
      // answered that it was closed, and lists it; we do not).
      this.willClose = true;
      this.responseCloses = true;
      if (saysClose && mode !== 'none') {
        this.closeStreamsBehind(hs, 'closing', out);
        out.push(CLOSING);
      }
    }
    switch (mode) {
      case 'none':
        this.endResponse(out);
        break;
      case 'length':
        this.in = 'length';
        break;
      case 'chunked':
        this.in = 'chunk-size';
        break;
      case 'close':
        this.in = 'close';
        break;
    }
    return pos;
  }

  /**
   * ws_handshake: checks the 101 (RFC 6455 §4.1; Gun checks the accept key,
   * the extensions and the subprotocol, and leaves upgrade/connection as a
   * todo; we check those too), then tells the reply-to and hands the socket
   * to the ws module with the bytes already read past the 101. A failed
   * check: Gun closes `normal` and tells no one why; we treat it as the
   * peer's fault it is (see fail()). A cancelled upgrade, or one answered
   * after closing() began, closes the connection instead of switching.
   */
  private on101(hs: HttpStream, headers: Headers, data: Buffer, pos: number, out: Command[]): number {
    const ws = hs.ws;
    if (ws === undefined) throw new PeerFault('protocol_error', 'Unexpected 101 Switching Protocols response.');
    const deflate = checkHandshake(ws, headers);
    this.responses.shift();
    this.streams.delete(hs.stream.ref.serial);
    this.upgrading = undefined;
    if (!hs.alive || this.shuttingDown) {
      out.push(CLOSE_NORMAL);
      this.stop();
      return data.length;
    }
    const tail = data.subarray(pos);
    const rest = this.held.length > 0 ? Buffer.concat([tail, ...this.held]) : tail;
    out.push({ type: 'deliver', stream: hs.stream, event: ['upgrade', ['websocket'], headers] });
    out.push({
      type: 'switch',
      protocol: 'ws',
      handshake: { stream: hs.stream, headers, opts: ws.opts, deflate },
      rest,
    });
    this.switched = true;
    this.stop();
    return data.length;
  }

  /** A body piece for the head stream (send_data: one gun_data, one credit), then maybe a pause. */
  private deliver(hs: HttpStream, isFin: IsFin, piece: Buffer, out: Command[]): void {
    if (!hs.alive) return;
    out.push({ type: 'deliver', stream: hs.stream, event: ['data', isFin, piece] });
    hs.credit--;
    // Gun stops reading at 0 but still delivers the rest of what it read;
    // we hold that rest until credit returns, so the reply-to never gets
    // more than it allowed. A body that just ended does not pause reading
    // (Gun: "We ignore the active command because the stream ended").
    if (hs.credit <= 0 && isFin === 'nofin' && !this.unpaced) {
      this.paused = true;
      out.push(PASSIVE);
    }
  }

  private readLength(data: Buffer, pos: number, out: Command[]): number {
    const hs = this.head();
    const avail = data.length - pos;
    if (avail < this.remaining) {
      this.remaining -= avail;
      this.deliver(hs, 'nofin', pos === 0 ? data : data.subarray(pos), out);
      return data.length;
    }
    const stop = pos + this.remaining;
    this.remaining = 0;
    this.deliver(hs, 'fin', data.subarray(pos, stop), out);
    this.endResponse(out);
    return stop;
  }

  /** Everything up to the close is body (body_close); down() ends it. */
  private readClose(data: Buffer, pos: number, out: Command[]): number {
    this.deliver(this.head(), 'nofin', pos === 0 ? data : data.subarray(pos), out);
    return data.length;
  }

  /** cow_http_te:chunked_len: hex size, extensions skipped, CRLF. */
  private readChunkSize(data: Buffer, pos: number): number {
    const next = this.scan(data, pos, CRLF, MAX_CHUNK_LINE + 2);
    if (next < 0) throw new PeerFault('protocol_error', 'A chunk size line is too long.');
    const seg = this.seg;
    if (seg === undefined) return next;
    this.seg = undefined;
    const size = parseChunkSize(seg, this.segStart, this.segEnd);
    if (size === 0) {
      this.in = 'trailers';
    } else {
      this.in = 'chunk-data';
      this.remaining = size;
    }
    return next;
  }

  private readChunkData(data: Buffer, pos: number, out: Command[]): number {
    const hs = this.head();
    const end = data.length;
    if (end - pos < this.remaining) {
      this.remaining -= end - pos;
      this.deliver(hs, 'nofin', pos === 0 ? data : data.subarray(pos), out);
      return end;
    }
    const stop = pos + this.remaining;
    this.remaining = 0;
    // One data event per piece of a chunk: Gun joins the chunks of one
    // socket packet into one gun_data, a copy we do not make. The last chunk
    // right behind, no trailers: this piece ends the body, as Gun's
    // {done, Data, no_trailers, Rest} sends its data with fin.
    if (
      end - stop >= 7 &&
      data[stop] === 13 &&
      data[stop + 1] === 10 &&
      data[stop + 2] === 48 &&
      data[stop + 3] === 13 &&
      data[stop + 4] === 10 &&
      data[stop + 5] === 13 &&
      data[stop + 6] === 10
    ) {
      this.deliver(hs, 'fin', data.subarray(pos, stop), out);
      this.endResponse(out);
      return stop + 7;
    }
    this.in = 'chunk-crlf';
    this.crlf = 0;
    this.deliver(hs, 'nofin', data.subarray(pos, stop), out);
    return stop;
  }

  private readChunkCrlf(data: Buffer, pos: number): number {
    while (pos < data.length && this.crlf < 2) {
      if (data[pos] !== (this.crlf === 0 ? 13 : 10)) {
        throw new PeerFault('protocol_error', 'A chunk is longer than its size.');
      }
      this.crlf++;
      pos++;
    }
    if (this.crlf === 2) this.in = 'chunk-size';
    return pos;
  }

  /**
   * After the last chunk: an empty line, or trailer fields then an empty
   * line. Gun delivers trailers whenever there are some, whether or not the
   * request sent `te: trailers`: the body's data before them is nofin and
   * the gun_trailers message ends the stream. Without trailers the body
   * ends with an empty fin data, unless the last piece carried the fin.
   */
  private readTrailers(data: Buffer, pos: number, out: Command[]): number {
    const hs = this.head();
    let next = -1;
    if (this.accLen === 0 && data.length - pos >= 2 && data[pos] === 13 && data[pos + 1] === 10) next = pos + 2;
    else if (this.accLen === 1 && this.acc[0] === 13 && data[pos] === 10) next = pos + 1;
    if (next >= 0) {
      this.accLen = 0;
      this.deliver(hs, 'fin', EMPTY, out);
      this.endResponse(out);
      return next;
    }
    next = this.scan(data, pos, CRLFCRLF, this.maxTrailers);
    if (next < 0) throw new PeerFault('limit_reached', 'The response trailer block is too large.');
    const seg = this.seg;
    if (seg === undefined) return next;
    this.seg = undefined;
    const trailers = parseFields(seg.toString('latin1', this.segStart, this.segEnd), 0, 'trailers');
    if (hs.alive) out.push({ type: 'deliver', stream: hs.stream, event: ['trailers', trailers] });
    this.endResponse(out);
    return next;
  }

  /** The head response is complete (Gun's end_stream, then close if it must). */
  private endResponse(out: Command[]): void {
    const hs = this.responses.shift();
    this.in = 'head';
    const closes = this.responseCloses || (hs?.closeAfter ?? false);
    this.responseCloses = false;
    if (hs !== undefined) {
      hs.awaiting = false;
      if (hs.body === 'done') this.streams.delete(hs.stream.ref.serial);
    }
    if (closes) {
      out.push(CLOSE_NORMAL);
      this.stop();
    }
  }

  /**
   * Looks for `sep` from data[pos], joined to what an earlier call kept.
   * Found: sets seg/segStart/segEnd to the bytes before it and returns the
   * position past it. Not found: keeps the bytes and returns data.length.
   * -1 when the segment and its separator cannot fit in `max` bytes. At most
   * `max` bytes are ever kept, and each byte is searched about once, so a
   * peer dripping a head byte by byte costs linear time.
   */
  private scan(data: Buffer, pos: number, sep: Buffer, max: number): number {
    this.seg = undefined;
    const end = data.length;
    if (this.accLen === 0) {
      const i = data.indexOf(sep, pos);
      if (i >= 0) {
        if (i + sep.length - pos > max) return -1;
        this.seg = data;
        this.segStart = pos;
        this.segEnd = i;
        return i + sep.length;
      }
      if (end - pos >= max) return -1;
      this.keep(data, pos, end);
      return end;
    }
    const old = this.accLen;
    const take = Math.min(end - pos, max - old);
    this.keep(data, pos, pos + take);
    const i = this.acc.subarray(0, this.accLen).indexOf(sep, Math.max(0, old - sep.length + 1));
    if (i >= 0) {
      this.seg = this.acc;
      this.segStart = 0;
      this.segEnd = i;
      this.accLen = 0;
      // A large block's buffer is not kept for the connection's life (seg
      // still holds it for the caller).
      if (this.acc.length > 16 * 1024) this.acc = EMPTY;
      // The separator ends past the old bytes (they were searched before).
      return pos + (i + sep.length - old);
    }
    if (this.accLen >= max) return -1;
    return pos + take;
  }

  private keep(data: Buffer, from: number, to: number): void {
    const need = this.accLen + (to - from);
    if (need > this.acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.acc.length * 2, 256));
      this.acc.copy(grown, 0, 0, this.accLen);
      this.acc = grown;
    }
    data.copy(this.acc, this.accLen, from, to);
    this.accLen = need;
  }

  // -- flow, cancel, and the rest ---------------------------------------------

  /**
   * gun_http:update_flow: credit for the stream (none is counted for a
   * stream without flow control); reading resumes when it is the head
   * stream and has credit again, starting with what was held. An unknown
   * ref is ignored, as Gun does (a stream that just ended is a normal race).
   */
  updateFlow(ref: Ref, _caller: Pid, increment: number, out: Command[]): void {
    const hs = this.streams.get(ref.serial);
    if (hs === undefined || hs.credit === Infinity) return;
    hs.credit += increment;
    if (this.paused && hs === this.responses.peek() && hs.credit > 0) this.resume(out);
  }

  private resume(out: Command[]): void {
    this.paused = false;
    this.drain(out);
    // Reading goes on, for us or, switched to WebSocket while draining, for the ws module.
    if ((!this.paused && !this.stopped) || this.switched) out.push(ACTIVE);
  }

  /**
   * gun_http:cancel: nothing more is delivered to the stream; its response
   * is still read, so the pipeline stays in step. An unknown ref (or one
   * whose response is complete): error_stream_not_found, as Gun. Beyond
   * Gun: cancelling the stream that paused reading resumes it (Gun would
   * stay paused until an update_flow that no one will send); a body the
   * stream is still sending may still be sent (Gun refuses it and is then
   * stuck with a half-written request); and cancelling an upgrade that has
   * no answer yet closes the connection (normal), which nothing else could
   * use until the server answered.
   */
  cancel(ref: Ref, caller: Pid, out: Command[]): void {
    const hs = this.streams.get(ref.serial);
    if (hs === undefined || !hs.awaiting) {
      out.push({ type: 'error', to: caller, ref, reason: STREAM_NOT_FOUND });
      return;
    }
    hs.alive = false;
    if (hs === this.upgrading && hs === this.responses.peek()) {
      // An upgrade with no answer yet: nothing may follow it on this
      // connection (refused()), and its 101, should it come, would close it
      // (on101). Beyond Gun: close now, so that an owner who gave up on a
      // stuck upgrade (say, one whose connection sits in a busy server's
      // listen queue) gets gun_down at once, then a fresh connection.
      this.upgrading = undefined;
      out.push(CLOSE_NORMAL);
      this.stop();
      return;
    }
    if (this.paused && hs === this.responses.peek()) this.resume(out);
  }

  /** gun_http:ws_send: an HTTP connection takes no frames (no stream ref, as Gun). */
  wsSend(_ref: Ref, caller: Pid, _frames: readonly WireFrame[], out: Command[]): void {
    out.push({ type: 'error', to: caller, ref: undefined, reason: WS_NOT_UPGRADED });
  }

  /**
   * gun_http:keepalive: an empty line, only between requests (no body being
   * written). Beyond Gun: not while an upgrade waits for its answer either,
   * since after a 101 the server would read it as WebSocket bytes.
   */
  keepalive(out: Command[]): void {
    if (this.stopped || this.writer !== undefined || this.waiting.length > 0 || this.upgrading !== undefined) return;
    out.push({ type: 'write', data: CRLF });
  }

  /**
   * gun_http:closing: idle, close at once; else the pipelined streams behind
   * the head one get `['closing', reason]` (Gun's close_streams) and are
   * forgotten, and the connection closes once the head response is complete
   * (the connection bounds the wait with its closing timeout).
   */
  closing(reason: unknown, out: Command[]): void {
    if (this.stopped) return;
    this.shuttingDown = true;
    this.willClose = true;
    const head = this.responses.peek();
    if (head === undefined) {
      out.push(CLOSE_NORMAL);
      this.stop();
      return;
    }
    this.closeStreamsBehind(head, ['closing', reason], out);
    head.closeAfter = true;
  }

  /**
   * Gun's close_streams for the streams pipelined behind `head`: each live
   * one gets `reason` now and is forgotten (its request, if still held
   * back, is never written); `head` stays, the only stream left.
   */
  private closeStreamsBehind(head: HttpStream, reason: unknown, out: Command[]): void {
    const behind = this.responses.take();
    this.responses.push(head);
    for (const hs of behind.slice(1)) {
      if (hs.alive) out.push({ type: 'error', to: hs.stream.replyTo, ref: hs.stream.ref, reason });
      this.streams.delete(hs.stream.ref.serial);
      const i = this.waiting.indexOf(hs);
      if (i >= 0) this.waiting.splice(i, 1);
      if (this.writer === hs) this.writer = undefined;
      if (this.upgrading === hs) this.upgrading = undefined;
    }
    this.flushWaiting(out);
  }

  /**
   * The socket is gone (gun_http:close, then down). Bytes held back by flow
   * control are read now (nothing is lost); a body that runs to the close
   * ends with an empty fin data (Gun's close/4 for body_close); the streams
   * still waiting for (or reading) a response are returned as killed.
   * Gun's down/1 lists every stream it still has, a cancelled one or the
   * body_close one it just ended included; we list neither.
   */
  down(reason: unknown, out: Command[]): Stream[] {
    if (!this.stopped && this.held.length > 0) {
      this.unpaced = true;
      this.paused = false;
      const scratch: Command[] = [];
      this.drain(scratch);
      for (const cmd of scratch) if (cmd.type === 'deliver') out.push(cmd);
    }
    if (!this.stopped && this.in === 'close') {
      const hs = this.responses.shift();
      if (hs?.alive) {
        out.push({ type: 'deliver', stream: hs.stream, event: ['data', 'fin', EMPTY] });
      }
    }
    const killed = this.responses
      .take()
      .filter((hs) => hs.alive)
      .map((hs) => hs.stream);
    this.waiting.length = 0;
    this.streams.clear();
    this.writer = undefined;
    this.upgrading = undefined;
    this.willClose = true;
    this.stop();
    // Each stream cut off is told why, before the owner hears of the
    // connection (gun_http:close/4: `closed`, or `{closed, Reason}`).
    const why = reason === 'closed' ? 'closed' : ['closed', reason];
    for (const stream of killed) out.push({ type: 'deliver', stream, event: ['error', why] });
    return killed;
  }

  /** gun_http:stream_info: `stopping` once cancelled; a stream still sending its body is known too. */
  streamInfo(ref: Ref): { readonly stream: Stream; readonly state: 'running' | 'stopping' } | undefined {
    const hs = this.streams.get(ref.serial);
    if (hs === undefined) return undefined;
    return { stream: hs.stream, state: hs.alive ? 'running' : 'stopping' };
  }

  has(ref: Ref): boolean {
    return this.streams.has(ref.serial);
  }
}

Object.defineProperty(Http1.prototype, 'name', { value: 'http', enumerable: true });

// -- helpers ------------------------------------------------------------------

/** gun_http:host_header: no port when it is the scheme's default; an IPv6 address in brackets. */
export function hostHeader(transport: 'tcp' | 'tls', host: string, port: number): string {
  const name = isIPv6(host) ? `[${host}]` : host;
  if ((transport === 'tcp' && port === 80) || (transport === 'tls' && port === 443)) return name;
  return `${name}:${port}`;
}

/** s[from, to) without the SP and HTAB at either end (OWS; String#trim also takes NBSP, a Latin-1 octet). */
function trimOws(s: string, from: number, to: number): string {
  while (from < to) {
    const c = s.charCodeAt(from);
    if (c !== 32 && c !== 9) break;
    from++;
  }
  while (to > from) {
    const c = s.charCodeAt(to - 1);
    if (c !== 32 && c !== 9) break;
    to--;
  }
  return s.slice(from, to);
}

/** Does a comma-separated list (a `connection` value) hold `token` (lower-case), case-insensitively? */
function hasToken(list: string | undefined, token: string): boolean {
  if (list === undefined) return false;
  const lower = list.toLowerCase();
  if (lower === token) return true;
  if (!lower.includes(token)) return false;
  for (const element of lower.split(',')) {
    if (trimOws(element, 0, element.length) === token) return true;
  }
  return false;
}

/** The last element of a comma-separated list (a `transfer-encoding` value), lower-cased. */
function lastToken(list: string): string {
  if (list === 'chunked') return list;
  const parts = list.split(',');
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i] ?? '';
    const t = trimOws(p, 0, p.length);
    if (t !== '') return t.toLowerCase();
  }
  return '';
}

/**
 * Where the line starting at `from` ends (its CR, or the end of the text:
 * a block is decoded without its final CRLF CRLF). A NUL, or a CR or LF
 * that is not part of a CRLF, is a fault: RFC 9110 §5.5 says to reject
 * them (cowlib keeps them in the value).
 */
function lineEnd(text: string, from: number, what: 'head' | 'trailers'): number {
  const lf = text.indexOf('\n', from);
  const end = lf < 0 ? text.length : lf - 1;
  const cr = text.indexOf('\r', from);
  // The NUL check looks at the whole block once, from its first line.
  if (
    (lf >= 0 && (lf === from || text.charCodeAt(end) !== 13)) ||
    (cr >= 0 && cr < end) ||
    (from === 0 && text.includes('\0'))
  ) {
    throw new PeerFault(
      'protocol_error',
      `The response ${what === 'head' ? 'head holds' : 'trailers hold'} a NUL, or a CR or LF outside a line end.`,
    );
  }
  return end;
}

/**
 * cow_http1:parse_status_line over text[0, eol): `HTTP/1.x ddd`, then SP
 * and the reason (or nothing: cowlib wants the SP, real servers omit it).
 * Any HTTP/1 minor version is read as 1.1 (RFC 9112 §2.3); cowlib takes
 * only 1.0 and 1.1. The status is 100-999 (cowlib takes 000-999).
 */
function parseStatus(text: string, eol: number): number | undefined {
  if (eol < 12 || !text.startsWith('HTTP/1.')) return undefined;
  const minor = text.charCodeAt(7);
  if (minor < 48 || minor > 57 || text.charCodeAt(8) !== 32) return undefined;
  const a = text.charCodeAt(9) - 48;
  const b = text.charCodeAt(10) - 48;
  const c = text.charCodeAt(11) - 48;
  if (a < 1 || a > 9 || b < 0 || b > 9 || c < 0 || c > 9) return undefined;
  if (eol > 12 && text.charCodeAt(12) !== 32) return undefined;
  return a * 100 + b * 10 + c;
}

/** RFC 9110 token characters (tchar), by code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1;
}

/**
 * cow_http1:parse_headers over the lines of text from `from`: names
 * lower-cased, values without their OWS, duplicates and order kept. As
 * cowlib: whitespace between a name and its colon is tolerated, and a line
 * starting with SP or HTAB continues the previous value (obs-fold, replaced
 * by one SP as RFC 9112 §5.2 asks). Beyond cowlib: a name must be a token,
 * and there are at most MAX_FIELDS fields.
 */
function parseFields(text: string, from: number, what: 'head' | 'trailers'): Headers {
  const headers: Headers = [];
  const len = text.length;
  let pos = from;
  while (pos < len) {
    const end = lineEnd(text, pos, what);
    const c0 = text.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) {
      const last = headers[headers.length - 1];
      if (last === undefined) throw new PeerFault('protocol_error', 'A header line is malformed.');
      const more = trimOws(text, pos, end);
      if (more !== '') last[1] = last[1] === '' ? more : `${last[1]} ${more}`;
      pos = end + 2;
      continue;
    }
    const colon = text.indexOf(':', pos);
    if (colon < 0 || colon >= end) throw new PeerFault('protocol_error', 'A header line is malformed.');
    let nameEnd = colon;
    while (nameEnd > pos && (text.charCodeAt(nameEnd - 1) === 32 || text.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
    if (nameEnd === pos) throw new PeerFault('protocol_error', 'A header line is malformed.');
    let upper = false;
    for (let i = pos; i < nameEnd; i++) {
      const c = text.charCodeAt(i);
      if (c > 127 || TCHAR[c] === 0) throw new PeerFault('protocol_error', 'A header line is malformed.');
      if (c >= 65 && c <= 90) upper = true;
    }
    if (headers.length === MAX_FIELDS) throw new PeerFault('limit_reached', 'The response has too many header fields.');
    const name = text.slice(pos, nameEnd);
    headers.push([upper ? name.toLowerCase() : name, trimOws(text, colon + 1, end)]);
    pos = end + 2;
  }
  return headers;
}

/**
 * A response's content-length (cow_http_hd:parse_content_length, which
 * crashes on anything but digits). Several equal values (`5, 5`, or the
 * header twice) are one length, as RFC 9110 §8.6 allows; different ones
 * are a fault.
 */
function responseLength(value: string): number {
  if (DIGITS.test(value) && value.length <= 15) return Number(value);
  let n: number | undefined;
  for (const element of value.split(',')) {
    const v = trimOws(element, 0, element.length);
    const m = DIGITS.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(m) || (n !== undefined && m !== n)) {
      throw new PeerFault('protocol_error', 'The content-length header is invalid.');
    }
    n = m;
  }
  if (n === undefined) throw new PeerFault('protocol_error', 'The content-length header is invalid.');
  return n;
}

/** A request's own content-length, for a streamed body; undefined when it is not one length. */
function requestLength(value: string): number | undefined {
  try {
    return responseLength(value);
  } catch {
    return undefined;
  }
}

/**
 * cow_http_te:chunked_len over line[s, e): at most 16 hex digits (a size
 * that fits a safe integer), then nothing, or whitespace or `;` and
 * extensions, which are skipped.
 */
function parseChunkSize(line: Buffer, s: number, e: number): number {
  let size = 0;
  let i = s;
  for (; i < e && i - s < 16; i++) {
    const c = line[i] ?? 0;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) break;
    size = size * 16 + d;
  }
  if (i === s) throw new PeerFault('protocol_error', 'A chunk size is missing.');
  if (i < e) {
    const c = line[i];
    const bare = line.indexOf(13, i);
    const lf = line.indexOf(10, i);
    if ((c !== 59 && c !== 32 && c !== 9) || (bare >= 0 && bare < e) || (lf >= 0 && lf < e)) {
      throw new PeerFault('protocol_error', 'A chunk size line is malformed.');
    }
  }
  if (!Number.isSafeInteger(size)) throw new PeerFault('protocol_error', 'A chunk size is too large.');
  return size;
}

/** Every value of a header, as one comma-separated list (undefined when absent). */
function joined(headers: Headers, name: string): string | undefined {
  let all: string | undefined;
  for (const [n, v] of headers) if (n === name) all = all === undefined ? v : `${all}, ${v}`;
  return all;
}

/**
 * The 101's checks (RFC 6455 §4.1, items 2-6 of the client's duties);
 * returns the permessage-deflate the server accepted, if it did.
 */
function checkHandshake(ws: WsOffer, headers: Headers): PerMessageDeflate | undefined {
  const upgrade = joined(headers, 'upgrade');
  if (upgrade === undefined || trimOws(upgrade, 0, upgrade.length).toLowerCase() !== 'websocket') {
    throw new PeerFault('protocol_error', "The 101 response's upgrade header is not 'websocket'.");
  }
  if (!hasToken(joined(headers, 'connection'), 'upgrade')) {
    throw new PeerFault('protocol_error', "The 101 response's connection header lacks 'upgrade'.");
  }
  const accept = createHash('sha1')
    .update(ws.key + WS_GUID)
    .digest('base64');
  if (joined(headers, 'sec-websocket-accept') !== accept) {
    throw new PeerFault('protocol_error', 'The sec-websocket-accept header does not match the key sent.');
  }
  // gun_ws:select_protocol: the server's choice must be one offered; no
  // choice at all is fine (RFC 6455 leaves it to the client; Gun 2.4.1
  // takes it, where ws refuses it).
  const chosen = joined(headers, 'sec-websocket-protocol');
  if (chosen !== undefined && !ws.protocols.includes(chosen)) {
    throw new PeerFault('protocol_error', `The server chose a subprotocol that was not offered: '${chosen}'.`);
  }
  // gun_ws:select_extensions: only permessage-deflate, only when offered,
  // with parameters that are valid for what we offered.
  try {
    return negotiateDeflate(joined(headers, 'sec-websocket-extensions'), ws.compress);
  } catch (err) {
    throw new PeerFault('protocol_error', errorText(err));
  }
}
