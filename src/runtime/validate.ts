import { BadArgError } from './errors.js';
import { Pid } from './ids.js';

/** Argument checks shared by the public functions; each names the culprit. */

export function assertPid(fn: string, argument: string, value: unknown): asserts value is Pid {
  if (!(value instanceof Pid)) throw new BadArgError(fn, argument, `expected a pid, got ${describe(value)}`);
}

/** The longest receive timeout Erlang takes: 2^32-1 ms (about 49.7 days). */
const MAX_TIMEOUT = 4294967295;

/**
 * A timeout: a whole number of milliseconds from 0 to 4294967295, or
 * Infinity. Erlang's `receive ... after T` raises `timeout_value` for any
 * other T (a fraction, or 2^32 and above); beamish throws BadArgError.
 */
export function assertTimeout(fn: string, argument: string, value: unknown): asserts value is number {
  if (
    typeof value !== 'number' ||
    !(value === Infinity || (Number.isInteger(value) && value >= 0 && value <= MAX_TIMEOUT))
  ) {
    throw new BadArgError(
      fn,
      argument,
      `expected a whole number of milliseconds from 0 to ${MAX_TIMEOUT}, or Infinity, got ${describe(value)}`,
    );
  }
}

/**
 * A timer delay: a finite whole number of milliseconds >= 0. Erlang's
 * `send_after` and `start_timer` refuse a fraction (badarg) but take delays
 * far above 2^32 ms, and so does this.
 */
export function assertDelay(fn: string, argument: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new BadArgError(fn, argument, `expected a finite whole number of milliseconds >= 0, got ${describe(value)}`);
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return value.constructor?.name ? `a ${value.constructor.name}` : 'an object';
  return typeof value;
}
