import type { Pid, Ref } from './ids.js';

/**
 * Active process aliases: ref → the pid of the process it leads to.
 *
 * A WeakMap, so an alias nobody holds any more costs nothing; and the value
 * is the pid, not the process record, so a dead owner's aliases lead to the
 * record of the dead (a send to them is dropped) and keep nothing alive.
 */
export const aliases = new WeakMap<Ref, Pid>();

/** Refs whose alias ends with their monitor (`monitor(..., { alias: 'demonitor' })`). */
export const monitorAliases = new WeakSet<Ref>();

/** Ends the alias of monitor `ref`, if it was made with `alias: 'demonitor'`. */
export function endMonitorAlias(ref: Ref): void {
  if (monitorAliases.has(ref)) {
    monitorAliases.delete(ref);
    aliases.delete(ref);
  }
}
