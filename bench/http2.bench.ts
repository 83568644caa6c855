/**
 * HTTP/2 client benchmarks: requests per second on ONE h2c connection
 * (prior knowledge, no TLS), our Gun client (gun2, `protocols: ['http2']`)
 * against a raw `node:http2` client (`http2.connect`, `session.request`) and
 * undici's `Client` (`allowH2: true, useH2c: true`), in the same run, against
 * the same server (bench/http2-server.ts, in its own process: 200 and a
 * 1 KiB body with a content-length). Two patterns: one request at a time
 * (each body complete before the next request), and 100 concurrent streams
 * (100 requests outstanding at all times). Then WebSocket echo round trips,
 * the same Gun client over HTTP/2 (RFC 8441, an extended CONNECT on the h2c
 * server) and over HTTP/1.1 (a `ws` `WebSocketServer` in the same server
 * process).
 *
 * Every measurement is bounded twice: a count, and a deadline (`LIMIT_MS`);
 * the rate is what was done over the time it took. Every wait on the server
 * has a timeout, so a wedged server fails the run rather than hanging it.
 */
import { type ChildProcess, spawn as spawnChild } from 'node:child_process';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import * as gun from '../src/gun/index.js';
import { _, type Ref, receive, run } from '../src/runtime/index.js';
import { checkBody, rate, rounds, within } from './http-measure.js';
import type { Figure } from './runtime.bench.js';

/** Longest a single measurement may run; it then stops and counts what it did. */
const LIMIT_MS = 5_000;
/** Longest any one response (or echo) may take. */
const REPLY_MS = 5_000;
const PATH = '/';

interface Http2Server {
  /** The h2c server (GETs, and WebSockets over HTTP/2). */
  port: number;
  /** The `ws` WebSocketServer (WebSockets over HTTP/1.1). */
  wsPort: number;
  child: ChildProcess;
}

async function startServer(): Promise<Http2Server> {
  const script = fileURLToPath(new URL('./http2-server.ts', import.meta.url));
  const child = spawnChild(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<[number, number]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the HTTP/2 server did not start in 10 s')), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      const m = /PORT (\d+) WSPORT (\d+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve([Number(m[1]), Number(m[2])]);
      }
    });
    child.once('exit', (code) => reject(new Error(`HTTP/2 server exited ${code}`)));
  });
  return { port: ports[0], wsPort: ports[1], child };
}

/** Things done and the seconds they took: a rate in k/s. */
/**
 * `window` loops at once, each a request then its whole body, until `n`
 * have started or the deadline passed: the baselines' driver (one loop is
 * one request at a time).
 */
async function loops(what: string, n: number, window: number, one: () => Promise<void>): Promise<number> {
  await within(REPLY_MS, `${what} warm-up`, one());
  const deadline = performance.now() + LIMIT_MS;
  const t0 = performance.now();
  let started = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (started < n && performance.now() < deadline) {
      started++;
      await one();
      done++;
    }
  };
  // One watchdog for the whole loop: a timer per request would cost the baseline.
  await within(LIMIT_MS + REPLY_MS, what, Promise.all(Array.from({ length: window }, worker)));
  return rate(done, t0);
}

// -- ours ------------------------------------------------------------------

/** A gun2 connection, up: `gun.open(host, port, { protocols: [protocol], dialect: 'gun2', retry: 0 })`. */
async function gunConnect(port: number, protocol: 'http2' | 'http', ws = false): Promise<gun.ConnPid> {
  const opts: gun.OpenOptions = { protocols: [protocol], dialect: 'gun2', retry: 0 };
  // WebSockets without keepalive pings, as in the gun group: nothing but the echoes on the wire.
  const pid = gun.open('127.0.0.1', port, ws ? { ...opts, wsOpts: { keepalive: Infinity } } : opts);
  const up = await gun.awaitUp(pid, REPLY_MS);
  if (up[0] !== 'ok' || up[1] !== protocol) throw new Error(`gun: not up on ${protocol}: ${gun.formatGunMessage(up)}`);
  return pid;
}

/**
 * Up to `window` requests outstanding (1: one at a time), each answered by
 * `gun.await` + `gun.awaitBody`, oldest first (the head has to be taken:
 * `awaitBody` alone would leave every `gun_response` in the mailbox).
 */
