/**
 * Real servers for the Gun tests, on 127.0.0.1 and ephemeral ports: a `ws`
 * server with switchable behaviour, a "mute" server that completes the
 * WebSocket handshake and then ignores everything, and two peers nobody here
 * wrote: an echo server on faye-websocket (always), and Debian's
 * python3-websockets echo server (when installed).
 */
import { type ChildProcess, spawn as spawnChild, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import FayeWebSocket from 'faye-websocket';
import { type WebSocket, WebSocketServer } from 'ws';

export interface TestServer {
  readonly port: number;
  /** Request headers of every upgrade request, in order. */
  readonly requests: Array<{ path: string; headers: IncomingHttpHeaders }>;
  /** The server side of every accepted WebSocket, in order. */
  readonly sockets: WebSocket[];
  /** Frames the server received: ['text', s] | ['binary', buf] | ['ping', buf] | ['pong', buf]. */
  readonly received: unknown[];
  /** Close frames the server received: [code, reason]. */
  readonly closes: Array<[number, string]>;
  /** Destroys every TCP connection (no close frame). */
  dropAll(): void;
  close(): Promise<void>;
}

export interface ServerOptions {
  readonly tls?: boolean;
  /** Port to listen on; default ephemeral. */
  readonly port?: number;
}

const fixtures = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
export const testCa = readFileSync(`${fixtures}ca.crt`);

/**
 * Paths: `/echo` echoes every message; `/refuse400` answers 400 with a body;
 * `/refuse404` answers 404 without one; anything else is accepted, no echo.
 * The subprotocol `mychat` is chosen when offered.
 */
export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  const server = opts.tls
    ? https.createServer({ cert: readFileSync(`${fixtures}server.crt`), key: readFileSync(`${fixtures}server.key`) })
    : http.createServer();
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('mychat') ? 'mychat' : false),
  });
  const requests: TestServer['requests'] = [];
  const sockets: WebSocket[] = [];
  const received: unknown[] = [];
  const closes: Array<[number, string]> = [];
  const tcp = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    tcp.add(s);
    s.on('close', () => tcp.delete(s));
  });
  server.on('secureConnection', (s: net.Socket) => {
    tcp.add(s);
    s.on('close', () => tcp.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    const path = req.url ?? '/';
    requests.push({ path, headers: req.headers });
    if (path === '/refuse400') {
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: 12\r\n\r\nbad request!',
      );
      return;
    }
    if (path === '/refuse404') {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('message', (data, isBinary) => {
        received.push(isBinary ? ['binary', data] : ['text', data.toString()]);
        if (path === '/echo') ws.send(data, { binary: isBinary });
      });
      ws.on('ping', (d) => received.push(['ping', d]));
      ws.on('pong', (d) => received.push(['pong', d]));
      ws.on('close', (code, reason) => closes.push([code, reason.toString()]));
    });
  });
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
      for (const s of tcp) s.destroy();
      wss.close();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface MuteServer {
  readonly port: number;
  /** Bytes received after the handshake. */
  bytesAfterHandshake(): number;
  close(): Promise<void>;
}

/**
 * Accepts the WebSocket handshake, then never answers anything: no pong, no
 * close. `protocol`: a subprotocol to claim in the answer, offered or not.
 */
export async function startMuteServer(protocol?: string): Promise<MuteServer> {
  const sockets = new Set<net.Socket>();
  let after = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    let done = false;
    socket.on('data', (chunk) => {
      if (done) {
        after += chunk.length;
        return;
      }
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(buffered)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n${protocol === undefined ? '' : `sec-websocket-protocol: ${protocol}\r\n`}\r\n`,
      );
      done = true;
      after += buffered.length - end - 4;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    bytesAfterHandshake: () => after,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Debian's python3 (where apt installs python3-websockets), not a pyenv one. */
const SYSTEM_PYTHON = '/usr/bin/python3';

export interface PythonServer {
  readonly port: number;
  close(): Promise<void>;
}

/** python3-websockets' echo server, in a child process stopped by close(). */
export async function startPythonEcho(): Promise<PythonServer> {
  const script = fileURLToPath(new URL('./python-echo.py', import.meta.url));
  const child: ChildProcess = spawnChild(SYSTEM_PYTHON, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`python echo server exited with ${code}`)));
    child.once('error', reject);
  });
  return {
    port,
    close() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/** Is Debian's python3-websockets there? If not, says why the python peer is skipped. */
export function pythonEchoMissing(): string | undefined {
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import websockets'], { stdio: 'ignore' });
  if (probe.error !== undefined) return `${SYSTEM_PYTHON} is not installed`;
  if (probe.status !== 0) return `python3-websockets is not installed (apt-get install python3-websockets)`;
  return undefined;
}

export interface FayeServer {
  readonly port: number;
  /** The subprotocol the server chose for each accepted WebSocket, '' for none. */
  readonly chosen: string[];
  close(): Promise<void>;
}

/**
 * An echo server on faye-websocket (websocket-driver): an npm WebSocket
 * implementation that shares no code with `ws`. It supports the subprotocol
 * `mychat`; offered only others, it accepts without choosing one, as Cowboy
 * does.
 */
export async function startFayeEcho(): Promise<FayeServer> {
  const server = http.createServer();
  const chosen: string[] = [];
  const tcp = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    tcp.add(s);
    s.on('close', () => tcp.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    const ws = new FayeWebSocket(req, socket, head, ['mychat']);
    ws.on('open', () => chosen.push(ws.protocol));
    ws.on('message', (event) => ws.send(event.data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    chosen,
    close() {
      for (const s of tcp) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
