/**
 * Runs chapter 10's echo server for you to try your loop against:
 *
 *   npx tsx examples/learn/10-a-gun-receive-loop-with-reconnect/serve.ts [port]
 *
 * It prints its address, then cuts every connection every 3 seconds, so
 * that you can watch your loop reconnect. Ctrl-C stops it.
 */
import { startEchoServer } from './server.js';

const server = await startEchoServer(Number(process.argv[2] ?? 0));
console.log(`echo server on ws://127.0.0.1:${server.port}/echo (cutting every connection every 3 s)`);
setInterval(() => {
  if (server.connections() > 0) console.log(`cutting ${server.connections()} connection(s)`);
  server.drop();
}, 3000);
