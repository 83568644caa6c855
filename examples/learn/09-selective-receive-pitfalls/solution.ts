/**
 * Chapter 9, Selective receive pitfalls: a solution.
 *
 * Erlang:
 *   start_store() -> spawn(fun() -> loop(#{}, 0) end).
 *
 *   loop(Data, Dropped) ->
 *       receive
 *           {put, Key, Value} when is_binary(Key) -> loop(Data#{Key => Value}, Dropped);
 *           {get, From, Key} when is_pid(From), is_binary(Key) ->
 *               case Data of
 *                   #{Key := Value} -> From ! {value, Key, Value};
 *                   #{} -> From ! {missing, Key}
 *               end,
 *               loop(Data, Dropped);
 *           {dropped, From} when is_pid(From) -> From ! {dropped, Dropped}, loop(Data, Dropped);
 *           stop -> ok;
 *           _Other -> loop(Data, Dropped + 1)
 *       end.
 */
import { _, anyPid, anyString, on, type Pid, receive, send, spawn } from 'beamish/runtime';

/** The messages the store understands. Anything else may be sent to it too. */
export type StoreMsg = ['put', string, unknown] | ['get', Pid, string] | ['dropped', Pid] | 'stop';

/**
 * Starts a key-value store that throws away, and counts, what it does not understand.
 * @example
 * const store = startStore();
 * send(store, ['put', 'a', 1]);
 * send(store, ['get', self(), 'a']);
 * await receive([['value', 'a', _]]); // ['value', 'a', 1]
 */
export function startStore(): Pid<StoreMsg> {
  return spawn<StoreMsg>(async () => {
    const data = new Map<string, unknown>();
    let dropped = 0;
    let running = true;
    while (running) {
      await receive([
        on(['put', anyString, _], ([, key, value]) => {
          data.set(key, value);
        }),
        on(['get', anyPid, anyString], ([, from, key]) => {
          send(from, data.has(key) ? ['value', key, data.get(key)] : ['missing', key]);
        }),
        on(['dropped', anyPid], ([, from]) => {
          send(from, ['dropped', dropped]);
        }),
        on('stop', () => {
          running = false;
        }),
        // Last: whatever matched nothing above. Without it, such messages
        // would stay in the mailbox for as long as the store lives.
        on(_, () => {
          dropped++;
        }),
      ]);
    }
  });
}
