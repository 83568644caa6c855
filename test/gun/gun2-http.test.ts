/**
 * Gun 2.4.1's HTTP test cases (gun_SUITE, flow_SUITE) ported to the gun2
 * dialect, one `it` per case, named after it; then HTTP/1.1 behaviour of our
 * own (pipelining, chunked bodies, trailers, informs, streamed request bodies,
 * cancel, bodiless responses, large bodies, headers, reply_to, flush, await,
 * streamInfo, the classic dialect). Real servers on 127.0.0.1: the
 * cowboy-like server of the suites' handlers, a node:http server for what it
 * lacks (an echo of the request body, 204/304, ordered answers), and raw TCP
 * origins where Gun's cases use gen_tcp.
 */
import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as gun from '../../src/gun/index.js';
import {
  _,
  BadArgError,
  exit,
  flush,
  isAlive,
  makeRef,
  monitor,
  type Ref,
  receive,
  run,
  self,
  send,
  sleep,
  spawn,
} from '../../src/runtime/index.js';
import { type CowboyLikeServer, startCowboyLike } from '../helpers/cowboy-like.js';
import { type RawOrigin, startRawOrigin } from '../helpers/raw-origin.js';
import { freePort } from '../helpers/servers.js';

const T = 3000;
const HELLO = 'Hello world!';

let cowboy: CowboyLikeServer;
let aux: AuxServer;
before(async () => {
  cowboy = await startCowboyLike();
  aux = await startAux();
});
after(async () => {
  await cowboy.close();
  await aux.close();
});

// -- helpers -------------------------------------------------------------------

/** Opens a gun2 connection to 127.0.0.1:`port`, owned by the running process. */
function open2(port: number, opts: gun.OpenOptions = {}): gun.ConnPid {
  return gun.open('127.0.0.1', port, { dialect: 'gun2', ...opts });
}

/** Opens a gun2 connection and waits for its gun_up (Gun's `{ok, http} = gun:await_up(Pid)`). */
async function openUp(port: number, opts: gun.OpenOptions = {}): Promise<gun.ConnPid> {
  const pid = open2(port, opts);
  assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
  return pid;
}

/** Waits until `cond` holds, at most `ms`; says whether it did. */
async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() >= end) return false;
    await sleep(5);
  }
  return true;
}

/** A response's header value (undefined when absent). */
function header(headers: readonly (readonly [string, string])[], name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

/** `await` that must give a response: its isFin, status and headers. */
async function response(pid: gun.ConnPid, ref: Ref, timeout: number | Ref = T) {
  const r = await gun.await(pid, ref, timeout);
  assert.equal(r[0], 'response', `expected a response, got ${JSON.stringify(r)}`);
  const [, isFin, status, headers] = r as readonly ['response', gun.IsFin, number, gun.Headers];
  return { isFin, status, headers };
}

/** `awaitBody` that must give `['ok', body]` (no trailers): the body as text. */
async function bodyText(pid: gun.ConnPid, ref: Ref, timeout: number | Ref = T): Promise<string> {
  const r = await gun.awaitBody(pid, ref, timeout);
  assert.equal(r[0], 'ok', `expected a body, got ${JSON.stringify(r)}`);
  assert.equal(r.length, 2, 'no trailers');
  return (r[1] as Buffer).toString('latin1');
}

/** Does a Gun message (any shape) name `x` (a pid or a ref) at position `i`? */
const names = (m: unknown, i: number, x: unknown): boolean => Array.isArray(m) && m[i] === x;

/**
 * A failed connection attempt that a server can count: the connection is
 * opened with TLS against a TCP origin that drops every connection at once,
 * so each attempt fails (in the TLS handshake) and is seen as one accept.
 * Gun's event handler sees the same thing as a connect_end or
 * tls_handshake_end with an error.
 */
const failingAttempts = (): Promise<RawOrigin> => startRawOrigin((s) => s.destroy());

interface AuxRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly remotePort: number | undefined;
}

interface AuxServer {
  readonly port: number;
  readonly requests: AuxRequest[];
  /** For `/say`: how many requests the server had seen when it answered each word. */
  readonly seenWhenAnswering: Map<string, number>;
  close(): Promise<void>;
}

/**
 * What the cowboy-like server lacks:
 * - `/echo`: answers 200 with the request body it received (recorded with its headers);
 * - `/status?code=N`: answers N with no body (204, 304);
 * - `/say?w=WORD&ms=N`: answers WORD after N ms (node:http answers pipelined requests in order).
 */
