import { BadArgError } from './errors.js';
import { Pid, Ref } from './ids.js';
import { isolate } from './isolation.js';
import { setLongTimeout } from './long-timeout.js';
import { type Proc, procOf } from './process.js';
import { names } from './registry-table.js';
import { dropTimer, timers } from './timer-table.js';
import { assertDelay, describe } from './validate.js';

/**
 * Timers, as Erlang's `erlang:send_after/3`, `erlang:start_timer/3` and
 * `erlang:cancel_timer/1`. A timer aimed at a pid is cancelled when that
 * process dies; one aimed at a name looks the name up when it fires and does
 * nothing if no process holds it then.
 */

function arm(fn: string, ms: number, dest: Pid | string, build: (ref: Ref) => unknown): Ref {
  assertDelay(fn, 'ms', ms);
  let proc: Proc | undefined;
  if (dest instanceof Pid) proc = procOf(dest);
  else if (typeof dest !== 'string') {
    throw new BadArgError(fn, 'dest', `expected a pid or a registered name, got ${describe(dest)}`);
  }
  const ref = new Ref();
  // A timer for a process that is already dead does nothing, as in Erlang.
  if (proc !== undefined && !proc.alive) return ref;
  const handle = setLongTimeout(ms, () => {
    dropTimer(ref);
    const target = proc ?? names.get(dest as string);
    target?.deliver(build(ref));
  });
  timers.set(ref, { handle, deadline: performance.now() + ms, proc });
  if (proc !== undefined) {
    proc.timers ??= new Set();
    proc.timers.add(ref);
  }
  return ref;
}

/**
 * Sends `message` to `dest` (a pid, or a name looked up when the timer
 * fires) after `ms` milliseconds; returns the timer's ref, for
 * `cancelTimer` and `readTimer`. Erlang's `erlang:send_after/3`.
 *
 * @example
 * ```ts
 * sendAfter(1000, self(), 'tick'); // Erlang: erlang:send_after(1000, self(), tick)
 * await receive(['tick']);
 * ```
 */
export function sendAfter(ms: number, dest: Pid | string, message: unknown): Ref {
  const msg = isolate(message);
  return arm('sendAfter', ms, dest, () => msg);
}

/**
 * Sends `['timeout', timerRef, message]` to `dest` after `ms` milliseconds;
 * returns `timerRef`. Erlang's `erlang:start_timer/3`: the ref in the
 * message tells this timer's timeout from that of an older timer.
 *
 * @example
 * ```ts
 * const tref = startTimer(100, self(), 'expired'); // Erlang: erlang:start_timer(100, self(), expired)
 * await receive([['timeout', tref, 'expired']]);
 * ```
 */
export function startTimer(ms: number, dest: Pid | string, message: unknown): Ref {
  const msg = isolate(message);
  return arm('startTimer', ms, dest, (ref) => ['timeout', ref, msg]);
}

/**
 * Cancels a timer; returns the milliseconds it had left, or false if it had
 * fired or was unknown. A message of a timer that has fired stays in the
 * mailbox, as in Erlang's `erlang:cancel_timer/1`.
 *
 * @example
 * ```ts
 * const tref = sendAfter(5000, self(), 'tick');
 * cancelTimer(tref); // about 5000: the milliseconds it had left; no tick will come
 * cancelTimer(tref); // false: it is gone
 * ```
 */
export function cancelTimer(ref: Ref): number | false {
  if (!(ref instanceof Ref)) throw new BadArgError('cancelTimer', 'ref', `expected a timer ref, got ${describe(ref)}`);
  const record = dropTimer(ref);
  return record === undefined ? false : left(record.deadline);
}

/**
 * The milliseconds a timer has left, or false if it has fired or is unknown
 * (Erlang's `erlang:read_timer/1`).
 *
 * @example
 * ```ts
 * const tref = startTimer(1000, self(), 'expired');
 * await sleep(100);
 * readTimer(tref); // about 900
 * ```
 */
export function readTimer(ref: Ref): number | false {
  if (!(ref instanceof Ref)) throw new BadArgError('readTimer', 'ref', `expected a timer ref, got ${describe(ref)}`);
  const record = timers.get(ref);
  return record === undefined ? false : left(record.deadline);
}

function left(deadline: number): number {
  return Math.max(0, Math.round(deadline - performance.now()));
}
