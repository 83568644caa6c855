import { endMonitorAlias } from './alias-table.js';
import { actor, unwind } from './context.js';
import { BadArgError, NoProcError, ProcessExit } from './errors.js';
import { type ExternalProc, remoteNameOf } from './external.js';
import { Pid, Ref } from './ids.js';
import { node } from './info.js';
import { exitSignal, type Proc, procOf } from './process.js';
import { names } from './registry-table.js';
import { addLink, addMonitor, removeLink, removeMonitor } from './signal-table.js';
import { assertPid, describe } from './validate.js';

/** Links, monitors and exit signals, as in Erlang's `erlang` module. */

/**
 * A dead process cannot go on: when something the running process just did
 * killed it (an exit signal to itself), unwind its code.
 */
function unwindIfDead(me: Proc): void {
  if (!me.alive) unwind(me);
}

/**
 * Links the running process to `pid`, both ways. Linking to a dead process
 * is Erlang's `noproc`: a caller that traps exits gets
 * `['EXIT', pid, 'noproc']` and `link` returns true; any other caller gets a
 * `NoProcError` thrown, an ordinary exception as in Erlang (`catch link(Dead)`
 * goes on), which, uncaught, ends the process with reason `'noproc'`.
 *
 * @example
 * ```ts
 * processFlag('trap_exit', true);
 * const worker = spawn(() => receive(['stop']));
 * link(worker); // Erlang: link(Pid)
 * exit(worker, 'shutdown');
 * await receive([['EXIT', worker, 'shutdown']]); // its exit reaches the linked caller
 * ```
 */
export function link(pid: Pid): true {
  assertPid('link', 'pid', pid);
  const me = actor();
  const target = procOf(pid);
  if (target.alive) {
    // A process of another node hears of it (LINK), once per link as in Erlang.
    if (target.remote !== undefined && me.links?.has(target) !== true)
      target.remote.link(target as ExternalProc, me.pid);
    addLink(me, target);
  } else if (me.trapExit) me.deliver(['EXIT', pid, 'noproc']);
  else throw new NoProcError(pid);
  return true;
}

/**
 * Removes the link between the running process and `pid`, if any; returns
 * true, as Erlang's `unlink/1`. An `['EXIT', pid, reason]` already queued
 * stays queued.
 *
 * @example
 * ```ts
 * const worker = spawnLink(() => receive(['stop']));
 * unlink(worker); // Erlang: unlink(Pid)
 * exit(worker, 'kill'); // it dies alone: the caller is not linked to it any more
 * ```
 */
export function unlink(pid: Pid): true {
  assertPid('unlink', 'pid', pid);
  const me = actor();
  const target = procOf(pid);
  if (target.remote !== undefined && me.links?.has(target) === true)
    target.remote.unlink(target as ExternalProc, me.pid);
  removeLink(me, target);
  return true;
}

/** Options of `monitor`: Erlang's `monitor/3` option list. */
export interface MonitorOptions {
  /**
   * Make the monitor's ref an alias of the caller too (Erlang's
   * `{alias, Mode}` monitor option, OTP 24), so that `send(ref, msg)`
   * reaches the caller. `'explicit_unalias'`: until `unalias(ref)`;
   * `'demonitor'`: also ends when the monitor does (by `demonitor`, or when
   * its DOWN is delivered). `call` in beamish/otp uses `'demonitor'`.
   */
  readonly alias?: 'explicit_unalias' | 'demonitor';
}

/**
 * Monitors a process: when it dies, the caller gets
 * `['DOWN', ref, 'process', pid, reason]`. Monitoring a dead process (or a
 * name that nothing holds) gives that message at once, with reason `'noproc'`.
 * A name is looked up once, now; a monitor taken by name reports
 * `[name, node()]` in its DOWN instead of the pid, whether the name was held
 * or not, as Erlang's `{Name, Node}`. `[name, node]` is a name on that node
 * (Erlang's `monitor(process, {Name, Node})`): on another node it needs
 * beamish/distribution's `startNode`, else it throws BadArgError, as Erlang
 * raises badarg on a node that is not distributed.
 *
 * @example
 * ```ts
 * const worker = spawn(() => sleep(10));
 * const ref = monitor('process', worker); // Erlang: Ref = monitor(process, Pid)
 * const [, , , , reason] = await receive([['DOWN', ref, 'process', worker, _]]); // reason: 'normal'
 *
 * const byName = monitor('process', 'nobody'); // a name nothing holds: DOWN at once
 * await receive([['DOWN', byName, 'process', ['nobody', node()], 'noproc']]);
 * ```
 */
