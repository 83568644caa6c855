/**
 * docs/porting.md, worked example (a): a request loop, ported from Gun 2.
 *
 *   fetch_all(ConnPid, Paths) ->
 *       lists:foreach(fun(Path) ->
 *           StreamRef = gun:get(ConnPid, Path),
 *           case gun:await(ConnPid, StreamRef) of
 *               {response, fin, Status, _Headers} ->
 *                   io:format("~s ~b (no body)~n", [Path, Status]);
 *               {response, nofin, Status, _Headers} ->
 *                   {ok, Body} = gun:await_body(ConnPid, StreamRef),
 *                   io:format("~s ~b ~s~n", [Path, Status, Body]);
 *               {error, timeout} ->
 *                   gun:cancel(ConnPid, StreamRef),
 *                   gun:flush(StreamRef),
 *                   io:format("~s timed out~n", [Path]);
 *               {error, Reason} ->
 *                   io:format("~s failed: ~p~n", [Path, Reason])
 *           end
 *       end, Paths).
 *
 *   main(Port) ->
 *       {ok, ConnPid} = gun:open("127.0.0.1", Port),
 *       {ok, http} = gun:await_up(ConnPid),
 *       fetch_all(ConnPid, ["/", "/stream", "/missing", "/slow"]),
 *       gun:shutdown(ConnPid).
 *
 * A local HTTP server (node:http, 127.0.0.1, a free port) answers: `/` with
 * a body, `/stream` with a chunked body in two pieces, `/missing` with a 404
 * and no body, `/slow` after longer than the 1000 ms this loop waits.
 *
 * Run: npx tsx examples/porting/request-loop.ts
 */
import http from 'node:http';
import type net from 'node:net';
import * as gun from '../../src/gun/index.js';
import { _, formatTerm, monitor, receive } from '../../src/runtime/index.js';

const server = http.createServer((req, res) => {
  switch (req.url) {
    case '/':
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Hello world!');
      return;
    case '/stream':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('Hello ');
      setTimeout(() => res.end('world!'), 10);
      return;
    case '/slow':
      setTimeout(() => res.writeHead(200).end('too late'), 1500);
      return;
    default:
      res.writeHead(404, { 'content-length': '0' }).end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as net.AddressInfo;

async function fetchAll(pid: gun.ConnPid, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const ref = gun.get(pid, path);
    const res = await gun.await(pid, ref, 1000);
    switch (res[0]) {
      case 'response': {
        const [, isFin, status] = res;
        if (isFin === 'fin') {
          console.log(`${path} ${status} (no body)`);
          break;
        }
        const body = await gun.awaitBody(pid, ref, 1000);
        // {ok, Body} = ...: anything else is a badmatch.
        if (body[0] !== 'ok') throw new Error(`badmatch: ${formatTerm(body)}`);
        console.log(`${path} ${status} ${body[1]}`);
        break;
      }
      case 'error':
        if (res[1] === 'timeout') {
          // Stop the stream and drop whatever of it already came.
          gun.cancel(pid, ref);
          gun.flush(ref);
          console.log(`${path} timed out`);
          break;
        }
        console.log(`${path} failed: ${formatTerm(res[1])}`);
        break;
      default:
        throw new Error(`case_clause: ${formatTerm(res)}`);
    }
  }
}

const pid = gun.open('127.0.0.1', port, { dialect: 'gun2' });
const up = await gun.awaitUp(pid);
if (up[0] !== 'ok') throw new Error(`badmatch: ${formatTerm(up)}`);
console.log(`up: ${up[1]}`);
await fetchAll(pid, ['/', '/stream', '/missing', '/slow']);

// gun:shutdown, and wait until the connection has gone, so the script ends.
const mref = monitor('process', pid);
gun.shutdown(pid);
const [, , , , reason] = await receive([['DOWN', mref, 'process', pid, _]], 20_000);
console.log(`connection down: ${formatTerm(reason)}`);
server.closeAllConnections();
await new Promise<void>((resolve) => server.close(() => resolve()));
