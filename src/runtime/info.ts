import { current } from './context.js';
import type { Pid, Ref } from './ids.js';
import { live, procOf } from './process.js';
import { assertPid } from './validate.js';

/** Introspection, as Erlang's `self/0`, `is_process_alive/1`, `processes/0`, `process_info/1`. */

/**
 * The running process's pid (the shell's outside any process): Erlang's
 * `self()`. Each process has its own: read it before `spawn` to give a
 * child the parent's pid.
 *
 * @example
 * ```ts
 * const me = self();
 * spawn(() => send(me, ['hello', self()])); // self() here is the child's pid
 * const [, child] = await receive([['hello', anyPid]]);
 * ```
 */
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
 *
 * @example
 * ```ts
 * node(); // 'nonode@nohost', as Erlang's node() on a node that is not distributed
 * ```
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
 *
 * @example
 * ```ts
 * const res = await fetch('http://127.0.0.1:8080/', { signal: selfSignal() }); // aborted if this process dies
 * ```
 */
export function selfSignal(): AbortSignal {
  return current().signal;
}

/**
 * Whether the process of `pid` is alive: Erlang's `is_process_alive/1`.
 * A process that has been killed is not alive from that moment, even if its
 * code has not yet reached a runtime call that stops it.
 *
 * @example
 * ```ts
 * const worker = spawn(() => sleep(10));
 * isAlive(worker); // true
 * await sleep(20);
 * isAlive(worker); // false
 * ```
 */
export function isAlive(pid: Pid): boolean {
  assertPid('isAlive', 'pid', pid);
  return procOf(pid).alive;
}

/**
 * The pids of every live process, the shell included once it has been used
 * (Erlang's `processes/0`).
 *
 * @example
 * ```ts
 * const count = processes().length; // Erlang: length(processes())
 * ```
 */
export function processes(): Pid[] {
  return [...live].map((p) => p.pid);
}

/**
 * What `processInfo` says of a live process: the items of Erlang's
 * `process_info/1` that beamish keeps, under their Erlang names in camel
 * case (`message_queue_len` is `messageQueueLen`).
 */
export interface ProcessInfo {
  /** `'waiting'`: suspended in receive; `'running'`: anything else. */
  readonly status: 'running' | 'waiting';
  /** How many messages its mailbox holds. */
  readonly messageQueueLen: number;
  /** The processes it is linked to. */
  readonly links: Pid[];
  /** Monitors this process holds: the processes it watches. */
  readonly monitors: Array<{
    /** The monitor's ref, as its DOWN message will carry it. */
    ref: Ref;
    /** The process watched. */
    pid: Pid;
  }>;
  /** The processes that monitor this one. */
  readonly monitoredBy: Pid[];
  /** Its registered name, or `undefined` if it has none. */
  readonly registeredName: string | undefined;
  /** Whether it traps exits (`processFlag('trap_exit', true)`). */
  readonly trapExit: boolean;
}

/**
 * A snapshot of a live process, or `undefined` if it is dead: Erlang's
 * `process_info/1`.
 *
 * @example
 * ```ts
 * const worker = spawn(() => receive(['stop']), { name: 'worker' });
 * await sleep(0); // let it start and wait
 * processInfo(worker); // { status: 'waiting', messageQueueLen: 0, ..., registeredName: 'worker', trapExit: false }
 * ```
 */
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
