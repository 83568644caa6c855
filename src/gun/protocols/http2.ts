import * as http2 from 'node:http2';
import { Duplex } from 'node:stream';
import { makeRef, type Pid, type Ref } from '../../runtime/index.js';
import type { WireFrame } from '../frames.js';
import type { Headers } from '../headers.js';
import type { ResolvedHttp2Options, ResolvedWsOptions } from '../options.js';
import * as reasons from '../reasons.js';
import {
  BROKEN_CONNECTION_TEXT,
  BROKEN_STREAM_TEXT,
  CANCEL,
  errorName,
  GOAWAY_TEXT,
  HTTP1_PREFACE_TEXT,
  NO_ERROR,
  PROTOCOL_ERROR,
  REFUSED_STREAM,
  RESET_TEXT,
  TOLERANCE_TEXT,
  TOO_MANY_TEXT,
} from './http2-codes.js';
import { FrameSniffer } from './http2-sniffer.js';
import type { Command, IsFin, Protocol, RequestOptions, Stream, StreamEvent } from './protocol.js';
import { type Later, Ws } from './ws.js';
import { DEFLATE_OFFER, negotiateDeflate } from './ws-deflate.js';

/**
 * The HTTP/2 protocol module, Gun's `gun_http2`, on node:http2 (nghttp2:
 * framing, HPACK, flow control). nghttp2 runs over a Duplex of ours
 * (`Wire`) rather than over the socket, so that this stays a protocol
 * module like the others: socket bytes come in through `handle`, and what
 * nghttp2 writes goes out as `write` commands that the connection carries
 * out. Beside nghttp2 a frame sniffer (http2-sniffer.ts) reads the frame
 * headers for the two things node:http2 does not tell (a push's parent
 * stream, and who reset a stream).
 *
 * node:http2 tells most things asynchronously (on the next tick, or when
 * the Duplex is next read), so commands made outside a call go to `later`,
 * in one batch per turn, as in the ws module: a call made before the batch
 * was handed over takes it first, so order always holds.
 *
 * What is Gun's (gun_http2.erl, and the traces in
 * docs/reference/gun-2.4.1-http2-traces.md):
 * - a request past the peer's SETTINGS_MAX_CONCURRENT_STREAMS fails at once,
 *   unsent (`too_many_streams`), once the peer's SETTINGS came (before that
 *   Gun sends anyway; nghttp2 would queue it silently);
 * - a RST_STREAM from the server is `{stream_error, Code, 'Stream reset by
 *   server.'}`, even after a complete response; the connection goes on;
 * - a GOAWAY: streams above its last stream id fail with `{goaway, Code,
 *   ...}`, the rest finish, the connection closes `normal` once they have;
 * - pushes: `gun_push` to the parent's reply-to before the pushed stream's
 *   messages, on a new ref; a promise for another authority is refused;
 * - `ping` → `gun_notify ping_ack`; keepalive PINGs and their tolerance;
 *   `notifySettingsChanged` → the peer's settings after each SETTINGS.
 * Ours: `flow` holds `gun_data` messages back (Gun only stops sending
 * WINDOW_UPDATEs); a WebSocket's close ends its stream only (Gun 2.4.1
 * takes the whole connection down).
 */

export interface Http2Config {
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'tls';
  readonly opts: ResolvedHttp2Options;
  /** See Dialect.subprotocolHeaderOffers. */
  readonly subprotocolHeaderOffers: boolean;
}

/** A stream of ours: a request, a WebSocket (extended CONNECT) or a push. */
interface H2Stream {
  readonly stream: Stream;
  readonly req: http2.ClientHttp2Stream;
  readonly kind: 'request' | 'ws' | 'push';
  /** Our side is done: the request's body is complete (END_STREAM sent). */
  localFin: boolean;
  /** gun_data messages left before the stream's reading pauses. */
  credit: number;
  /** Bytes of body received, to tell the last piece (see onBody). */
  bytesIn: number;
  /** The final response was delivered; `done` once its end was too. */
  responded: boolean;
  done: boolean;
  /** The WebSocket's options, for a `ws` stream. */
  readonly wsOpts: ResolvedWsOptions | undefined;
  readonly offered: readonly string[];
  /** The WebSocket on this stream, once upgraded. */
  ws: Ws | undefined;
}

/** A stream's record, as it starts. */
function newStream(
  stream: Stream,
  req: http2.ClientHttp2Stream,
  kind: H2Stream['kind'],
  localFin: boolean,
  credit: number,
  wsOpts?: ResolvedWsOptions,
  offered: readonly string[] = [],
): H2Stream {
  return {
    stream,
    req,
    kind,
    localFin,
    credit,
    bytesIn: 0,
    responded: false,
    done: false,
    wsOpts,
    offered,
    ws: undefined,
  };
}

/** A WebSocket whose stream is gone: its resources (zlib) are let go; what it would still say means nothing now. */
function releaseWs(rec: H2Stream): void {
  rec.ws?.down(undefined, []);
}

