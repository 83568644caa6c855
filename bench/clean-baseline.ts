/**
 * The bare baselines again, in a child process that never loads beamish, so
 * that no AsyncLocalStorage is active. In the main bench process beamish has
 * turned AsyncLocalStorage on, and Node 20 then runs a hook for every promise
 * (baselines included); this shows what that costs. Prints JSON (M msgs/s).
 */
import { barePingPong, bareProducerConsumer } from './baseline.js';

const n = 1_000_000;
console.log(
  JSON.stringify({ pingPong: (await barePingPong(n)) / 1e6, producerConsumer: (await bareProducerConsumer(n)) / 1e6 }),
);
