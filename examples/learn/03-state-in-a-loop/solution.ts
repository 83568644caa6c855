/**
 * Chapter 3, State in a loop: a solution.
 *
 * Erlang:
 *   counter(Initial) -> spawn(fun() -> loop(Initial) end).
 *
 *   loop(Count) ->
 *       receive
 *           {add, N} -> loop(Count + N);
 *           {get, From} -> From ! {count, Count}, loop(Count);
 *           stop -> ok
 *       end.
 */
import { anyNumber, anyPid, on, type Pid, receive, send, spawn } from 'beamish/runtime';

/** The messages a counter takes. */
export type CounterMsg = ['add', number] | ['get', Pid] | 'stop';

/**
 * Starts a counter at `initial`: `['add', n]` adds, `['get', from]` answers `['count', n]`, `'stop'` ends it.
 * @example
 * const c = counter(3);
 * send(c, ['add', 2]);
 * send(c, ['get', self()]);
 * await receive([['count', anyNumber]]); // ['count', 5]
 */
export function counter(initial: number): Pid<CounterMsg> {
  return spawn<CounterMsg>(async () => {
    let count = initial;
    let running = true;
    while (running) {
      await receive([
        on(['add', anyNumber], ([, n]) => {
          count += n;
        }),
        on(['get', anyPid], ([, from]) => {
          send(from, ['count', count]);
        }),
        on('stop', () => {
          running = false;
        }),
      ]);
    }
  });
}
