import { actor, current } from './context.js';
import { BadArgError } from './errors.js';
import type { Pid, Ref } from './ids.js';
import { live, procOf } from './process.js';
import { assertPid, describe } from './validate.js';

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
 * What `processInfo(pid, { extended: true })` asks for: the items of
 * `processInfo` and more, for observers (beamish/observer).
 */
export interface ProcessInfoOptions {
  /** Give the items beyond Erlang's `process_info/1` (see `ProcessInfoExtended`). */
  readonly extended: true;
  /**
   * Also give up to this many of its queued messages, oldest first, left
   * where they are (Erlang's `messages` item, cut short). Default 0.
   */
  readonly messages?: number;
}

/**
 * What `processInfo(pid, { extended: true })` says of a live process: the
 * seven items of `ProcessInfo`, and what an observer shows besides.
 */
export interface ProcessInfoExtended extends ProcessInfo {
  /**
   * Messages it has taken from its mailbox since it started (a receive's,
   * `receiveNow`'s, `flush`'s): beamish's stand-in for Erlang's
   * `reductions`, a measure of how busy it is.
   */
  readonly received: number;
  /**
   * The name of the function it was spawned with (Erlang's `initial_call`),
   * `'(anonymous)'` for a function without one, `'(shell)'` for the shell
   * process of code outside any process.
   */
  readonly initialCall: string;
  /** What it said it is with `setLabel` (beamish/otp: `'gen_server'`, `'gen_statem'`, `'supervisor'`), or `undefined`. */
  readonly label: string | undefined;
  /**
   * The patterns of the receive it is suspended in, as given to `receive`
   * (a clause made by `on` stands for its pattern; `[]` for `sleep`), or
   * `undefined` when it is not waiting. The receive's own array: read it,
   * never change it.
   */
  readonly waitingFor: readonly unknown[] | undefined;
  /** Its first queued messages, as many as `messages` asked for (none by default). */
  readonly messages: readonly unknown[];
}

const NO_MESSAGES: readonly unknown[] = Object.freeze([]);

/**
 * A snapshot of a live process, or `undefined` if it is dead: Erlang's
 * `process_info/1`. With `{ extended: true }` it says more (see
 * `ProcessInfoExtended`): how many messages it has received, the function it
 * started with, its label, the patterns it waits for, and with `messages: n`
 * its first n queued messages. Reading it costs the process nothing.
 *
 * @example
 * ```ts
 * const worker = spawn(() => receive(['stop']), { name: 'worker' });
 * await sleep(0); // let it start and wait
 * processInfo(worker); // { status: 'waiting', messageQueueLen: 0, ..., registeredName: 'worker', trapExit: false }
 * send(worker, 'hello');
 * const more = processInfo(worker, { extended: true, messages: 5 });
 * // more?.waitingFor: [ 'stop' ]; more?.messages: [ 'hello' ]; more?.received: 0
 * ```
 */
export function processInfo(pid: Pid): ProcessInfo | undefined;
export function processInfo(pid: Pid, opts: ProcessInfoOptions): ProcessInfoExtended | undefined;
export function processInfo(pid: Pid, opts?: ProcessInfoOptions): ProcessInfo | ProcessInfoExtended | undefined {
  assertPid('processInfo', 'pid', pid);
  let messages = 0;
  if (opts !== undefined) {
    if (typeof opts !== 'object' || opts === null || opts.extended !== true)
      throw new BadArgError('processInfo', 'opts', 'expected { extended: true, messages?: number }');
    messages = opts.messages ?? 0;
    if (typeof messages !== 'number' || !Number.isInteger(messages) || messages < 0)
      throw new BadArgError('processInfo', 'opts.messages', `expected a whole number >= 0, got ${describe(messages)}`);
  }
  const p = procOf(pid);
  if (!p.alive) return undefined;
  if (opts === undefined) {
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
  // The same items, written out with loops rather than spreads: an
  // observer asks this of every process once per interval.
  const initial = p.initial;
  const mailbox = p.mailbox;
  return {
    status: p.waiting ? 'waiting' : 'running',
    messageQueueLen: mailbox?.size ?? 0,
    links: pidsOf(p.links),
    monitors: monitorsOf(p),
    monitoredBy: pidsOf(p.watchers?.values()),
    registeredName: p.name,
    trapExit: p.trapExit,
    received: p.received,
    initialCall: initial === undefined ? '(shell)' : initial === '' ? '(anonymous)' : initial,
    label: p.label,
    waitingFor: p.waitPatterns,
    messages: messages > 0 && mailbox !== undefined && mailbox.size > 0 ? mailbox.peek(messages) : NO_MESSAGES,
  };
}

function pidsOf(procs: Iterable<{ readonly pid: Pid }> | undefined): Pid[] {
  const pids: Pid[] = [];
  if (procs !== undefined) for (const p of procs) pids.push(p.pid);
  return pids;
}

function monitorsOf(p: ReturnType<typeof procOf>): Array<{ ref: Ref; pid: Pid }> {
  const list: Array<{ ref: Ref; pid: Pid }> = [];
  if (p.monitors !== undefined) for (const [ref, t] of p.monitors) list.push({ ref, pid: t.pid });
  return list;
}

/**
 * Labels the running process with what it is, for whoever looks
 * (`processInfo(pid, { extended: true }).label`, beamish/observer's process
 * list); `undefined` takes the label off. beamish/otp labels its
 * behaviours' processes `'gen_server'`, `'gen_statem'` and `'supervisor'`
 * as they start, as Erlang's proc_lib records a process's `$initial_call`;
 * a behaviour's callbacks that set their own label replace it. Erlang's
 * `proc_lib:set_label/1`.
 *
 * @example
 * ```ts
 * const worker = spawn(async () => {
 *   setLabel('cache_loader');
 *   await receive(['stop']);
 * });
 * await sleep(0);
 * processInfo(worker, { extended: true })?.label; // 'cache_loader'
 * ```
 */
export function setLabel(label: string | undefined): void {
  if (label !== undefined && typeof label !== 'string')
    throw new BadArgError('setLabel', 'label', `expected a string or undefined, got ${describe(label)}`);
  actor().label = label;
}
