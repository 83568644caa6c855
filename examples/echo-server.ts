/**
 * A small WebSocket echo server for the examples and the demo, on
 * 127.0.0.1. `/echo` echoes; `/private` refuses the upgrade with 401 and a
 * body; `drop()` cuts every TCP connection, to show a reconnect.
 */
import http from 'node:http';
import type net from 'node:net';
import { WebSocketServer } from 'ws';

export interface EchoServer {
  readonly port: number;
  drop(): void;
  close(): Promise<void>;
}

export async function startEchoServer(port = 0): Promise<EchoServer> {
  const server = http.createServer((_req, res) => res.writeHead(426).end('WebSocket only\n'));
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
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
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
