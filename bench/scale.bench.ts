/**
 * The scale benchmark: `npm run bench -- scale [--n 10000] [--runs 3]
 * [--window 500] [--ports 1]`. 10,000 upgraded WebSocket connections and
 * 10,000 HTTP/1.1 keep-alive connections from one process, each used once,
 * all closed, beside the same with raw `ws` clients and undici `Client`s,
 * in the same run, against the same server.
 *
 * Every client kind runs in a process of its own (bench/scale-client.ts),
 * and the server in another (bench/scale-server.ts), so that each heap is
 * measured apart: heap per connection is (heap with n open - heap before)
 * / n, after a full GC, in the client's process. After close the client
 * measures what is left: heap, TCP sockets and beamish processes beyond
 * those before. Each run measures the four kinds in turn, baselines first
 * (ws, beamish WebSocket, undici, beamish HTTP); `--runs` runs (default 3)
 * give a range, and the table's figure is the median.
 *
 * Bounded: every step of a client has `STEP_S` seconds, and a client that
 * has not printed its result in `CLIENT_S` is killed and the run fails. Only
 * 127.0.0.1. The server is stopped at the end, on failure too; the clients
 * and the server also exit when their stdin (a pipe from here) closes.
 */
import { type ChildProcess, spawn as spawnChild } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Figure } from './runtime.bench.js';
import type { Kind, Result } from './scale-client.js';

const STEP_S = 120;
const CLIENT_S = 4 * STEP_S + 60;

export interface ScaleOptions {
  /** Connections of each kind. */
  readonly n: number;
  /** Runs; the table keeps the median, the notes the range. */
  readonly runs: number;
  /** Connections being opened at once, at most. */
  readonly window: number;
  /** Server ports per protocol, over which the connections are spread. */
  readonly ports: number;
}

/** `--n`, `--runs`, `--window` and `--ports` after the group's name. */
export function scaleOptions(argv: readonly string[]): ScaleOptions {
  const get = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} takes a whole number > 0`);
    return v;
  };
  return { n: get('n', 10_000), runs: get('runs', 3), window: get('window', 500), ports: get('ports', 1) };
}

const node = (): string[] => [process.execPath, '--expose-gc', '--import', 'tsx'];

function script(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

interface Server {
  child: ChildProcess;
  ws: number[];
  http: number[];
}

async function startServer(ports: number): Promise<Server> {
  const [exe, ...flags] = node();
  const child = spawnChild(exe as string, [...flags, script('./scale-server.ts'), '--ports', String(ports)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the scale server did not start in 20 s'));
    }, 20_000);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORTS ws ([\d,]+) http ([\d,]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, ws: (m[1] as string).split(',').map(Number), http: (m[2] as string).split(',').map(Number) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the scale server exited (${code})`));
    });
  });
}

