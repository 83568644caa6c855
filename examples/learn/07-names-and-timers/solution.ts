/**
 * Chapter 7, Names and timers: a solution.
 *
 * The service sets each timer to itself (`startTimer`), and keeps the
 * pending timers by subject so that `cancel` can find them. When a timer's
 * message comes, it passes the reminder on, unless that timer was
 * cancelled meanwhile (its message may already have been in the mailbox).
 *
 * Erlang:
 *   start_reminders() ->
 *       register(reminders, spawn(fun() -> loop(#{}) end)).
 *
 *   loop(Pending) ->
 *       receive
 *           {remind, From, Ms, What} ->
 *               TRef = erlang:start_timer(Ms, self(), {due, From, What}),
 *               loop(Pending#{TRef => What});
 *           {cancel, What} ->
 *               Gone = [T || {T, W} <- maps:to_list(Pending), W =:= What],
 *               [erlang:cancel_timer(T) || T <- Gone],
 *               loop(maps:without(Gone, Pending));
 *           {timeout, TRef, {due, From, What}} when is_map_key(TRef, Pending) ->
 *               From ! {reminder, What},
 *               loop(maps:remove(TRef, Pending));
 *           {timeout, _TRef, _} ->
 *               loop(Pending);
 *           stop ->
 *               ok
 *       end.
 */
import {
  _,
  anyNumber,
  anyPid,
  anyRef,
  anyString,
  cancelTimer,
  on,
  type Pid,
  type Ref,
  receive,
  self,
  send,
  spawn,
  startTimer,
} from 'beamish/runtime';

/** The messages the reminder service takes. */
export type ReminderMsg = ['remind', Pid, number, string] | ['cancel', string] | 'stop';

/**
 * Starts the reminder service, registered as `'reminders'`.
 * @example
 * startReminders();
 * send('reminders', ['remind', self(), 100, 'tea']);
 * await receive([['reminder', anyString]]); // ['reminder', 'tea'], 100 ms later
 */
export function startReminders(): Pid<ReminderMsg> {
  return spawn<ReminderMsg>(
    async () => {
      // Each pending timer, and what it is about.
      const pending = new Map<Ref, string>();
      let running = true;
      while (running) {
        await receive([
          on(['remind', anyPid, anyNumber, anyString], ([, from, ms, what]) => {
            pending.set(startTimer(ms, self(), ['due', from, what]), what);
          }),
          on(['cancel', anyString], ([, what]) => {
            for (const [tref, about] of pending) {
              if (about !== what) continue;
              cancelTimer(tref);
              pending.delete(tref);
            }
          }),
          on(['timeout', anyRef, ['due', anyPid, anyString]], ([, tref, [, from, what]]) => {
            // Not pending any more: cancelled after its message was sent.
            if (pending.delete(tref)) send(from, ['reminder', what]);
          }),
          on('stop', () => {
            running = false;
          }),
          // Anything else would pile up in the mailbox for ever: drop it.
          on(_, () => {}),
        ]);
      }
    },
    { name: 'reminders' },
  );
}
