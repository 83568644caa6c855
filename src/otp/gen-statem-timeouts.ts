import { _, cancelTimer, formatTerm, Ref, receiveNow, self, startTimer } from '../runtime/index.js';
import type { TimeoutEventType } from './gen-statem-types.js';

/**
 * The running timeouts of one GenStatem, as OTP's `gen_statem` keeps them:
 * at most one per kind (the event timeout, the state timeout, each named
 * generic timeout), each an `erlang:start_timer` whose message
 * `['timeout', ref, key]` the machine turns back into the event
 * `[type, content]`. A 0 ms timeout starts no timer: it waits in a queue of
 * its own, handled when the machine's queued events are done and before it
 * takes the next message, as OTP's `t0q`.
 *
 * A cancelled timer's message must never be handled: `cancelTimer` returning
 * false means the timer has fired, and since the runtime delivers a timer's
 * message when it fires, that message is in the mailbox; it is taken out
 * there and then (OTP waits for it the same way). A message whose ref is not
 * the running one for its kind is the user's, and goes to the machine as
 * `'info'`.
 */

interface Running {
  /** The timer, or 0 for a 0 ms timeout waiting in the zero queue. */
  readonly ref: Ref | 0;
  readonly type: TimeoutEventType;
  content: unknown;
}

/** One map key per kind of timeout: generic ones by their name's Erlang notation (names compare as terms). */
export function timeoutKey(type: TimeoutEventType): string {
  return typeof type === 'string' ? type : `generic:${formatTerm(type[1])}`;
}

export class Timeouts {
  private readonly running = new Map<string, Running>();
  /** Keys of 0 ms timeouts, in the order they are to fire. */
  private zeroQueue: string[] = [];

  /** Starts (or restarts) the timeout `type`; `Infinity` only cancels it. */
  start(type: TimeoutEventType, ms: number, content: unknown): void {
    const key = timeoutKey(type);
    this.cancel(key);
    if (ms === Infinity) return;
    if (ms === 0) {
      this.running.set(key, { ref: 0, type, content });
      this.zeroQueue.push(key);
      return;
    }
    this.running.set(key, { ref: startTimer(ms, self(), key), type, content });
  }

  /** Changes the content of a running timeout; with none running, fires at once (as OTP's `update`). */
  update(type: TimeoutEventType, content: unknown): void {
    const running = this.running.get(timeoutKey(type));
    if (running !== undefined) running.content = content;
    else this.start(type, 0, content);
  }

  /** Stops the timeout of this key, if running, so its event never comes. */
  cancel(key: string): void {
    const running = this.running.get(key);
    if (running === undefined) return;
    this.running.delete(key);
    if (running.ref === 0) {
      this.zeroQueue = this.zeroQueue.filter((k) => k !== key);
      return;
    }
    if (cancelTimer(running.ref) === false) receiveNow([['timeout', running.ref, _]]);
  }

  /** The event for a timer message of ours, or undefined for any other message. */
  take(message: unknown): readonly [TimeoutEventType, unknown] | undefined {
    if (!Array.isArray(message) || message.length !== 3 || message[0] !== 'timeout') return undefined;
    const [, ref, key] = message as [string, unknown, unknown];
    if (!(ref instanceof Ref) || typeof key !== 'string') return undefined;
    const running = this.running.get(key);
    if (running === undefined || running.ref !== ref) return undefined;
    this.running.delete(key);
    return [running.type, running.content];
  }

  /** The next 0 ms timeout's event, taken off the queue; undefined if none waits. */
  takeZero(): readonly [TimeoutEventType, unknown] | undefined {
    const key = this.zeroQueue.shift();
    if (key === undefined) return undefined;
    const running = this.running.get(key);
    this.running.delete(key);
    return running === undefined ? undefined : [running.type, running.content];
  }
}
