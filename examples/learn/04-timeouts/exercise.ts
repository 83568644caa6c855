/**
 * Chapter 4, Timeouts: your exercise. Check it with `npm run exercise 4`.
 */

/**
 * Counts the votes that reach the calling process within `ms` milliseconds,
 * and returns how many each choice got.
 *
 * A vote is a message `['vote', choice]`, `choice` a string. Votes already
 * waiting in the mailbox count too. It returns `ms` after it was called (a
 * few milliseconds more at most), even if votes keep coming, and it never
 * throws. Other messages stay in the mailbox.
 *
 * @example
 * send(self(), ['vote', 'tea']);
 * send(self(), ['vote', 'coffee']);
 * send(self(), ['vote', 'tea']);
 * await collectVotes(100); // { tea: 2, coffee: 1 }, after 100 ms
 */
export async function collectVotes(ms: number): Promise<Record<string, number>> {
  // A receive's timeout starts afresh at each receive: work out a deadline
  // first, and give each receive only the time that is left.
  throw new Error(`TODO: count the votes that come within ${ms} ms`);
}
