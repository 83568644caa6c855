/**
 * Chapter 1, Spawn and send: a solution.
 *
 * Erlang:
 *   start_echo() ->
 *       spawn(fun() ->
 *           receive {echo, From, Text} -> From ! {echoed, Text} end
 *       end).
 */
import { anyPid, anyString, type Pid, receive, send, spawn } from 'beamish/runtime';

/**
 * Starts a process that answers one `['echo', from, text]` with `['echoed', text]`, then ends.
 * @example
 * const echo = startEcho();
 * send(echo, ['echo', self(), 'hi']);
 * await receive([['echoed', anyString]]); // ['echoed', 'hi']
 */
export function startEcho(): Pid {
  return spawn(async () => {
    const [, from, text] = await receive([['echo', anyPid, anyString]]);
    send(from, ['echoed', text]);
  });
}
