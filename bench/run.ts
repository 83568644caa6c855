/**
 * Runs every benchmark and prints a Markdown table: our figure, the
 * baseline measured in the same run, their ratio, and the target.
 * `npm run bench` (or `npm run bench -- runtime` / `-- gun` for one group).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gunBenchmarks } from './gun.bench.js';
import { type Figure, pingPong, producerConsumer, selectiveReceive, spawnWaiting } from './runtime.bench.js';

const only = process.argv[2];
const figures: Figure[] = [];

async function group(name: string, fn: () => Promise<void>): Promise<void> {
  if (only !== undefined && only !== name) return;
  await fn();
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

await group('runtime', async () => {
  figures.push(await pingPong());
  figures.push(await producerConsumer());
  figures.push(...(await spawnWaiting()));
  figures.push(await selectiveReceive());
});

await group('gun', async () => {
  figures.push(...(await gunBenchmarks()));
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
}
console.log('| benchmark | unit | beamish | baseline | ratio | baseline is | target | met |');
console.log('| --- | --- | ---: | ---: | ---: | --- | --- | --- |');
for (const f of figures) {
  console.log(
    `| ${f.name} | ${f.unit} | ${fmt(f.ours)} | ${fmt(f.baseline)} | ${(f.ours / f.baseline).toFixed(2)}x | ${f.baselineName} | ${f.target} | ${f.met ? 'yes' : 'no'} |`,
  );
}
