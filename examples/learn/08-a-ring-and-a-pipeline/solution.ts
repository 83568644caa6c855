/**
 * Chapter 8, A ring and a pipeline: a solution.
 *
 * The processes are spawned first, then each is told its next; the token
 * carries the number of visits still to make, and each visit is reported
 * to the caller. Once the caller has every visit, it sends `'stop'` round
 * the ring and waits for each process to end.
 *
 * Erlang:
 *   ring(Size, Rounds) ->
 *       Caller = self(),
 *       Pids = [spawn(fun() -> member(Caller) end) || _ <- lists:seq(1, Size)],
 *       [Pid ! {next, Next} || {Pid, Next} <- lists:zip(Pids, tl(Pids) ++ [hd(Pids)])],
 *       hd(Pids) ! {token, Size * Rounds},
 *       Visits = [receive {visit, P} -> P end || _ <- lists:seq(1, Size * Rounds)],
 *       Refs = [monitor(process, P) || P <- Pids],
 *       hd(Pids) ! stop,
 *       [receive {'DOWN', R, process, _, _} -> ok end || R <- Refs],
 *       Visits.
 *
 *   member(Caller) ->
 *       receive {next, Next} -> member(Caller, Next) end.
 *
 *   member(Caller, Next) ->
 *       receive
 *           {token, 0} -> member(Caller, Next);
 *           {token, Left} -> Caller ! {visit, self()}, Next ! {token, Left - 1}, member(Caller, Next);
 *           stop -> Next ! stop
 *       end.
 */
import { _, anyNumber, anyPid, monitor, type Pid, receive, self, send, spawn } from 'beamish/runtime';

/** A ring member: learns its next, then passes the token on (reporting each visit) until `'stop'`. */
function member(caller: Pid): () => Promise<void> {
  return async () => {
    const [, next] = await receive([['next', anyPid]]);
    for (;;) {
      const msg = await receive([['token', anyNumber], 'stop']);
      if (msg === 'stop') {
        // Pass it on; the process that receives it when already stopped
        // (the first one, at the end) is gone, so the send is dropped.
        send(next, 'stop');
        return;
      }
      const [, left] = msg;
      if (left === 0) continue;
      send(caller, ['visit', self()]);
      send(next, ['token', left - 1]);
    }
  };
}

/**
 * A ring of `size` processes; the token goes round `rounds` times; returns the visits in order.
 * @example
 * const visits = await ring(3, 2); // [a, b, c, a, b, c]: three pids, twice
 */
export async function ring(size: number, rounds: number): Promise<Pid[]> {
  const caller = self();
  const pids: Pid[] = [];
  for (let i = 0; i < size; i++) pids.push(spawn(member(caller)));
  pids.forEach((pid, i) => {
    send(pid, ['next', pids[(i + 1) % size] as Pid]);
  });
  const first = pids[0];
  if (first === undefined) return [];
  send(first, ['token', size * rounds]);
  const visits: Pid[] = [];
  while (visits.length < size * rounds) {
    const [, pid] = await receive([['visit', anyPid]]);
    visits.push(pid);
  }
  // Stop the ring, and wait until each of its processes has ended.
  const refs = pids.map((pid) => monitor('process', pid));
  send(first, 'stop');
  for (const ref of refs) await receive([['DOWN', ref, 'process', _, _]]);
  return visits;
}
