import type { Ref } from './ids.js';

/**
 * Process aliases live in two fields of the ref itself (`aliasOf`, the pid
 * it leads to, and `aliasEndsWithMonitor`): the pid, not the process
 * record, so a dead owner's aliases lead to the record of the dead (a send
 * to them is dropped) and keep nothing alive.
 */

/** Ends the alias of monitor `ref`, if it was made with `alias: 'demonitor'`. */
export function endMonitorAlias(ref: Ref): void {
  if (ref.aliasEndsWithMonitor) {
    ref.aliasEndsWithMonitor = false;
    ref.aliasOf = undefined;
  }
}
