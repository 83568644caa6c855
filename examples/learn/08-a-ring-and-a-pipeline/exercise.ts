/**
 * Chapter 8, A ring and a pipeline: your exercise. Check it with `npm run exercise 8`.
 */
import type { Pid } from 'beamish/runtime';

/**
 * Starts `size` new processes in a ring, each knowing the next one (the
 * last one's next is the first), and sends a token round the ring `rounds`
 * times: it starts at the first process, and each process passes it on to
 * the next.
 *
 * Returns the pids of the ring's processes in the order the token visited
 * them: `size * rounds` visits. Before it returns, every process of the
 * ring has ended. The calling process is not part of the ring.
 *
 * @example
 * const visits = await ring(3, 2); // [a, b, c, a, b, c]: three pids, twice
 */
export async function ring(size: number, rounds: number): Promise<Pid[]> {
  // Spawn the processes first, then send each one the pid of its next
  // (['next', pid]), then the token. Each visit can be reported to the
  // caller as ['visit', self()].
  throw new Error(`TODO: a ring of ${size} processes, ${rounds} rounds`);
}
