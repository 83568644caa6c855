/**
 * Chapter 5, Links and trap_exit: your exercise. Check it with `npm run exercise 5`.
 */
import type { Pid } from 'beamish/runtime';

/**
 * Starts a supervisor process and returns its pid.
 *
 * The supervisor traps exits and runs `worker` in a process linked to it.
 * - When the worker ends with any reason other than `'normal'`, the
 *   supervisor starts a new worker, at most `maxRestarts` times in all.
 * - When the worker ends normally, the supervisor ends normally too.
 * - When the worker fails once more after `maxRestarts` restarts, the
 *   supervisor gives up and ends with the reason `'shutdown'`.
 * - If the supervisor is killed, its worker dies with it.
 *
 * @example
 * const sup = supervise(async () => { await receive(['work']); }, 3);
 */
export function supervise(worker: () => Promise<void>, maxRestarts: number): Pid {
  // processFlag('trap_exit', true) in the supervisor; spawnLink(worker);
  // then wait for ['EXIT', workerPid, reason].
  throw new Error(`TODO: run ${worker.name || 'the worker'} under a supervisor, with up to ${maxRestarts} restarts`);
}
