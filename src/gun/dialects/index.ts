import { formatTerm } from '../../runtime/index.js';
import { classic, formatClassic } from './classic.js';
import type { Dialect, DialectName } from './dialect.js';
import { formatGun2, gun2 } from './gun2.js';

/** The dialects, by name: `open(host, port, { dialect })` picks one here. */
export const dialects: Readonly<Record<DialectName, Dialect>> = { classic, gun2 };

export function isDialectName(name: unknown): name is DialectName {
  return typeof name === 'string' && Object.hasOwn(dialects, name);
}

/**
 * Prints a Gun message, of either dialect, as Erlang's Gun would show it:
 * payloads, header names and values as binaries, header lists as lists.
 * Anything else prints as `formatTerm` prints it.
 */
export function formatGunMessage(message: unknown): string {
  if (!Array.isArray(message)) return formatTerm(message);
  return formatClassic(message) ?? formatGun2(message) ?? formatTerm(message);
}

export type { ClassicMessage } from './classic.js';
export type { Dialect, DialectName, Outgoing } from './dialect.js';
export type { Gun2Message } from './gun2.js';
