/**
 * Chapter 2, Receive and the mailbox: your exercise. Check it with `npm run exercise 2`.
 */

/**
 * Empties the urgent and normal messages out of the calling process's
 * mailbox, urgent ones first, without waiting for more.
 *
 * It takes every `['urgent', x]` message, then every `['normal', x]`
 * message, and returns the `x`s in that order: all the urgent ones first,
 * each kind in the order it arrived. Any other message stays in the
 * mailbox, in its place.
 *
 * @example
 * send(self(), ['normal', 1]);
 * send(self(), ['urgent', 'a']);
 * await prioritized(); // ['a', 1]
 */
export async function prioritized(): Promise<unknown[]> {
  // receive([['urgent', _]], 0, 'empty') takes one urgent message, or
  // returns 'empty' at once when there is none left.
  throw new Error('TODO: take the urgent messages, then the normal ones');
}