async function gunWindowAwait(port: number, n: number, window: number): Promise<number> {
  return run(async () => {
    const pid = await gunConnect(port, 'http2');
    const deadline = performance.now() + LIMIT_MS;
    const t0 = performance.now();
    const inFlight: Ref[] = [];
    let head = 0;
    let sent = 0;
    let done = 0;
    while (done < n && performance.now() < deadline) {
      while (sent < n && sent - done < window) {
        inFlight.push(gun.get(pid, PATH));
        sent++;
      }
      const ref = inFlight[head] as Ref;
      inFlight[head++] = undefined as unknown as Ref;
      const res = await gun.await(pid, ref, REPLY_MS);
      if (res[0] !== 'response' || res[1] !== 'nofin') throw new Error(`gun: ${gun.formatGunMessage(res)}`);
      const body = await gun.awaitBody(pid, ref, REPLY_MS);
      if (body[0] !== 'ok') throw new Error(`gun: ${gun.formatGunMessage(body)}`);
      checkBody(body[1]);
      done++;
    }
    const r = rate(done, t0);
    gun.close(pid);
    return r;
  });
}

/**
 * Up to `window` requests outstanding, answered by one receive loop on
 * `gun_response` / `gun_data` (streams answer in any order: each body's
 * pieces are kept by ref until its `fin`, as `awaitBody` would join them).
 */
async function gunWindowLoop(port: number, n: number, window: number): Promise<number> {
  return run(async () => {
    const pid = await gunConnect(port, 'http2');
    const deadline = performance.now() + LIMIT_MS;
    const t0 = performance.now();
    let sent = 0;
    let done = 0;
    const pieces = new Map<unknown, Buffer[]>();
    const patterns = [
      ['gun_response', pid, _, _, _, _],
      ['gun_data', pid, _, _, _],
      ['gun_error', pid, _, _],
      ['gun_error', pid, _],
      ['gun_down', pid, _, _, _],
    ] as const;
    while (done < n && performance.now() < deadline) {
      while (sent < n && sent - done < window) {
        gun.get(pid, PATH);
        sent++;
      }
      const msg = await receive(patterns, REPLY_MS);
      if (msg[0] === 'gun_data') {
        const ref = msg[2];
        const data = msg[4] as Buffer;
        if (msg[3] === 'fin') {
          const had = pieces.get(ref);
          if (had === undefined) checkBody(data);
          else {
            pieces.delete(ref);
            had.push(data);
            checkBody(Buffer.concat(had));
          }
          done++;
        } else {
          const had = pieces.get(ref);
          if (had === undefined) pieces.set(ref, [data]);
          else had.push(data);
        }
      } else if (msg[0] === 'gun_response') {
        if (msg[3] === 'fin') throw new Error('gun: a response without a body');
      } else {
        throw new Error(`gun: ${gun.formatGunMessage(msg)}`);
      }
    }
    const r = rate(done, t0);
    gun.close(pid);
    return r;
  });
}

/** `n` 1 KiB text echoes, one at a time, on a WebSocket over `protocol`. */
async function gunWsRoundTrips(port: number, protocol: 'http2' | 'http', n: number): Promise<number> {
  const payload = Buffer.alloc(1024, 'a').toString();
  return run(async () => {
    const pid = await gunConnect(port, protocol, true);
    const ref = gun.wsUpgrade(pid, '/');
    const up = await receive(
      [
        ['gun_upgrade', pid, ref, _, _],
        ['gun_response', pid, ref, _, _, _],
        ['gun_error', pid, ref, _],
      ],
      REPLY_MS,
    );
    if (up[0] !== 'gun_upgrade') throw new Error(`gun: no WebSocket over ${protocol}: ${gun.formatGunMessage(up)}`);
    const deadline = performance.now() + LIMIT_MS;
    const t0 = performance.now();
    let done = 0;
    for (; done < n && performance.now() < deadline; done++) {
      gun.wsSend(pid, ref, ['text', payload]);
      const echo = await receive([['gun_ws', pid, ref, _]], REPLY_MS);
      const frame = echo[3] as readonly [string, Buffer | string];
      if (frame[0] !== 'text' || frame[1].length !== payload.length) {
        throw new Error(`gun: not the echo over ${protocol}: ${gun.formatGunMessage(echo)}`);
      }
    }
    const r = rate(done, t0);
    gun.close(pid);
    return r;
  });
}

// -- the baselines ------------------------------------------------------------

/** A raw `node:http2` client: one session, `session.request` per GET, its body collected from 'data' to 'end'. */
async function rawWindow(port: number, n: number, window: number): Promise<number> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {}); // a failed request rejects below
  const headers = { ':method': 'GET', ':path': PATH };
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = session.request(headers, { endStream: true });
      let status = 0;
      const pieces: Buffer[] = [];
      req.on('response', (h) => {
        status = Number(h[':status']);
      });
      req.on('data', (d: Buffer) => pieces.push(d));
      req.on('end', () => {
        try {
          if (status !== 200) throw new Error(`node:http2: status ${status}`);
          checkBody(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces));
          resolve();
        } catch (err) {
          reject(err);
        }
      });
      req.on('error', reject);
    });
  try {
    return await loops('node:http2', n, window, one);
  } finally {
    session.destroy();
  }
}

