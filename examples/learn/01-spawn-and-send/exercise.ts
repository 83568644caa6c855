/**
 * Chapter 1, Spawn and send: your exercise. Check it with `npm run exercise 1`.
 */
import type { Pid } from 'beamish/runtime';

/**
 * Starts an echo process and returns its pid. The process waits for one
 * message `['echo', from, text]`, sends `['echoed', text]` to `from`, and
 * then ends.
 *
 * @example
 * const echo = startEcho();
 * send(echo, ['echo', self(), 'hi']);
 * await receive([['echoed', anyString]]); // ['echoed', 'hi']
 */
export function startEcho(): Pid {
  // spawn() a process; inside it, receive one ['echo', from, text]
  // (anyPid and anyString match the pid and the text), then send the answer.
  throw new Error('TODO: spawn the echo process and return its pid');
}
