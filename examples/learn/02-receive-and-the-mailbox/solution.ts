/**
 * Chapter 2, Receive and the mailbox: a solution.
 *
 * Erlang:
 *   prioritized() -> urgent([]).
 *
 *   urgent(Acc) ->
 *       receive {urgent, X} -> urgent([X | Acc])
 *       after 0 -> normal(Acc)
 *       end.
 *
 *   normal(Acc) ->
 *       receive {normal, X} -> normal([X | Acc])
 *       after 0 -> lists:reverse(Acc)
 *       end.
 */
import { _, receive } from 'beamish/runtime';

/**
 * Takes every `['urgent', x]`, then every `['normal', x]`, without waiting; returns the `x`s in that order.
 * @example
 * send(self(), ['normal', 1]);
 * send(self(), ['urgent', 'a']);
 * await prioritized(); // ['a', 1]
 */
export async function prioritized(): Promise<unknown[]> {
  const taken: unknown[] = [];
  for (const kind of ['urgent', 'normal'] as const) {
    for (;;) {
      const message = await receive([[kind, _]], 0, 'empty');
      if (message === 'empty') break;
      taken.push(message[1]);
    }
  }
  return taken;
}