async function startAux(): Promise<AuxServer> {
  const requests: AuxRequest[] = [];
  const seenWhenAnswering = new Map<string, number>();
  const tcp = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        remotePort: req.socket.remotePort,
      });
      const url = new URL(req.url ?? '/', 'http://localhost');
      switch (url.pathname) {
        case '/echo':
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
          res.end(body);
          return;
        case '/status':
          res.writeHead(Number(url.searchParams.get('code')));
          res.end();
          return;
        case '/say': {
          const word = url.searchParams.get('w') ?? '';
          const t = setTimeout(
            () => {
              timers.delete(t);
              seenWhenAnswering.set(word, requests.length);
              res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(word.length) });
              res.end(word);
            },
            Number(url.searchParams.get('ms') ?? 0),
          );
          timers.add(t);
          return;
        }
        default:
          res.writeHead(404, { 'content-length': '0' });
          res.end();
      }
    });
  });
  server.keepAliveTimeout = 600_000;
  server.on('connection', (s: net.Socket) => {
    tcp.add(s);
    s.on('close', () => tcp.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    seenWhenAnswering,
    close() {
      for (const t of timers) clearTimeout(t);
      for (const s of tcp) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// -- gun_SUITE and flow_SUITE ----------------------------------------------------

describe('Gun 2.4.1 gun_SUITE / flow_SUITE cases (gun2 dialect)', () => {
  it('gun_SUITE retry_0: with retry 0 one failed attempt ends the connection, with no retry', () =>
    run(async () => {
      // The exit reason Gun gives (not asserted by Gun's case): {shutdown, econnrefused}.
      const port = await freePort();
      const refused = open2(port, { retry: 0, retryTimeout: 500 });
      const m1 = monitor('process', refused);
      assert.deepEqual((await receive([['DOWN', m1, 'process', refused, _]], T))[4], ['shutdown', 'econnrefused']);
      // What Gun's events assert: one attempt (connect_end with an error), then terminate.
      const origin = await failingAttempts();
      try {
        const pid = open2(origin.port, { transport: 'tls', retry: 0, retryTimeout: 500 });
        const mref = monitor('process', pid);
        const [, , , , reason] = await receive([['DOWN', mref, 'process', pid, _]], T);
        assert.equal((reason as unknown[])[0], 'shutdown');
        await sleep(100);
        assert.equal(origin.acceptedAt.length, 1, 'exactly one attempt');
      } finally {
        await origin.close();
      }
    }));

  it('gun_SUITE retry_0_disconnect: connected then closed by the peer, retry 0: gun_down, then exit, no reconnect', () =>
    run(async () => {
      const origin = await startRawOrigin((s) => s.end());
      try {
        const pid = open2(origin.port, { retry: 0, retryTimeout: 500 });
        const mref = monitor('process', pid);
        // connect_end without error...
        assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
        // ...disconnect...
        assert.deepEqual(await receive([['gun_down', pid, _, _, _]], T), ['gun_down', pid, 'http', 'closed', []]);
        // ...terminate.
        assert.deepEqual(await receive([['DOWN', mref, 'process', pid, _]], T), [
          'DOWN',
          mref,
          'process',
          pid,
          ['shutdown', 'closed'],
        ]);
        await sleep(100);
        assert.equal(origin.acceptedAt.length, 1, 'no second connection');
      } finally {
        await origin.close();
      }
    }));

  it('gun_SUITE retry_1: with retry 1 two attempts are made, then the connection ends', () =>
    run(async () => {
      const origin = await failingAttempts();
      try {
        const pid = open2(origin.port, { transport: 'tls', retry: 1, retryTimeout: 500 });
        const mref = monitor('process', pid);
        const [, , , , reason] = await receive([['DOWN', mref, 'process', pid, _]], T);
        assert.equal((reason as unknown[])[0], 'shutdown');
        await sleep(100);
        assert.equal(origin.acceptedAt.length, 2, 'two full attempts');
      } finally {
        await origin.close();
      }
    }));

  it('gun_SUITE retry_1_disconnect: after a disconnect the first reconnect ignores retryTimeout', () =>
    run(async () => {
      const origin = await startRawOrigin((s) => s.end());
      try {
        const pid = open2(origin.port, { retry: 1, retryTimeout: 30_000 });
        try {
          assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
          // A 30 s retryTimeout: only an immediate reconnect reaches the server in time.
          assert.ok(await waitUntil(() => origin.acceptedAt.length >= 2, 2000), 'a second connection was accepted');
        } finally {
          gun.close(pid);
        }
      } finally {
        await origin.close();
      }
    }));

  it('gun_SUITE retry_timeout: the first retry is immediate, the next one waits retryTimeout', () =>
    run(async () => {
      const origin = await failingAttempts();
      try {
        const pid = open2(origin.port, { transport: 'tls', retry: 2, retryTimeout: 1500 });
        const mref = monitor('process', pid);
        assert.ok(await waitUntil(() => origin.acceptedAt.length >= 1, T), 'first attempt');
        // Immediate: well within retryTimeout.
        assert.ok(await waitUntil(() => origin.acceptedAt.length >= 2, 1000), 'second attempt at once');
        assert.ok(await waitUntil(() => origin.acceptedAt.length >= 3, T), 'third attempt');
        const [, second = 0, third = 0] = origin.acceptedAt;
        assert.ok(third - second >= 1450, `third attempt ${third - second} ms after the second`);
        const [, , , , reason] = await receive([['DOWN', mref, 'process', pid, _]], T);
        assert.equal((reason as unknown[])[0], 'shutdown');
        assert.equal(origin.acceptedAt.length, 3);
      } finally {
        await origin.close();
      }
    }));

  it('gun_SUITE shutdown_reason: retries run out: exit [shutdown, econnrefused]', () =>
    run(async () => {
      const port = await freePort();
      const pid = open2(port, { retry: 1, retryTimeout: 500 });
      const mref = monitor('process', pid);
      assert.deepEqual(await receive([['DOWN', mref, 'process', pid, _]], T), [
        'DOWN',
        mref,
        'process',
        pid,
        ['shutdown', 'econnrefused'],
      ]);
    }));

  it('gun_SUITE postpone_request_while_not_connected: a request made before the connection is sent once it is up', () =>
    run(async () => {
      const port = await freePort();
      const pid = open2(port, { retry: 5, retryTimeout: 1000 });
      let late: CowboyLikeServer | undefined;
      try {
        const ref = gun.get(pid, '/postponed');
        await sleep(100); // the first attempt (and the immediate retry) failed
        late = await startCowboyLike({ port });
        const server = late;
        assert.deepEqual(await gun.awaitUp(pid, 5000), ['ok', 'http']);
        assert.ok(await waitUntil(() => server.requests.length > 0, 5000), 'the server got the request');
        const [req] = server.requests;
        assert.equal(req?.method, 'GET');
        assert.equal(req?.path, '/postponed');
        assert.equal(req?.httpVersion, '1.1');
        // And its answer comes back to the stream (404: no such path on this server).
        assert.equal((await response(pid, ref)).status, 404);
      } finally {
        gun.close(pid);
        await late?.close();
      }
    }));

  it('gun_SUITE killed_streams_http: a response completed before connection: close is not a killed stream', () =>
    run(async () => {
      const pid = open2(cowboy.port);
      try {
        const ref = gun.get(pid, '/close?body=hello%20world!');
        const r = await response(pid, ref);
        assert.equal(r.isFin, 'nofin');
        assert.equal(r.status, 200);
        assert.deepEqual(await gun.awaitBody(pid, ref), ['ok', Buffer.from('hello world!')]);
        assert.deepEqual(await receive([['gun_down', pid, _, _, _]], T), ['gun_down', pid, 'http', 'normal', []]);
      } finally {
        gun.close(pid);
      }
    }));

  it('gun_SUITE set_owner: the owner gives the connection away while not connected, then exits', () =>
    run(async () => {
      const me = self();
      const port = await freePort();
      spawn(() => {
        const pid = gun.open('127.0.0.1', port, { dialect: 'gun2' });
        gun.setOwner(pid, me);
        send(me, ['conn', pid]);
      });
      const [, conn] = await receive([['conn', _]], T);
      const pid = conn as gun.ConnPid;
      try {
        assert.equal((await gun.info(pid)).owner, me);
        // The old owner exited normally: had that counted, the connection would have exited too.
        await sleep(100);
        assert.equal(isAlive(pid), true);
        assert.equal((await gun.info(pid)).owner, me);
      } finally {
        gun.close(pid);
      }
    }));

  it('gun_SUITE info: once the server has accepted, info says connected, with the socket address', () =>
    run(async () => {
      let accepted: (s: net.Socket) => void = () => undefined;
      const acceptance = new Promise<net.Socket>((resolve) => {
        accepted = resolve;
      });
      const origin = await startRawOrigin((s) => accepted(s));
      try {
        const pid = open2(origin.port);
        try {
          const peer = await acceptance;
          // Gun's connect blocks its state machine, so once the server has
          // accepted, info is answered connected. Ours learns of its connect
          // through a socket event a moment later: info waits for it.
          const info = await gun.info(pid);
          assert.equal(info.stateName, 'connected');
          assert.equal(info.sockIp, '127.0.0.1');
          assert.equal(info.sockPort, peer.remotePort);
          assert.equal(info.owner, self());
          assert.equal(info.transport, 'tcp');
          assert.equal(info.originScheme, 'http');
          assert.equal(info.originHost, '127.0.0.1');
          assert.equal(info.originPort, origin.port);
          assert.deepEqual(info.intermediaries, []);
          assert.equal(info.protocol, 'http');
        } finally {
          gun.close(pid);
        }
      } finally {
        await origin.close();
      }
    }));

  it('gun_SUITE ws_send_http: wsSend on an HTTP connection gives a connection-level badstate error', () =>
    run(async () => {
      const origin = await startRawOrigin();
      try {
        const pid = open2(origin.port);
        try {
          assert.ok(await waitUntil(() => origin.acceptedAt.length === 1, T), 'accepted');
          assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
          gun.wsSend(pid, makeRef(), 'ping');
          // Gun reads it with gun:await(Pid, undefined): a connection-level
          // gun_error (a 3-tuple) matches whatever ref await is given.
          const r = await gun.await(pid, makeRef(), T);
          assert.equal(r[0], 'error', `got ${JSON.stringify(r)}`);
          const [kind, reason] = r[1] as readonly [string, unknown];
          assert.equal(kind, 'connection_error');
          assert.equal((reason as unknown[])[0], 'badstate');
        } finally {
          gun.close(pid);
        }
      } finally {
        await origin.close();
      }
    }));

  it('gun_SUITE reply_to_http: the stream messages go to reply_to, not to the caller', () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      const me = self();
      const replyTo = spawn(async () => {
        const [, ref] = await receive([['ref', _]]);
        const r = await gun.await(pid, ref as Ref, Infinity);
        send(me, ['reply_to got', r]);
      });
      try {
        const ref = gun.get(pid, '/', [], { replyTo });
        send(replyTo, ['ref', ref]);
        const [, r] = await receive([['reply_to got', _]], T);
        assert.equal((r as unknown[])[0], 'response');
        assert.equal((r as unknown[]).length, 4);
        await sleep(50);
        assert.deepEqual(flush(), [], 'the caller got nothing');
      } finally {
        exit(replyTo, 'kill');
        gun.close(pid);
      }
    }));

  it('flow_SUITE flow_http: with flow 1 one gun_data comes, then none until updateFlow', () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      try {
        const ref = gun.get(pid, '/sse_clock', [], { flow: 1 });
        const r = await response(pid, ref);
        assert.equal(r.isFin, 'nofin');
        assert.equal(r.status, 200);
        assert.deepEqual((await gun.await(pid, ref)).slice(0, 2), ['data', 'nofin']);
        assert.deepEqual(await gun.await(pid, ref, 3000), ['error', 'timeout']);
        gun.updateFlow(pid, ref, 2);
        assert.deepEqual((await gun.await(pid, ref)).slice(0, 2), ['data', 'nofin']);
        assert.deepEqual((await gun.await(pid, ref)).slice(0, 2), ['data', 'nofin']);
        assert.deepEqual(await gun.await(pid, ref, 1000), ['error', 'timeout']);
      } finally {
        gun.close(pid);
      }
    }));
});

