import { BadArgError } from './errors.js';
import type { Pid } from './ids.js';
import { type Proc, procOf } from './process.js';
import { names } from './registry-table.js';
import { emitTrace, TRACE_PROCS } from './trace-events.js';
import { assertPid, describe } from './validate.js';

/**
 * Registered names, as Erlang's `register/2` and friends. A name belongs to
 * one live process at a time and is freed when that process dies.
 */

/**
 * @internal Registers `proc` as `name`, with Erlang's badarg rules. `pid` is
 * the pid the caller gave (a dead one leads to the shared record of the dead).
 */
export function registerProc(fn: string, name: unknown, proc: Proc, pid: Pid = proc.pid): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new BadArgError(fn, 'name', `expected a non-empty string, got ${describe(name)}`);
  }
  if (name === 'undefined') throw new BadArgError(fn, 'name', "'undefined' cannot be registered (as in Erlang)");
  const holder = names.get(name);
  if (holder !== undefined) throw new BadArgError(fn, 'name', `'${name}' is already registered to ${holder.pid}`);
  if (!proc.alive) throw new BadArgError(fn, 'pid', `${pid} is not alive`);
  if (proc.name !== undefined) throw new BadArgError(fn, 'pid', `${pid} is already registered as '${proc.name}'`);
  names.set(name, proc);
  proc.name = name;
  if ((proc.traceFlags & TRACE_PROCS) !== 0) emitTrace(proc, ['trace', proc.pid, 'register', name]);
}

/**
 * Gives `pid` the name `name`, so `send(name, msg)` reaches it. Returns
 * true. As Erlang's `register/2`, throws BadArgError if the name is taken,
 * the process already has a name, or it is not alive.
 *
 * @example
 * ```ts
 * const worker = spawn(() => receive(['stop']));
 * register('worker', worker); // Erlang: register(worker, Pid)
 * send('worker', 'stop'); // reaches it by name: worker ! stop
 * ```
 */
export function register(name: string, pid: Pid): true {
  assertPid('register', 'pid', pid);
  registerProc('register', name, procOf(pid), pid);
  return true;
}

/**
 * Frees `name`. Throws BadArgError when nothing is registered under it (Erlang's
 * `unregister/1`). A name is also freed when its process dies.
 *
 * @example
 * ```ts
 * register('db', self());
 * unregister('db'); // true; whereis('db') is undefined now
 * ```
 */
export function unregister(name: string): true {
  const proc = names.get(name);
  if (proc === undefined) throw new BadArgError('unregister', 'name', `'${String(name)}' is not registered`);
  names.delete(name);
  proc.name = undefined;
  if ((proc.traceFlags & TRACE_PROCS) !== 0) emitTrace(proc, ['trace', proc.pid, 'unregister', name]);
  return true;
}

/**
 * The pid registered as `name`, or `undefined` (Erlang's `whereis/1`,
 * which returns the atom `undefined`).
 *
 * @example
 * ```ts
 * const logger = whereis('logger');
 * if (logger !== undefined) send(logger, ['log', 'hello']);
 * ```
 */
export function whereis(name: string): Pid | undefined {
  return names.get(name)?.pid;
}

/**
 * Every registered name (Erlang's `registered/0`).
 *
 * @example
 * ```ts
 * register('db', self());
 * registered(); // [ 'db' ], and every other name held now
 * ```
 */
export function registered(): string[] {
  return [...names.keys()];
}

/** @internal The process a destination names, or a BadArgError. */
export function resolveName(fn: string, name: string): Proc {
  const proc = names.get(name);
  if (proc === undefined) throw new BadArgError(fn, 'dest', `no process is registered as '${name}'`);
  return proc;
}
