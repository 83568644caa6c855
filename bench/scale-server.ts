/**
 * The scale benchmark's server (bench/scale.bench.ts), in its own process:
 * a WebSocket echo (ws, no permessage-deflate) and an HTTP/1.1 server that
 * answers every request with 200 and a 64-byte body with a content-length,
 * keeping keep-alive connections open for as long as the client likes.
 * Each listens on `--ports` ports (default 1) of 127.0.0.1, with a listen
 * backlog of 4096, so that 10,000 connections can be opened quickly; the
 * client spreads its connections over them. Prints
 * "PORTS ws <p1,p2,...> http <p1,p2,...>". Exits on SIGTERM, and when its
 * stdin closes (the benchmark that started it is gone).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const count = Number(process.argv[process.argv.indexOf('--ports') + 1] ?? 1) || 1;
const body = Buffer.alloc(64, 'x');

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => resolve((server.address() as AddressInfo).port));
  });
}

function httpServer(): Server {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  // Idle keep-alive connections are the point: never time them out or cap them.
  server.keepAliveTimeout = 0;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  server.maxRequestsPerSocket = 0;
  return server;
}

function wsServer(): Server {
  const server = createServer((_req, res) => {
    res.writeHead(426).end();
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  return server;
}

const servers: Server[] = [];
const wsPorts: number[] = [];
const httpPorts: number[] = [];
for (let i = 0; i < count; i++) {
  const w = wsServer();
  const h = httpServer();
  servers.push(w, h);
  wsPorts.push(await listen(w));
  httpPorts.push(await listen(h));
}
console.log(`PORTS ws ${wsPorts.join(',')} http ${httpPorts.join(',')}`);

function stop(): void {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  // Whatever is left (a WebSocket mid-close) must not keep the server up.
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
