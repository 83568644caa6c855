import { actor } from './context.js';
import { BadArgError } from './errors.js';
import { type Pid, PROC, Ref } from './ids.js';
import { isolate } from './isolation.js';
import type { Proc } from './process.js';
import { resolveName } from './registry.js';
import { emitTrace, TRACE_SEND } from './trace-events.js';
import { describe } from './validate.js';

// The pid overload comes last on purpose: when no overload matches,
// TypeScript reports the last one's error, so a typo in a message to a
// typed pid is reported against the message (`'"sya"' is not assignable to
// '"say"'`), not as a pid that is not a name.

/**
 * Sends `message` to a pid, a registered name or an alias: Erlang's
 * `Dest ! Message`. Never blocks, and never fails for a dead pid (the
 * message is dropped, as in Erlang), nor for an alias that is no longer
 * active (dropped too). Messages from one sender to one receiver arrive in
 * the order sent. Returns the message. A name that nothing is registered
 * under is an error (Erlang's badarg).
 *
 * @example
 * ```ts
 * send(pid, ['hello', self()]); // Erlang: Pid ! {hello, self()}
 * register('inbox', self());
 * send('inbox', 'ping'); // Erlang: inbox ! ping
 * const typed = spawn<readonly ['say', string]>(() => receive([['say', anyString]]));
 * send(typed, ['say', 'hi']); // checked against the pid's type: ['sya', 'hi'] does not compile
 * ```
 */
export function send<M = unknown>(dest: string | Ref, message: M): M;
export function send<M>(dest: Pid<M>, message: NoInfer<M>): M;
export function send(dest: Pid | string | Ref, message: unknown): unknown {
  deliverTo('send', dest, message);
  return message;
}

/**
 * Where a destination leads (undefined: an inactive alias, whose messages
 * are dropped); throws BadArgError for a bad one.
 */
function destination(fn: string, dest: unknown): Proc | undefined {
  // A pid is known by its record: a property load, cheaper than instanceof
  // in the hottest call of the runtime.
  if (typeof dest === 'object' && dest !== null) {
    const proc = (dest as Partial<Pid>)[PROC];
    if (proc !== undefined) return proc as Proc;
    if (dest instanceof Ref) return dest.aliasOf?.[PROC] as Proc | undefined;
  }
  if (typeof dest === 'string') return resolveName(fn, dest);
  throw new BadArgError(fn, 'dest', `expected a pid, a registered name or an alias, got ${describe(dest)}`);
}

/** Delivers a message on behalf of the running process. */
function deliverTo(fn: string, dest: unknown, message: unknown): void {
  const target = destination(fn, dest);
  // A process that has been killed cannot act: this throws to unwind its code.
  const me = actor();
  const m = isolate(message);
  if ((me.traceFlags & TRACE_SEND) !== 0) traceSend(me, dest, target, m);
  target?.deliver(m);
}

function traceSend(me: Proc, dest: unknown, target: Proc | undefined, message: unknown): void {
  // Erlang names the destination as it was given: a pid, or the name.
  const event = target?.alive === true ? 'send' : 'send_to_non_existing_process';
  emitTrace(me, ['trace', me.pid, event, message, dest]);
}
