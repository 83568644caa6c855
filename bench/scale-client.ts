/**
 * One client of the scale benchmark (bench/scale.bench.ts), alone in its
 * process so that its heap is measured apart from the server's and the
 * other clients': it opens `--n` connections of one kind to the scale
 * server, uses each once, measures the heap with all of them open, closes
 * them all, and measures what is left. Prints one JSON line (`Result`).
 *
 *   node --expose-gc --import tsx bench/scale-client.ts --kind gun-ws --n 10000 --ports 41000,41001
 *
 * Kinds:
 * - `gun-ws`: beamish, `gun.open` (gun2 dialect, retry 0, default options)
 *   then `gun.wsUpgrade`, one 32-byte text frame echoed on each, closed with
 *   `gun.shutdown` (a close frame, 1001);
 * - `ws`: ws's `WebSocket` (no permessage-deflate, as Gun by default), the
 *   same frame, closed with `close(1000)`;
 * - `gun-http`: beamish, `gun.open` (gun2, retry 0) then one `gun.get`,
 *   its 64-byte body read, the connection kept alive; closed with
 *   `gun.shutdown`;
 * - `undici`: undici's `Client` (one connection each; keep-alive timeouts
 *   raised so that idle connections stay open while measured) and one
 *   `request`, its body read; closed with `client.close()`.
 *
 * Steps, each bounded by `--step-timeout` seconds: a warm-up (20
 * connections opened, used and closed, so that code compiled and caches
 * filled on first use are not counted), then after a full GC the baseline
 * heap; open the `n` connections, at most `--window` being opened at once;
 * use each once (all at once); full GC and measure; close them all and wait
 * until every one has closed; wait until the sockets are gone (at most 5 s),
 * full GC and measure again. Heap per connection is (heap with the n open -
 * heap before) / n; what is left after close is (heap after close - heap
 * before) / n, and the sockets and beamish processes still there.
 *
 * `--snapshot PREFIX` writes heap snapshots, for finding where a
 * connection's bytes go: PREFIX-before.heapsnapshot, -open (every
 * connection open) and -after (all closed), each after its measurement.
 */
import { writeHeapSnapshot } from 'node:v8';
import { Client } from 'undici';
import { WebSocket } from 'ws';
import * as gun from '../src/gun/index.js';
import {
  _,
  cancelTimer,
  flush,
  monitor,
  type Pid,
  processes,
  receive,
  run,
  self,
  sendAfter,
} from '../src/runtime/index.js';

export type Kind = 'gun-ws' | 'ws' | 'gun-http' | 'undici';

/** What a client process prints, as JSON. */
export interface Result {
  kind: Kind;
  node: string;
  n: number;
  /** Seconds to open the n connections (connect, and the upgrade or the first request). */
  openS: number;
  /** Seconds for the one echo (or, HTTP, nothing more: the request was part of opening). */
  useS: number;
  /** Seconds to close them all. */
  closeS: number;
  /** Connections that failed, at any step (an error, a refusal, a close before ours). */
  errors: number;
  /** Heap bytes per open connection, after a full GC. */
  heapPerConn: number;
  /** external + arrayBuffers bytes per open connection (Buffers outside the JS heap). */
  externalPerConn: number;
  /** Heap bytes per connection still there after every connection closed (≈ 0). */
  leftPerConn: number;
  /** Heap in use before, while open and after, in bytes. */
  heapBefore: number;
  heapOpen: number;
  heapAfter: number;
  /** TCP sockets still open after close, beyond those before. */
  socketsLeft: number;
  /** beamish processes alive after close, beyond those before (0 for the baselines). */
  processesLeft: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}

const kind = arg('kind', 'gun-ws') as Kind;
const n = Number(arg('n', '10000'));
const ports = arg('ports', '').split(',').map(Number);
const window = Number(arg('window', '500'));
const stepMs = Number(arg('step-timeout', '120')) * 1000;
const snapshot = arg('snapshot', '');
const HOST = '127.0.0.1';
const PAYLOAD = 'x'.repeat(32);
const STEP_TIMEOUT = 'scale_step_timeout';

if (!['gun-ws', 'ws', 'gun-http', 'undici'].includes(kind)) throw new Error(`unknown --kind ${kind}`);
if (!(n > 0) || ports.length === 0 || ports.some((p) => !(p > 0))) throw new Error('need --n N and --ports P[,P...]');

// The benchmark that started this process is gone: so is this one.
process.stdin.on('end', () => process.exit(2));
process.stdin.on('error', () => process.exit(2));
process.stdin.resume();

const portOf = (i: number): number => ports[i % ports.length] as number;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with --expose-gc');
  g();
  g();
}

function heap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

