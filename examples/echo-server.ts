/**
 * A small WebSocket echo server for the examples and the demo, on
 * 127.0.0.1. Every path but `/private` echoes (the examples use `/echo`);
 * `/private` refuses the upgrade with 401 and a body; `drop()` cuts every TCP
 * connection, to show a reconnect. One plain HTTP route, for `beamish get`:
 * GET (or HEAD) `/` answers 200 with a line of text; any other plain HTTP
 * request gets 426 (WebSocket only).
 *
 * The examples import it (`startEchoServer()`, on a free port). It also runs
 * on its own, for trying the `beamish` command against it:
 *
 *   npx tsx examples/echo-server.ts          # on ws://127.0.0.1:8080/echo
 *   npx tsx examples/echo-server.ts 9000     # another port; 0 for any free one
 *   npx beamish ws://127.0.0.1:8080/echo     # in another terminal
 *   npx beamish get http://127.0.0.1:8080/   # its HTTP route
 *
 * It prints its URLs, and runs until Ctrl-C.
 */
import http from 'node:http';
import type net from 'node:net';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';

/** The port when run on its own without one: the README's `beamish` examples use it. */
export const DEFAULT_PORT = 8080;

export interface EchoServer {
  readonly port: number;
  drop(): void;
  close(): Promise<void>;
}

/** What GET / answers, with 200 and content-type text/plain. */
export const ROOT_TEXT = 'beamish echo server: upgrade to WebSocket on /echo and every message comes back\n';

/** A plain HTTP request (no upgrade): GET or HEAD / answers 200 with {@link ROOT_TEXT}; anything else 426. */
function plainRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(ROOT_TEXT);
    return;
  }
  res.writeHead(426).end('WebSocket only\n');
}

/** Starts the server on 127.0.0.1 and `port` (0: a free port, the default). */
export async function startEchoServer(port = 0): Promise<EchoServer> {
  const server = http.createServer(plainRequest);
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('mychat') ? 'mychat' : false) });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/private') {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: 22\r\n\r\nmissing authorization\n',
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    drop() {
      for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      wss.close();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** `npx tsx examples/echo-server.ts [port]`: serves until SIGINT (Ctrl-C) or SIGTERM, then closes and exits 0. */
async function main(args: string[]): Promise<void> {
  const [text = String(DEFAULT_PORT), extra] = args;
  const port = Number(text);
  if (extra !== undefined || !/^\d+$/.test(text) || port > 65535) {
    process.stderr.write(
      `usage: npx tsx examples/echo-server.ts [port]  (default ${DEFAULT_PORT}; 0 for any free port)\n`,
    );
    process.exit(2);
  }
  let server: EchoServer;
  try {
    server = await startEchoServer(port);
  } catch (err) {
    const busy = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    process.stderr.write(
      busy
        ? `echo server: port ${port} is in use; give another: npx tsx examples/echo-server.ts ${port + 1} (or 0 for any free port)\n`
        : `echo server: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  }
  console.log(`echo server on ws://127.0.0.1:${server.port}/echo (Ctrl-C to stop)`);
  console.log(`plain HTTP: GET http://127.0.0.1:${server.port}/ answers 200`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run on its own (not imported by an example): serve.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
