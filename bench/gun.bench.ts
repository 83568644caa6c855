/**
 * Gun client benchmarks: our client and a raw `ws` client, in the same run,
 * against the same echo server running in a separate process.
 */
import { type ChildProcess, spawn as spawnChild } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import * as gun from '../src/gun/index.js';
import { _, receive, run } from '../src/runtime/index.js';
import type { Figure } from './runtime.bench.js';

interface EchoServer {
  port: number;
  child: ChildProcess;
}

async function startEcho(): Promise<EchoServer> {
  const script = fileURLToPath(new URL('./echo-server.ts', import.meta.url));
  const child = spawnChild(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const m = /PORT (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`echo server exited ${code}`)));
  });
  return { port, child };
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** A raw ws client that counts echoes; `until(total)` resolves once that many have come. */
async function rawClient(
  port: number,
): Promise<{ ws: WebSocket; count: () => number; until: (total: number) => Promise<void> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let count = 0;
  let want = 0;
  let wake: (() => void) | undefined;
  ws.on('message', () => {
    count++;
    if (wake !== undefined && count >= want) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  return {
    ws,
    count: () => count,
    until(total) {
      want = total;
      if (count >= want) return Promise.resolve();
      return new Promise((resolve) => {
        wake = resolve;
      });
    },
  };
}

async function gunClient(port: number): Promise<gun.ConnPid> {
  const pid = gun.open('127.0.0.1', port, { retry: 0, wsOpts: { keepalive: Infinity } });
  gun.wsUpgrade(pid, '/');
  await receive([['gun_ws_upgrade', pid, 'ok']], 5000);
  return pid;
}

function figure(name: string, ours: number, raw: number, unit = 'k/s'): Figure {
  return {
    name,
    unit,
    ours,
    baseline: raw,
    baselineName: 'raw ws client, same server',
    target: '>= 0.9x',
    meets: (o, b) => o >= 0.9 * b,
  };
}

async function roundTrips(port: number, n: number): Promise<Figure> {
  const payload = Buffer.alloc(1024, 'a').toString();
  const raw = await rawClient(port);
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    raw.ws.send(payload);
    await raw.until(i + 1);
  }
  const rawRate = n / seconds(t0) / 1000;
  raw.ws.terminate();
  const ours = await run(async () => {
    const pid = await gunClient(port);
    t0 = performance.now();
    for (let i = 0; i < n; i++) {
      gun.wsSend(pid, ['text', payload]);
      await receive([['gun_ws', pid, _]]);
    }
    const rate = n / seconds(t0) / 1000;
    gun.close(pid);
    return rate;
  });
  return figure(`1 KiB echo round trips ×${n.toLocaleString('en')}`, ours, rawRate);
}

/** n 64-byte frames, `batch` per send call, at most `window` echoes outstanding. */
async function pipelined(port: number, n: number, batch: number, window: number, name: string): Promise<Figure> {
  const payload = Buffer.alloc(64, 'b');
  const raw = await rawClient(port);
  let t0 = performance.now();
  let rawSent = 0;
  while (raw.count() < n) {
    // ws has no multi-frame send: a batch is that many sends in a row.
    while (rawSent < n && rawSent - raw.count() < window) {
      raw.ws.send(payload);
      rawSent++;
    }
    await raw.until(window === Infinity ? n : raw.count() + 1);
  }
  const rawRate = n / seconds(t0) / 1000;
  raw.ws.terminate();
  const ours = await run(async () => {
    const pid = await gunClient(port);
    const frame = ['binary', payload] as const;
    const many = Array.from({ length: batch }, () => frame);
    t0 = performance.now();
    let sent = 0;
    let got = 0;
    while (got < n) {
      while (sent < n && sent - got < window) {
        const k = Math.min(batch, n - sent, window - (sent - got));
        gun.wsSend(pid, k === 1 ? frame : k === batch ? many : many.slice(0, k));
        sent += k;
      }
      await receive([['gun_ws', pid, _]]);
      got++;
    }
    const rate = n / seconds(t0) / 1000;
    gun.close(pid);
    return rate;
  });
  return figure(name, ours, rawRate);
}

/**
 * Runs a measurement `rounds` times (each round measures raw ws, then ours)
 * and keeps the median of each: with the echo server in another process on
 * a 2-core machine, single pipelined runs swing by a factor of two, in both
 * directions, and the median is the figure that says what is typical.
 */
async function median(rounds: number, measure: () => Promise<Figure>): Promise<Figure> {
  const runs: Figure[] = [];
  for (let i = 0; i < rounds; i++) runs.push(await measure());
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return {
    ...(runs[0] as Figure),
    name: `${(runs[0] as Figure).name} (median of ${rounds})`,
    ours: mid(runs.map((f) => f.ours)),
    baseline: mid(runs.map((f) => f.baseline)),
  };
}

export async function gunBenchmarks(): Promise<Figure[]> {
  const echo = await startEcho();
  const { port } = echo;
  try {
    return [
      await median(5, () => roundTrips(port, 20_000)),
      await median(5, () => pipelined(port, 100_000, 1, Infinity, '100,000 × 64 B frames, one per wsSend')),
      await median(5, () => pipelined(port, 100_000, 100, Infinity, '100,000 × 64 B frames, 100 per wsSend')),
      await median(5, () => pipelined(port, 100_000, 1, 1000, '100,000 × 64 B frames, at most 1,000 in flight')),
      await idleMemory(port, 1000),
    ];
  } finally {
    echo.child.kill('SIGTERM');
  }
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run the benchmarks with --expose-gc (npm run bench does)');
  g();
  g();
}

/** Heap bytes per idle upgraded connection, ours (a connection process each) and raw ws. */
async function idleMemory(port: number, n: number): Promise<Figure> {
  gc();
  let heap0 = process.memoryUsage().heapUsed;
  const raws: WebSocket[] = [];
  for (let i = 0; i < n; i++) raws.push((await rawClient(port)).ws);
  gc();
  const rawBytes = (process.memoryUsage().heapUsed - heap0) / n;
  for (const ws of raws) ws.terminate();
  raws.length = 0;
  await new Promise((r) => setTimeout(r, 200));
  const ours = await run(async () => {
    gc();
    heap0 = process.memoryUsage().heapUsed;
    const pids: gun.ConnPid[] = [];
    for (let i = 0; i < n; i++) {
      const pid = gun.open('127.0.0.1', port, { retry: 0, wsOpts: { keepalive: Infinity } });
      gun.wsUpgrade(pid, '/');
      pids.push(pid);
    }
    for (const pid of pids) await receive([['gun_ws_upgrade', pid, 'ok']], 10_000);
    gc();
    const bytes = (process.memoryUsage().heapUsed - heap0) / n;
    for (const pid of pids) gun.close(pid);
    return bytes;
  });
  return {
    name: `memory per idle upgraded connection (${n.toLocaleString('en')} connections)`,
    unit: 'KiB each',
    ours: ours / 1024,
    baseline: rawBytes / 1024,
    baselineName: 'raw ws client, same server',
    target: 'none set (reported)',
    meets: () => true,
  };
}