function external(): number {
  const m = process.memoryUsage();
  return m.external + m.arrayBuffers;
}

function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

const now = (): number => performance.now();
const since = (t0: number): number => (now() - t0) / 1000;

/** Rejects after `stepMs`: every step is bounded. */
function bounded<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${kind}: ${what} did not finish in ${stepMs / 1000} s`)), stepMs);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Waits until the sockets opened are closed again (at most 5 s), then a few turns more. */
async function socketsSettle(before: number): Promise<void> {
  const until = now() + 5000;
  while (tcpSockets() > before && now() < until) await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < 5; i++) await tick();
}

/** Runs `count` tasks, at most `window` at once. */
async function windowed(count: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
}

/** One measured pass (or the warm-up, `measure` false) of one kind. */
interface Pass {
  open(count: number): Promise<void>;
  use(): Promise<void>;
  close(): Promise<void>;
  errors(): number;
}

// -- ws -------------------------------------------------------------------------

function wsPass(): Pass {
  let sockets: WebSocket[] = [];
  let errors = 0;
  let echoes = 0;
  let wantEchoes = 0;
  let wakeEchoes: (() => void) | undefined;
  // Shared listeners, not closures per socket: the leanest a user of ws gets.
  function onMessage(): void {
    if (++echoes >= wantEchoes && wakeEchoes !== undefined) wakeEchoes();
  }
  function onError(): void {
    errors++;
  }
  return {
    async open(count) {
      sockets = new Array(count);
      await windowed(count, async (i) => {
        const ws = new WebSocket(`ws://${HOST}:${portOf(i)}/`, { perMessageDeflate: false });
        ws.on('error', onError);
        ws.on('message', onMessage);
        await new Promise<void>((resolve) => {
          ws.once('open', resolve);
          ws.once('close', resolve);
        });
        if (ws.readyState !== WebSocket.OPEN) errors++;
        ws.removeAllListeners('open');
        ws.removeAllListeners('close');
        sockets[i] = ws;
      });
    },
    async use() {
      wantEchoes = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
      const done = new Promise<void>((resolve) => {
        wakeEchoes = resolve;
      });
      for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send(PAYLOAD);
      if (echoes < wantEchoes) await done;
      wakeEchoes = undefined;
      echoes = 0;
    },
    async close() {
      await Promise.all(
        sockets.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve();
              ws.once('close', (code: number) => {
                if (code !== 1000) errors++;
                resolve();
              });
              ws.close(1000);
            }),
        ),
      );
      sockets = [];
    },
    errors: () => errors,
  };
}

// -- undici ---------------------------------------------------------------------------

function undiciPass(): Pass {
  let clients: Client[] = [];
  let errors = 0;
  return {
    async open(count) {
      clients = new Array(count);
      await windowed(count, async (i) => {
        // undici closes a keep-alive connection idle for 4 s by default: these must stay open.
        const client = new Client(`http://${HOST}:${portOf(i)}`, {
          keepAliveTimeout: 600_000,
          keepAliveMaxTimeout: 600_000,
        });
        clients[i] = client;
        try {
          const { statusCode, body } = await client.request({ path: '/', method: 'GET' });
          await body.arrayBuffer();
          if (statusCode !== 200) errors++;
        } catch {
          errors++;
        }
      });
    },
    async use() {},
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => void errors++)));
      clients = [];
    },
    errors: () => errors,
  };
}

// -- beamish -------------------------------------------------------------------------