/**
 * undici's `Client` over h2c (`allowH2`, `useH2c`: prior knowledge), `await
 * client.request` then `body.arrayBuffer()`. Its `pipelining` (default 1)
 * caps the streams in flight over HTTP/2 too: it is set to the window.
 */
async function undiciWindow(port: number, n: number, window: number): Promise<number> {
  // undici's H2CClient is this Client with these options; `useH2c` is missing from Client's types.
  const opts: Client.Options & { useH2c: boolean } = { allowH2: true, useH2c: true, pipelining: window };
  const client = new Client(`http://127.0.0.1:${port}`, opts);
  const one = async (): Promise<void> => {
    const { statusCode, body } = await client.request({ path: PATH, method: 'GET' });
    if (statusCode !== 200) throw new Error(`undici: status ${statusCode}`);
    checkBody(await body.arrayBuffer());
  };
  try {
    return await loops('undici', n, window, one);
  } finally {
    await client.destroy();
  }
}

// -- the figures ------------------------------------------------------------

function vsRaw(name: string, ours: number, baseline: number, target: boolean): Figure {
  return {
    name,
    unit: 'k req/s',
    ours,
    baseline,
    baselineName: 'raw node:http2 client (http2.connect, session.request), same server',
    target: target ? '>= 0.9x' : 'none set (reported)',
    meets: target ? (o, b) => o >= 0.9 * b : () => true,
  };
}

function vsUndici(name: string, ours: number, baseline: number): Figure {
  return {
    name,
    unit: 'k req/s',
    ours,
    baseline,
    baselineName: 'undici Client (allowH2, useH2c: h2c prior knowledge; pipelining = the window), same server',
    target: 'none set (reported)',
    meets: () => true,
  };
}

export async function http2Benchmarks(): Promise<Figure[]> {
  const server = await startServer();
  const { port, wsPort } = server;
  const ROUNDS = 5;
  const SERIAL = 10_000;
  const CONCURRENT = 20_000;
  const WINDOW = 100;
  const ECHOES = 10_000;
  try {
    const serial = await rounds(ROUNDS, {
      raw: () => rawWindow(port, SERIAL, 1),
      undici: () => undiciWindow(port, SERIAL, 1),
      await: () => gunWindowAwait(port, SERIAL, 1),
      loop: () => gunWindowLoop(port, SERIAL, 1),
    });
    const concurrent = await rounds(ROUNDS, {
      raw: () => rawWindow(port, CONCURRENT, WINDOW),
      undici: () => undiciWindow(port, CONCURRENT, WINDOW),
      await: () => gunWindowAwait(port, CONCURRENT, WINDOW),
      loop: () => gunWindowLoop(port, CONCURRENT, WINDOW),
    });
    const ws = await rounds(ROUNDS, {
      http: () => gunWsRoundTrips(wsPort, 'http', ECHOES),
      http2: () => gunWsRoundTrips(port, 'http2', ECHOES),
    });
    const s = (what: string) =>
      `HTTP/2: 1 KiB GETs one at a time ×${SERIAL.toLocaleString('en')}, ${what} (median of ${ROUNDS})`;
    const c = (what: string) =>
      `HTTP/2: 1 KiB GETs, ${WINDOW} concurrent streams ×${CONCURRENT.toLocaleString('en')}, ${what} (median of ${ROUNDS})`;
    return [
      vsRaw(s('gun.await + awaitBody'), serial.await as number, serial.raw as number, true),
      vsRaw(s('receive loop'), serial.loop as number, serial.raw as number, false),
      vsUndici(s('gun.await + awaitBody'), serial.await as number, serial.undici as number),
      vsRaw(c('gun.await + awaitBody'), concurrent.await as number, concurrent.raw as number, true),
      vsRaw(c('receive loop'), concurrent.loop as number, concurrent.raw as number, false),
      vsUndici(c('gun.await + awaitBody'), concurrent.await as number, concurrent.undici as number),
      {
        name: `1 KiB WebSocket echo round trips ×${ECHOES.toLocaleString('en')}, over HTTP/2 (RFC 8441) (median of ${ROUNDS})`,
        unit: 'k msgs/s',
        ours: ws.http2 as number,
        baseline: ws.http as number,
        baselineName: 'the same Gun client over HTTP/1.1 (ws WebSocketServer, same server process)',
        target: 'none set (reported)',
        meets: () => true,
      },
    ];
  } finally {
    server.child.kill('SIGTERM');
  }
}
