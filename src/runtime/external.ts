import { endMonitorAlias } from './alias-table.js';
import { current } from './context.js';
import { Pid, PROC, Ref } from './ids.js';
import { node } from './info.js';
import { dead, exitSignal, Proc, procOf } from './process.js';
import { names } from './registry-table.js';
import { addLink, addMonitor, removeLink, removeMonitor } from './signal-table.js';

/**
 * Processes of other nodes, as the runtime sees them: a pid of another node
 * is a `RemotePid` whose record is an `ExternalProc`, a proxy that lives in
 * the same link and monitor tables as local processes. What a local process
 * does to it (send, link, unlink, monitor, demonitor, exit/2, dying while
 * linked or watched) goes to its node layer through `RemoteSignals`; what
 * the node layer hears from the other node comes back through the functions
 * at the end of this file. The runtime knows nothing of sockets or the term
 * format: beamish/distribution implements `RemoteSignals`.
 *
 * Each runtime path tests one field (`proc.remote`) for this, so local
 * processes pay one property load on link, unlink, monitor, demonitor and
 * exit signals, and nothing on send.
 */

/** What the node layer does with the signals local processes send to processes of another node. */
export interface RemoteSignals {
  /** `send(pid, message)`: Erlang's SEND (to a pid) or REG_SEND (to a name). */
  send(to: ExternalProc, message: unknown): void;
  /** `send(ref, message)` to a ref of another node: ALIAS_SEND. */
  aliasSend(alias: RemoteRef, message: unknown): void;
  /** An exit signal: through a link when the sender died (EXIT), or `exit(pid, reason)` (EXIT2). */
  exit(to: ExternalProc, from: Pid, reason: unknown, viaLink: boolean): void;
  /** `link(pid)`, when no link was there (LINK). Throws to refuse (a name cannot be linked). */
  link(to: ExternalProc, from: Pid): void;
  /** `unlink(pid)` of a link that was there (UNLINK_ID). */
  unlink(to: ExternalProc, from: Pid): void;
  /** `monitor('process', pid)` (MONITOR_P). */
  monitor(to: ExternalProc, from: Pid, ref: Ref): void;
  /** `demonitor(ref)`, or the watcher died (DEMONITOR_P). */
  demonitor(to: ExternalProc, from: Pid, ref: Ref): void;
  /** A local process that `watcher` monitors died (MONITOR_P_EXIT); `watched` is its pid or `[name, node]`. */
  down(watcher: ExternalProc, ref: Ref, watched: unknown, reason: unknown): void;
}

/**
 * The record behind a pid of another node, or behind a name there
 * (`RemoteName`): not a process of this node (never in `processes()`), but a
 * proxy that holds the links and monitors local processes have with it, so
 * that a local death reaches it and a lost connection can end them all.
 */
export class ExternalProc extends Proc {
  override readonly remote: RemoteSignals;
  /** The node layer's cache for this process (the encoded head of a SEND to it, say). */
  wire: unknown = undefined;

  constructor(pid: RemotePid | RemoteName, remote: RemoteSignals) {
    super(false, pid);
    this.remote = remote;
  }

  /** A message sent to it: on to its node. */
  override deliver(message: unknown): void {
    this.remote.send(this, message);
  }
}

/**
 * A pid of another node: `<N.85.0>`, where N (> 0) is the index this node
 * gave that node when it first saw it, as Erlang's shell prints remote pids.
 * The same process always comes back as the same object while anything
 * holds it (the node layer interns them), so `===` and patterns work.
 *
 * ```ts
 * // An Erlang process ran: {ts, 'ts@127.0.0.1'} ! {hello, self()}.
 * const [, pid] = await receive([['hello', anyPid]]);
 * console.log(String(pid)); // '<1.85.0>': a RemotePid
 * send(pid, 'hi back'); // reaches the Erlang process
 * ```
 */
export class RemotePid<M = unknown> extends Pid<M> {
  constructor(
    /** The node the process lives on. */
    readonly node: string,
    /** This node's index for that node: the first number printed. */
    readonly nodeIndex: number,
    id: number,
    /** NEW_PID_EXT's Serial: the last number printed. */
    readonly idSerial: number,
    /** The incarnation of that node the process belongs to. */
    readonly creation: number,
  ) {
    super(undefined, id);
  }

  override toString(): string {
    return `<${this.nodeIndex}.${this.serial}.${this.idSerial}>`;
  }
}

/**
 * A registered name on another node, Erlang's `{Name, Node}`, as a
 * destination: `send`, `monitor` and `GenServer.call` take it where they
 * take a pid. It cannot be linked to (Erlang's `link({Name, Node})` is
 * badarg) and prints as the tuple `{counter,'erl@127.0.0.1'}`. Made by
 * beamish/distribution's `remoteName(name, node)`, or `nameAt(name, node)`.
 *
 * ```ts
 * const counter = nameAt('counter', 'erl@127.0.0.1'); // a RemoteName while a node runs
 * if (counter !== undefined) send(counter, ['get', self()]); // {counter, 'erl@127.0.0.1'} ! {get, self()}
 * ```
 */
