import { actor } from './context.js';
import { BadArgError } from './errors.js';
import { Ref } from './ids.js';
import { describe } from './validate.js';

/**
 * Process aliases, as Erlang's `alias/0` and `unalias/1` (OTP 24): a ref
 * that `send` accepts as a destination, leading to the process that made
 * it, for as long as that process keeps it active. A message sent to an
 * alias that is no longer active is dropped, as a send to a dead pid is.
 *
 * What they are for: a reply that must never arrive late. `call` in
 * beamish/otp sends its request with an alias and turns the alias off when
 * it gives up waiting, so a reply the server sends after the timeout is
 * dropped instead of landing in the caller's mailbox.
 */

/**
 * Makes an alias of the running process: a new ref that leads to it until
 * `unalias(ref)` (Erlang's `alias()`, with the default `explicit_unalias`).
 *
 * ```ts
 * const a = alias();
 * send(a, ['reply', 42]);   // arrives in self()'s mailbox
 * unalias(a);
 * send(a, ['late', 43]);    // dropped
 * ```
 */
export function alias(): Ref {
  const me = actor();
  const ref = new Ref();
  ref.aliasOf = me.pid;
  return ref;
}

/**
 * Turns off an alias of the running process. Returns true if it was an
 * active alias of this process, false otherwise (another process's alias,
 * an ended one, or a ref that never was one), as Erlang's `unalias/1`.
 *
 * @example
 * ```ts
 * const a = alias();
 * unalias(a); // true
 * unalias(a); // false: it is off already
 * ```
 */
export function unalias(ref: Ref): boolean {
  if (!(ref instanceof Ref)) throw new BadArgError('unalias', 'alias', `expected a ref, got ${describe(ref)}`);
  const me = actor();
  if (ref.aliasOf !== me.pid) return false;
  ref.aliasOf = undefined;
  ref.aliasEndsWithMonitor = false;
  return true;
}
