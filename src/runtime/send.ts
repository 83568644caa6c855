import { actor } from './context.js';
import { BadArgError } from './errors.js';
import { type Pid, PROC } from './ids.js';
import { isolate } from './isolation.js';
import type { Proc } from './process.js';
import { resolveName } from './registry.js';
import { describe } from './validate.js';

/**
 * Sends `message` to a pid or a registered name: Erlang's `Dest ! Message`.
 * Never blocks, and never fails for a dead pid (the message is dropped, as in
 * Erlang). Messages from one sender to one receiver arrive in the order sent.
 * Returns the message. A name that nothing is registered under is an error
 * (Erlang's badarg).
 */
export function send<M>(dest: Pid<M>, message: NoInfer<M>): M;
export function send<M = unknown>(dest: string, message: M): M;
export function send(dest: Pid | string, message: unknown): unknown {
  deliverTo('send', dest, message);
  return message;
}

/** Where a destination leads; throws BadArgError for a bad one. */
function destination(fn: string, dest: unknown): Proc {
  // A pid is known by its record: a property load, cheaper than instanceof
  // in the hottest call of the runtime.
  if (typeof dest === 'object' && dest !== null) {
    const proc = (dest as Partial<Pid>)[PROC];
    if (proc !== undefined) return proc as Proc;
  }
  if (typeof dest === 'string') return resolveName(fn, dest);
  throw new BadArgError(fn, 'dest', `expected a pid or a registered name, got ${describe(dest)}`);
}

/** Delivers a message on behalf of the running process. */
function deliverTo(fn: string, dest: unknown, message: unknown): void {
  const target = destination(fn, dest);
  // A process that has been killed cannot act: this throws to unwind its code.
  actor();
  target.deliver(isolate(message));
}
