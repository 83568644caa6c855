import type { Ref } from './ids.js';
import type { Proc } from './process.js';

/** The bookkeeping of links and monitors, kept on both ends. */

export function addLink(a: Proc, b: Proc): void {
  if (a === b) return;
  a.links ??= new Set();
  b.links ??= new Set();
  a.links.add(b);
  b.links.add(a);
}

export function removeLink(a: Proc, b: Proc): void {
  a.links?.delete(b);
  b.links?.delete(a);
}

export function addMonitor(watcher: Proc, target: Proc, ref: Ref): void {
  watcher.monitors ??= new Map();
  target.watchers ??= new Map();
  watcher.monitors.set(ref, target);
  target.watchers.set(ref, watcher);
}

/** Removes monitor `ref` of `watcher` on `target`, both ends. */
export function removeMonitor(watcher: Proc, target: Proc, ref: Ref): void {
  watcher.monitors?.delete(ref);
  target.watchers?.delete(ref);
  target.watchedAs?.delete(ref);
}
