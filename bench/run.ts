/**
 * Runs every benchmark and prints a Markdown table: our figure, the
 * baseline measured in the same run, their ratio, and the target.
 * `npm run bench` (or `npm run bench -- runtime` / `-- otp` / `-- distribution` / `-- gun` / `-- http` / `-- scale` for one group).
 * The scale group takes options after its name (`-- scale --n 2000 --runs 3`,
 * see bench/scale.bench.ts) and prints its ranges under the table.
 * The runtime group also runs the same workloads in Erlang
 * (bench/beam/runtime.escript) when `escript` is on the PATH, and adds a row
 * against Erlang's figure for each of ours; it says so when Erlang is missing.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunBenchmarks } from './gun.bench.js';
import { genServerCall } from './otp.bench.js';
import { type Figure, pingPong, producerConsumer, selectiveReceive, spawnWaiting } from './runtime.bench.js';

const only = process.argv[2];
const figures: Figure[] = [];
/** Markdown a group prints under the table (the scale group's ranges and details). */
const notes: string[] = [];

async function group(name: string, fn: () => Promise<void>): Promise<void> {
  if (only !== undefined && only !== name) return;
  await fn();
}

/** Two decimals, or two significant digits below 0.01 (selective receive against Erlang's). */
function ratio(r: number): string {
  return r >= 0.01 ? r.toFixed(2) : r.toPrecision(2);
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/**
 * Each runtime figure is measured three times and the best kept (highest
 * rate, lowest time or memory), ours and baseline alike: on a shared 2-core
 * machine single runs swing by a third.
 */
async function bestOf3(measure: () => Promise<Figure[]>): Promise<Figure[]> {
  let top = await measure();
  for (let round = 1; round < 3; round++) {
    const next = await measure();
    top = top.map((f, i) => {
      const g = next[i] as Figure;
      const pick = f.unit.endsWith('/s') ? Math.max : Math.min;
      return { ...f, ours: pick(f.ours, g.ours), baseline: pick(f.baseline, g.baseline) };
    });
  }
  return top;
}

/** Erlang's figures from bench/beam/runtime.escript (one JSON line), or why there are none. */
interface Beam {
  otp: string;
  erts: string;
  schedulers: number;
  pingpong?: number;
  prodcons?: number;
  spawn_us?: number;
  spawn_bytes?: number;
  waiting_process_bytes?: number;
  selective_us?: number;
  selective_empty_us?: number;
  gencall?: number;
}
let beam: Beam | undefined;
let beamMissing: string | undefined;

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir || '.', cmd), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/**
 * Runs one of the escript's benchmarks (in its own emulator, with default
 * flags: as many schedulers as cores) right after ours, so that both see the
 * host in the same state; each takes a few seconds, bounded at two minutes.
 */
