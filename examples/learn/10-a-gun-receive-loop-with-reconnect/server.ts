/**
 * The WebSocket echo server of chapter 10, on 127.0.0.1 and a free port
 * (nothing to set up). `/echo` echoes every message; anything else is
 * refused with 404. It can cut every connection (`drop`), and stop
 * answering for a while (`pause`, `resume`), to show a client reconnecting.
 */
import http from 'node:http';
import type net from 'node:net';
import { WebSocketServer } from 'ws';

export interface EchoServer {
  readonly port: number;
  /** How many TCP connections are open now. */
  connections(): number;
  /** Cuts every connection, without a close frame, as a network failure would. */
  drop(): void;
  /** Cuts every connection and stops listening: connecting now is refused. */
  pause(): void;
  /** Listens again, on the same port. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the echo server.
 * @example const server = await startEchoServer(); // ws://127.0.0.1:${server.port}/echo
 */
export async function startEchoServer(port = 0): Promise<EchoServer> {
  const server = http.createServer((_req, res) => res.writeHead(426).end('WebSocket only\n'));
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== '/echo') {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  const listen = (at: number) => new Promise<void>((resolve) => server.listen(at, '127.0.0.1', resolve));
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  await listen(port);
  const bound = (server.address() as net.AddressInfo).port;
  return {
    port: bound,
    connections: () => sockets.size,
    drop: dropAll,
    pause() {
      if (server.listening) server.close();
      dropAll();
    },
    resume: () => listen(bound),
    close() {
      dropAll();
      wss.close();
      return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}