export class RemoteName extends Pid {
  constructor(
    /** The registered name. */
    readonly name: string,
    /** The node it is registered on. */
    readonly node: string,
  ) {
    super(undefined, 0);
  }

  override toString(): string {
    return `{${atom(this.name)},${atom(this.node)}}`;
  }
}

function atom(name: string): string {
  return /^[a-z][a-zA-Z0-9_@]*$/.test(name) ? name : `'${name.replace(/[\\']/g, '\\$&')}'`;
}

/**
 * Where `send` takes a message sent to a ref of another node: not a
 * process, only the two fields and the method `send` reads of one.
 */
class AliasRoute {
  readonly alive = true;
  readonly traceFlags = 0;
  constructor(
    private readonly remote: RemoteSignals,
    private readonly alias: RemoteRef,
  ) {}

  deliver(message: unknown): void {
    this.remote.aliasSend(this.alias, message);
  }
}

/**
 * A reference made by another node: `#Ref<N.w2.w1.w0>`, interned by the
 * node layer like remote pids. `send(ref, msg)` sends to it as to an alias
 * (ALIAS_SEND), as Erlang's `Ref ! Msg` does; the other node drops the
 * message when the ref is no alias there.
 *
 * ```ts
 * // An Erlang process sent us an alias: Alias = alias(), {ts, Node} ! {reply_to, Alias}.
 * const [, replyTo] = await receive([['reply_to', anyRef]]); // a RemoteRef
 * send(replyTo, ['answer', 42]); // Alias ! {answer, 42}: an ALIAS_SEND
 * ```
 */
export class RemoteRef extends Ref {
  /** @internal Made by the node layer only. */
  constructor(
    /** The node that made it. */
    readonly node: string,
    /** This node's index for that node: the first number printed. */
    readonly nodeIndex: number,
    /** The incarnation of that node. */
    readonly creation: number,
    /** Its words, as in NEWER_REFERENCE_EXT. */
    readonly ids: readonly number[],
    remote: RemoteSignals,
  ) {
    super(0);
    this.aliasOf = new Pid(new AliasRoute(remote, this), 0);
  }

  override toString(): string {
    return `#Ref<${this.nodeIndex}.${[...this.ids].reverse().join('.')}>`;
  }
}

/** The record behind `pid` when it is a proxy of another node's process. */
export function proxyOf(pid: Pid): ExternalProc | undefined {
  const proc = pid[PROC] as Proc | undefined;
  return proc?.remote === undefined ? undefined : (proc as ExternalProc);
}

/** A local process's record, or undefined for a pid of another node. */
function localProc(pid: Pid): Proc | undefined {
  const proc = procOf(pid);
  return proc.remote === undefined ? proc : undefined;
}

/** What a DOWN names for a proxy: its pid, or `[name, node]` for a name. */
function watchedId(proxy: ExternalProc): unknown {
  const pid = proxy.pid;
  return pid instanceof RemoteName ? [pid.name, pid.node] : pid;
}

/** The running process's pid (the shell's outside any), as the sender of a signal. */
export function senderPid(): Pid {
  return current().pid;
}

/** A pid of this node that leads nowhere: for a pid of ours that no longer exists (or never did). */
export function deadPid(serial: number): Pid {
  return new Pid(dead, serial);
}

/** @internal Names this node: `node()` returns `name` from now on. */
export { setNodeName } from './info.js';

type NameResolver = (name: string, node: string) => Pid | undefined;
let resolveRemoteName: NameResolver | undefined;

/** Set by the node layer while a node runs: turns `[name, node]` into its `RemoteName`. */
export function setRemoteNameResolver(resolver: NameResolver | undefined): void {
  resolveRemoteName = resolver;
}

/** The destination for a name on another node, or undefined when this node is not distributed. */
export function remoteNameOf(name: string, node: string): Pid | undefined {
  return resolveRemoteName?.(name, node);
}

// What the node layer hears from another node, applied to local processes.
// `from` is the proxy of the process on the other node.

/** A message to a local pid (SEND). A pid of another node is not forwarded. */
export function deliverLocal(to: Pid, message: unknown): void {
  localProc(to)?.deliver(message);
}

/** A message to a registered name (REG_SEND); false when nothing holds the name. */
export function deliverToName(name: string, message: unknown): boolean {
  const proc = names.get(name);
  if (proc === undefined) return false;
  proc.deliver(message);
  return true;
}

