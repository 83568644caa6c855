/**
 * HTTP/1.1 client benchmarks: requests per second on ONE keep-alive
 * connection, our Gun client against undici's `Client` (and, one request at
 * a time, Node's `http.request` with a keep-alive agent), in the same run,
 * against the same server (bench/http-server.ts, in its own process: 200
 * and a 1 KiB body with a content-length). Two patterns: one request at a
 * time (each body complete before the next request), and 10 pipelined (10
 * requests outstanding at all times).
 *
 * Every measurement is bounded twice: a count of requests, and a deadline
 * (`LIMIT_MS`); the rate is what was done over the time it took. Every wait
 * on the server has a timeout, so a wedged server fails the run rather than
 * hanging it.
 */
import { type ChildProcess, spawn as spawnChild } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import * as gun from '../src/gun/index.js';
import { _, type Ref, receive, run } from '../src/runtime/index.js';
import { checkBody, rate, rounds, within } from './http-measure.js';
import type { Figure } from './runtime.bench.js';

/** Longest a single measurement may run; it then stops and counts what it did. */
const LIMIT_MS = 10_000;
/** Longest any one response may take. */
const REPLY_MS = 5_000;
const PATH = '/';

interface HttpServer {
  port: number;
  child: ChildProcess;
}

async function startServer(): Promise<HttpServer> {
  const script = fileURLToPath(new URL('./http-server.ts', import.meta.url));
  const child = spawnChild(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the HTTP server did not start in 10 s')), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      const m = /PORT (\d+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`HTTP server exited ${code}`)));
  });
  return { port, child };
}

/** Requests done and the seconds they took: a rate in k requests/s. */
// -- ours ------------------------------------------------------------------

async function gunConnect(port: number): Promise<gun.ConnPid> {
  const pid = gun.open('127.0.0.1', port, { dialect: 'gun2', retry: 0 });
  const up = await gun.awaitUp(pid, REPLY_MS);
  if (up[0] !== 'ok') throw new Error(`gun: not up: ${gun.formatGunMessage(up)}`);
  return pid;
}

/** One request at a time, with Gun's own await functions: `gun.await` (the response) then `gun.awaitBody`. */
async function gunSerialAwait(port: number, n: number): Promise<number> {
  return run(async () => {
    const pid = await gunConnect(port);
    const deadline = performance.now() + LIMIT_MS;
    const t0 = performance.now();
    let done = 0;
    for (; done < n && performance.now() < deadline; done++) {
      const ref = gun.get(pid, PATH);
      const res = await gun.await(pid, ref, REPLY_MS);
      if (res[0] !== 'response' || res[1] !== 'nofin') throw new Error(`gun: ${gun.formatGunMessage(res)}`);
      const body = await gun.awaitBody(pid, ref, REPLY_MS);
      if (body[0] !== 'ok') throw new Error(`gun: ${gun.formatGunMessage(body)}`);
      checkBody(body[1]);
    }
    const r = rate(done, t0);
    gun.close(pid);
    return r;
  });
}

/**
 * Up to `window` requests outstanding, answered by a receive loop on
 * `gun_response` / `gun_data` (responses come in request order on one
 * connection; the body pieces of each are joined, as `awaitBody` would).
 */
