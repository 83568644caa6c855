import { endMonitorAlias } from './alias-table.js';
import { runAs } from './context.js';
import { ProcessExit } from './errors.js';
import type { ExternalProc, RemoteSignals } from './external.js';
import { Pid, PROC, type Ref } from './ids.js';
import { reportCrash } from './logger.js';
import type { Cancellable } from './long-timeout.js';
import { firstMatch, Mailbox } from './mailbox.js';
import { names } from './registry-table.js';
import type { SmallMap } from './small-map.js';
import { cancelTimersOf } from './timer-table.js';
import { emitTrace, TRACE_PROCS, TRACE_RECEIVE } from './trace-events.js';

/**
 * The process record and its lifecycle: delivering messages, dying, and the
 * exit signals and DOWN messages a death sends. Everything here is internal;
 * the public API is built on it in the other modules.
 */

/** `waitIndex` of a receive whose timer fired before any message matched. */
export const TIMED_OUT = -2;

/** Live processes, for `processes()`. */
export const live = new Set<Proc>();

/**
 * The parts of a process most processes never use (trap_exit, links,
 * monitors on it, a name, timers), kept apart and made on first use: a
 * process that only sends and receives stays small, which matters when
 * there are 100,000 of them.
 */
class Extras {
  trapExit = false;
  links: Set<Proc> | undefined = undefined;
  watchers: SmallMap<Ref, Proc> | undefined = undefined;
  watchedAs: Map<Ref, readonly [name: string, node: string]> | undefined = undefined;
  timers: Set<Ref> | undefined = undefined;
  name: string | undefined = undefined;
  onExit: ((reason: unknown) => void) | undefined = undefined;
  tracer: Proc | undefined = undefined;
  controller: AbortController | undefined = undefined;
  label: string | undefined = undefined;
}

export class Proc {
  readonly pid: Pid;
  /** Made on the first message that has to wait: many processes never queue one. */
  mailbox: Mailbox | undefined = undefined;
  alive = true;
  exitReason: unknown = undefined;
  /**
   * Monitors this process holds: ref → the process it watches. In the
   * record rather than in `Extras`, where `trapExit` went in its place: a
   * process that monitors (a Gun connection watches its owner; a `call`
   * watches its server) then needs no `Extras` (96 bytes) for it, and the
   * record stays the same size.
   */
  monitors: SmallMap<Ref, Proc> | undefined = undefined;
  // The receive waiting for a message, in fields of the record rather than
  // an object per receive: a process waits in at most one receive, and
  // ping-pong allocated a waiter and a closure for every message. Four
  // fields more than the one that pointed at the waiter (32 bytes per
  // process, 16 with pointer compression) cost less than that.
  /** The patterns of the waiting receive; undefined when the process is not waiting. */
  waitPatterns: readonly unknown[] | undefined = undefined;
  /** Settle the waiting receive's promise. */
  waitResolve: ((message: unknown) => void) | undefined = undefined;
  waitReject: ((error: unknown) => void) | undefined = undefined;
  /** Its timer, when it has a finite timeout. */
  waitTimer: Cancellable | undefined = undefined;
  /** Index of the pattern that matched; TIMED_OUT when the timer fired first. */
  waitIndex = -1;
  /** Bits of trace-events.ts: what is traced of this process (0: nothing). */
  traceFlags = 0;
  /**
   * Messages taken from the mailbox, or handed straight to the waiting
   * receive, since the process started: Erlang's reductions' stand-in for
   * observers. One increment per message; read only by `processInfo`.
   */
  received = 0;
  /**
   * The name of the function the process was spawned with (`''` for an
   * anonymous one), for `processInfo`'s `initialCall`; undefined for the
   * shell. The name rather than the function, which the record would keep
   * alive (and its closure) long after the process started.
   */
  initial: string | undefined = undefined;
  /**
   * Set only on the proxy of a process of another node (external.ts): where
   * its signals go. Undefined on the prototype, so a local process pays no
   * field for it; each signal path tests it once.
   */
  declare readonly remote: RemoteSignals | undefined;
  private extras: Extras | undefined = undefined;

  /**
   * `dead`: the record of the dead (see `dead` below), not a process.
   * `proxyOf`: the pid of a process of another node, which this record
   * stands for (external.ts); not a live process here.
   */
  constructor(dead = false, proxyOf?: Pid) {
    if (proxyOf !== undefined) {
      this.pid = proxyOf;
      proxyOf[PROC] = this;
      return;
    }
    if (dead) {
      this.pid = new Pid(undefined, 0);
      this.alive = false;
      return;
    }
    this.pid = new Pid(this);
    live.add(this);
  }

