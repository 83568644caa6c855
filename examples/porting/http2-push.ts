/**
 * docs/porting.md, worked example (c): a request loop over HTTP/2 and a
 * push consumer, ported from Gun 2. fetch_all/2 is example (a)'s, unchanged:
 * only `protocols => [http2]` differs.
 *
 *   %% GET Path, and take what the server pushes with it: each gun_push comes
 *   %% before the parent's response, and the pushed stream's own messages
 *   %% follow it, on the new ref.
 *   get_with_pushes(ConnPid, Path) ->
 *       StreamRef = gun:get(ConnPid, Path),
 *       consume(ConnPid, StreamRef, Path).
 *
 *   consume(ConnPid, StreamRef, Path) ->
 *       receive
 *           {gun_push, ConnPid, StreamRef, PushedRef, Method, URI, _Headers} ->
 *               {response, nofin, Status, _} = gun:await(ConnPid, PushedRef, 1000),
 *               {ok, Body} = gun:await_body(ConnPid, PushedRef, 1000),
 *               io:format("push ~s ~s ~b ~s~n", [Method, URI, Status, Body]),
 *               consume(ConnPid, StreamRef, Path);
 *           {gun_response, ConnPid, StreamRef, nofin, Status, _Headers} ->
 *               {ok, Body} = gun:await_body(ConnPid, StreamRef, 1000),
 *               io:format("~s ~b ~s~n", [Path, Status, Body])
 *       after 1000 -> exit(timeout)
 *       end.
 *
 *   main(Port) ->
 *       {ok, ConnPid} = gun:open("127.0.0.1", Port, #{protocols => [http2]}),
 *       {ok, http2} = gun:await_up(ConnPid),
 *       PingRef = gun:ping(ConnPid),
 *       receive {gun_notify, ConnPid, ping_ack, PingRef} -> io:format("ping_ack~n")
 *       after 1000 -> exit(timeout)
 *       end,
 *       fetch_all(ConnPid, ["/hello", "/stream", "/missing", "/slow"]),
 *       get_with_pushes(ConnPid, "/"),
 *       gun:shutdown(ConnPid).
 *
 * A local HTTP/2 server (node:http2 without TLS, so the client speaks
 * HTTP/2 with prior knowledge; 127.0.0.1, a free port) answers: `/hello`
 * with a body, `/stream` with a body in two DATA frames, `/missing` with a
 * 404 and no body, `/slow` after longer than the 1000 ms the loop waits
 * (the loop cancels it: only that stream is reset, the connection goes on),
 * and `/` with a page, pushing `/style.css` first.
 *
 * The loop's requests are streams of one connection; `/` is fetched apart
 * because Gun's await would hand the loop the push (`{push, ...}`), which
 * example (a)'s case has no clause for.
 *
 * Run: npx tsx examples/porting/http2-push.ts
 */
import http2 from 'node:http2';
import type net from 'node:net';
import * as gun from '../../src/gun/index.js';
import { _, anyRef, anyString, exit, formatTerm, monitor, on, receive } from '../../src/runtime/index.js';

const CSS = 'body { color: teal }';
const server = http2.createServer();
const sessions = new Set<http2.ServerHttp2Session>();
server.on('session', (session) => {
  sessions.add(session);
  session.on('close', () => sessions.delete(session));
});
server.on('stream', (stream, headers) => {
  switch (headers[':path']) {
    case '/hello':
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end('Hello world!');
      return;
    case '/stream':
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.write('Hello ');
      setTimeout(() => stream.end('world!'), 10);
      return;
    case '/slow': {
      const timer = setTimeout(() => {
        stream.respond({ ':status': 200 });
        stream.end('too late');
      }, 1500);
      // The client's cancel resets the stream: nothing to answer then.
      stream.on('close', () => clearTimeout(timer));
      return;
    }
    case '/':
      // The PUSH_PROMISE goes out before the page's own response.
      stream.pushStream({ ':path': '/style.css' }, (err, pushed) => {
        if (err === null) {
          pushed.respond({ ':status': 200, 'content-type': 'text/css' });
          pushed.end(CSS);
        }
        stream.respond({ ':status': 200, 'content-type': 'text/html' });
        stream.end('<link rel="stylesheet" href="/style.css">Hello world!');
      });
      return;
    default:
      stream.respond({ ':status': 404 }, { endStream: true });
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as net.AddressInfo;

/** Example (a)'s request loop, as it is there. */
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
          // Stop the stream (RST_STREAM CANCEL) and drop whatever of it already came.
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

/** get_with_pushes/2 and consume/3: one receive per message, until the parent's response. */
async function getWithPushes(pid: gun.ConnPid, path: string): Promise<void> {
  const ref = gun.get(pid, path);
  for (let done = false; !done; ) {
    await receive(
      [
        // anyRef and anyString where Erlang has unbound variables: they type what they match.
        on(
          ['gun_push', pid, ref, anyRef, anyString, anyString, gun.anyHeaders],
          async ([, , , pushed, method, uri]) => {
            const res = await gun.await(pid, pushed, 1000);
            if (res[0] !== 'response' || res[1] !== 'nofin') throw new Error(`badmatch: ${formatTerm(res)}`);
            const body = await gun.awaitBody(pid, pushed, 1000);
            if (body[0] !== 'ok') throw new Error(`badmatch: ${formatTerm(body)}`);
            console.log(`push ${method} ${uri} ${res[2]} ${body[1]}`);
          },
        ),
        on(['gun_response', pid, ref, 'nofin', _, _], async ([, , , , status]) => {
          const body = await gun.awaitBody(pid, ref, 1000);
          if (body[0] !== 'ok') throw new Error(`badmatch: ${formatTerm(body)}`);
          console.log(`${path} ${status} ${body[1]}`);
          done = true;
        }),
      ],
      1000,
      () => exit('timeout'),
    );
  }
}

const pid = gun.open('127.0.0.1', port, { dialect: 'gun2', protocols: ['http2'] });
const up = await gun.awaitUp(pid);
if (up[0] !== 'ok' || up[1] !== 'http2') throw new Error(`badmatch: ${formatTerm(up)}`);
console.log(`up: ${up[1]}`);

const pingRef = gun.ping(pid);
await receive([on(['gun_notify', pid, 'ping_ack', pingRef], () => console.log('ping_ack'))], 1000, () =>
  exit('timeout'),
);

await fetchAll(pid, ['/hello', '/stream', '/missing', '/slow']);
await getWithPushes(pid, '/');

// gun:shutdown (a GOAWAY), and wait until the connection has gone, so the script ends.
const mref = monitor('process', pid);
gun.shutdown(pid);
const [, , , , reason] = await receive([['DOWN', mref, 'process', pid, _]], 20_000);
console.log(`connection down: ${formatTerm(reason)}`);
for (const session of sessions) session.destroy();
await new Promise<void>((resolve) => server.close(() => resolve()));