function runBeam(bench: string): void {
  if (beamMissing !== undefined) return;
  if (!onPath('escript')) {
    beamMissing = 'Erlang was not available (no `escript` on the PATH; `apt-get install erlang-nox`): no Erlang rows.';
    return;
  }
  try {
    const out = execFileSync('escript', [fileURLToPath(new URL('./beam/runtime.escript', import.meta.url)), bench], {
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    beam = { ...beam, ...(JSON.parse(out) as Beam) };
  } catch (e) {
    beamMissing = `Erlang's ${bench} benchmark failed (${(e as Error).message.split('\n')[0]}): no Erlang rows.`;
    beam = undefined;
  }
}

/** The targets for the rows against the bare baselines (none for producer → consumer and spawn time). */
function withTarget(f: Figure, target: string, meets: Figure['meets']): Figure {
  return { ...f, target, meets };
}
const reported = (f: Figure): Figure => withTarget(f, 'none set (reported)', () => true);

/** A row comparing one of our figures with Erlang's from the same run. */
function vsBeam(f: Figure, erlang: number | undefined, target: string, meets: Figure['meets']): Figure[] {
  if (beam === undefined || erlang === undefined) return [];
  const baselineName = `Erlang/OTP ${beam.otp}, ${beam.schedulers} scheduler${beam.schedulers === 1 ? '' : 's'}, same machine, same run`;
  return [{ ...f, baseline: erlang, baselineName, target, meets }];
}

await group('runtime', async () => {
  const [ping] = await bestOf3(async () => [await pingPong()]);
  runBeam('pingpong');
  const [prod] = await bestOf3(async () => [await producerConsumer()]);
  runBeam('prodcons');
  const [spawnTime, spawnMemory] = await bestOf3(() => spawnWaiting());
  runBeam('spawn');
  const [sel] = await bestOf3(async () => [await selectiveReceive()]);
  runBeam('selective');
  if (ping === undefined || prod === undefined || spawnTime === undefined || spawnMemory === undefined || !sel) {
    throw new Error('a runtime benchmark returned no figure');
  }
  figures.push(
    withTarget(ping, '>= 0.5x baseline', (o, b) => o >= 0.5 * b),
    ...vsBeam(ping, beam?.pingpong, '>= 1.2x', (o, b) => o >= 1.2 * b),
    reported(prod),
    ...vsBeam(prod, beam?.prodcons, '>= 1.0x', (o, b) => o >= b),
    reported(spawnTime),
    ...vsBeam(spawnTime, beam?.spawn_us, '<= 0.6x', (o, b) => o <= 0.6 * b),
    withTarget(spawnMemory, '<= 1024', (o) => o <= 1024),
    ...vsBeam(spawnMemory, beam?.spawn_bytes, 'none set (reported)', () => true),
    withTarget(sel, '<= 2x baseline', (o, b) => o <= 2 * b),
    ...vsBeam(sel, beam?.selective_us, 'none set (reported)', () => true),
  );
});

await group('otp', async () => {
  const [call] = await bestOf3(async () => [await genServerCall()]);
  runBeam('gencall');
  if (call === undefined) throw new Error('the otp benchmark returned no figure');
  figures.push(call, ...vsBeam(call, beam?.gencall, 'none set (reported)', () => true));
});

await group('distribution', async () => {
  // Loaded only for its group; it starts epmd and erl nodes of its own.
  const { distributionBenchmarks } = await import('./distribution.bench.js');
  figures.push(...(await distributionBenchmarks()));
});

await group('gun', async () => {
  figures.push(...(await gunBenchmarks()));
});

await group('http', async () => {
  // Loaded only for its group: undici need not sit in the other groups' heap.
  const { httpBenchmarks } = await import('./http.bench.js');
  figures.push(...(await httpBenchmarks()));
});

await group('http2', async () => {
  // Loaded only for its group, as the http group (undici); its server runs in a process of its own.
  const { http2Benchmarks } = await import('./http2.bench.js');
  figures.push(...(await http2Benchmarks()));
});

await group('scale', async () => {
  // Loaded only for its group; its clients and server run in processes of their own.
  const { scaleBenchmarks, scaleOptions } = await import('./scale.bench.js');
  const report = await scaleBenchmarks(scaleOptions(process.argv.slice(3)));
  figures.push(...report.figures);
  notes.push(...report.notes);
});

await group('observer', async () => {
  // Loaded only for its group; its SSE client runs in a process of its own.
  const { observerBenchmarks, observerOptions } = await import('./observer.bench.js');
  const report = await observerBenchmarks(observerOptions(process.argv.slice(3)));
  figures.push(...report.figures);
  notes.push(...report.notes);
});

console.log(`node ${process.version}, ${new Date().toISOString()}\n`);
if (only === undefined || only === 'runtime') {
  const child = execFileSync(process.execPath, [
    '--import',
    'tsx',
    fileURLToPath(new URL('./clean-baseline.ts', import.meta.url)),
  ]);
  const clean = JSON.parse(child.toString()) as { pingPong: number; producerConsumer: number };
  console.log(
    `Bare baselines in a process with no AsyncLocalStorage: ping-pong ${clean.pingPong.toFixed(2)} M msgs/s, producer → consumer ${clean.producerConsumer.toFixed(2)} M msgs/s.\n`,
  );
  if (beam !== undefined) {
    console.log(
      `Erlang/OTP ${beam.otp} (erts ${beam.erts}), bench/beam/runtime.escript, ${beam.schedulers} scheduler${beam.schedulers === 1 ? '' : 's'} online, run after each of ours in the same run: selective receive ${fmt(beam.selective_us ?? Number.NaN)} µs past the backlog, ${fmt(beam.selective_empty_us ?? Number.NaN)} µs on an empty mailbox; ${beam.waiting_process_bytes} bytes per waiting process by process_info(memory).\n`,
    );
  } else {
    console.log(`${beamMissing ?? 'Erlang was not available.'}\n`);
  }
}
console.log('| benchmark | unit | beamish | baseline | ratio | baseline is | target | met |');
console.log('| --- | --- | ---: | ---: | ---: | --- | --- | --- |');
for (const f of figures) {
  console.log(
    `| ${f.name} | ${f.unit} | ${fmt(f.ours)} | ${fmt(f.baseline)} | ${ratio(f.ours / f.baseline)}x | ${f.baselineName} | ${f.target} | ${f.meets(f.ours, f.baseline) ? 'yes' : 'no'} |`,
  );
}
if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