  /** Whether the process is suspended in a receive. */
  get waiting(): boolean {
    return this.waitPatterns !== undefined;
  }

  /**
   * Ends the wait and cancels its timer. Callers take the settling function
   * first and call it after, so that whatever settling runs sees a process
   * that no longer waits.
   */
  endWait(): void {
    this.waitPatterns = undefined;
    this.waitResolve = undefined;
    this.waitReject = undefined;
    const timer = this.waitTimer;
    if (timer !== undefined) {
      this.waitTimer = undefined;
      timer.cancel();
    }
  }

  private get more(): Extras {
    this.extras ??= new Extras();
    return this.extras;
  }

  /** Processes linked to this one (both sides hold the link). */
  get links(): Set<Proc> | undefined {
    return this.extras?.links;
  }
  set links(value: Set<Proc> | undefined) {
    this.more.links = value;
  }

  /** Whether exit signals come as `['EXIT', from, reason]` messages (`processFlag('trap_exit', true)`). */
  get trapExit(): boolean {
    return this.extras?.trapExit ?? false;
  }
  set trapExit(value: boolean) {
    if (value || this.extras !== undefined) this.more.trapExit = value;
  }

  /** Monitors on this process: ref → the process that watches. */
  get watchers(): SmallMap<Ref, Proc> | undefined {
    return this.extras?.watchers;
  }
  set watchers(value: SmallMap<Ref, Proc> | undefined) {
    this.more.watchers = value;
  }

  /**
   * Monitors on this process taken by registered name: ref → `[name, node]`,
   * which their DOWN reports instead of the pid, as Erlang's does. Only
   * name monitors are listed, so a pid monitor costs nothing more.
   */
  get watchedAs(): Map<Ref, readonly [name: string, node: string]> | undefined {
    return this.extras?.watchedAs;
  }
  set watchedAs(value: Map<Ref, readonly [name: string, node: string]> | undefined) {
    this.more.watchedAs = value;
  }

  /** Timers whose destination is this process; cancelled when it dies. */
  get timers(): Set<Ref> | undefined {
    return this.extras?.timers;
  }
  set timers(value: Set<Ref> | undefined) {
    this.more.timers = value;
  }

  /** Its registered name, if any. */
  get name(): string | undefined {
    return this.extras?.name;
  }
  set name(value: string | undefined) {
    this.more.name = value;
  }

  /** The process that gets this one's trace messages, while traced. */
  get tracer(): Proc | undefined {
    return this.extras?.tracer;
  }
  set tracer(value: Proc | undefined) {
    this.more.tracer = value;
  }

  /** What the process says it is (`setLabel`): beamish/otp's behaviours set theirs. */
  get label(): string | undefined {
    return this.extras?.label;
  }
  set label(value: string | undefined) {
    if (value !== undefined || this.extras !== undefined) this.more.label = value;
  }

  /** Called once, last, when the process dies (used by `run`). */
  get onExit(): ((reason: unknown) => void) | undefined {
    return this.extras?.onExit;
  }
  set onExit(value: ((reason: unknown) => void) | undefined) {
    this.more.onExit = value;
  }

  /**
   * Aborts when the process dies; made on first use, since most never ask.
   * Its listeners run as this process and cannot crash Node (see guardListeners).
   */
  get signal(): AbortSignal {
    const more = this.more;
    if (more.controller === undefined) {
      more.controller = new AbortController();
      if (!this.alive) more.controller.abort(ProcessExit.unwinding(this.exitReason));
      else guardListeners(this, more.controller.signal);
    }
    return more.controller.signal;
  }

  /**
   * Puts a message in the mailbox. A waiting receive tests it once, against
   * its own patterns, and takes it at once if it matches; otherwise it is
   * queued, and never looked at again until the next receive.
   */
  deliver(message: unknown): void {
    if (!this.alive) return;
    if ((this.traceFlags & TRACE_RECEIVE) !== 0) emitTrace(this, ['trace', this.pid, 'receive', message]);
    const patterns = this.waitPatterns;
    if (patterns !== undefined) {
      const i = firstMatch(patterns, message);
      if (i >= 0) {
        const resolve = this.waitResolve as (message: unknown) => void;
        this.endWait();
        this.waitIndex = i;
        this.received++;
        resolve(message);
        return;
      }
    }
    this.mailbox ??= new Mailbox();
    this.mailbox.push(message);
  }

