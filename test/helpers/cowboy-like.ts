/**
 * A Node server that answers like the Cowboy listeners of Gun 2.4.1's test
 * suites (ws_SUITE, shutdown_SUITE, gun_SUITE, flow_SUITE), so that those
 * tests can be ported case by case. One node:http (or node:https) server on
 * 127.0.0.1 and an ephemeral port, plus `ws` WebSocketServers in noServer
 * mode; a path picks the handler, as Cowboy's router does.
 *
 * | path | Gun test handler | behaviour |
 * | --- | --- | --- |
 * | `/` | hello_h | 200, content-type text/plain, `Hello world!` (content-length) |
 * | `/delayed?ms=500` | delayed_hello_h | as `/`, after `ms` (500 as in shutdown_SUITE) |
 * | `/empty` | empty_h | 200, content-type text/plain, content-length 0 |
 * | `/inform` | inform_h | two `103` (content-type text/plain, no link), then as `/` |
 * | `/stream` | stream_h | 200 chunked: `Hello `, `world!`, end (10 ms apart) |
 * | `/trailers` | trailers_h | 200 chunked, `trailer: expires`, `Hello `, `world!`, then the trailer `expires` (only when the request has `te: trailers`, as Cowboy) |
 * | `/sse_clock?size=N` | sse_clock_h | 200 chunked text/event-stream, one `data: <date>\n\n` event at once and every second (with `size`, N zeros instead of the date) |
 * | `/close?body=…` | hello_h on a listener with `max_keepalive => 1` | `Hello world!` (or `body`) with `connection: close`, then the connection ends |
 * | `/close_delimited?ms=100` | raw origin | `HTTP/1.0 200 OK` with neither length nor chunking: `Hello `, after `ms` `world!`, then the socket closes |
 * | `/slow?ms=500&close=1` | raw origin of http1_response_connection_close_delayed_body | content-length 12: `Hello`, after `ms` ` world!` (with `close`, `connection: close`) |
 * | `/large?size=2097152` | — | 200 with a body of `size` bytes (default 2 MiB), `0123456789abcdef` repeated |
 * | `/drop` | — | destroys the TCP connection without answering |
 * | `/ws` | ws_echo_h | WebSocket (permessage-deflate accepted): text and binary echoed, no subprotocol chosen |
 * | `/ws_frozen?ms=500`, `/ws_frozen_long` (1500) | ws_frozen_h | WebSocket that reads nothing (no echo, no pong, no close reply) for `ms` after the 101, then ignores frames but answers close |
 * | `/ws_reject` | ws_reject_h | 400, `Upgrade rejected` |
 * | `/ws_subprotocol` | ws_subprotocol_h | no `sec-websocket-protocol`: 400 `undefined`; offered without `echo`: 400 `nomatch`; with `echo`: 101 choosing `echo`, echo |
 * | `/ws_timeout_close?ms=500` | ws_timeout_close_h | WebSocket that sends close 3333 (empty reason) after `ms` |
 *
 * Any other path answers 404 (content-length 0). A WebSocket path asked
 * without an upgrade runs the handler's init and then answers 426, as
 * cowboy_websocket; an upgrade asked of an HTTP path gets that path's plain
 * answer. A refused upgrade leaves the connection open for more requests, as
 * Cowboy does. Response header names are lower case, as Cowboy's.
 */
import { readFileSync } from 'node:fs';
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';

export interface CowboyLikeRequest {
  readonly method: string;
  /** The path without its query. */
  readonly path: string;
  /** The query string without `?`, '' when none. */
  readonly query: string;
  readonly httpVersion: string;
  readonly headers: IncomingHttpHeaders;
  /** Names and values as sent, alternating. */
  readonly rawHeaders: string[];
  /** True when the request asked for a protocol upgrade. */
  readonly upgrade: boolean;
}

export interface CowboyLikeServer {
  readonly port: number;
  /** Every request received, in order (upgrade requests included). */
  readonly requests: CowboyLikeRequest[];
  /** The server side of every accepted WebSocket, in order. */
  readonly sockets: WebSocket[];
  /** Frames the WebSocket handlers received: ['text', s] | ['binary', buf] | ['ping', buf] | ['pong', buf]. */
  readonly received: Array<[string, string | Buffer]>;
  /** Close frames the WebSocket handlers received (or 1005/1006 when none came): [code, reason]. */
  readonly closes: Array<[number, string]>;
  /** Destroys every TCP connection (no close frame, no response). */
  dropAll(): void;
  close(): Promise<void>;
}