export function monitor(
  type: 'process',
  target: Pid | string | readonly [name: string, node: string],
  opts?: MonitorOptions,
): Ref {
  if (type !== 'process')
    throw new BadArgError('monitor', 'type', `only 'process' is supported, got ${describe(type)}`);
  const me = actor();
  const ref = new Ref();
  const mode = opts?.alias;
  if (mode !== undefined) {
    if (mode !== 'explicit_unalias' && mode !== 'demonitor')
      throw new BadArgError(
        'monitor',
        'opts.alias',
        `expected 'explicit_unalias' or 'demonitor', got ${describe(mode)}`,
      );
    ref.aliasOf = me.pid;
    ref.aliasEndsWithMonitor = mode === 'demonitor';
  }
  if (target instanceof Pid) {
    const proc = procOf(target);
    if (proc.alive) {
      addMonitor(me, proc, ref);
      // A process of another node: the monitor is set up there (MONITOR_P).
      proc.remote?.monitor(proc as ExternalProc, me.pid, ref);
    } else downAtOnce(me, ref, target, 'noproc');
  } else if (typeof target === 'string') {
    monitorName(me, ref, target);
  } else if (isNameAtNode(target)) {
    const [name, at] = target;
    if (at === node()) monitorName(me, ref, name);
    else {
      // Erlang's `{Name, Node}`: a name on another node, through its proxy.
      const proxy = remoteNameOf(name, at);
      if (proxy === undefined) {
        // As Erlang on a node that is not distributed: badarg.
        throw new BadArgError(
          'monitor',
          'target',
          `['${name}', '${at}'] is a name on another node, and this node is not distributed (beamish/distribution's startNode)`,
        );
      } else {
        const proc = procOf(proxy);
        addMonitor(me, proc, ref);
        proc.remote?.monitor(proc as ExternalProc, me.pid, ref);
      }
    }
  } else {
    throw new BadArgError(
      'monitor',
      'target',
      `expected a pid or a registered name (or [name, node]), got ${describe(target)}`,
    );
  }
  return ref;
}

function isNameAtNode(target: unknown): target is readonly [string, string] {
  return Array.isArray(target) && target.length === 2 && typeof target[0] === 'string' && typeof target[1] === 'string';
}

/** A monitor taken by registered name on this node: its DOWN names it `[name, node()]`. */
function monitorName(me: Proc, ref: Ref, name: string): void {
  const proc = names.get(name);
  const id = [name, node()] as const;
  if (proc?.alive) {
    addMonitor(me, proc, ref);
    proc.watchedAs ??= new Map();
    proc.watchedAs.set(ref, id);
  } else {
    downAtOnce(me, ref, id, 'noproc');
  }
}

/** The DOWN of a monitor on something already gone: its alias ends with it. */
function downAtOnce(me: Proc, ref: Ref, target: unknown, reason: string): void {
  endMonitorAlias(ref);
  me.deliver(['DOWN', ref, 'process', target, reason]);
}

/** Options of `demonitor`: Erlang's `demonitor/2` options `flush` and `info`. */
export interface DemonitorOptions {
  /** Also remove a `['DOWN', ref, ...]` message already in the mailbox. */
  readonly flush?: boolean;
  /**
   * Return whether the monitor was found and removed (true), or had fired
   * or never existed (false), instead of always true.
   */
  readonly info?: boolean;
}

