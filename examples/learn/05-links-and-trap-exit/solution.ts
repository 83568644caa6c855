/**
 * Chapter 5, Links and trap_exit: a solution.
 *
 * Erlang:
 *   supervise(Worker, MaxRestarts) ->
 *       spawn(fun() ->
 *           process_flag(trap_exit, true),
 *           loop(Worker, MaxRestarts)
 *       end).
 *
 *   loop(Worker, RestartsLeft) ->
 *       Pid = spawn_link(Worker),
 *       receive
 *           {'EXIT', Pid, normal} -> ok;
 *           {'EXIT', Pid, _Reason} when RestartsLeft > 0 -> loop(Worker, RestartsLeft - 1);
 *           {'EXIT', Pid, _Reason} -> exit(shutdown)
 *       end.
 */
import { _, exit, type Pid, processFlag, receive, spawn, spawnLink } from 'beamish/runtime';

/**
 * Runs `worker` linked, restarting it after a failure up to `maxRestarts` times; then exits `'shutdown'`.
 * @example
 * const sup = supervise(async () => { await receive(['work']); }, 3);
 */
export function supervise(worker: () => Promise<void>, maxRestarts: number): Pid {
  return spawn(async () => {
    processFlag('trap_exit', true);
    for (let restartsLeft = maxRestarts; ; restartsLeft--) {
      const pid = spawnLink(worker);
      const [, , reason] = await receive([['EXIT', pid, _]]);
      if (reason === 'normal') return;
      if (restartsLeft === 0) exit('shutdown');
    }
  });
}
