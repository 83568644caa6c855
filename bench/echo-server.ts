/**
 * The benchmarks' echo server, run in its own process so that it does not
 * share the event loop with the clients being measured. Prints "PORT <n>".
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on('listening', () => {
  console.log(`PORT ${(wss.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
