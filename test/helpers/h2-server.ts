/**
 * A node:http2 server for the HTTP/2 Gun tests, with paths like the Cowboy
 * handlers Gun's traces were recorded against
 * (docs/reference/gun-2.4.1-http2-traces.md, `h2h.erl`), on 127.0.0.1 and an
 * ephemeral port. Over TLS (test/fixtures/tls) it offers ALPN `h2` and
 * `http/1.1` (or what `alpn` says) and answers HTTP/1.1 too, for protocol
 * selection.
 *
 * | path | behaviour |
 * | --- | --- |
 * | `/hello` | 200, content-type text/plain, content-length 5, `hello` (HEAD: the headers only, END_STREAM on them) |
 * | `/head` | as `/hello` |
 * | `/echo` | 200 with `x-method` and the request body (content-length); no body: END_STREAM on the HEADERS |
 * | `/trailers` | 200 with `trailer: x-checksum` and `x-got-te`, `part1`, then (5 ms later) the trailer `x-checksum: abc123` (only when the request has `te: trailers`; else an empty DATA with END_STREAM) |
 * | `/inform` | 103 with a `link` header, then 50 ms later 200 `after-103` |
 * | `/nocontent` | 204, END_STREAM on the HEADERS |
 * | `/stream?n=5&ms=10` | 200, `n` chunks `chunk1;` … `ms` apart, then END_STREAM (an empty DATA) |
 * | `/slow?ms=300` | 200 `slow-done` after `ms` |
 * | `/push` | PUSH_PROMISE GET `/pushed` (accept: text/plain), whose answer is as `/hello`; 50 ms later 200 `parent-body` |
 * | `/reset/<code>` | RST_STREAM with that code, before any response |
 * | `/crash-after-headers` | 200, DATA `partial`, then 20 ms later RST_STREAM(INTERNAL_ERROR) |
 *
 * Any other path answers 404 with no body. HTTP/1.1 requests (over TLS with
 * ALPN http/1.1, or no ALPN) get `/hello`'s answer with `x-proto: http/1.1`.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

export interface H2Request {
  readonly method: string;
  readonly path: string;
  readonly authority: string | undefined;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
  /** 'h2' or 'http/1.1'. */
  readonly proto: string;
}

/** A stream the server saw close: its path, its RST_STREAM code (0: none), and whether it answered. */
export interface H2Closed {
  readonly path: string;
  readonly rstCode: number;
  readonly responded: boolean;
}

export interface H2ServerOptions {
  /** TLS with test/fixtures/tls; default false (h2c, prior knowledge). */
  readonly tls?: boolean;
  /** With tls: the ALPN protocols offered; default ['h2', 'http/1.1']. */
  readonly alpn?: readonly string[];
  /** The server's SETTINGS (maxConcurrentStreams, enableConnectProtocol, ...). */
  readonly settings?: http2.Settings;
}

export interface H2Server {
  readonly port: number;
  /** Every request, once its body has been read, in order. */
  readonly requests: H2Request[];
  /** Every HTTP/2 stream the server saw close, in order. */
  readonly closed: H2Closed[];
  /** The HTTP/2 sessions currently open. */
  readonly sessions: Set<http2.ServerHttp2Session>;
  /**
   * Every session sends GOAWAY(`code`, `lastStreamId`) and keeps its socket
   * open: the streams up to `lastStreamId` are still answered, and the
   * client is left to close (as the raw server of Gun's trace 10d).
   * Default NO_ERROR and 2^31-1 (as Cowboy's graceful close).
   */
  goawayAll(code?: number, lastStreamId?: number): void;
  /** Node's graceful close: session.close() (GOAWAY, then the socket closes once the streams are done). */
  closeSessions(): void;
  /** Abrupt: every socket is destroyed, no GOAWAY. */
  destroyAll(): void;
  close(): Promise<void>;
}

const fixtures = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