// -- HTTP/1.1, ours ------------------------------------------------------------

describe('gun2 HTTP/1.1', () => {
  it('pipelining: requests written at once are answered in order, each to its own ref', () =>
    run(async () => {
      aux.requests.length = 0;
      const pid = await openUp(aux.port);
      try {
        const words = ['alpha', 'beta', 'gamma', 'delta'];
        // The first answer is slow: the others must have reached the server before it.
        const refs = words.map((w, i) => gun.get(pid, `/say?w=${w}&ms=${i === 0 ? 150 : 0}`));
        const seen: Array<[number, string, unknown]> = [];
        while (seen.filter(([, kind, fin]) => kind === 'data' && fin === 'fin').length < words.length) {
          const m = (await receive(
            [
              ['gun_response', pid, _, _, _, _],
              ['gun_data', pid, _, _, _],
            ],
            T,
          )) as unknown[];
          const i = refs.indexOf(m[2] as Ref);
          assert.ok(i >= 0, 'a ref of ours');
          seen.push(m[0] === 'gun_response' ? [i, 'response', m[4]] : [i, 'data', m[3]]);
          if (m[0] === 'gun_data') assert.equal((m[4] as Buffer).toString(), words[i]);
        }
        // In order: each stream's response and body before the next stream's.
        assert.deepEqual(
          seen.map(([i, kind]) => [i, kind]),
          words.flatMap((_w, i) => [
            [i, 'response'],
            [i, 'data'],
          ]),
        );
        assert.equal(aux.seenWhenAnswering.get('alpha'), words.length, 'all four were on the wire at once');
        assert.equal(new Set(aux.requests.map((r) => r.remotePort)).size, 1, 'one connection');
      } finally {
        gun.close(pid);
      }
    }));

  it('a chunked response is delivered in pieces, nofin until the end', () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      try {
        const ref = gun.get(pid, '/stream');
        const r = await response(pid, ref);
        assert.equal(r.isFin, 'nofin');
        assert.equal(r.status, 200);
        assert.equal(header(r.headers, 'transfer-encoding'), 'chunked');
        const pieces: string[] = [];
        for (;;) {
          const d = await gun.await(pid, ref);
          assert.equal(d[0], 'data');
          const [, isFin, data] = d as readonly ['data', gun.IsFin, Buffer];
          pieces.push(data.toString());
          if (isFin === 'fin') break;
        }
        assert.equal(pieces.join(''), HELLO);
        assert.ok(pieces.filter((p) => p !== '').length >= 2, `in pieces: ${JSON.stringify(pieces)}`);
        assert.deepEqual(await gun.await(pid, ref, 100), ['error', 'timeout'], 'nothing after fin');
      } finally {
        gun.close(pid);
      }
    }));

  it('trailers: with te: trailers the body ends with gun_trailers; awaitBody gives [ok, body, trailers]', () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      try {
        const ref = gun.get(pid, '/trailers', [['te', 'trailers']]);
        const r = await response(pid, ref);
        assert.equal(r.isFin, 'nofin');
        assert.equal(header(r.headers, 'trailer'), 'expires');
        assert.deepEqual(await gun.awaitBody(pid, ref), [
          'ok',
          Buffer.from(HELLO),
          [['expires', 'Sun, 10 Dec 2017 19:13:47 GMT']],
        ]);
        // Without te: trailers the server sends none: a plain [ok, body].
        const ref2 = gun.get(pid, '/trailers');
        await response(pid, ref2);
        assert.deepEqual(await gun.awaitBody(pid, ref2), ['ok', Buffer.from(HELLO)]);
      } finally {
        gun.close(pid);
      }
    }));

  it('a 1xx inform (103) arrives as gun_inform before the response', () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      try {
        const ref = gun.get(pid, '/inform');
        const inform = ['inform', 103, [['content-type', 'text/plain']]];
        assert.deepEqual(await gun.await(pid, ref), inform);
        assert.deepEqual(await gun.await(pid, ref), inform);
        const r = await response(pid, ref);
        assert.equal(r.status, 200);
        assert.equal(await bodyText(pid, ref), HELLO);
      } finally {
        gun.close(pid);
      }
    }));

  it('a streamed request body (headers + data) without content-length goes chunked; the server gets the exact body', () =>
    run(async () => {
      aux.requests.length = 0;
      const pid = await openUp(aux.port);
      try {
        const binary = Buffer.from(Array.from({ length: 256 }, (_v, i) => i));
        const ref = gun.headers(pid, 'POST', '/echo', [['content-type', 'application/octet-stream']]);
        gun.data(pid, ref, 'nofin', 'Hello ');
        gun.data(pid, ref, 'nofin', binary);
        gun.data(pid, ref, 'nofin', '');
        gun.data(pid, ref, 'fin', 'world!');
        const expected = Buffer.concat([Buffer.from('Hello '), binary, Buffer.from('world!')]);
        const r = await response(pid, ref);
        assert.equal(r.status, 200);
        assert.deepEqual(await gun.awaitBody(pid, ref), ['ok', expected]);
        const [req] = aux.requests;
        assert.equal(req?.method, 'POST');
        assert.equal(req?.headers['transfer-encoding'], 'chunked');
        assert.equal(req?.headers['content-length'], undefined);
        assert.deepEqual(req?.body, expected);
      } finally {
        gun.close(pid);
      }
    }));

  it('a streamed request body with a content-length is sent as is; the server gets the exact body', () =>
    run(async () => {
      aux.requests.length = 0;
      const pid = await openUp(aux.port);
      try {
        const ref = gun.headers(pid, 'PUT', '/echo', { 'content-length': '12' });
        gun.data(pid, ref, 'nofin', 'Hello');
        gun.data(pid, ref, 'nofin', Buffer.from(' '));
        gun.data(pid, ref, 'fin', 'world!');
        assert.equal((await response(pid, ref)).status, 200);
        assert.equal(await bodyText(pid, ref), HELLO);
        const [req] = aux.requests;
        assert.equal(req?.method, 'PUT');
        assert.equal(req?.headers['content-length'], '12');
        assert.equal(req?.headers['transfer-encoding'], undefined);
        assert.equal(req?.body.toString(), HELLO);
        // The connection is in step afterwards.
        const ref2 = gun.post(pid, '/echo', [], 'again');
        await response(pid, ref2);
        assert.equal(await bodyText(pid, ref2), 'again');
      } finally {
        gun.close(pid);
      }
    }));

  it("post without a body, or with options in the body's place, streams its body (Gun's post/3 and post/4 with a map)", () =>
    run(async () => {
      aux.requests.length = 0;
      const pid = await openUp(aux.port);
      try {
        const me = self();
        const streamed = gun.post(pid, '/echo', [['content-type', 'text/plain']]);
        gun.data(pid, streamed, 'fin', 'streamed');
        assert.equal((await response(pid, streamed)).status, 200);
        assert.equal(await bodyText(pid, streamed), 'streamed');
        const withOpts = gun.put(pid, '/echo', [], { replyTo: me });
        gun.data(pid, withOpts, 'nofin', 'with ');
        gun.data(pid, withOpts, 'fin', 'options');
        assert.equal((await response(pid, withOpts)).status, 200);
        assert.equal(await bodyText(pid, withOpts), 'with options');
        const whole = gun.patch(pid, '/echo', [], 'whole', { replyTo: me });
        assert.equal((await response(pid, whole)).status, 200);
        assert.equal(await bodyText(pid, whole), 'whole');
        assert.deepEqual(
          aux.requests.map((r) => [r.method, r.headers['transfer-encoding'], r.body.toString()]),
          [
            ['POST', 'chunked', 'streamed'],
            ['PUT', 'chunked', 'with options'],
            ['PATCH', undefined, 'whole'],
          ],
        );
        // Neither a body nor options: refused at the call, naming the body.
        assert.throws(
          () => gun.post(pid, '/echo', [], 42 as unknown as string),
          (err: unknown) => err instanceof BadArgError && err.argument === 'body',
        );
      } finally {
        gun.close(pid);
      }
    }));

  it('cancel: nothing more arrives for the cancelled ref; the next request on the connection works', () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      try {
        const cancelled = gun.get(pid, '/delayed?ms=200');
        gun.cancel(pid, cancelled);
        const next = gun.get(pid, '/');
        // Answered after the cancelled one (pipelined behind it), so that one has been read and dropped by now.
        const r = await response(pid, next);
        assert.equal(r.status, 200);
        assert.equal(await bodyText(pid, next), HELLO);
        await sleep(50);
        assert.deepEqual(
          flush().filter((m) => names(m, 2, cancelled)),
          [],
          'no message for the cancelled stream',
        );
        // A ref the connection does not know: Gun's badstate, to the caller.
        const unknown = makeRef();
        gun.cancel(pid, unknown);
        assert.deepEqual(await receive([['gun_error', pid, unknown, _]], T), [
          'gun_error',
          pid,
          unknown,
          ['badstate', 'The stream cannot be found.'],
        ]);
      } finally {
        gun.close(pid);
      }
    }));

  it("responses without a body (204, 304, HEAD) are 'fin': no gun_data follows (awaitBody times out)", () =>
    run(async () => {
      const pid = await openUp(aux.port);
      const pidHead = await openUp(cowboy.port);
      try {
        for (const code of [204, 304]) {
          const ref = gun.get(pid, `/status?code=${code}`);
          const r = await response(pid, ref);
          assert.equal(r.status, code);
          assert.equal(r.isFin, 'fin');
          assert.deepEqual(await gun.awaitBody(pid, ref, 200), ['error', 'timeout']);
        }
        const ref = gun.head(pidHead, '/');
        const r = await response(pidHead, ref);
        assert.equal(r.status, 200);
        assert.equal(r.isFin, 'fin');
        assert.equal(header(r.headers, 'content-length'), '12');
        assert.deepEqual(await gun.awaitBody(pidHead, ref, 200), ['error', 'timeout']);
        // Both connections still in step.
        const after1 = gun.get(pid, '/say?w=next');
        await response(pid, after1);
        assert.equal(await bodyText(pid, after1), 'next');
        const after2 = gun.get(pidHead, '/');
        await response(pidHead, after2);
        assert.equal(await bodyText(pidHead, after2), HELLO);
      } finally {
        gun.close(pid);
        gun.close(pidHead);
      }
    }));

  it('a response larger than 1 MiB: awaitBody gives the exact bytes', () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      try {
        const size = 2 * 1024 * 1024 + 3;
        const ref = gun.get(pid, `/large?size=${size}`);
        const r = await response(pid, ref);
        assert.equal(r.isFin, 'nofin');
        assert.equal(header(r.headers, 'content-length'), String(size));
        const body = await gun.awaitBody(pid, ref);
        assert.equal(body[0], 'ok');
        assert.equal(body.length, 2);
        const bytes = body[1] as Buffer;
        assert.equal(bytes.length, size);
        assert.ok(bytes.equals(Buffer.alloc(size, '0123456789abcdef')), 'the exact bytes');
      } finally {
        gun.close(pid);
      }
    }));

  it('header injection is refused at the call with BadArgError (CR/LF in a value, a bad name); nothing is sent', () =>
    run(async () => {
      aux.requests.length = 0;
      const pid = await openUp(aux.port);
      try {
        assert.throws(() => gun.get(pid, '/echo', [['x-evil', 'a\r\nx-injected: yes']]), BadArgError);
        assert.throws(() => gun.get(pid, '/echo', { 'x-evil': 'a\nb' }), BadArgError);
        assert.throws(() => gun.get(pid, '/echo', [['x-evil', 'a\rb']]), BadArgError);
        assert.throws(() => gun.get(pid, '/echo', [['bad name', 'v']]), BadArgError);
        assert.throws(() => gun.get(pid, '/echo', [['x-a\r\nx-b', 'v']]), BadArgError);
        assert.throws(() => gun.get(pid, '/echo', [['x-a:', 'v']]), BadArgError);
        assert.throws(() => gun.post(pid, '/echo', [['x-evil', 'a\r\n']], 'body'), BadArgError);
        assert.throws(() => gun.request(pid, 'PUT', '/echo', [['x-evil', '\n']], 'body'), BadArgError);
        assert.throws(() => gun.headers(pid, 'POST', '/echo', [['x-evil', '\r\n\r\nGET / HTTP/1.1']]), BadArgError);
        // Names are lower-cased on the way out; the good request is the only one the server sees.
        const ref = gun.get(pid, '/echo', [['X-Mixed-Case', 'Value Kept']]);
        // The echo of an empty body: content-length 0, so the response is 'fin'.
        const r = await response(pid, ref);
        assert.deepEqual([r.isFin, r.status], ['fin', 200]);
        assert.equal(aux.requests.length, 1);
        assert.equal(aux.requests[0]?.headers['x-mixed-case'], 'Value Kept');
        assert.equal(aux.requests[0]?.headers['x-injected'], undefined);
      } finally {
        gun.close(pid);
      }
    }));

  it('response headers are [name, value] pairs in wire order, names lower-cased, values and repeats kept', () =>
    run(async () => {
      const origin = await startRawOrigin((s) => {
        s.once('data', () =>
          s.write(
            'HTTP/1.1 200 OK\r\nX-Zeta: Last-Letter\r\nContent-Length: 2\r\nX-Alpha: first\r\n' +
              'Set-Cookie: a=1\r\nSET-COOKIE: b=2\r\ncontent-type: text/plain\r\n\r\nok',
          ),
        );
      });
      try {
        const pid = await openUp(origin.port);
        try {
          const ref = gun.get(pid, '/');
          const r = await response(pid, ref);
          assert.deepEqual(r.headers, [
            ['x-zeta', 'Last-Letter'],
            ['content-length', '2'],
            ['x-alpha', 'first'],
            ['set-cookie', 'a=1'],
            ['set-cookie', 'b=2'],
            ['content-type', 'text/plain'],
          ]);
          assert.equal(await bodyText(pid, ref), 'ok');
        } finally {
          gun.close(pid);
        }
      } finally {
        await origin.close();
      }
    }));

  it("reqOpts.replyTo sends the stream's messages to another process", () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      const me = self();
      const collector = spawn(async () => {
        for (;;) send(me, ['collected', await receive([_])]);
      });
      try {
        const ref = gun.get(pid, '/', [], { replyTo: collector });
        const [, m1] = await receive([['collected', _]], T);
        const [, m2] = await receive([['collected', _]], T);
        const [tag, p, r, isFin, status] = m1 as unknown[];
        assert.deepEqual([tag, p, r, isFin, status], ['gun_response', pid, ref, 'nofin', 200]);
        assert.deepEqual(m2, ['gun_data', pid, ref, 'fin', Buffer.from(HELLO)]);
        await sleep(50);
        assert.deepEqual(flush(), [], 'the caller got nothing');
      } finally {
        exit(collector, 'kill');
        gun.close(pid);
      }
    }));

  it('gun.flush(ref) removes exactly that stream’s messages', () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      try {
        const r1 = gun.get(pid, '/');
        const r2 = gun.get(pid, '/stream');
        const r3 = gun.get(pid, '/');
        // Answered in order: once r3 is complete, r1 and r2 are in the mailbox.
        await response(pid, r3);
        assert.equal(await bodyText(pid, r3), HELLO);
        gun.flush(r1);
        const left = flush() as unknown[][];
        assert.ok(left.length >= 3, `r2's response and data left: ${left.length}`);
        assert.ok(
          left.every((m) => m[2] === r2),
          'only r2',
        );
        assert.equal(left[0]?.[0], 'gun_response');
        assert.equal(
          left
            .slice(1)
            .map((m) => (m[4] as Buffer).toString())
            .join(''),
          HELLO,
        );
      } finally {
        gun.close(pid);
      }
    }));

  it("gun.flush(pid) removes exactly that connection's messages, its DOWN included", () =>
    run(async () => {
      const a = open2(cowboy.port);
      const b = open2(cowboy.port);
      try {
        gun.get(a, '/');
        const rb = gun.get(b, '/');
        const endA = gun.get(a, '/');
        const endB = gun.get(b, '/');
        await response(a, endA);
        await gun.awaitBody(a, endA);
        await response(b, endB);
        await gun.awaitBody(b, endB);
        monitor('process', a);
        gun.close(a);
        await sleep(20);
        gun.flush(a);
        const left = flush() as unknown[][];
        assert.ok(
          left.every((m) => m[1] === b),
          `only b's messages left: ${left.map((m) => m[0]).join(', ')}`,
        );
        assert.deepEqual(
          left.map((m) => m[0]),
          ['gun_up', 'gun_response', 'gun_data'],
        );
        assert.equal(left[1]?.[2], rb);
      } finally {
        gun.close(a);
        gun.close(b);
      }
    }));

  it('await with a monitor ref as third argument uses that monitor', () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      const mref = monitor('process', pid);
      const ref = gun.get(pid, '/');
      const r = await response(pid, ref, mref);
      assert.equal(r.status, 200);
      assert.equal(await bodyText(pid, ref, mref), HELLO);
      // The caller's monitor is still there: the connection's death comes through it.
      const slow = gun.get(pid, '/delayed?ms=2000');
      const killer = spawn(async () => {
        await sleep(50);
        gun.close(pid);
      });
      assert.deepEqual(await gun.await(pid, slow, mref), ['error', ['down', 'shutdown']]);
      assert.equal(isAlive(killer), false);
      assert.deepEqual(flush(), [], 'that DOWN was the only one');
    }));

  it("await on a connection that dies gives ['error', ['down', reason]]; on a silent stream ['error', 'timeout']", () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      const ref = gun.get(pid, '/delayed?ms=1000');
      // A timeout is per call, and leaves the stream alone.
      assert.deepEqual(await gun.await(pid, ref, 50), ['error', 'timeout']);
      const killer = spawn(async () => {
        await sleep(50);
        gun.close(pid);
      });
      assert.deepEqual(await gun.await(pid, ref), ['error', ['down', 'shutdown']]);
      assert.equal(isAlive(killer), false);
      // Already dead: the monitor says noproc, as Erlang's does.
      assert.deepEqual(await gun.await(pid, ref, 500), ['error', ['down', 'noproc']]);
      assert.deepEqual(await gun.awaitBody(pid, ref, 500), ['error', ['down', 'noproc']]);
      assert.deepEqual(flush(), []);
    }));

  it("streamInfo of a stream just requested says running (with its replyTo); just cancelled, 'stopping'", () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      const other = spawn(() => receive([]));
      try {
        // Gun's stream_info is a call: it is handled after the request cast
        // the same process made before it, so the stream is always known.
        const ref = gun.get(pid, '/delayed?ms=300');
        const running = await gun.streamInfo(pid, ref);
        assert.equal(running[0], 'ok');
        assert.deepEqual(running[1] && { ref: running[1].ref, replyTo: running[1].replyTo, state: running[1].state }, {
          ref,
          replyTo: self(),
          state: 'running',
        });
        const ref2 = gun.get(pid, '/delayed?ms=300', [], { replyTo: other });
        const info2 = await gun.streamInfo(pid, ref2);
        assert.equal(info2[0] === 'ok' ? info2[1]?.replyTo : undefined, other);
        // Cancelled, its response not read yet: stopping.
        gun.cancel(pid, ref2);
        const stopping = await gun.streamInfo(pid, ref2);
        assert.equal(stopping[0] === 'ok' ? stopping[1]?.state : undefined, 'stopping');
      } finally {
        exit(other, 'kill');
        gun.close(pid);
      }
    }));

  it("streamInfo of an unknown ref, or of a stream whose response is complete, is ['ok', undefined]", () =>
    run(async () => {
      const pid = await openUp(cowboy.port);
      try {
        assert.deepEqual(await gun.streamInfo(pid, makeRef()), ['ok', undefined]);
        const ref = gun.get(pid, '/');
        await response(pid, ref);
        assert.equal(await bodyText(pid, ref), HELLO);
        assert.deepEqual(await gun.streamInfo(pid, ref), ['ok', undefined]);
      } finally {
        gun.close(pid);
      }
    }));

  it("streamInfo while not connected is ['error', 'not_connected']", () =>
    run(async () => {
      const port = await freePort();
      const pid = open2(port, { retry: 5, retryTimeout: 60_000 });
      try {
        assert.deepEqual(await gun.streamInfo(pid, makeRef()), ['error', 'not_connected']);
        await sleep(50); // both first attempts failed: waiting a minute to retry
        assert.equal(isAlive(pid), true);
        assert.deepEqual(await gun.streamInfo(pid, makeRef()), ['error', 'not_connected']);
      } finally {
        gun.close(pid);
      }
    }));

  it('the classic dialect speaks the same HTTP messages', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', cowboy.port, { dialect: 'classic', retry: 0 });
      try {
        const ref = gun.get(pid, '/');
        const [tag, p, r, isFin, status, headers] = (await receive([['gun_response', pid, ref, _, _, _]], T)) as [
          string,
          unknown,
          unknown,
          string,
          number,
          gun.Headers,
        ];
        assert.deepEqual([tag, p, r, isFin, status], ['gun_response', pid, ref, 'nofin', 200]);
        assert.equal(header(headers, 'content-type'), 'text/plain');
        assert.deepEqual(await receive([['gun_data', pid, ref, _, _]], T), [
          'gun_data',
          pid,
          ref,
          'fin',
          Buffer.from(HELLO),
        ]);
        // An error about a stream carries its ref in classic too.
        const unknown = makeRef();
        gun.cancel(pid, unknown);
        assert.deepEqual(await receive([['gun_error', pid, _, _]], T), [
          'gun_error',
          pid,
          unknown,
          ['badstate', 'The stream cannot be found.'],
        ]);
        await sleep(50);
        assert.deepEqual(flush(), [], 'no gun_up in classic, nothing else');
      } finally {
        gun.close(pid);
      }
    }));
});