/** A message to a local alias (ALIAS_SEND); dropped when it is no active alias, as in Erlang. */
export function deliverToAlias(alias: Ref, message: unknown): void {
  if (alias instanceof RemoteRef) return;
  const pid = alias.aliasOf;
  if (pid !== undefined) localProc(pid)?.deliver(message);
}

/** LINK from `from` to local `to`; false when `to` is dead (the caller answers `noproc`). */
export function linkFromRemote(from: ExternalProc, to: Pid): boolean {
  const target = localProc(to);
  if (target?.alive !== true) return false;
  // (from, target): the target is the one traced as `getting_linked`.
  addLink(from, target);
  return true;
}

/** UNLINK_ID (or the old UNLINK) from `from` to local `to`. */
export function unlinkFromRemote(from: ExternalProc, to: Pid): void {
  const target = localProc(to);
  if (target !== undefined) removeLink(from, target);
}

/**
 * An exit signal from `from` to local `to`: through a link (EXIT), taken
 * only while the link is there and ending it; or from `exit/2` (EXIT2),
 * where `'kill'` kills.
 */
export function exitFromRemote(from: ExternalProc, to: Pid, reason: unknown, viaLink: boolean): void {
  const target = localProc(to);
  if (target === undefined) return;
  if (viaLink) {
    if (target.links?.has(from) !== true) return;
    removeLink(from, target);
  }
  exitSignal(target, from.pid, reason, viaLink);
}

/**
 * MONITOR_P from `from` on a local pid or registered name; false when there
 * is no such live process (the caller answers a DOWN with `noproc`).
 */
export function monitorFromRemote(from: ExternalProc, target: Pid | string, ref: Ref): boolean {
  const proc = typeof target === 'string' ? names.get(target) : localProc(target);
  if (proc?.alive !== true) return false;
  addMonitor(from, proc, ref);
  if (typeof target === 'string') {
    proc.watchedAs ??= new Map();
    proc.watchedAs.set(ref, [target, node()]);
  }
  return true;
}

/** DEMONITOR_P from `from`. */
export function demonitorFromRemote(from: ExternalProc, ref: Ref): void {
  const target = from.monitors?.get(ref);
  if (target !== undefined) removeMonitor(from, target, ref);
}

/** MONITOR_P_EXIT: what local `watcher` monitored on another node is down. */
export function downFromRemote(watcher: Pid, ref: Ref, reason: unknown): void {
  const proc = localProc(watcher);
  const target = proc?.monitors?.get(ref);
  if (proc === undefined || target?.remote === undefined) return;
  removeMonitor(proc, target, ref);
  endMonitorAlias(ref);
  proc.deliver(['DOWN', ref, 'process', watchedId(target as ExternalProc), reason]);
}

/**
 * The connection to the node of `proxies` is lost: every link with them
 * ends with an exit signal `reason` (Erlang's `noconnection`), every
 * monitor on them with a DOWN, and their monitors on local processes are
 * forgotten. All are taken apart first, so that a local process dying of
 * it sends nothing back to that node.
 */
export function disconnect(proxies: Iterable<ExternalProc>, reason: unknown = 'noconnection'): void {
  const exits: Array<[Proc, Pid]> = [];
  const downs: Array<[Proc, Ref, unknown]> = [];
  for (const proxy of proxies) {
    const { links, watchers, monitors } = proxy;
    if (links !== undefined) {
      proxy.links = undefined;
      for (const local of links) {
        local.links?.delete(proxy);
        exits.push([local, proxy.pid]);
      }
    }
    if (watchers !== undefined) {
      proxy.watchers = undefined;
      for (const [ref, local] of watchers) {
        local.monitors?.delete(ref);
        endMonitorAlias(ref);
        downs.push([local, ref, watchedId(proxy)]);
      }
    }
    if (monitors !== undefined) {
      proxy.monitors = undefined;
      for (const [ref, local] of monitors) {
        local.watchers?.delete(ref);
        local.watchedAs?.delete(ref);
      }
    }
  }
  for (const [local, ref, watched] of downs) local.deliver(['DOWN', ref, 'process', watched, reason]);
  for (const [local, from] of exits) exitSignal(local, from, reason, true);
}

/** Whether a proxy still holds a link or a monitor (the node layer forgets those that hold none). */
export function isEntangled(proxy: ExternalProc): boolean {
  return (proxy.links?.size ?? 0) > 0 || (proxy.watchers?.size ?? 0) > 0 || (proxy.monitors?.size ?? 0) > 0;
}

/** Ends a local process with `reason` as `exit(pid, reason)` would, from no process (the node layer's own). */
export function stopProcess(pid: Pid, reason: unknown): void {
  const proc = localProc(pid);
  if (proc !== undefined) exitSignal(proc, pid, reason, false);
}