const TOO_MANY = ['stream_error', 'too_many_streams', TOO_MANY_TEXT] as const;

// -- the streams' listeners, shared by every stream (no closures per stream) --------

const REC: unique symbol = Symbol('beamish.gun.h2.stream');
const OWNER: unique symbol = Symbol('beamish.gun.h2.owner');
/** A node:http2 stream that knows its record and its module. */
type Tagged = http2.ClientHttp2Stream & { [REC]: H2Stream; [OWNER]: Http2 };

function streamOnHeaders(this: Tagged, h: http2.IncomingHttpHeaders): void {
  this[OWNER].onInform(this[REC], h);
}
function streamOnResponse(this: Tagged, h: http2.IncomingHttpHeaders, flags: number): void {
  this[OWNER].onResponse(this[REC], h, flags);
}
function streamOnData(this: Tagged, chunk: Buffer): void {
  this[OWNER].onBody(this[REC], chunk);
}
function streamOnTrailers(this: Tagged, t: http2.IncomingHttpHeaders): void {
  this[OWNER].onTrailers(this[REC], t);
}
function streamOnEnd(this: Tagged): void {
  this[OWNER].onEnd(this[REC]);
}
function streamOnReady(this: Tagged): void {
  this[OWNER].onReady(this[REC]);
}
function streamOnClose(this: Tagged): void {
  this[OWNER].onStreamClose(this[REC]);
}
/** Told through 'close' (rstCode), see onStreamClose. */
function streamOnError(): void {}
const CLIENT_PREFACE_LENGTH = 24;
const EMPTY = Buffer.alloc(0);
/** How long a GOAWAY nghttp2 sent waits for node:http2's 'error' before the connection fails without it (ms). */
const OWN_GOAWAY_WAIT = 50;
function noop(): void {}
const NOT_WS = ['badstate', 'This stream is not a Websocket.'] as const;

/** Request headers node:http2 refuses (RFC 9113 §8.2.2): connection-specific, dropped as Gun drops them. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** The Duplex nghttp2 runs over: what it writes goes to the module, what the socket read is pushed into it. */
class Wire extends Duplex {
  constructor(private readonly h2: Http2) {
    super({ allowHalfOpen: true });
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.h2.written(chunk);
    cb();
  }
  /** What node:http2's stream socket writes in one go (it corks around its writes): one write of ours. */
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.h2.written(
      chunks.length === 1 ? (chunks[0] as { chunk: Buffer }).chunk : Buffer.concat(chunks.map((c) => c.chunk)),
    );
    cb();
  }
  override _final(cb: (err?: Error | null) => void): void {
    cb();
  }
}

export class Http2 implements Protocol {
  readonly name = 'http2' as const;
  private readonly session: http2.ClientHttp2Session;
  private readonly wire: Wire;
  private readonly sniffer: FrameSniffer;
  /** Reads what nghttp2 sends, for a GOAWAY of its own accord (see http2-sniffer.ts). */
  private readonly sent: FrameSniffer;
  private readonly streams = new Map<Ref, H2Stream>();
  private readonly byId = new Map<number, H2Stream>();
  /** Promised stream id → the stream id its PUSH_PROMISE came on. */
  private readonly pushParents = new Map<number, number>();
  /** Stream ids the server reset, with the code (the sniffer sees them before nghttp2 tells). */
  private readonly serverResets = new Map<number, number>();
  /** DATA bytes the server sent on each stream so far, and in all once its END_STREAM came (see onData). */
  private readonly dataSeen = new Map<number, number>();
  private readonly dataEnds = new Map<number, number>();
  private readonly authority: string;
  private readonly scheme: 'http' | 'https';
  private readonly opts: ResolvedHttp2Options;
  private readonly headerOffers: boolean;
  private readonly later: Later;
  /** The `out` of the call being made; undefined outside any call. */
  private out: Command[] | undefined;
  private pending: Command[] = [];
  private handOverScheduled = false;
  /** The peer's SETTINGS came (too_many_streams applies from then on). */
  private peerSettings = false;
  /** Streams we opened that are not closed yet (pushes are the server's). */
  private opened = 0;
  /** A GOAWAY came, or we began closing: no new stream; the module closes once the streams are done. */
  private goingAway = false;
  /** The reason the close command will give. */
  private closeReason: unknown = 'normal';
  private closed = false;
  private gone = false;
  /** nghttp2 has written a GOAWAY of ours: once no stream is left, the connection can close. */
  private goawaySent = false;
  private unackedPings = 0;
  /** The first bytes from the server, to tell an HTTP/1 answer to our preface. */
  private firstBytes = true;
  /** The classic dialect's WebSocket (calls without a ref): the last one upgraded. */
  private lastWs: Ref | undefined;