/** Runs one client process to its end; its result, or why there is none. */
function runClient(kind: Kind, ports: readonly number[], opts: ScaleOptions): Promise<Result> {
  const [exe, ...flags] = node();
  const args = [
    ...flags,
    script('./scale-client.ts'),
    ...['--kind', kind, '--n', String(opts.n), '--ports', ports.join(',')],
    ...['--window', String(opts.window), '--step-timeout', String(STEP_S)],
  ];
  const child = spawnChild(exe as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind}: no result in ${CLIENT_S} s`));
    }, CLIENT_S * 1000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Result);
      } catch {
        reject(new Error(`${kind}: exited ${code ?? signal} without a result:\n${err.trim().slice(-2000)}`));
      }
    });
  });
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const range = (xs: readonly number[], f: (x: number) => string): string => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return f(lo) === f(hi) ? f(lo) : `${f(lo)}-${f(hi)}`;
};
const bytes = (x: number): string => x.toFixed(0);
const secs = (x: number): string => x.toFixed(2);
const ratio = (x: number): string => x.toFixed(2);
const whole = (x: number): string => x.toFixed(0);

export interface ScaleReport {
  figures: Figure[];
  /** Markdown printed under the main table: the ranges, every kind's details. */
  notes: string[];
}

const KINDS: readonly Kind[] = ['ws', 'gun-ws', 'undici', 'gun-http'];
const LABEL: Record<Kind, string> = {
  ws: 'ws WebSocket (baseline)',
  'gun-ws': 'beamish WebSocket',
  undici: 'undici Client (baseline)',
  'gun-http': 'beamish HTTP/1.1',
};

export async function scaleBenchmarks(opts: ScaleOptions): Promise<ScaleReport> {
  const server = await startServer(opts.ports);
  const results: Record<Kind, Result[]> = { ws: [], 'gun-ws': [], undici: [], 'gun-http': [] };
  try {
    for (let r = 0; r < opts.runs; r++) {
      for (const kind of KINDS) {
        const ports = kind === 'ws' || kind === 'gun-ws' ? server.ws : server.http;
        results[kind].push(await runClient(kind, ports, opts));
      }
    }
  } finally {
    server.child.kill('SIGTERM');
  }
  const n = opts.n.toLocaleString('en');
  const med = (kind: Kind, f: (r: Result) => number): number => median(results[kind].map(f));
  const ratios = (ours: Kind, base: Kind): number[] =>
    results[ours].map((r, i) => r.heapPerConn / (results[base][i] as Result).heapPerConn);
  const figures: Figure[] = [
    {
      name: `WebSocket: heap per upgraded connection, ${n} connections (median of ${opts.runs})`,
      unit: 'bytes each',
      ours: med('gun-ws', (r) => r.heapPerConn),
      baseline: med('ws', (r) => r.heapPerConn),
      baselineName: 'ws WebSocket clients, own process, same server, same run',
      target: '<= 1.5x',
      meets: (o, b) => o <= 1.5 * b,
    },
    {
      name: `HTTP/1.1: heap per keep-alive connection, ${n} connections (median of ${opts.runs})`,
      unit: 'bytes each',
      ours: med('gun-http', (r) => r.heapPerConn),
      baseline: med('undici', (r) => r.heapPerConn),
      baselineName: 'undici Clients, own process, same server, same run',
      target: '<= 1.0x',
      meets: (o, b) => o <= b,
    },
    {
      name: `WebSocket: open + upgrade, echo, close ${n} connections (median of ${opts.runs})`,
      unit: 's',
      ours: med('gun-ws', (r) => r.openS + r.useS + r.closeS),
      baseline: med('ws', (r) => r.openS + r.useS + r.closeS),
      baselineName: 'ws WebSocket clients, own process, same server, same run',
      target: 'none set (reported)',
      meets: () => true,
    },
    {
      name: `HTTP/1.1: open + GET, close ${n} connections (median of ${opts.runs})`,
      unit: 's',
      ours: med('gun-http', (r) => r.openS + r.useS + r.closeS),
      baseline: med('undici', (r) => r.openS + r.useS + r.closeS),
      baselineName: 'undici Clients, own process, same server, same run',
      target: 'none set (reported)',
      meets: () => true,
    },
  ];
  const notes = [
    `Scale, ${n} connections of each kind, ${opts.runs} run${opts.runs === 1 ? '' : 's'} (at most ${opts.window} being opened at once, ${opts.ports} server port${opts.ports === 1 ? '' : 's'} per protocol), ranges over the runs:`,
    '',
    '| client | heap per connection (bytes) | ratio | external per connection (bytes) | open (s) | echo (s) | close (s) | errors | heap left after close (bytes per connection) | sockets left | processes left |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const kind of KINDS) {
    const rs = results[kind];
    const of = (f: (r: Result) => number, fmt: (x: number) => string): string => range(rs.map(f), fmt);
    const r =
      kind === 'gun-ws'
        ? `${range(ratios('gun-ws', 'ws'), ratio)}x`
        : kind === 'gun-http'
          ? `${range(ratios('gun-http', 'undici'), ratio)}x`
          : '-';
    notes.push(
      `| ${LABEL[kind]} | ${of((x) => x.heapPerConn, bytes)} | ${r} | ${of((x) => x.externalPerConn, bytes)} | ${of((x) => x.openS, secs)} | ${kind === 'ws' || kind === 'gun-ws' ? of((x) => x.useS, secs) : '-'} | ${of((x) => x.closeS, secs)} | ${of((x) => x.errors, whole)} | ${of((x) => x.leftPerConn, bytes)} | ${of((x) => x.socketsLeft, whole)} | ${kind.startsWith('gun') ? of((x) => x.processesLeft, whole) : '-'} |`,
    );
  }
  notes.push(
    '',
    "ratio: beamish ÷ the baseline of the same run, per run. Heap per connection: (heap with every connection open - heap before) / n after a full GC, in the client's own process; external: Buffers outside the heap. Left after close: (heap after every connection closed - heap before) / n; sockets and processes: still there beyond those before.",
  );
  return { figures, notes };
}