export interface CowboyLikeOptions {
  readonly tls?: boolean;
  /** Port to listen on; default ephemeral. */
  readonly port?: number;
}

const fixtures = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

const HELLO = 'Hello world!';
const TEXT_PLAIN = 'text/plain';
/** Milliseconds between the pieces of a streamed body. */
const PIECE_GAP = 10;

/** What a handler gets: the request, its answer and the query. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
}

interface HttpRoute {
  readonly kind: 'http';
  handle(ex: Exchange): void;
}

interface WsRoute {
  readonly kind: 'ws';
  /** permessage-deflate accepted (Cowboy's `compress => true`). */
  readonly compress: boolean;
  /** The handler's init/2: answers a plain response and returns false, or returns the subprotocol to choose. */
  init?(ex: Exchange): string | undefined | false;
  /** websocket_init and after. */
  open(ws: WebSocket, query: URLSearchParams): void;
}

type Route = HttpRoute | WsRoute;

/** Starts the server; `close()` stops it and every connection and timer it has. */
export async function startCowboyLike(opts: CowboyLikeOptions = {}): Promise<CowboyLikeServer> {
  const tls = opts.tls === true;
  const server = tls
    ? https.createServer({
        cert: readFileSync(`${fixtures}server.crt`),
        key: readFileSync(`${fixtures}server.key`),
        ALPNProtocols: ['http/1.1'],
      })
    : http.createServer();
  // Cowboy's HTTP/1.1 idle timeout is 60 s and Gun tests never reach it; nothing here should close first.
  server.keepAliveTimeout = 600_000;
  server.headersTimeout = 600_000;
  server.requestTimeout = 0;

  const requests: CowboyLikeRequest[] = [];
  const sockets: WebSocket[] = [];
  const received: Array<[string, string | Buffer]> = [];
  const closes: Array<[number, string]> = [];
  const tcp = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const every = (ms: number, fn: () => void): (() => void) => {
    const t = setInterval(fn, ms);
    timers.add(t);
    return () => {
      clearInterval(t);
      timers.delete(t);
    };
  };

  // Cowboy picks no subprotocol unless the handler sets one; `ws` would pick the first offered.
  const noProtocol = (): false => false;
  const wssDeflate = new WebSocketServer({
    noServer: true,
    perMessageDeflate: { threshold: 0 },
    handleProtocols: noProtocol,
  });
  const wssPlain = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: noProtocol });
  const wssEcho = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has('echo') ? 'echo' : false),
  });

  const record = (ws: WebSocket): void => {
    sockets.push(ws);
    ws.on('error', () => undefined);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = toBuffer(data);
      received.push(isBinary ? ['binary', buf] : ['text', buf.toString()]);
    });
    ws.on('ping', (d: Buffer) => received.push(['ping', d]));
    ws.on('pong', (d: Buffer) => received.push(['pong', d]));
    ws.on('close', (code: number, reason: Buffer) => closes.push([code, reason.toString()]));
  };

  const echo = (ws: WebSocket): void => {
    ws.on('message', (data: RawData, isBinary: boolean) => ws.send(toBuffer(data), { binary: isBinary }));
  };

  const frozen =
    (defaultMs: number) =>
    (ws: WebSocket, query: URLSearchParams): void => {
      // websocket_init sleeps: the 101 is out, then nothing is read (so no pong, no close reply) until it wakes.
      ws.pause();
      later(msParam(query, defaultMs), () => ws.resume());
    };

  const routes = new Map<string, Route>([
    ['/', { kind: 'http', handle: ({ res }) => hello(res) }],
    ['/delayed', { kind: 'http', handle: ({ res, query }) => later(msParam(query, 500), () => hello(res)) }],
    [
      '/empty',
      {
        kind: 'http',
        handle: ({ res }) => {
          res.writeHead(200, { 'content-type': TEXT_PLAIN, 'content-length': '0' });
          res.end();
        },
      },
    ],
    [
      '/inform',
      {
        kind: 'http',
        handle: ({ res }) =>
          whenSocket(res, (socket) => {
            // res.writeEarlyHints sends nothing without a link header; inform_h sends only content-type.
            const inform = `HTTP/1.1 103 Early Hints\r\ncontent-type: ${TEXT_PLAIN}\r\n\r\n`;
            socket.write(inform + inform);
            hello(res);
          }),
      },
    ],
    [
      '/stream',
      {
        kind: 'http',
        handle: ({ res }) => {
          res.writeHead(200, { 'content-type': TEXT_PLAIN });
          // Cowboy sends each stream_body on its own; a few ms apart they reach the client as separate reads.
          res.write('Hello ');
          later(PIECE_GAP, () => {
            res.write('world!');
            later(PIECE_GAP, () => res.end());
          });
        },
      },
    ],
    [
      '/trailers',
      {
        kind: 'http',
        handle: ({ req, res }) => {
          res.writeHead(200, { 'content-type': TEXT_PLAIN, trailer: 'expires' });
          res.write('Hello ');
          later(PIECE_GAP, () => {
            res.write('world!');
            later(PIECE_GAP, () => {
              // Cowboy sends trailers only to a client that said `te: trailers`.
              const te = headerText(req.headers.te).toLowerCase().split(',');
              if (te.some((t) => t.trim() === 'trailers'))
                res.addTrailers({ expires: 'Sun, 10 Dec 2017 19:13:47 GMT' });
              res.end();
            });
          });
        },
      },
    ],
    [
      '/sse_clock',
      {
        kind: 'http',
        handle: ({ res, query }) => {
          const size = query.get('size');
          const data = (): string => (size === null ? new Date().toUTCString() : '0'.repeat(Number(size)));
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`data: ${data()}\n\n`);
          const stop = every(1000, () => {
            if (!res.writableEnded && !res.destroyed) res.write(`data: ${data()}\n\n`);
          });
          res.on('close', stop);
        },
      },
    ],
    [
      '/close',
      {
        kind: 'http',
        handle: ({ res, query }) => {
          closeAfter(res);
          reply(res, 200, query.get('body') ?? HELLO, { 'content-type': TEXT_PLAIN });
        },
      },
    ],
    [
      '/close_delimited',
      {
        kind: 'http',
        handle: ({ res, query }) =>
          whenSocket(res, (socket) => {
            socket.write(`HTTP/1.0 200 OK\r\ncontent-type: ${TEXT_PLAIN}\r\n\r\nHello `);
            later(msParam(query, 100), () => socket.end('world!'));
          }),
      },
    ],
    [
      '/slow',
      {
        kind: 'http',
        handle: ({ res, query }) => {
          if (query.has('close')) closeAfter(res);
          res.writeHead(200, { 'content-type': TEXT_PLAIN, 'content-length': '12' });
          res.write('Hello');
          later(msParam(query, 500), () => res.end(' world!'));
        },
      },
    ],
    [
      '/large',
      {
        kind: 'http',
        handle: ({ res, query }) => {
          const size = Number(query.get('size') ?? 2 * 1024 * 1024);
          const body = Buffer.alloc(size, '0123456789abcdef');
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
          res.end(body);
        },
      },
    ],
    ['/drop', { kind: 'http', handle: ({ res }) => whenSocket(res, (socket) => socket.destroy()) }],
    ['/ws', { kind: 'ws', compress: true, open: echo }],
    ['/ws_frozen', { kind: 'ws', compress: true, open: frozen(500) }],
    ['/ws_frozen_long', { kind: 'ws', compress: true, open: frozen(1500) }],
    [
      '/ws_reject',
      {
        kind: 'ws',
        compress: false,
        init: ({ res }) => {
          reply(res, 400, 'Upgrade rejected');
          return false;
        },
        open: () => undefined,
      },
    ],
    [
      '/ws_subprotocol',
      {
        kind: 'ws',
        compress: false,
        init: ({ req, res }) => {
          const header = req.headers['sec-websocket-protocol'];
          if (header === undefined) {
            reply(res, 400, 'undefined');
            return false;
          }
          const offered = header.split(',').map((p) => p.trim());
          if (!offered.includes('echo')) {
            reply(res, 400, 'nomatch');
            return false;
          }
          return 'echo';
        },
        open: echo,
      },
    ],
    [
      '/ws_timeout_close',
      {
        kind: 'ws',
        compress: true,
        open: (ws, query) =>
          later(msParam(query, 500), () => {
            if (ws.readyState === ws.OPEN) ws.close(3333, '');
          }),
      },
    ],
  ]);

  const wssFor = (route: WsRoute, protocol: string | undefined): WebSocketServer =>
    protocol === 'echo' ? wssEcho : route.compress ? wssDeflate : wssPlain;

  const parse = (req: IncomingMessage, upgrade: boolean): { path: string; query: URLSearchParams } => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      httpVersion: req.httpVersion,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      upgrade,
    });
    return { path: url.pathname, query: url.searchParams };
  };

  /** A plain HTTP exchange: the route's answer, or 426 for a WebSocket route, or 404. */
  const serve = (ex: Exchange, route: Route | undefined): void => {
    if (route === undefined) {
      ex.res.writeHead(404, { 'content-length': '0' });
      ex.res.end();
    } else if (route.kind === 'http') {
      route.handle(ex);
    } else if (route.init === undefined || route.init(ex) !== false) {
      ex.res.writeHead(426, { connection: 'upgrade', upgrade: 'websocket', 'content-length': '0' });
      ex.res.end();
    }
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const { path, query } = parse(req, false);
    serve({ req, res, query }, routes.get(path));
  });

  server.on('upgrade', (req: IncomingMessage, duplex: Duplex, head: Buffer) => {
    const socket = duplex as net.Socket;
    const { path, query } = parse(req, true);
    const route = routes.get(path);
    const res = new http.ServerResponse(req);
    res.assignSocket(socket);
    res.on('finish', () => {
      // Cowboy keeps the connection after a refused upgrade: hand the socket back to the HTTP server.
      res.detachSocket(socket);
      if (socket.destroyed) return;
      if (String(res.getHeader('connection') ?? '').toLowerCase() === 'close') {
        socket.end();
        return;
      }
      if (head.length > 0) socket.unshift(head);
      server.emit(tls ? 'secureConnection' : 'connection', socket);
    });
    const ex: Exchange = { req, res, query };
    if (route?.kind !== 'ws' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      serve(ex, route);
      return;
    }
    const protocol = route.init === undefined ? undefined : route.init(ex);
    if (protocol === false) return;
    res.detachSocket(socket);
    wssFor(route, protocol).handleUpgrade(req, socket, head, (ws) => {
      record(ws);
      route.open(ws, query);
    });
  });

  const track = (s: net.Socket): void => {
    tcp.add(s);
    s.on('close', () => tcp.delete(s));
    s.on('error', () => undefined);
  };
  server.on('connection', track);

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    requests,
    sockets,
    received,
    closes,
    dropAll() {
      for (const s of tcp) s.destroy();
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of tcp) s.destroy();
      for (const wss of [wssDeflate, wssPlain, wssEcho]) wss.close();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** hello_h: 200, text/plain, `Hello world!` with its length. */
function hello(res: ServerResponse): void {
  reply(res, 200, HELLO, { 'content-type': TEXT_PLAIN });
}

/** cowboy_req:reply/4: the status, the headers, the body with its content-length. */
function reply(res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/**
 * Answers with `connection: close` and ends the connection afterwards. Set with setHeader, not in writeHead's
 * object, so that getHeader sees it when the answer went out on an upgrade request's socket.
 */
function closeAfter(res: ServerResponse): void {
  res.setHeader('connection', 'close');
}

/** Runs `fn` once the response owns the socket (a pipelined response waits for the ones before it). */
function whenSocket(res: ServerResponse, fn: (socket: net.Socket) => void): void {
  if (res.socket !== null) fn(res.socket);
  else res.once('socket', fn);
}

/** A request header as one string ('' when absent; repeated ones joined as Node joins them). */
function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

function msParam(query: URLSearchParams, fallback: number): number {
  const ms = query.get('ms');
  return ms === null ? fallback : Number(ms);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