  constructor(cfg: Http2Config, later: Later) {
    this.opts = cfg.opts;
    this.headerOffers = cfg.subprotocolHeaderOffers;
    this.later = later;
    this.scheme = cfg.transport === 'tls' ? 'https' : 'http';
    const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
    this.authority = `${host}:${cfg.port}`;
    this.sniffer = new FrameSniffer(this);
    this.sent = new FrameSniffer(
      { onPushPromise: noop, onRstStream: noop, onGoaway: (_last, code) => this.onOwnGoaway(code) },
      CLIENT_PREFACE_LENGTH,
    );
    this.wire = new Wire(this);
    const { opts } = cfg;
    this.session = http2.connect(`${this.scheme}://${this.authority}`, {
      createConnection: () => this.wire,
      settings: {
        enablePush: true,
        initialWindowSize: opts.initialStreamWindowSize,
        maxFrameSize: opts.maxFrameSizeReceived,
        maxHeaderListSize: opts.maxHeaderListSize,
        ...(opts.maxConcurrentStreams < 2 ** 32 - 1 ? { maxConcurrentStreams: opts.maxConcurrentStreams } : {}),
      },
      // Gun counts none of these; nghttp2's defaults would end a session
      // that pings much or is pushed much. Bounded all the same.
      maxOutstandingPings: 10_000,
      maxSessionMemory: 64,
    });
    const s = this.session;
    s.on('connect', () => {
      if (opts.initialConnectionWindowSize > 65_535) s.setLocalWindowSize(opts.initialConnectionWindowSize);
    });
    s.on('remoteSettings', (settings) => this.onRemoteSettings(settings));
    s.on('stream', (pushed, headers) => this.onPush(pushed, headers));
    s.on('goaway', (code, lastStreamId) => this.onPeerGoaway(code, lastStreamId));
    s.on('error', (err) => this.onSessionError(err));
    s.on('close', () => this.onSessionClose());
  }

  // -- commands ------------------------------------------------------------------

  private begin(out: Command[]): void {
    this.out = out;
    if (this.pending.length > 0) {
      const pending = this.pending;
      this.pending = [];
      for (const cmd of pending) out.push(cmd);
    }
  }

  private emit(cmd: Command): void {
    if (this.gone) return;
    if (this.out !== undefined) {
      this.out.push(cmd);
      return;
    }
    this.pending.push(cmd);
    if (!this.handOverScheduled) {
      this.handOverScheduled = true;
      queueMicrotask(() => this.handOver());
    }
  }

  private handOver(): void {
    this.handOverScheduled = false;
    if (this.pending.length === 0 || this.gone) return;
    const batch = this.pending;
    this.pending = [];
    if (typeof this.later === 'function') this.later(batch);
    else this.later.postCommands(batch);
  }

  /** Runs `body` as a call: its commands go to `out`. */
  private call(out: Command[], body: () => void): void {
    this.begin(out);
    try {
      body();
    } finally {
      this.out = undefined;
    }
  }

  private deliver(rec: H2Stream, event: StreamEvent): void {
    this.emit({ type: 'deliver', stream: rec.stream, event });
  }

  private error(to: Pid | undefined, ref: Ref | undefined, reason: unknown): void {
    this.emit({ type: 'error', to, ref, reason });
  }

  /** nghttp2 wrote bytes (Wire). */
  written(chunk: Buffer): void {
    if (this.gone) return;
    // The write first: a GOAWAY read in it may close the connection, after it.
    // Straight to the socket where the connection allows it: every byte on
    // it is nghttp2's, in order, so a write cannot overtake another.
    const later = this.later;
    if (typeof later === 'function' || later.writeNow === undefined || !later.writeNow(chunk)) {
      this.emit({ type: 'write', data: chunk });
    }
    this.sent.feed(chunk);
  }

  // -- socket data ---------------------------------------------------------------

  handle(data: Buffer, out: Command[]): void {
    this.call(out, () => {
      if (this.closed) return;
      if (this.firstBytes) {
        this.firstBytes = false;
        // Gun's words for an HTTP/1 server answering our preface.
        if (data.subarray(0, 5).toString('latin1') === 'HTTP/') {
          this.fail('protocol_error', HTTP1_PREFACE_TEXT);
          return;
        }
      }
      this.sniffer.feed(data);
      this.wire.push(data);
    });
  }

  onPushPromise(parent: number, promised: number): void {
    this.pushParents.set(promised, parent);
  }

  onRstStream(id: number, code: number): void {
    this.serverResets.set(id, code);
  }

  onData(id: number, bytes: number, end: boolean): void {
    const seen = (this.dataSeen.get(id) ?? 0) + bytes;
    if (end) {
      this.dataSeen.delete(id);
      this.dataEnds.set(id, seen);
    } else if (bytes > 0) this.dataSeen.set(id, seen);
  }

  // -- calls -----------------------------------------------------------------------

