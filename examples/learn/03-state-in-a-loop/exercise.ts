/**
 * Chapter 3, State in a loop: your exercise. Check it with `npm run exercise 3`.
 */
import type { Pid } from 'beamish/runtime';

/** The messages a counter takes. */
export type CounterMsg = ['add', number] | ['get', Pid] | 'stop';

/**
 * Starts a counter process that starts at `initial`, and returns its pid.
 * - `['add', n]`: adds `n` to the count (no answer);
 * - `['get', from]`: sends `['count', count]` to `from`;
 * - `'stop'`: ends the process.
 *
 * @example
 * const c = counter(3);
 * send(c, ['add', 2]);
 * send(c, ['get', self()]);
 * await receive([['count', anyNumber]]); // ['count', 5]
 */
export function counter(initial: number): Pid<CounterMsg> {
  // spawn a process that keeps the count in a variable and loops over receive.
  throw new Error(`TODO: start a counter at ${initial}`);
}
