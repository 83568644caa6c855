/**
 * Chapter 4, Timeouts: a solution.
 *
 * Erlang:
 *   collect_votes(Ms) ->
 *       collect(erlang:monotonic_time(millisecond) + Ms, #{}).
 *
 *   collect(Deadline, Tally) ->
 *       Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
 *       receive
 *           {vote, Choice} ->
 *               collect(Deadline, maps:update_with(Choice, fun(N) -> N + 1 end, 1, Tally))
 *       after Left ->
 *           Tally
 *       end.
 */
import { anyString, receive } from 'beamish/runtime';

/**
 * Counts the `['vote', choice]` messages that come within `ms` ms; returns the tally.
 * @example
 * send(self(), ['vote', 'tea']);
 * send(self(), ['vote', 'coffee']);
 * send(self(), ['vote', 'tea']);
 * await collectVotes(100); // { tea: 2, coffee: 1 }, after 100 ms
 */
export async function collectVotes(ms: number): Promise<Record<string, number>> {
  const tally: Record<string, number> = {};
  const deadline = Date.now() + ms;
  for (;;) {
    // Each receive waits only for what is left of the time.
    const vote = await receive([['vote', anyString]], Math.max(0, deadline - Date.now()), 'time is up');
    if (vote === 'time is up') return tally;
    const [, choice] = vote;
    tally[choice] = (tally[choice] ?? 0) + 1;
  }
}
