/**
 * The HTTP/2 benchmarks' servers, run in their own process so that they do
 * not share the event loop with the clients being measured:
 * - a `node:http2` h2c server (prior knowledge, no TLS) that answers every
 *   GET with 200 and a 1 KiB body with a content-length, and that echoes
 *   WebSockets over HTTP/2 (RFC 8441: SETTINGS_ENABLE_CONNECT_PROTOCOL, an
 *   extended CONNECT with `:protocol websocket` answered 200, then ws's own
 *   `Receiver` and `Sender` on the stream, as a `WebSocketServer` uses them
 *   on a socket);
 * - a `ws` `WebSocketServer` echo over HTTP/1.1, to compare with.
 * Prints "PORT <h2c port> WSPORT <ws port>".
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { wsLibrary } from '../src/gun/protocols/ws-library.js';

const body = Buffer.alloc(1024, 'x');
const responseHeaders = {
  ':status': 200,
  'content-type': 'application/octet-stream',
  'content-length': body.length,
};

/** One WebSocket over an HTTP/2 stream: every message back as it came, a close answered and the stream ended. */
function wsEcho(stream: http2.ServerHttp2Stream): void {
  stream.respond({ ':status': 200 });
  const receiver = new wsLibrary.Receiver({ isServer: true });
  // ws's Sender writes to anything with write/cork/uncork/destroyed: a stream does.
  const sender = new wsLibrary.Sender(stream);
  receiver.on('message', (data, isBinary) => {
    sender.send(data, { binary: isBinary, fin: true, mask: false, compress: false });
  });
  receiver.on('ping', (data) => sender.pong(data, false));
  receiver.on('conclude', (code) => {
    stream.on('error', () => {});
    sender.close(code === 1005 ? undefined : code, '', false, () => stream.end());
  });
  receiver.on('error', () => stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR));
  stream.on('data', (chunk: Buffer) => receiver.write(chunk));
  stream.on('error', () => {});
}

const server = http2.createServer({ settings: { enableConnectProtocol: true } });
server.on('stream', (stream, headers) => {
  stream.on('error', () => {});
  if (headers[':method'] === 'CONNECT' && headers[':protocol'] === 'websocket') {
    wsEcho(stream);
    return;
  }
  stream.respond(responseHeaders);
  stream.end(body);
});
server.on('sessionError', () => {});
// One connection carries a whole measurement: never time it out.
server.setTimeout(0);

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

let listening = 0;
const ready = (): void => {
  if (++listening < 2) return;
  const h2 = (server.address() as AddressInfo).port;
  const ws = (wss.address() as AddressInfo).port;
  console.log(`PORT ${h2} WSPORT ${ws}`);
};
server.listen(0, '127.0.0.1', ready);
wss.on('listening', ready);

process.on('SIGTERM', () => {
  for (const client of wss.clients) client.terminate();
  wss.close();
  server.close();
  // Open sessions keep the server's close waiting: nothing here needs a clean goodbye.
  setTimeout(() => process.exit(0), 100).unref();
});
