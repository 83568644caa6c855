/**
 * Chapter 6, Monitors: your exercise. Check it with `npm run exercise 6`.
 */
import type { Pid } from 'beamish/runtime';

/**
 * Waits until every process in `pids` has ended, and returns their exit
 * reasons in the order of `pids`. A process that is already dead gives
 * `'noproc'`.
 *
 * If they have not all ended within `timeoutMs`, it returns `'timeout'`
 * instead, and leaves nothing behind: no monitor still on, no `DOWN`
 * message arriving later. The caller must not die when one of the
 * processes crashes.
 *
 * @example
 * const a = spawn(async () => { await sleep(10); });
 * const b = spawn(async () => { exit('boom'); });
 * await waitForAll([a, b], 1000); // ['normal', 'boom']
 */
export async function waitForAll(pids: Pid[], timeoutMs: number): Promise<unknown[] | 'timeout'> {
  // monitor('process', pid) each one, then receive their ['DOWN', ref, 'process', pid, reason].
  throw new Error(`TODO: wait for ${pids.length} processes, at most ${timeoutMs} ms`);
}
