/**
 * Chapter 7, Names and timers: your exercise. Check it with `npm run exercise 7`.
 */
import type { Pid } from 'beamish/runtime';

/** The messages the reminder service takes. */
export type ReminderMsg = ['remind', Pid, number, string] | ['cancel', string] | 'stop';

/**
 * Starts the reminder service, registered under the name `'reminders'`
 * (already by the time this returns), and returns its pid.
 * - `['remind', from, ms, what]`: `from` gets `['reminder', what]` after `ms` ms;
 * - `['cancel', what]`: the reminders about `what` that have not gone off never will;
 * - `'stop'`: ends the service, which frees its name.
 *
 * The service answers other messages while reminders are pending: it never
 * sleeps.
 *
 * @example
 * startReminders();
 * send('reminders', ['remind', self(), 100, 'tea']);
 * await receive([['reminder', anyString]]); // ['reminder', 'tea'], 100 ms later
 */
export function startReminders(): Pid<ReminderMsg> {
  // spawn(fn, { name: 'reminders' }) registers the process as it starts.
  // sendAfter / startTimer set the timers; cancelTimer cancels one.
  throw new Error('TODO: start the reminder service');
}