/**
 * Turns a monitor off: Erlang's `demonitor/1,2`. Returns true, whether the
 * monitor was on, had fired (its DOWN may be queued) or never existed, as
 * Erlang's does. With `{ info: true }` it returns true if the monitor was
 * found and removed, false otherwise; with `{ flush: true, info: true }`
 * false means the monitor had fired, and its DOWN, if queued, is now gone.
 *
 * @example
 * ```ts
 * const worker = spawn(() => receive(['stop']));
 * const ref = monitor('process', worker);
 * demonitor(ref, { flush: true }); // Erlang: demonitor(Ref, [flush]); no DOWN will come for ref
 * send(worker, 'stop');
 * ```
 */
export function demonitor(ref: Ref, opts?: DemonitorOptions & { readonly info?: false }): true;
export function demonitor(ref: Ref, opts?: DemonitorOptions): boolean;
export function demonitor(ref: Ref, opts?: DemonitorOptions): boolean {
  if (!(ref instanceof Ref)) throw new BadArgError('demonitor', 'ref', `expected a ref, got ${describe(ref)}`);
  const me = actor();
  const target = me.monitors?.get(ref);
  if (target !== undefined) {
    removeMonitor(me, target, ref);
    target.remote?.demonitor(target as ExternalProc, me.pid, ref);
  }
  if (ref.aliasOf === me.pid) endMonitorAlias(ref);
  if (opts?.flush === true) {
    me.mailbox?.removeWhere((m) => Array.isArray(m) && m.length === 5 && m[0] === 'DOWN' && m[1] === ref);
  }
  return opts?.info === true ? target !== undefined : true;
}

/**
 * `exit(reason)`: ends the running process with `reason` by throwing a
 * `ProcessExit` (Erlang's `exit/1`); catch it and the process goes on, as in
 * Erlang.
 *
 * `exit(pid, reason)`: sends `pid` an exit signal (Erlang's `exit/2`):
 * `'kill'` always kills (the target exits with `'killed'`); `'normal'` is
 * ignored unless `pid` is the caller; a process that traps exits gets
 * `['EXIT', self(), reason]` instead. JavaScript cannot stop a running
 * function: a target busy in synchronous code is marked dead at once (its
 * links and monitors fire now) and is stopped at its next runtime call.
 *
 * @example
 * ```ts
 * const worker = spawn(() => receive(['stop']));
 * exit(worker, 'kill'); // Erlang: exit(Pid, kill); it dies with reason 'killed'
 * exit('done'); // Erlang: exit(done); ends the calling process: throws ProcessExit
 * ```
 */
export function exit(reason: unknown): never;
export function exit(pid: Pid, reason: unknown): true;
export function exit(...args: [unknown] | [Pid, unknown]): true {
  if (args.length === 1) throw new ProcessExit(args[0]);
  const [pid, reason] = args;
  assertPid('exit', 'pid', pid);
  const me = actor();
  exitSignal(procOf(pid), me.pid, reason, false);
  unwindIfDead(me);
  return true;
}

/**
 * The process flags `processFlag` sets: `'trap_exit'`, the one a plain
 * process needs (Erlang has others, such as `priority`).
 */
export type ProcessFlag = 'trap_exit';

/**
 * Sets a process flag of the running process; returns its old value
 * (Erlang's `process_flag/2`). With `trap_exit` on, exit signals from
 * linked processes arrive as `['EXIT', pid, reason]` messages instead of
 * ending the process; `'kill'` still kills.
 *
 * @example
 * ```ts
 * const old = processFlag('trap_exit', true); // Erlang: process_flag(trap_exit, true); old: false
 * const worker = spawnLink(() => exit('boom'));
 * await receive([['EXIT', worker, 'boom']]); // a message, not the end of this process
 * processFlag('trap_exit', old);
 * ```
 */
export function processFlag(flag: ProcessFlag, value: boolean): boolean {
  if (flag !== 'trap_exit') throw new BadArgError('processFlag', 'flag', `unknown process flag ${describe(flag)}`);
  if (typeof value !== 'boolean')
    throw new BadArgError('processFlag', 'value', `expected a boolean, got ${describe(value)}`);
  const me = actor();
  const old = me.trapExit;
  me.trapExit = value;
  return old;
}