  /** Ends the process with `reason` and tells everyone who asked to know. */
  die(reason: unknown): void {
    if (!this.alive) return;
    this.alive = false;
    this.exitReason = reason;
    if ((this.traceFlags & TRACE_PROCS) !== 0) emitTrace(this, ['trace', this.pid, 'exit', reason]);
    // From now on the pid leads to the record of the dead: a dead process's
    // pid costs its own few bytes, and not the record with its mailbox, its
    // signal's listeners and what they hold (a connection's socket and
    // buffers, several KB), however long the pid is kept.
    this.pid[PROC] = dead;
    live.delete(this);
    if (this.waitPatterns !== undefined) {
      const reject = this.waitReject as (error: unknown) => void;
      this.endWait();
      // The pending receive never returns a message; rejecting it unwinds
      // the process's code instead of leaving it suspended forever.
      reject(ProcessExit.unwinding(reason));
    }
    this.mailbox = undefined;
    const more = this.extras;
    if (more !== undefined) {
      if (more.name !== undefined) {
        names.delete(more.name);
        // Erlang traces the name's release after the exit, as dbg shows.
        if ((this.traceFlags & TRACE_PROCS) !== 0) emitTrace(this, ['trace', this.pid, 'unregister', more.name]);
      }
      if (more.timers !== undefined) cancelTimersOf(this);
      more.controller?.abort(ProcessExit.unwinding(reason));
      // Kept until the abort listeners have run, for their crash reports.
      more.name = undefined;
    }
    if (this.monitors !== undefined) {
      for (const [ref, target] of this.monitors) {
        target.watchers?.delete(ref);
        target.watchedAs?.delete(ref);
        // Erlang takes back a dead process's monitors on other nodes too.
        target.remote?.demonitor(target as ExternalProc, this.pid, ref);
      }
      this.monitors = undefined;
    }
    if (more === undefined) return;
    if (this.watchers !== undefined) {
      const watchers = this.watchers;
      const watchedAs = more.watchedAs;
      this.watchers = undefined;
      more.watchedAs = undefined;
      for (const [ref, watcher] of watchers) {
        watcher.monitors?.delete(ref);
        endMonitorAlias(ref);
        const watched = watchedAs?.get(ref) ?? this.pid;
        // A watcher on another node gets the DOWN as a signal (MONITOR_P_EXIT).
        if (watcher.remote !== undefined) watcher.remote.down(watcher as ExternalProc, ref, watched, reason);
        else watcher.deliver(['DOWN', ref, 'process', watched, reason]);
      }
    }
    if (this.links !== undefined) {
      const links = this.links;
      this.links = undefined;
      for (const other of links) {
        other.links?.delete(this);
        exitSignal(other, this.pid, reason, true);
      }
    }
    more.onExit?.(reason);
    // Whatever may still hold the record itself (code of the process that
    // is still unwinding) need not hold the rest. A `signal` asked for
    // after this is a new one, aborted already.
    this.extras = undefined;
  }
}

// `remote` is undefined for every local process: one slot on the prototype
// rather than a field in each record (ExternalProc sets its own).
Object.defineProperty(Proc.prototype, 'remote', { value: undefined, writable: true, configurable: true });

/**
 * Where the pid of every dead process leads: not alive, with no mailbox,
 * links or monitors, so every operation on a dead pid does what it does for
 * a dead process (a send is dropped, a link or monitor gets `noproc`,
 * `isAlive` is false) without the process's own record.
 */
export const dead = new Proc(true);

/**
 * Makes the abort listeners of `proc`'s signal safe. They run when the
 * process dies, often inside another process's `exit(pid, reason)` call.
 * Each runs as the dying process, so `self()` is its pid, as all code of a
 * process sees its own; and what one throws goes to the crash logger, like a
 * process's crash: Node reports an error thrown by an EventTarget listener
 * as an uncaught exception, which would take Node down, and nothing a
 * process does may. (A `ProcessExit` is not reported: it is a runtime call
 * of the dead process unwinding, as in `failed` in spawn.ts.)
 *
 * The signal's own addEventListener, removeEventListener and onabort are
 * replaced with ones that install a wrapper; a WeakMap from listener to
 * wrapper lets removeEventListener find it, and adding one listener twice
 * still adds it once. Only processes that ask for their signal pay for this.
 */
