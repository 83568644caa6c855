/**
 * Chapter 9, Selective receive pitfalls: your exercise. Check it with `npm run exercise 9`.
 */
import type { Pid } from 'beamish/runtime';

/** The messages the store understands. Anything else may be sent to it too. */
export type StoreMsg = ['put', string, unknown] | ['get', Pid, string] | ['dropped', Pid] | 'stop';

/**
 * Starts a key-value store process and returns its pid.
 * - `['put', key, value]`: stores `value` under `key` (a string);
 * - `['get', from, key]`: `from` gets `['value', key, value]`, or
 *   `['missing', key]` when nothing is stored under `key`;
 * - `['dropped', from]`: `from` gets `['dropped', n]`, `n` the number of
 *   messages the store did not understand and threw away;
 * - `'stop'`: ends the store.
 *
 * Any other message (a typo, a wrong shape, a `get` whose `from` is not a
 * pid) is thrown away and counted: it must never stay in the store's
 * mailbox, and it must never crash the store.
 *
 * @example
 * const store = startStore();
 * send(store, ['put', 'a', 1]);
 * send(store, ['get', self(), 'a']);
 * await receive([['value', 'a', _]]); // ['value', 'a', 1]
 */
export function startStore(): Pid<StoreMsg> {
  // A loop over receive with one clause per message, and a last clause,
  // on(_, ...), that takes whatever the others did not.
  throw new Error('TODO: start the store');
}