export async function startH2Server(opts: H2ServerOptions = {}): Promise<H2Server> {
  const requests: H2Request[] = [];
  const closed: H2Closed[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  // The h2 side, without node's compatibility layer: raw streams.
  const h2 = http2.createServer({ settings: opts.settings ?? {} });
  h2.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });
  h2.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    stream.on('close', () =>
      closed.push({ path: String(headers[':path']), rstCode: stream.rstCode ?? 0, responded: stream.headersSent }),
    );
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = String(headers[':method']);
      const path = String(headers[':path']);
      const authority = headers[':authority'] === undefined ? undefined : String(headers[':authority']);
      requests.push({ method, path, authority, headers, body, proto: 'h2' });
      answer(stream, method, path, headers, body, later);
    });
  });

  // HTTP/1.1 (over TLS when ALPN does not pick h2).
  const h1 = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authority: req.headers.host,
        headers: req.headers,
        body: Buffer.concat(chunks),
        proto: 'http/1.1',
      });
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5', 'x-proto': 'http/1.1' });
      res.end('hello');
    });
  });

  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  let server: net.Server;
  if (opts.tls) {
    server = tls.createServer(
      {
        cert: readFileSync(`${fixtures}server.crt`),
        key: readFileSync(`${fixtures}server.key`),
        ALPNProtocols: [...(opts.alpn ?? ['h2', 'http/1.1'])],
      },
      (socket) => {
        if (socket.alpnProtocol === 'h2') h2.emit('connection', socket);
        else h1.emit('connection', socket);
      },
    );
    // The TCP sockets under TLS: destroying one ends everything above it,
    // the handshake under way included.
    server.on('connection', track);
    server.on('tlsClientError', () => undefined);
  } else {
    server = net.createServer((socket) => {
      track(socket);
      h2.emit('connection', socket);
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    closed,
    sessions,
    goawayAll(code = http2.constants.NGHTTP2_NO_ERROR, lastStreamId = 2 ** 31 - 1) {
      for (const s of sessions) s.goaway(code, lastStreamId);
    },
    closeSessions() {
      for (const s of sessions) s.close();
    },
    destroyAll() {
      for (const s of sockets) s.destroy();
    },
    close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(
  stream: http2.ServerHttp2Stream,
  method: string,
  fullPath: string,
  headers: http2.IncomingHttpHeaders,
  body: Buffer,
  later: (ms: number, fn: () => void) => void,
): void {
  const url = new URL(fullPath, 'http://localhost');
  const q = (name: string, fallback: number): number => Number(url.searchParams.get(name) ?? fallback);
  const live = (): boolean => !stream.destroyed && !stream.closed;
  const path = url.pathname;
  if (path.startsWith('/reset/')) {
    stream.close(Number(path.slice('/reset/'.length)));
    return;
  }
  switch (path) {
    case '/hello':
    case '/head':
      hello(stream, method);
      return;
    case '/echo':
      stream.respond(
        { ':status': 200, 'content-length': String(body.length), 'x-method': method },
        { endStream: body.length === 0 },
      );
      if (body.length > 0) stream.end(body);
      return;
    case '/trailers': {
      const te = headers.te === 'trailers';
      stream.respond(
        { ':status': 200, trailer: 'x-checksum', 'x-got-te': te ? 'trailers' : 'none' },
        { waitForTrailers: te },
      );
      if (te) stream.once('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc123' }));
      // As Cowboy: the body in one DATA frame, its end in another.
      stream.write('part1');
      later(5, () => {
        if (live()) stream.end();
      });
      return;
    }
    case '/inform':
      stream.additionalHeaders({ ':status': 103, link: '</style.css>; rel=preload; as=style' });
      later(50, () => {
        if (!live()) return;
        stream.respond({ ':status': 200, 'content-length': '9' });
        stream.end('after-103');
      });
      return;
    case '/nocontent':
      stream.respond({ ':status': 204 }, { endStream: true });
      return;
    case '/stream': {
      const n = q('n', 5);
      const ms = q('ms', 10);
      stream.respond({ ':status': 200 });
      let i = 0;
      const next = (): void => {
        if (!live()) return;
        if (i === n) {
          stream.end();
          return;
        }
        i++;
        stream.write(`chunk${i};`);
        later(ms, next);
      };
      next();
      return;
    }
    case '/slow':
      later(q('ms', 300), () => {
        if (!live()) return;
        stream.respond({ ':status': 200, 'content-length': '9' });
        stream.end('slow-done');
      });
      return;
    case '/push':
      stream.pushStream({ ':path': '/pushed', accept: 'text/plain' }, (err, pushed) => {
        if (err !== null) return;
        pushed.on('error', () => undefined);
        hello(pushed, 'GET');
      });
      later(50, () => {
        if (!live()) return;
        stream.respond({ ':status': 200, 'content-length': '11' });
        stream.end('parent-body');
      });
      return;
    case '/crash-after-headers':
      stream.respond({ ':status': 200 });
      stream.write('partial');
      // destroy with an error: RST_STREAM(INTERNAL_ERROR) with no END_STREAM
      // first (close(code) would end the stream before resetting it).
      later(20, () => {
        if (live()) stream.destroy(new Error('crash after headers'));
      });
      return;
    default:
      stream.respond({ ':status': 404 }, { endStream: true });
  }
}

function hello(stream: http2.ServerHttp2Stream, method: string): void {
  const h = { ':status': 200, 'content-type': 'text/plain', 'content-length': '5' };
  if (method === 'HEAD') {
    stream.respond(h, { endStream: true });
    return;
  }
  stream.respond(h);
  stream.end('hello');
}

// -- a silent raw peer ----------------------------------------------------------------

export interface SilentPeer {
  readonly port: number;
  /** PING frames (without the ACK flag) received, over all connections. */
  pings(): number;
  close(): Promise<void>;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** A frame: 9-byte header (24-bit length, type, flags, 31-bit stream id), then the payload. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

const SETTINGS = 0x4;
const PING = 0x6;
const ACK = 0x1;

/**
 * A raw HTTP/2 peer (as Gun's trace scripts' h2raw): reads the client
 * preface, sends an empty SETTINGS and a SETTINGS ack, then ignores
 * everything, PINGs included (counted).
 */
export async function startSilentPeer(): Promise<SilentPeer> {
  const sockets = new Set<net.Socket>();
  let pings = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let prefaced = false;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!prefaced) {
        if (buf.length < PREFACE.length) return;
        if (!buf.subarray(0, PREFACE.length).equals(PREFACE)) {
          socket.destroy();
          return;
        }
        buf = buf.subarray(PREFACE.length);
        prefaced = true;
        socket.write(Buffer.concat([frame(SETTINGS, 0, 0), frame(SETTINGS, ACK, 0)]));
      }
      // Count the PINGs, read nothing else.
      while (buf.length >= 9) {
        const length = buf.readUIntBE(0, 3);
        if (buf.length < 9 + length) break;
        if (buf[3] === PING && ((buf[4] as number) & ACK) === 0) pings++;
        buf = buf.subarray(9 + length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    pings: () => pings,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