  request(
    stream: Stream,
    method: string,
    path: string,
    headers: Headers,
    body: Buffer | undefined,
    opts: RequestOptions,
    out: Command[],
  ): void {
    this.call(out, () => {
      const h: http2.OutgoingHttpHeaders = { ':method': method, ':scheme': this.scheme, ':path': path };
      this.addHeaders(h, headers);
      // Gun's: the body's length when it is given whole (0 for a GET); none for a streamed one.
      if (body !== undefined && h['content-length'] === undefined) h['content-length'] = String(body.length);
      const endStream = body !== undefined && body.length === 0;
      const rec = this.open(stream, 'request', h, endStream, opts.flow ?? this.opts.flow, undefined, []);
      if (rec === undefined) return;
      if (body !== undefined && body.length > 0) {
        rec.req.end(body);
        rec.localFin = true;
      }
    });
  }

  /** Headers as node:http2 takes them: names lower-case, repeated names as arrays, host as :authority. */
  private addHeaders(h: http2.OutgoingHttpHeaders, headers: Headers): void {
    let authority: string | undefined;
    for (const [name, value] of headers) {
      if (CONNECTION_SPECIFIC.has(name)) continue;
      if (name === 'host') {
        authority = value;
        continue;
      }
      if (name === 'te' && value.toLowerCase() !== 'trailers') continue;
      const had = h[name];
      if (had === undefined) h[name] = value;
      else h[name] = Array.isArray(had) ? [...had, value] : [String(had), value];
    }
    h[':authority'] = authority ?? this.authority;
  }

