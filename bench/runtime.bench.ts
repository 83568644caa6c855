/**
 * Runtime benchmarks. Each returns our figure and the bare baseline's,
 * measured in the same run. Run them with `npm run bench`.
 */
import { _, exit, type Pid, receive, run, self, send, spawn } from '../src/runtime/index.js';
import { barePingPong, bareProducerConsumer } from './baseline.js';

export interface Figure {
  name: string;
  unit: string;
  ours: number;
  baseline: number;
  /** How the baseline was obtained. */
  baselineName: string;
  target: string;
  /** Whether a pair of figures meets the target. */
  meets: (ours: number, baseline: number) => boolean;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

export async function pingPong(n = 1_000_000): Promise<Figure> {
  const ours = await run(async () => {
    const me = self();
    const half = n / 2;
    const ponger = spawn(async () => {
      for (let i = 0; i < half; i++) {
        const [, from] = await receive([['ping', _]]);
        send(from as Pid, ['pong', i]);
      }
    });
    const t0 = performance.now();
    for (let i = 0; i < half; i++) {
      send(ponger, ['ping', me]);
      await receive([['pong', _]]);
    }
    return n / seconds(t0);
  });
  const baseline = await barePingPong(n);
  return {
    name: `ping-pong, ${n.toLocaleString('en')} one-way messages`,
    unit: 'M msgs/s',
    ours: ours / 1e6,
    baseline: baseline / 1e6,
    baselineName: 'bare promise hand-off',
    target: '>= 3.5',
    meets: (o) => o >= 3.5,
  };
}

export async function producerConsumer(n = 1_000_000): Promise<Figure> {
  const ours = await run(async () => {
    const me = self();
    const consumer = spawn(async () => {
      for (let i = 0; i < n; i++) await receive([['item', _]]);
      send(me, 'done');
    });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) send(consumer, ['item', i]);
    await receive(['done']);
    return n / seconds(t0);
  });
  const baseline = await bareProducerConsumer(n);
  return {
    name: `producer → consumer, ${n.toLocaleString('en')} messages`,
    unit: 'M msgs/s',
    ours: ours / 1e6,
    baseline: baseline / 1e6,
    baselineName: 'bare promise hand-off',
    target: '>= 5',
    meets: (o) => o >= 5,
  };
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run the benchmarks with --expose-gc (npm run bench does)');
  g();
  g();
}

export async function spawnWaiting(n = 100_000): Promise<Figure[]> {
  const result = await run(async () => {
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const pids: Pid[] = new Array(n);
    for (let i = 0; i < n; i++) pids[i] = spawn(() => receive([['never']]));
    // Let every process start and reach its receive.
    await new Promise((r) => setImmediate(r));
    const micros = ((performance.now() - t0) * 1000) / n;
    gc();
    const bytes = (process.memoryUsage().heapUsed - heap0) / n;
    for (const pid of pids) exit(pid, 'kill');
    return { micros, bytes };
  });
  // Baseline: n bare async functions each awaiting a pending promise.
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const resolvers: Array<() => void> = new Array(n);
  const tasks: Promise<void>[] = new Array(n);
  for (let i = 0; i < n; i++) {
    tasks[i] = (async () => {
      await new Promise<void>((r) => {
        resolvers[i] = r;
      });
    })();
  }
  await new Promise((r) => setImmediate(r));
  const micros = ((performance.now() - t0) * 1000) / n;
  gc();
  const bytes = (process.memoryUsage().heapUsed - heap0) / n;
  for (const r of resolvers) r();
  await Promise.all(tasks);
  return [
    {
      name: `spawn ${n.toLocaleString('en')} processes waiting in receive: time`,
      unit: 'µs each',
      ours: result.micros,
      baseline: micros,
      baselineName: 'bare async fn awaiting a promise',
      target: '<= 2',
      meets: (o) => o <= 2,
    },
    {
      name: `spawn ${n.toLocaleString('en')} processes waiting in receive: memory`,
      unit: 'bytes each',
      ours: result.bytes,
      baseline: bytes,
      baselineName: 'bare async fn awaiting a promise',
      target: '<= 1024',
      meets: (o) => o <= 1024,
    },
  ];
}

/** Average µs of `rounds` selective receives of a fresh message, with `queued` other-tag messages waiting. */
async function selective(queued: number, rounds: number): Promise<number> {
  return run(async () => {
    const me = self();
    for (let i = 0; i < queued; i++) send(me, [`other${i % 100}`, i]);
    // Warm up, then measure.
    for (let i = 0; i < 100; i++) {
      send(me, ['fresh', i]);
      await receive([['fresh', _]]);
    }
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) {
      send(me, ['fresh', i]);
      await receive([['fresh', _]]);
    }
    return ((performance.now() - t0) * 1000) / rounds;
  });
}

export async function selectiveReceive(queued = 10_000, rounds = 1_000): Promise<Figure> {
  // Several passes, keeping the best of each, so one GC pause does not decide.
  let ours = Infinity;
  let baseline = Infinity;
  for (let pass = 0; pass < 5; pass++) {
    baseline = Math.min(baseline, await selective(0, rounds));
    ours = Math.min(ours, await selective(queued, rounds));
  }
  return {
    name: `selective receive past ${queued.toLocaleString('en')} other-tag messages, ${rounds.toLocaleString('en')} times`,
    unit: 'µs each',
    ours,
    baseline,
    baselineName: 'same receive, empty mailbox',
    target: '<= 2x baseline',
    meets: (o, b) => o <= 2 * b,
  };
}