async function gunWindow(port: number, n: number, window: number): Promise<number> {
  return run(async () => {
    const pid = await gunConnect(port);
    const deadline = performance.now() + LIMIT_MS;
    const t0 = performance.now();
    let sent = 0;
    let done = 0;
    let pieces: Buffer[] = [];
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
        pieces.push(msg[4] as Buffer);
        if (msg[3] === 'fin') {
          checkBody(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces));
          pieces = [];
          done++;
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

/** Up to `window` outstanding, each answered by `gun.await` + `gun.awaitBody`, oldest first. */
async function gunWindowAwait(port: number, n: number, window: number): Promise<number> {
  return run(async () => {
    const pid = await gunConnect(port);
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
      const ref = inFlight[head++] as Ref;
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

// -- undici -----------------------------------------------------------------

async function undiciRequest(client: Client, blocking: boolean): Promise<void> {
  const { statusCode, body } = await client.request({ path: PATH, method: 'GET', blocking });
  if (statusCode !== 200) throw new Error(`undici: status ${statusCode}`);
  checkBody(await body.arrayBuffer());
}

/**
 * undici's `Client` (one connection, `pipelining: 10`), `window` requests
 * outstanding: that many loops, each a request then its whole body.
 * `blocking` is undici's request option: true (its default for GET) holds
 * the next request back until the response head before it has come, so
 * only `blocking: false` really pipelines.
 */
async function undiciWindow(port: number, n: number, window: number, blocking: boolean): Promise<number> {
  const client = new Client(`http://127.0.0.1:${port}`, { pipelining: 10 });
  try {
    await within(REPLY_MS, 'undici warm-up', undiciRequest(client, blocking));
    const deadline = performance.now() + LIMIT_MS;
    const t0 = performance.now();
    let started = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (started < n && performance.now() < deadline) {
        started++;
        await undiciRequest(client, blocking);
        done++;
      }
    };
    // One watchdog for the whole loop: a timer per request would cost the baseline.
    await within(LIMIT_MS + REPLY_MS, 'undici', Promise.all(Array.from({ length: window }, worker)));
    return rate(done, t0);
  } finally {
    await client.destroy();
  }
}

// -- node:http ----------------------------------------------------------------

/** Node's http.request with a keep-alive agent of one socket, one request at a time. */
async function nodeSerial(port: number, n: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: PATH, method: 'GET', agent }, (res) => {
        const pieces: Buffer[] = [];
        res.on('data', (d: Buffer) => pieces.push(d));
        res.on('end', () => {
          try {
            if (res.statusCode !== 200) throw new Error(`node:http: status ${res.statusCode}`);
            checkBody(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces));
            resolve();
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  try {
    await within(REPLY_MS, 'node:http warm-up', one());
    const deadline = performance.now() + LIMIT_MS;
    const t0 = performance.now();
    let done = 0;
    const loop = async (): Promise<void> => {
      for (; done < n && performance.now() < deadline; done++) await one();
    };
    // One watchdog for the whole loop: a timer per request would cost the baseline.
    await within(LIMIT_MS + REPLY_MS, 'node:http', loop());
    return rate(done, t0);
  } finally {
    agent.destroy();
  }
}

// -- the figures ------------------------------------------------------------

function vsUndici(name: string, ours: number, baseline: number, blocking = false): Figure {
  return blocking
    ? {
        name,
        unit: 'k req/s',
        ours,
        baseline,
        baselineName: 'undici Client (pipelining: 10), its default blocking: true, same server',
        target: 'none set (reported)',
        meets: () => true,
      }
    : {
        name,
        unit: 'k req/s',
        ours,
        baseline,
        baselineName: 'undici Client (pipelining: 10, blocking: false), same server',
        target: '>= 0.8x',
        meets: (o, b) => o >= 0.8 * b,
      };
}

function vsNode(name: string, ours: number, baseline: number): Figure {
  return {
    name,
    unit: 'k req/s',
    ours,
    baseline,
    baselineName: 'node:http, keep-alive agent (maxSockets 1)',
    target: 'none set (reported)',
    meets: () => true,
  };
}

export async function httpBenchmarks(): Promise<Figure[]> {
  const server = await startServer();
  const { port } = server;
  const ROUNDS = 5;
  const SERIAL = 20_000;
  const PIPELINED = 50_000;
  const WINDOW = 10;
  try {
    const serial = await rounds(ROUNDS, {
      undici: () => undiciWindow(port, SERIAL, 1, false),
      node: () => nodeSerial(port, SERIAL),
      loop: () => gunWindow(port, SERIAL, 1),
      await: () => gunSerialAwait(port, SERIAL),
    });
    const piped = await rounds(ROUNDS, {
      undici: () => undiciWindow(port, PIPELINED, WINDOW, false),
      undiciBlocking: () => undiciWindow(port, PIPELINED, WINDOW, true),
      loop: () => gunWindow(port, PIPELINED, WINDOW),
      await: () => gunWindowAwait(port, PIPELINED, WINDOW),
    });
    const s = (what: string) =>
      `1 KiB GETs one at a time ×${SERIAL.toLocaleString('en')}, ${what} (median of ${ROUNDS})`;
    const p = (what: string) =>
      `1 KiB GETs, ${WINDOW} pipelined ×${PIPELINED.toLocaleString('en')}, ${what} (median of ${ROUNDS})`;
    return [
      vsUndici(s('receive loop'), serial.loop as number, serial.undici as number),
      vsUndici(s('gun.await + awaitBody'), serial.await as number, serial.undici as number),
      vsNode(s('receive loop'), serial.loop as number, serial.node as number),
      vsUndici(p('receive loop'), piped.loop as number, piped.undici as number),
      vsUndici(p('gun.await + awaitBody'), piped.await as number, piped.undici as number),
      vsUndici(p('receive loop'), piped.loop as number, piped.undiciBlocking as number, true),
    ];
  } finally {
    server.child.kill('SIGTERM');
  }
}
