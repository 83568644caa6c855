import type { Ref } from './ids.js';
import type { Proc } from './process.js';
import { SmallMap } from './small-map.js';
import { emitTrace, TRACE_PROCS } from './trace-events.js';

/** The bookkeeping of links and monitors, kept on both ends. */

/** Links `a` (the caller) and `b`; traced as Erlang's `link` / `getting_linked`. */
export function addLink(a: Proc, b: Proc): void {
  if (a === b) return;
  a.links ??= new Set();
  b.links ??= new Set();
  a.links.add(b);
  b.links.add(a);
  if (((a.traceFlags | b.traceFlags) & TRACE_PROCS) !== 0) traceLink(a, b, 'link', 'getting_linked');
}

/** Unlinks `a` (the caller) and `b`; traced as `unlink` / `getting_unlinked`. */
export function removeLink(a: Proc, b: Proc): void {
  const had = a.links?.delete(b) === true;
  b.links?.delete(a);
  if (had && ((a.traceFlags | b.traceFlags) & TRACE_PROCS) !== 0) traceLink(a, b, 'unlink', 'getting_unlinked');
}

function traceLink(a: Proc, b: Proc, done: string, got: string): void {
  if ((a.traceFlags & TRACE_PROCS) !== 0) emitTrace(a, ['trace', a.pid, done, b.pid]);
  if ((b.traceFlags & TRACE_PROCS) !== 0) emitTrace(b, ['trace', b.pid, got, a.pid]);
}

export function addMonitor(watcher: Proc, target: Proc, ref: Ref): void {
  watcher.monitors ??= new SmallMap();
  target.watchers ??= new SmallMap();
  watcher.monitors.set(ref, target);
  target.watchers.set(ref, watcher);
}

/** Removes monitor `ref` of `watcher` on `target`, both ends. */
export function removeMonitor(watcher: Proc, target: Proc, ref: Ref): void {
  watcher.monitors?.delete(ref);
  target.watchers?.delete(ref);
  target.watchedAs?.delete(ref);
}
