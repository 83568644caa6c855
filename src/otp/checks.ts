import { BadArgError, Pid } from '../runtime/index.js';

/** Argument checks of the behaviours; each names the function and the argument. */

const MAX_TIMEOUT = 4294967295;

/** A timeout as Erlang takes it: whole milliseconds 0..2^32-1, or Infinity. */
export function checkTimeout(fn: string, argument: string, value: unknown): number {
  if (
    typeof value === 'number' &&
    (value === Infinity || (Number.isInteger(value) && value >= 0 && value <= MAX_TIMEOUT))
  )
    return value;
  throw new BadArgError(
    fn,
    argument,
    `expected whole milliseconds from 0 to ${MAX_TIMEOUT}, or Infinity, got ${show(value)}`,
  );
}

/** A server: a pid, a registered name, or `[name, node]`. */
export function checkServer(fn: string, value: unknown): void {
  if (value instanceof Pid) return;
  if (typeof value === 'string' && value.length > 0) return;
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string')
    return;
  throw new BadArgError(fn, 'server', `expected a pid, a registered name or [name, node], got ${show(value)}`);
}

export function checkObject(fn: string, argument: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadArgError(fn, argument, `expected an object, got ${show(value)}`);
}

export function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return value.constructor?.name ? `a ${value.constructor.name}` : 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}