  /** Opens a stream; undefined (the caller told why) when it cannot be. */
  private open(
    stream: Stream,
    kind: 'request' | 'ws',
    headers: http2.OutgoingHttpHeaders,
    endStream: boolean,
    flow: number,
    wsOpts: ResolvedWsOptions | undefined,
    offered: readonly string[],
  ): H2Stream | undefined {
    if (this.goingAway || this.closed) {
      this.error(stream.replyTo, stream.ref, 'closing');
      return undefined;
    }
    const max = this.session.remoteSettings.maxConcurrentStreams ?? 2 ** 32 - 1;
    if (this.peerSettings && this.opened >= max) {
      this.error(stream.replyTo, stream.ref, TOO_MANY);
      return undefined;
    }
    let req: http2.ClientHttp2Stream;
    try {
      req = this.session.request(headers, { endStream });
    } catch (err) {
      // Node 20 throws here once a GOAWAY came (Node 24 errors the stream).
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_INVALID_SESSION') {
        this.error(stream.replyTo, stream.ref, 'closing');
      } else {
        this.error(stream.replyTo, stream.ref, ['badarg', reasons.errorText(err)]);
      }
      return undefined;
    }
    const rec = newStream(stream, req, kind, endStream, flow, wsOpts, offered);
    this.opened++;
    this.track(rec);
    req.on('headers', streamOnHeaders);
    req.on('response', streamOnResponse);
    return rec;
  }

  /** Listens to the stream's end; `byId` once it has an id. */
  private track(rec: H2Stream): void {
    this.streams.set(rec.stream.ref, rec);
    const req = rec.req as Tagged;
    req[REC] = rec;
    req[OWNER] = this;
    if (req.id !== undefined) this.byId.set(req.id, rec);
    else req.once('ready', streamOnReady);
    req.on('error', streamOnError);
    req.on('close', streamOnClose);
  }

  onReady(rec: H2Stream): void {
    this.byId.set(rec.req.id as number, rec);
  }

  data(ref: Ref, caller: Pid, isFin: IsFin, data: Buffer, out: Command[]): void {
    this.call(out, () => {
      const rec = this.streams.get(ref);
      if (rec === undefined || rec.kind === 'push') {
        this.error(caller, ref, reasons.STREAM_NOT_FOUND);
        return;
      }
      if (rec.localFin || rec.ws !== undefined) {
        this.error(caller, ref, reasons.STREAM_CLOSED);
        return;
      }
      if (isFin === 'fin') {
        rec.localFin = true;
        rec.req.end(data);
      } else if (data.length > 0) {
        rec.req.write(data);
      }
    });
  }

  cancel(ref: Ref, caller: Pid, out: Command[]): void {
    this.call(out, () => {
      const rec = this.streams.get(ref);
      if (rec === undefined) {
        this.error(caller, ref, reasons.STREAM_NOT_FOUND);
        return;
      }
      // Gun: RST_STREAM CANCEL, and nothing more is said of the stream.
      this.forget(rec);
      if (!rec.req.closed) rec.req.close(CANCEL);
    });
  }

  updateFlow(ref: Ref, caller: Pid, increment: number, out: Command[]): void {
    this.call(out, () => {
      const rec = this.streams.get(ref);
      if (rec === undefined) {
        this.error(caller, ref, reasons.STREAM_NOT_FOUND);
        return;
      }
      if (rec.ws !== undefined) {
        const cmds: Command[] = [];
        rec.ws.updateFlow(ref, caller, increment, cmds);
        this.fromWs(rec, cmds);
        return;
      }
      const before = rec.credit;
      rec.credit += increment;
      if (before <= 0 && rec.credit > 0) rec.req.resume();
    });
  }

  ping(ref: Ref, caller: Pid, out: Command[]): void {
    this.call(out, () => {
      if (this.closed || this.goingAway) return; // Gun answers nothing while closing (10a)
      this.session.ping((err) => {
        if (err === null) this.emit({ type: 'notify', to: caller, kind: 'ping_ack', value: ref });
      });
    });
  }

  // -- WebSocket over HTTP/2 (RFC 8441) --------------------------------------------

  /**
   * The extended CONNECT. Gun does not wait for the server's
   * SETTINGS_ENABLE_CONNECT_PROTOCOL, nor do we: a server without it resets
   * the stream, which the owner hears as a stream_error.
   */
  wsUpgrade(stream: Stream, path: string, headers: Headers, opts: ResolvedWsOptions, out: Command[]): void {
    this.call(out, () => {
      const protocols = [...opts.protocols];
      const rest: [string, string][] = [];
      for (const [name, value] of headers) {
        switch (name) {
          case 'sec-websocket-protocol':
            if (!this.headerOffers) break;
            for (const element of value.split(',')) {
              const p = element.trim();
              if (p !== '' && !protocols.includes(p)) protocols.push(p);
            }
            continue;
          case 'sec-websocket-key':
          case 'sec-websocket-version':
          case 'sec-websocket-extensions':
          case 'content-length':
            continue;
        }
        rest.push([name, value]);
      }
      const h: http2.OutgoingHttpHeaders = {
        ':method': 'CONNECT',
        ':protocol': 'websocket',
        ':scheme': this.scheme,
        ':path': path,
      };
      this.addHeaders(h, rest);
      h['sec-websocket-version'] = '13';
      if (protocols.length > 0) h['sec-websocket-protocol'] = protocols.join(', ');
      if (opts.compress) h['sec-websocket-extensions'] = DEFLATE_OFFER;
      // An answer other than 2xx is read unpaced, as over HTTP/1.1.
      this.open(stream, 'ws', h, false, Infinity, opts, protocols);
    });
  }

  wsSend(ref: Ref, caller: Pid, frames: readonly WireFrame[], out: Command[]): void {
    this.call(out, () => {
      const rec = this.streams.get(ref);
      if (rec === undefined) {
        // Gun 2.4.1 crashes here (a case_clause in gun_http2:ws_send/6).
        this.error(caller, ref, reasons.STREAM_NOT_FOUND);
        return;
      }
      if (rec.ws === undefined) {
        this.error(caller, ref, NOT_WS);
        return;
      }
      const cmds: Command[] = [];
      rec.ws.wsSend(ref, caller, frames, cmds);
      this.fromWs(rec, cmds);
    });
  }

  /** A 2xx to our CONNECT: the stream is a WebSocket from now on. */
  private upgraded(rec: H2Stream, headers: Headers): void {
    const opts = rec.wsOpts as ResolvedWsOptions;
    const extensions = headerValue(headers, 'sec-websocket-extensions');
    const protocol = headerValue(headers, 'sec-websocket-protocol');
    let deflate: ReturnType<typeof negotiateDeflate>;
    try {
      deflate = negotiateDeflate(extensions, opts.compress);
      if (protocol !== undefined && !rec.offered.includes(protocol)) {
        throw new Error(`The server chose subprotocol '${protocol}', which was not offered.`);
      }
    } catch (err) {
      this.forget(rec);
      rec.req.close(PROTOCOL_ERROR);
      this.error(rec.stream.replyTo, rec.stream.ref, ['stream_error', 'protocol_error', reasons.errorText(err)]);
      return;
    }
    this.deliver(rec, ['upgrade', ['websocket'], headers]);
    const ws = new Ws({ stream: rec.stream, headers, opts, deflate }, (cmds: Command[]) => this.fromWs(rec, cmds));
    rec.ws = ws;
    this.lastWs = rec.stream.ref;
    rec.req.on('data', (chunk: Buffer) => {
      if (rec.ws === undefined) return;
      const cmds: Command[] = [];
      rec.ws.handle(chunk, cmds);
      this.fromWs(rec, cmds);
    });
    rec.req.on('end', () => {
      // The server ended the stream without a close frame: the WebSocket is gone.
      if (rec.ws === undefined || !this.streams.has(rec.stream.ref)) return;
      this.endWs(rec, reasons.CONNECTION_LOST);
    });
  }

  /** What the stream's WebSocket said, carried out on the stream. */
  private fromWs(rec: H2Stream, cmds: readonly Command[]): void {
    for (const cmd of cmds) {
      switch (cmd.type) {
        case 'write':
          if (!rec.req.writableEnded && !rec.req.destroyed) rec.req.write(cmd.data);
          break;
        case 'active':
          if (cmd.active) rec.req.resume();
          else rec.req.pause();
          break;
        case 'close':
          // The WebSocket is over: its stream ends; the connection goes on.
          this.forget(rec);
          if (!rec.req.writableEnded) rec.req.end();
          if (cmd.reason !== 'normal') {
            this.deliver(rec, ['error', Array.isArray(cmd.reason) ? cmd.reason : ['closed', cmd.reason]]);
          }
          break;
        case 'closing':
        case 'switch':
          break; // the connection's, not a stream's
        default:
          this.emit(cmd);
      }
    }
  }

  /** The WebSocket's stream ended under it. */
  private endWs(rec: H2Stream, reason: unknown): void {
    const ws = rec.ws;
    if (ws === undefined) return;
    this.forget(rec);
    const cmds: Command[] = [];
    ws.down(undefined, cmds);
    this.fromWs(rec, cmds);
    this.deliver(rec, ['error', reason]);
  }

  // -- what the server says on a stream ---------------------------------------------

  onInform(rec: H2Stream, h: http2.IncomingHttpHeaders): void {
    if (!this.streams.has(rec.stream.ref)) return;
    const status = Number(h[':status']);
    if (status >= 100 && status < 200) this.deliver(rec, ['inform', status, pairs(h)]);
  }

  onResponse(rec: H2Stream, h: http2.IncomingHttpHeaders, flags: number): void {
    if (!this.streams.has(rec.stream.ref)) return;
    const status = Number(h[':status']);
    const headers = pairs(h);
    rec.responded = true;
    if (rec.kind === 'ws' && status >= 200 && status < 300) {
      this.upgraded(rec, headers);
      return;
    }
    // END_STREAM on the HEADERS frame: no body follows.
    const fin = (flags & 0x1) !== 0;
    this.deliver(rec, ['response', fin ? 'fin' : 'nofin', status, headers]);
    if (fin) {
      rec.done = true;
      return;
    }
    const { req } = rec;
    req.on('data', streamOnData);
    req.on('trailers', streamOnTrailers);
    req.on('end', streamOnEnd);
    if (rec.credit <= 0) req.pause();
  }

  /**
   * A piece of body. Gun sends the last piece with `fin`; node tells the
   * end only after it ('end'), so the frame reader counts each stream's
   * DATA bytes up to its END_STREAM (onData): the piece that reaches
   * that count is the last, and goes with `fin` at once. An END_STREAM on
   * an empty DATA frame after the last piece is an empty `fin`, as in Gun.
   */
  onBody(rec: H2Stream, chunk: Buffer): void {
    if (!this.streams.has(rec.stream.ref) || rec.done) return;
    rec.bytesIn += chunk.length;
    const id = rec.req.id as number;
    const end = this.dataEnds.get(id);
    if (end !== undefined && rec.bytesIn >= end) {
      this.dataEnds.delete(id);
      rec.done = true;
      this.deliver(rec, ['data', 'fin', chunk]);
      return;
    }
    this.deliver(rec, ['data', 'nofin', chunk]);
    if (--rec.credit <= 0) rec.req.pause();
  }

  onTrailers(rec: H2Stream, t: http2.IncomingHttpHeaders): void {
    if (!this.streams.has(rec.stream.ref)) return;
    // Trailers end the stream: the last piece of body went without fin.
    this.deliver(rec, ['trailers', pairs(t)]);
    rec.done = true;
  }

  onEnd(rec: H2Stream): void {
    if (!this.streams.has(rec.stream.ref) || rec.done) return;
    rec.done = true;
    this.deliver(rec, ['data', 'fin', EMPTY]);
  }

  /** The stream is closed (ended both ways, or reset by either side). */
  onStreamClose(rec: H2Stream): void {
    this.opened -= rec.kind === 'push' ? 0 : 1;
    const id = rec.req.id;
    if (id !== undefined) {
      this.byId.delete(id);
      this.pushParents.delete(id);
      this.dataSeen.delete(id);
      this.dataEnds.delete(id);
    }
    const serverCode = id === undefined ? undefined : this.serverResets.get(id);
    if (id !== undefined) this.serverResets.delete(id);
    if (this.streams.get(rec.stream.ref) === rec) {
      if (this.closed || this.session.destroyed) {
        // The connection failed (node closes its streams first): the stream
        // is told with the others, as the connection goes down (down()).
        this.maybeClose();
        return;
      }
      this.forget(rec);
      if (rec.ws !== undefined) {
        this.endWs(rec, serverCode === undefined ? reasons.CONNECTION_LOST : resetReason(serverCode));
      } else if (serverCode !== undefined) {
        // Gun tells of a server's reset even after a complete response (8d).
        this.deliver(rec, ['error', resetReason(serverCode)]);
      } else if (!rec.done && !this.closed) {
        // Reset by nghttp2 for the server's breach of the protocol (a
        // malformed response), or cut short: a stream error of ours.
        const code = rec.req.rstCode ?? PROTOCOL_ERROR;
        this.deliver(rec, [
          'error',
          ['stream_error', errorName(code === NO_ERROR ? PROTOCOL_ERROR : code), BROKEN_STREAM_TEXT],
        ]);
      }
    }
    this.maybeClose();
  }

  /** Nothing more is said of the stream. */
  private forget(rec: H2Stream): void {
    this.streams.delete(rec.stream.ref);
    if (this.lastWs === rec.stream.ref) this.lastWs = undefined;
  }

  // -- pushes ------------------------------------------------------------------------

  private onPush(pushed: http2.ClientHttp2Stream, h: http2.IncomingHttpHeaders): void {
    const parentId = this.pushParents.get(pushed.id as number);
    const parent = parentId === undefined ? undefined : this.byId.get(parentId);
    pushed.on('error', streamOnError);
    if (parent === undefined || !this.streams.has(parent.stream.ref) || this.goingAway) {
      pushed.close(CANCEL); // its parent was cancelled, or is gone
      return;
    }
    // Gun refuses a promise for another authority (RFC 9113 §8.4).
    if (h[':authority'] !== undefined && h[':authority'] !== this.authority) {
      pushed.close(REFUSED_STREAM);
      return;
    }
    const ref = makeRef();
    const stream: Stream = { ref, replyTo: parent.stream.replyTo, upgrade: false };
    const method = String(h[':method'] ?? 'GET');
    const uri = `${String(h[':scheme'] ?? this.scheme)}://${String(h[':authority'] ?? this.authority)}${String(h[':path'] ?? '/')}`;
    this.deliver(parent, ['push', ref, method, uri, pairs(h)]);
    // Pushed streams get the parent's flow, as in Gun.
    const rec = newStream(
      stream,
      pushed,
      'push',
      true,
      parent.credit === Infinity ? Infinity : Math.max(parent.credit, 1),
    );
    this.track(rec);
    pushed.on('push', streamOnResponse);
  }

  // -- the connection -----------------------------------------------------------------

  private onRemoteSettings(s: http2.Settings): void {
    this.peerSettings = true;
    if (!this.opts.notifySettingsChanged) return;
    this.emit({ type: 'notify', to: undefined, kind: 'settings_changed', value: settingsMap(s) });
  }

  private onPeerGoaway(code: number, lastStreamId: number): void {
    this.goingAway = true;
    if (code !== NO_ERROR) {
      // node:http2 destroys the session on a GOAWAY with an error code,
      // right after this event, killing the streams the server said it will
      // still process. Gun lets those finish (gun_http2:goaway_streams), so
      // that one destroy becomes node's graceful close instead.
      const session = this.session;
      const destroy = session.destroy;
      session.destroy = function gracefully(this: http2.ClientHttp2Session): void {
        session.destroy = destroy;
        session.close();
      } as typeof session.destroy;
      setImmediate(() => {
        session.destroy = destroy;
      });
    }
    const why = ['goaway', errorName(code), GOAWAY_TEXT];
    for (const rec of [...this.streams.values()]) {
      const id = rec.req.id;
      if (rec.kind !== 'push' && (id === undefined || id > lastStreamId)) {
        this.forget(rec);
        releaseWs(rec);
        this.deliver(rec, ['error', why]);
      }
    }
    this.emit({ type: 'closing' });
    this.maybeClose();
  }

  /**
   * nghttp2 sent a GOAWAY we did not ask for: it ended the session for the
   * server's breach of the protocol (a frame too large, DATA on a stream
   * never opened, a flood). Node 24 tells it as a session 'error' too;
   * Node 20 tells nothing, so then this is where the connection fails.
   */
  private onOwnGoaway(code: number): void {
    this.goawaySent = true;
    if (this.goingAway || this.closed) {
      // Ours (closing(), an answer to the server's, the keepalive's).
      this.maybeClose();
      return;
    }
    // node:http2's 'error' (with nghttp2's words: "Protocol error",
    // "Flooding was detected...") comes a little later where it comes at
    // all: it is the better reason then. Without it, after a short wait, ours.
    setTimeout(() => this.fail(errorName(code), BROKEN_CONNECTION_TEXT), OWN_GOAWAY_WAIT).unref();
  }

  private onSessionError(err: Error): void {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_HTTP2_SESSION_ERROR') {
      // The peer's GOAWAY with an error code: onPeerGoaway told the streams.
      return;
    }
    this.fail('protocol_error', err.message);
  }

  /** A connection error (Gun's): the owner is told when streams are open, then the connection closes. */
  private fail(code: string, text: string): void {
    if (this.closed) return;
    if (this.streams.size > 0) this.error(undefined, undefined, [code, text]);
    this.close(['error', ['connection_error', code, text]]);
  }

  private onSessionClose(): void {
    this.close(this.closeReason);
  }

  /**
   * Once going away and no stream is left, the connection closes, once
   * our GOAWAY is written (node:http2 may never destroy a session that
   * the peer sent a GOAWAY to with no stream open: Gun closes then).
   */
  private maybeClose(): void {
    if (!this.goingAway || this.closed || this.streams.size > 0 || this.opened > 0) return;
    // Our GOAWAY is out (Gun answers the server's with its own, then closes):
    // close now, before the server's close can be taken for a lost connection.
    if (this.goawaySent || this.session.destroyed) this.close(this.closeReason);
    else if (!this.session.closed) this.session.close(); // writes our GOAWAY (onOwnGoaway)
  }

  private close(reason: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.goingAway = true;
    this.closeReason = reason;
    this.emit({ type: 'close', reason });
  }

  keepalive(out: Command[]): void {
    this.call(out, () => {
      if (this.closed) return;
      if (this.unackedPings >= this.opts.keepaliveTolerance) {
        if (!this.session.destroyed) this.session.goaway(NO_ERROR);
        this.close(['error', ['connection_error', 'no_error', TOLERANCE_TEXT]]);
        return;
      }
      this.unackedPings++;
      this.session.ping((err) => {
        if (err === null && this.unackedPings > 0) this.unackedPings--;
      });
    });
  }

  closing(_reason: unknown, out: Command[]): void {
    this.call(out, () => {
      if (this.closed) return;
      this.goingAway = true;
      if (this.streams.size === 0 && this.opened === 0) {
        this.maybeClose();
        return;
      }
      // GOAWAY; the streams under way finish, then the session closes. Not
      // at once: a request made just before (this turn, or before node's
      // session 'connect') must go out first, as Gun's was written at the
      // call, and nghttp2 opens no stream after its GOAWAY.
      const session = this.session;
      const close = (): void => {
        if (!session.closed && !session.destroyed) session.close();
      };
      if (session.connecting) session.once('connect', () => setImmediate(close));
      else setImmediate(close);
    });
  }

  down(reason: unknown, out: Command[]): Stream[] {
    const killed: Stream[] = [];
    this.call(out, () => {
      const why = reason === 'closed' ? 'closed' : ['closed', reason];
      for (const rec of this.streams.values()) {
        releaseWs(rec);
        this.deliver(rec, ['error', why]);
        killed.push(rec.stream);
      }
    });
    this.streams.clear();
    this.byId.clear();
    this.closed = true;
    this.gone = true;
    this.pending = [];
    this.session.destroy();
    this.wire.destroy();
    return killed;
  }

  keepaliveInterval(): number {
    return this.opts.keepalive;
  }

  closingTimeout(): number {
    return this.opts.closingTimeout;
  }

  awaitingUpgrade(): boolean {
    for (const rec of this.streams.values())
      if (rec.kind === 'ws' && rec.ws === undefined && !rec.responded) return true;
    return false;
  }

  wsRef(): Ref | undefined {
    return this.lastWs;
  }

  streamInfo(ref: Ref): { readonly stream: Stream; readonly state: 'running' | 'stopping' } | undefined {
    const rec = this.streams.get(ref);
    if (rec === undefined) return undefined;
    if (rec.ws !== undefined) return rec.ws.streamInfo(ref);
    return { stream: rec.stream, state: 'running' };
  }

  has(ref: Ref): boolean {
    return this.streams.has(ref);
  }
}

