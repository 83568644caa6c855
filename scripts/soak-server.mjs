/**
 * The server of `npm run soak` (scripts/soak.ts), in a process of its own so
 * that the soak can SIGKILL it and start it again on the same port.
 *
 *   node scripts/soak-server.mjs PORT
 *
 * - WebSocket, any path: every message is echoed (ws, as the project's tests use it).
 * - HTTP/1.1, keep-alive: `GET /n/<text>` is answered 200 with `<text>` as its body,
 *   which is how the soak checks that each numbered request got its own answer.
 *
 * It listens on 127.0.0.1 only, and tells the soak on stdout, one line each:
 * `listening <ms>`, then, by the client's port (the remote port here), each
 * with the time (Date.now()): `a <port> <ms>` the connection was accepted
 * (taken off the listen queue), `r <port> <ms>` its first HTTP request was
 * read, `u <port> <ms>` its upgrade request was read, `s <port> <ms>` its 101
 * was written.
 * So when an upgrade goes unanswered, the soak can say on which side its bytes
 * stopped. Stdout is a pipe, written synchronously on Linux: what is written
 * before a SIGKILL is not lost. It exits when its stdin ends (the soak is gone).
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node scripts/soak-server.mjs PORT');
  process.exit(2);
}

const out = (line) => process.stdout.write(`${line}\n`);

/** Connections whose first request was read (reported once each). */
const seen = new WeakSet();

const server = http.createServer((req, res) => {
  if (!seen.has(req.socket)) {
    seen.add(req.socket);
    out(`r ${req.socket.remotePort} ${Date.now()}`);
  }
  const m = /^\/n\/([^?]*)$/.exec(req.url ?? '');
  const body = m ? m[1] : 'not found';
  res.writeHead(m ? 200 : 404, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
// Connections are busy all the time; no timer of Node's may close one.
server.keepAliveTimeout = 0;
server.requestTimeout = 0;

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

server.on('connection', (socket) => out(`a ${socket.remotePort} ${Date.now()}`));
server.on('upgrade', (req, socket, head) => {
  const rp = socket.remotePort;
  out(`u ${rp} ${Date.now()}`);
  socket.on('error', () => {});
  wss.handleUpgrade(req, socket, head, (ws) => {
    out(`s ${rp} ${Date.now()}`);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
});
server.on('clientError', (_err, socket) => socket.destroy());
server.on('error', (err) => {
  console.error(`soak-server: ${err.code ?? err.message}`);
  process.exit(2);
});
server.listen({ host: '127.0.0.1', port, backlog: 4096 }, () => out(`listening ${Date.now()}`));

process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
