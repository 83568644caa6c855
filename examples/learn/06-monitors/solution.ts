/**
 * Chapter 6, Monitors: a solution.
 *
 * Erlang:
 *   wait_for_all(Pids, Timeout) ->
 *       Refs = [monitor(process, Pid) || Pid <- Pids],
 *       collect(Refs, erlang:monotonic_time(millisecond) + Timeout, []).
 *
 *   collect([], _Deadline, Reasons) -> lists:reverse(Reasons);
 *   collect([Ref | Rest] = Refs, Deadline, Reasons) ->
 *       Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
 *       receive
 *           {'DOWN', Ref, process, _Pid, Reason} -> collect(Rest, Deadline, [Reason | Reasons])
 *       after Left ->
 *           [demonitor(R, [flush]) || R <- Refs],
 *           timeout
 *       end.
 */
import { _, demonitor, monitor, type Pid, receive } from 'beamish/runtime';

/**
 * The exit reasons of `pids`, in order, once all have ended; `'timeout'` if that takes over `timeoutMs`.
 * @example
 * const a = spawn(async () => { await sleep(10); });
 * const b = spawn(async () => { exit('boom'); });
 * await waitForAll([a, b], 1000); // ['normal', 'boom']
 */
export async function waitForAll(pids: Pid[], timeoutMs: number): Promise<unknown[] | 'timeout'> {
  const refs = pids.map((pid) => monitor('process', pid));
  const deadline = Date.now() + timeoutMs;
  const reasons: unknown[] = [];
  // One DOWN after another, in the order of `pids`: the DOWNs of processes
  // that ended earlier wait in the mailbox until their turn.
  for (const [i, ref] of refs.entries()) {
    const down = await receive([['DOWN', ref, 'process', _, _]], Math.max(0, deadline - Date.now()), 'timeout');
    if (down === 'timeout') {
      // Turn off the monitors still on, and drop any DOWN already queued.
      for (const r of refs.slice(i)) demonitor(r, { flush: true });
      return 'timeout';
    }
    reasons.push(down[4]);
  }
  return reasons;
}