function resetReason(code: number): unknown {
  return ['stream_error', errorName(code), RESET_TEXT];
}

/** Response headers as Gun's list of pairs, without the pseudo-headers; repeated names as repeated pairs. */
function pairs(h: http2.IncomingHttpHeaders): Headers {
  const out: [string, string][] = [];
  for (const name of Object.keys(h)) {
    if (name.startsWith(':')) continue;
    const value = h[name];
    if (Array.isArray(value)) for (const v of value) out.push([name, v]);
    else if (value !== undefined) out.push([name, String(value)]);
  }
  return out;
}

function headerValue(headers: Headers, name: string): string | undefined {
  for (const [n, v] of headers) if (n === name) return v;
  return undefined;
}

const UNLIMITED = 2 ** 32 - 1;

/**
 * The peer's settings as Gun's notify gives them: a map with Gun's keys in
 * Erlang's order, `'infinity'` for no limit, `enable_connect_protocol` only
 * when the server allows it.
 */
function settingsMap(s: http2.Settings): Map<string, number | boolean | 'infinity'> {
  const limit = (n: number | undefined): number | 'infinity' => (n === undefined || n >= UNLIMITED ? 'infinity' : n);
  const m = new Map<string, number | boolean | 'infinity'>();
  if (s.enableConnectProtocol === true) m.set('enable_connect_protocol', true);
  m.set('enable_push', s.enablePush ?? true);
  m.set('header_table_size', s.headerTableSize ?? 4096);
  m.set('initial_window_size', s.initialWindowSize ?? 65_535);
  m.set('max_concurrent_streams', limit(s.maxConcurrentStreams));
  m.set('max_frame_size', s.maxFrameSize ?? 16_384);
  m.set('max_header_list_size', limit(s.maxHeaderListSize));
  return m;
}
