import type { Ref } from './ids.js';
import type { Cancellable } from './long-timeout.js';
import type { Proc } from './process.js';

/** Running timers (sendAfter / startTimer), by ref. */
export interface TimerRecord {
  readonly handle: Cancellable;
  readonly deadline: number;
  /** The destination when it is a pid; such timers die with their process. */
  readonly proc: Proc | undefined;
}

export const timers = new Map<Ref, TimerRecord>();

/** Forgets a timer; returns its record if it was still running. */
export function dropTimer(ref: Ref): TimerRecord | undefined {
  const record = timers.get(ref);
  if (record === undefined) return undefined;
  timers.delete(ref);
  record.handle.cancel();
  record.proc?.timers?.delete(ref);
  return record;
}

/** Erlang cancels a timer whose destination pid dies; so do we. */
export function cancelTimersOf(proc: Proc): void {
  const refs = proc.timers;
  if (refs === undefined) return;
  proc.timers = undefined;
  for (const ref of refs) {
    timers.get(ref)?.handle.cancel();
    timers.delete(ref);
  }
}