/** Each pass runs in the owner process that `run` gives it: the connections' owner. */
function gunPass(ws: boolean): Pass {
  let pids: gun.ConnPid[] = [];
  let refs: gun.StreamRef[] = [];
  let errors = 0;
  const ANSWERS = [
    STEP_TIMEOUT,
    ['gun_up', _, _],
    ['gun_upgrade', _, _, _, _],
    ['gun_ws', _, _, _],
    ['gun_response', _, _, _, _, _],
    ['gun_data', _, _, _, _],
    ['gun_error', _, _, _],
    ['gun_error', _, _],
    ['gun_down', _, _, _, _],
  ] as const;
  /**
   * Receives until `count` connections are done: upgraded or echoed (ws),
   * or their response read (HTTP); `onDone` after each. A connection that
   * fails to connect with retry 0 just exits (its owner hears nothing
   * without a monitor, which would cost the measurement a monitor per
   * connection): whatever has not answered when the step's time is up is
   * counted as an error.
   */
  async function answers(count: number, onDone: () => void): Promise<void> {
    // One timer for the step, not one per receive: a receive with a timeout
    // keeps a deadline list per distinct duration, which would be counted.
    const timer = sendAfter(stepMs, self(), STEP_TIMEOUT);
    let done = 0;
    const finish = (): void => {
      done++;
      onDone();
    };
    while (done < count) {
      const msg = (await receive(ANSWERS)) as readonly unknown[] | typeof STEP_TIMEOUT;
      if (msg === STEP_TIMEOUT) {
        errors += count - done;
        return;
      }
      switch (msg[0]) {
        case 'gun_up':
          break;
        case 'gun_upgrade':
        case 'gun_ws':
          finish();
          break;
        case 'gun_response':
          if (ws || msg[3] === 'fin') {
            // A refused upgrade, or a response without a body.
            if (ws || msg[4] !== 200) errors++;
            finish();
          } else if (msg[4] !== 200) {
            errors++;
          }
          break;
        case 'gun_data':
          if (msg[3] === 'fin') finish();
          break;
        default:
          errors++;
          finish();
      }
    }
    cancelTimer(timer);
  }
  return {
    async open(count) {
      pids = new Array(count);
      refs = new Array(count);
      let opened = 0;
      const start = (): void => {
        if (opened >= count) return;
        const i = opened++;
        const pid = gun.open(HOST, portOf(i), { dialect: 'gun2', retry: 0 });
        pids[i] = pid;
        refs[i] = ws ? gun.wsUpgrade(pid, '/') : gun.get(pid, '/');
      };
      // At most `window` being opened at once, as for the baselines.
      while (opened < Math.min(window, count)) start();
      await answers(count, start);
    },
    async use() {
      if (!ws) return;
      for (let i = 0; i < pids.length; i++) {
        gun.wsSend(pids[i] as gun.ConnPid, refs[i] as gun.StreamRef, ['text', PAYLOAD]);
      }
      await answers(pids.length, () => {});
    },
    async close() {
      const monitors = pids.map((pid) => monitor('process', pid as Pid));
      for (const pid of pids) gun.shutdown(pid);
      for (let i = 0; i < monitors.length; i++) {
        const [, , , , reason] = await receive([['DOWN', _, 'process', _, _]]);
        if (reason !== 'shutdown' && reason !== 'normal') errors++;
      }
      // What came before each DOWN: the server's answering close frame
      // (gun_ws with a close); anything else is an error.
      for (const m of flush() as unknown[][]) {
        const frame = m[3] as unknown;
        if (!(m[0] === 'gun_ws' && (frame === 'close' || (Array.isArray(frame) && frame[0] === 'close')))) errors++;
      }
      pids = [];
      refs = [];
    },
    errors: () => errors,
  };
}

// -- the measurement -------------------------------------------------------------------

async function measure(pass: () => Pass): Promise<Result> {
  const sockets0 = tcpSockets();
  // Warm-up: every code path once, module-level caches filled.
  const warm = pass();
  await bounded('warm-up', warm.open(20));
  await bounded('warm-up', warm.use());
  await bounded('warm-up', warm.close());
  await socketsSettle(sockets0);
  const procs0 = processes().length;
  const p = pass();
  const heapBefore = heap();
  const ext0 = external();
  if (snapshot !== '') writeHeapSnapshot(`${snapshot}-before.heapsnapshot`);
  let t0 = now();
  await bounded('open', p.open(n));
  const openS = since(t0);
  t0 = now();
  await bounded('use', p.use());
  const useS = since(t0);
  const heapOpen = heap();
  const ext1 = external();
  if (snapshot !== '') writeHeapSnapshot(`${snapshot}-open.heapsnapshot`);
  t0 = now();
  await bounded('close', p.close());
  const closeS = since(t0);
  await socketsSettle(sockets0);
  const heapAfter = heap();
  if (snapshot !== '') writeHeapSnapshot(`${snapshot}-after.heapsnapshot`);
  return {
    kind,
    node: process.version,
    n,
    openS,
    useS,
    closeS,
    errors: p.errors(),
    heapPerConn: (heapOpen - heapBefore) / n,
    externalPerConn: (ext1 - ext0) / n,
    leftPerConn: (heapAfter - heapBefore) / n,
    heapBefore,
    heapOpen,
    heapAfter,
    socketsLeft: tcpSockets() - sockets0,
    processesLeft: processes().length - procs0,
  };
}

let result: Result;
switch (kind) {
  case 'ws':
    result = await measure(wsPass);
    break;
  case 'undici':
    result = await measure(undiciPass);
    break;
  default: {
    // The owner's own process is counted in procs0 and gone by the end: count it back.
    const ws = kind === 'gun-ws';
    // In the owner's process, which counts itself before and after.
    result = await run(() => measure(() => gunPass(ws)));
  }
}
console.log(JSON.stringify(result));
process.exit(0);
