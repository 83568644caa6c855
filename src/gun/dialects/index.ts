import { formatTerm } from '../../runtime/index.js';
import { classic, formatClassic } from './classic.js';
import type { Dialect, DialectName } from './dialect.js';
import { formatGun2, gun2 } from './gun2.js';
import { frameShape } from './shapes.js';

/** The dialects, by name: `open(host, port, { dialect })` picks one here. */
export const dialects: Readonly<Record<DialectName, Dialect>> = { classic, gun2 };

export function isDialectName(name: unknown): name is DialectName {
  return typeof name === 'string' && Object.hasOwn(dialects, name);
}

/**
 * Prints a Gun message, of either dialect, as Erlang's Gun would show it:
 * every position where Gun has a binary (frame payloads, data, header names
 * and values) as a binary, even text that `formatTerm` alone would print as
 * an atom; header lists as lists. Anything else prints as `formatTerm`
 * prints it.
 *
 * @example
 * ```ts
 * gun.formatGunMessage(['gun_ws', conn, ['text', 'hello']]); // {gun_ws,<0.7.0>,{text,<<"hello">>}}
 * ```
 */
export function formatGunMessage(message: unknown): string {
  if (!Array.isArray(message)) return formatTerm(message);
  return formatClassic(message) ?? formatGun2(message) ?? formatTerm(message);
}

/**
 * Prints a WebSocket frame as Gun shows it: its payload (text, bytes, a
 * close reason) always as a binary, so `['text', 'hello']` and `['text',
 * 'Hello!']` print alike, where `formatTerm` would make the first an atom.
 *
 * @example
 * ```ts
 * gun.formatFrame(['text', 'hello']);        // {text,<<"hello">>}
 * gun.formatFrame(['close', 1000, 'bye']);   // {close,1000,<<"bye">>}
 * gun.formatFrame('close');                  // close
 * ```
 */
export function formatFrame(frame: unknown): string {
  return formatTerm(frameShape(frame));
}

export type {
  ClassicGunData,
  ClassicGunError,
  ClassicGunWs,
  ClassicGunWsUpgrade,
  ClassicMessage,
} from './classic.js';
export type { Dialect, DialectName, Outgoing, StateName } from './dialect.js';
export type {
  Gun2Message,
  GunData,
  GunDown,
  GunError,
  GunInform,
  GunNotify,
  GunPush,
  GunResponse,
  GunTrailers,
  GunUp,
  GunUpgrade,
  GunWs,
} from './gun2.js';
