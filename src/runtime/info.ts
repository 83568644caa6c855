import { current } from './context.js';
import type { Pid, Ref } from './ids.js';
import { live, procOf } from './process.js';
import { assertPid } from './validate.js';

/** Introspection, as Erlang's `self/0`, `is_process_alive/1`, `processes/0`, `process_info/1`. */

/** The running process's pid (the shell's outside any process). */
export function self<M = unknown>(): Pid<M> {
  return current().pid as Pid<M>;
}

let thisNode = 'nonode@nohost';

/**
 * The name of this node, as Erlang's `node/0`: `'nonode@nohost'`, the name
 * of an Erlang node that is not distributed, until beamish/distribution's
 * `startNode` makes it one (`'beamish@127.0.0.1'`, say). Monitors taken by
 * registered name report `[name, node()]` in their DOWN message, as
 * Erlang's `{Name, Node}`.
 */
export function node(): string {
  return thisNode;
}

/** @internal Set by the distribution when a node starts (its name) and stops (`'nonode@nohost'`). */
export function setNodeName(name: string): void {
  thisNode = name;
}

/**
 * The running process's AbortSignal: it aborts when the process dies, with a
 * `ProcessExit` as its reason. Hand it to timers, fetches and sockets the
 * process owns so they stop with it. Its abort listeners run as the dying
 * process (`self()` is its pid), and what they throw goes to the crash
 * logger instead of crashing Node.
 */
export function selfSignal(): AbortSignal {
  return current().signal;
}

export function isAlive(pid: Pid): boolean {
  assertPid('isAlive', 'pid', pid);
  return procOf(pid).alive;
}

/** The pids of every live process, the shell included once it has been used. */
export function processes(): Pid[] {
  return [...live].map((p) => p.pid);
}

export interface ProcessInfo {
  /** `'waiting'`: suspended in receive; `'running'`: anything else. */
  readonly status: 'running' | 'waiting';
  readonly messageQueueLen: number;
  readonly links: Pid[];
  /** Monitors this process holds: the processes it watches. */
  readonly monitors: Array<{ ref: Ref; pid: Pid }>;
  /** The processes that monitor this one. */
  readonly monitoredBy: Pid[];
  readonly registeredName: string | undefined;
  readonly trapExit: boolean;
}

/** A snapshot of a live process, or `undefined` if it is dead. */
export function processInfo(pid: Pid): ProcessInfo | undefined {
  assertPid('processInfo', 'pid', pid);
  const p = procOf(pid);
  if (!p.alive) return undefined;
  return {
    status: p.waiting ? 'waiting' : 'running',
    messageQueueLen: p.mailbox?.size ?? 0,
    links: [...(p.links ?? [])].map((l) => l.pid),
    monitors: [...(p.monitors ?? [])].map(([ref, t]) => ({ ref, pid: t.pid })),
    monitoredBy: [...(p.watchers?.values() ?? [])].map((w) => w.pid),
    registeredName: p.name,
    trapExit: p.trapExit,
  };
}
