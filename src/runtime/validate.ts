import { BadArgError } from './errors.js';
import { Pid } from './ids.js';

/** Argument checks shared by the public functions; each names the culprit. */

export function assertPid(fn: string, argument: string, value: unknown): asserts value is Pid {
  if (!(value instanceof Pid)) throw new BadArgError(fn, argument, `expected a pid, got ${describe(value)}`);
}

/** A timeout: a number of milliseconds, >= 0, or Infinity. */
export function assertTimeout(fn: string, argument: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new BadArgError(fn, argument, `expected a number of milliseconds >= 0 or Infinity, got ${describe(value)}`);
  }
}

/** A timer delay: like a timeout, but finite. */
export function assertDelay(fn: string, argument: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new BadArgError(fn, argument, `expected a finite number of milliseconds >= 0, got ${describe(value)}`);
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
