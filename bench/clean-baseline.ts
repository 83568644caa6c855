/**
 * The bare baselines again, in a child process that never loads beamish, so
 * that no AsyncLocalStorage is active. In the main bench process beamish has
 * turned AsyncLocalStorage on, and Node 20 then runs a hook for every promise
 * (baselines included); this shows what that costs. Prints JSON.
 */
import { BareChannel } from './baseline.js';

const n = 1_000_000;
const seconds = (t0: number) => (performance.now() - t0) / 1000;

async function pingPong(): Promise<number> {
  const a = new BareChannel<unknown>();
  const b = new BareChannel<unknown>();
  const half = n / 2;
  const t0 = performance.now();
  const ponger = (async () => {
    for (let i = 0; i < half; i++) {
      await b.receive();
      a.send(['pong', i]);
    }
  })();
  for (let i = 0; i < half; i++) {
    b.send(['ping', i]);
    await a.receive();
  }
  await ponger;
  return n / seconds(t0) / 1e6;
}

async function producerConsumer(): Promise<number> {
  const ch = new BareChannel<unknown>();
  const t0 = performance.now();
  const consumer = (async () => {
    for (let i = 0; i < n; i++) await ch.receive();
  })();
  for (let i = 0; i < n; i++) ch.send(['item', i]);
  await consumer;
  return n / seconds(t0) / 1e6;
}

console.log(JSON.stringify({ pingPong: await pingPong(), producerConsumer: await producerConsumer() }));