function guardListeners(proc: Proc, signal: AbortSignal): void {
  const wrappers = new WeakMap<object, (event: Event) => void>();
  const wrap = (listener: Listener): ((event: Event) => void) => {
    let wrapper = wrappers.get(listener);
    if (wrapper === undefined) {
      wrapper = (event) => runAs(proc, callListener, proc, signal, listener, event);
      wrappers.set(listener, wrapper);
    }
    return wrapper;
  };
  const add = signal.addEventListener;
  const remove = signal.removeEventListener;
  signal.addEventListener = function (this: AbortSignal, type: string, listener: unknown, options?: unknown) {
    const l = isListener(listener) ? wrap(listener) : listener;
    return Reflect.apply(add, this, [type, l, options]);
  } as AbortSignal['addEventListener'];
  signal.removeEventListener = function (this: AbortSignal, type: string, listener: unknown, options?: unknown) {
    const l = isListener(listener) ? (wrappers.get(listener) ?? listener) : listener;
    return Reflect.apply(remove, this, [type, l, options]);
  } as AbortSignal['removeEventListener'];
  const onabort = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'onabort');
  if (onabort?.set !== undefined) {
    const set = onabort.set;
    let handler: unknown = null;
    Object.defineProperty(signal, 'onabort', {
      configurable: true,
      enumerable: onabort.enumerable === true,
      get: () => handler,
      set(value: unknown) {
        handler = value;
        set.call(signal, typeof value === 'function' ? wrap(value as Listener) : value);
      },
    });
  }
}

type Listener = ((event: Event) => unknown) | { handleEvent(event: Event): unknown };

function isListener(value: unknown): value is Listener {
  return typeof value === 'function' || (typeof value === 'object' && value !== null);
}

function callListener(proc: Proc, signal: AbortSignal, listener: Listener, event: Event): void {
  try {
    if (typeof listener === 'function') listener.call(signal, event);
    else listener.handleEvent(event);
  } catch (error) {
    if (!(error instanceof ProcessExit)) {
      reportCrash({ pid: proc.pid, name: proc.name, error, reason: proc.exitReason });
    }
  }
}

/** The process record behind a pid. */
export function procOf(pid: Pid): Proc {
  return pid[PROC] as Proc;
}

type Signal = [target: Proc, from: Pid, reason: unknown, viaLink: boolean];
const pendingSignals: Signal[] = [];
let applyingSignals = false;

/**
 * Sends an exit signal, with Erlang's rules:
 * - `'kill'` sent with `exit(pid, 'kill')` cannot be trapped and ends the
 *   target with `'killed'`; arriving through a link it is an ordinary reason;
 * - a process that traps exits gets `['EXIT', from, reason]` instead;
 * - `'normal'` is ignored, except `exit(self(), 'normal')`, which ends the caller;
 * - any other reason ends the target with that reason.
 *
 * Signals are applied one after another from a queue, so a long chain of
 * links dies without deep recursion.
 */
export function exitSignal(target: Proc, from: Pid, reason: unknown, viaLink: boolean): void {
  pendingSignals.push([target, from, reason, viaLink]);
  if (applyingSignals) return;
  applyingSignals = true;
  try {
    // Index, not shift(): a chain of 100,000 links must not cost n² moves.
    for (let i = 0; i < pendingSignals.length; i++) {
      const s = pendingSignals[i] as Signal;
      applySignal(s[0], s[1], s[2], s[3]);
    }
  } finally {
    pendingSignals.length = 0;
    applyingSignals = false;
  }
}

function applySignal(target: Proc, from: Pid, reason: unknown, viaLink: boolean): void {
  if (!target.alive) return;
  // A process of another node: the signal goes there (EXIT, or EXIT2 for exit/2).
  if (target.remote !== undefined) {
    target.remote.exit(target as ExternalProc, from, reason, viaLink);
    return;
  }
  if (reason === 'kill' && !viaLink) {
    target.die('killed');
  } else if (target.trapExit) {
    target.deliver(['EXIT', from, reason]);
  } else if (reason === 'normal') {
    if (!viaLink && from === target.pid) target.die('normal');
  } else {
    target.die(reason);
  }
}
