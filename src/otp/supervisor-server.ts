import { _, errorStacks, formatTerm, Pid, ProcessExit, receive, self, send, traceCall } from '../runtime/index.js';
import { isCall, reply } from './call.js';
import { callStart, isCleanExit, isRunning, shutdownAll, shutdownChild } from './supervisor-child.js';
import {
  type ChildType,
  checkChildSpec,
  type FullChildSpec,
  type Plan,
  type RestartType,
  type Shutdown,
  type Strategy,
} from './supervisor-spec.js';
import { Counters, handleSystem, isSystem, type Statistics } from './sys.js';

/**
 * The supervisor process: its table of children, the loop that answers
 * calls and takes the EXITs of its children, and the restart strategies,
 * as the body of OTP's supervisor.erl. `supervisor.ts` starts it and
 * holds the functions that call it.
 */
/** What a supervisor reports, as OTP's supervisor reports (`errorContext`, `reason`, `offender`). */
export interface SupervisorReport {
  /** The supervisor that reports. */
  readonly supervisor: Pid;
  /** Its registered name (or its module's `name`), if it has one. */
  readonly name: string | undefined;
  /**
   * `'start_error'`: a start function failed; `'child_terminated'`: a child
   * ended abnormally (or a permanent child ended at all); `'shutdown_error'`:
   * a child being stopped ended with another reason than asked (`'killed'`
   * after its shutdown time); `'shutdown'`: the supervisor gives up, reason
   * `'reached_max_restart_intensity'`.
   */
  readonly context: 'start_error' | 'child_terminated' | 'shutdown_error' | 'shutdown';
  /** The child's exit reason or the start's failure reason (`'reached_max_restart_intensity'` for `'shutdown'`). */
  readonly reason: unknown;
  /** The child concerned, as OTP's `offender` list. */
  readonly offender: {
    /** Its id (`undefined` for a simple_one_for_one child). */
    readonly id: string | undefined;
    /** Its pid, if it had one. */
    readonly pid: Pid | undefined;
    /** Its restart type. */
    readonly restart: RestartType;
    /** Its shutdown. */
    readonly shutdown: Shutdown;
    /** Worker or supervisor. */
    readonly type: ChildType;
  };
}

/** One child as `whichChildren` lists it (OTP's `{Id, Child, Type, Modules}`). */
export interface ChildInfo {
  /** `undefined` for a simple_one_for_one supervisor's children. */
  readonly id: string | undefined;
  /** The pid; `'restarting'` while a restart waits to be tried again; `undefined` if not running. */
  readonly pid: Pid | 'restarting' | undefined;
  /** Worker or supervisor, from its spec. */
  readonly type: ChildType;
  /** From its spec, if it has them. */
  readonly modules?: readonly string[] | 'dynamic';
}

/** What `countChildren` returns (OTP's `[{specs,N},{active,N},{supervisors,N},{workers,N}]`). */
export interface ChildCounts {
  /** Child specs, running or not (simple_one_for_one: 1). */
  readonly specs: number;
  /** Children whose process is alive. */
  readonly active: number;
  /** Child specs (simple_one_for_one: children) of type supervisor, running or not. */
  readonly supervisors: number;
  /** Child specs (simple_one_for_one: children) of type worker, running or not. */
  readonly workers: number;
}

/** What `getState` (sys) gives for a supervisor: a snapshot, not the live state. */
export interface SupervisorState {
  /** The restart strategy. */
  readonly strategy: Strategy;
  /** Restarts allowed within `period`. */
  readonly intensity: number;
  /** The period, in seconds. */
  readonly period: number;
  /** As `whichChildren`. */
  readonly children: readonly ChildInfo[];
  /** Restarts counted within the current period. */
  readonly restarts: number;
}

// -- the supervisor process -----------------------------------------------------

/** A child whose restart failed and is to be tried again (OTP's `{restarting, OldPid}`). */
class Restarting {
  constructor(
    readonly was: Pid | undefined,
    /** Names it in the try-again message: a number survives message cloning, an object would not. */
    readonly n: number,
  ) {}
}

type ChildPid = Pid | Restarting | undefined;

/** A child: its spec and its process; for a simple_one_for_one child, its start arguments. */
interface Child {
  readonly spec: FullChildSpec;
  pid: ChildPid;
  readonly args: readonly unknown[];
}

const NO_ARGS: readonly unknown[] = Object.freeze([]);
const TRY_AGAIN = '$supervisor_try_again';
const SYSTEM_LABEL = 'supervisor';

/**
 * The monotonic clock in whole seconds, as OTP's
 * `erlang:monotonic_time(second)` that stamps restarts: `performance.now()`
 * (from the start of this Node process) rounded down.
 */
function nowSeconds(): number {
  return Math.floor(performance.now() / 1000);
}

export class SupervisorServer {
  readonly strategy: Strategy;
  readonly intensity: number;
  /** In whole seconds, as the restart stamps. */
  readonly period: number;
  /** Static children, in start order (OTP keeps them newest first; we reverse where it matters). */
  readonly children: Child[] = [];
  /** simple_one_for_one: the template, and the children by pid (or Restarting mark), with their args. */
  readonly template: FullChildSpec | undefined;
  readonly dynamics = new Map<Pid | Restarting, readonly unknown[]>();
  private dynamicRestarts = 0;
  private restartMarks = 0;
  /**
   * When restarts happened, newest first, in whole seconds of the monotonic
   * clock (see `nowSeconds`); those older than the period are dropped at
   * the next restart.
   */
  private restarts: number[] = [];
  private readonly counters = new Counters();

  constructor(
    plan: Plan,
    readonly parent: Pid | undefined,
    readonly label: string | undefined,
    readonly report: (report: SupervisorReport) => void,
  ) {
    this.strategy = plan.strategy;
    this.intensity = plan.intensity;
    this.period = plan.period;
    if (plan.strategy === 'simple_one_for_one') this.template = plan.children[0];
    else for (const spec of plan.children) this.children.push({ spec, pid: undefined, args: NO_ARGS });
  }

  private get simple(): boolean {
    return this.template !== undefined;
  }

  /**
   * Starts the static children in order. One that fails stops those
   * already started (in reverse order) and fails the supervisor's start
   * with `['shutdown', ['failed_to_start_child', id, reason]]`, as OTP's.
   */
  async startChildren(): Promise<unknown> {
    const failed = await this.startInOrder(this.children);
    if (failed === undefined) return undefined;
    await this.terminateChildren();
    return ['shutdown', ['failed_to_start_child', failed.child.spec.id, failed.reason]];
  }

  /** Starts `list` in order; stops at the first failure, which it reports and returns. */
  private async startInOrder(list: readonly Child[]): Promise<{ child: Child; reason: unknown } | undefined> {
    for (const child of list) {
      const started = await callStart(child.spec.start, NO_ARGS);
      if (!started.ok) {
        this.emit('start_error', started.reason, child);
        return { child, reason: started.reason };
      }
      // A temporary child that was ignored is forgotten (OTP's start_children).
      if (started.pid === undefined && child.spec.restart === 'temporary') this.remove(child);
      else child.pid = started.pid;
    }
    return undefined;
  }

  async loop(): Promise<never> {
    for (;;) {
      const message = await receive([_]);
      if (isCall(message)) {
        this.counters.messagesIn++;
        const answer = await this.call(message[2]);
        this.counters.messagesOut++;
        reply(message[1], answer);
      } else if (isSystem(message)) {
        await handleSystem(message[1], message[2], this.system);
      } else if (isExit(message)) {
        this.counters.messagesIn++;
        if (message[1] === this.parent) await this.terminate(message[2]);
        await this.childExited(message[1], message[2]);
      } else if (isTryAgain(message)) {
        this.counters.messagesIn++;
        await this.tryAgain(message[1]);
      } else {
        // OTP logs "Supervisor received unexpected message" and goes on.
        console.warn(`beamish: supervisor ${this.label ?? String(self())} received an unexpected message`, message);
      }
    }
  }

  // -- calls -----------------------------------------------------------------------

  private async call(request: unknown): Promise<unknown> {
    traceCall([SYSTEM_LABEL, 'handle_call', [request]]);
    if (request === 'which_children') return this.whichChildren();
    if (request === 'count_children') return this.countChildren();
    if (!Array.isArray(request) || request.length !== 2) return ['error', ['bad_request', request]];
    const [kind, arg] = request as [unknown, unknown];
    switch (kind) {
      case 'start_child':
        return this.simple ? this.startDynamic(arg) : this.startStatic(arg);
      case 'terminate_child':
        return this.terminateChild(arg);
      case 'restart_child':
        return this.restartChild(arg);
      case 'delete_child':
        return this.deleteChild(arg);
      case 'get_childspec':
        return this.getChildSpec(arg);
      default:
        return ['error', ['bad_request', request]];
    }
  }

  private async startDynamic(args: unknown): Promise<unknown> {
    const template = this.template as FullChildSpec;
    if (!Array.isArray(args)) return ['error', ['bad_args', args]];
    const started = await callStart(template.start, args);
    if (!started.ok) return ['error', started.reason];
    // OTP keeps no record of an ignored dynamic child.
    if (started.pid !== undefined) this.dynamics.set(started.pid, template.restart === 'temporary' ? NO_ARGS : args);
    return ['ok', started.pid];
  }

  private async startStatic(arg: unknown): Promise<unknown> {
    let spec: FullChildSpec;
    try {
      spec = checkChildSpec('Supervisor.startChild', 'spec', arg);
    } catch (error) {
      return ['error', ['invalid_child_spec', error instanceof Error ? error.message : arg]];
    }
    const existing = this.children.find((c) => c.spec.id === spec.id);
    if (existing !== undefined)
      return existing.pid instanceof Pid ? ['error', ['already_started', existing.pid]] : ['error', 'already_present'];
    const started = await callStart(spec.start, NO_ARGS);
    if (!started.ok) {
      // OTP: {error, {already_started, Pid}} as it is; other reasons with the spec.
      const reason = started.reason;
      if (Array.isArray(reason) && reason[0] === 'already_started') return ['error', reason];
      return ['error', [reason, spec]];
    }
    if (started.pid !== undefined || spec.restart !== 'temporary')
      this.children.push({ spec, pid: started.pid, args: NO_ARGS });
    return ['ok', started.pid];
  }

  private async terminateChild(idOrPid: unknown): Promise<unknown> {
    if (this.simple) {
      if (!(idOrPid instanceof Pid)) return ['error', 'simple_one_for_one'];
      const key = this.dynamics.has(idOrPid) ? idOrPid : this.restartingKey(idOrPid);
      if (key === undefined) {
        // OTP: a pid that is no child but alive is not_found; a dead one is ok.
        return isRunning(idOrPid) ? ['error', 'not_found'] : 'ok';
      }
      await this.terminate1(this.dynamicChild(key));
      this.dynamics.delete(key);
      if (key instanceof Restarting) this.dynamicRestarts--;
      return 'ok';
    }
    const child = this.find(idOrPid);
    if (child === undefined) return ['error', 'not_found'];
    await this.terminate1(child);
    this.forget(child);
    return 'ok';
  }

  private async restartChild(id: unknown): Promise<unknown> {
    if (this.simple) return ['error', 'simple_one_for_one'];
    const child = this.find(id);
    if (child === undefined) return ['error', 'not_found'];
    if (child.pid instanceof Restarting) return ['error', 'restarting'];
    if (child.pid !== undefined) return ['error', 'running'];
    const started = await callStart(child.spec.start, NO_ARGS);
    if (!started.ok) return ['error', started.reason];
    child.pid = started.pid;
    return ['ok', started.pid];
  }

  private deleteChild(id: unknown): unknown {
    if (this.simple) return ['error', 'simple_one_for_one'];
    const child = this.find(id);
    if (child === undefined) return ['error', 'not_found'];
    if (child.pid instanceof Restarting) return ['error', 'restarting'];
    if (child.pid !== undefined) return ['error', 'running'];
    this.remove(child);
    return 'ok';
  }

  private getChildSpec(idOrPid: unknown): unknown {
    if (this.simple) {
      const known = idOrPid instanceof Pid && (this.dynamics.has(idOrPid) || this.restartingKey(idOrPid) !== undefined);
      return known ? ['ok', this.template] : ['error', 'not_found'];
    }
    const child = this.find(idOrPid);
    return child === undefined ? ['error', 'not_found'] : ['ok', child.spec];
  }

  /** OTP's order: newest first (the reverse of the start order), for static children. */
  whichChildren(): ChildInfo[] {
    const info = (spec: FullChildSpec, id: string | undefined, pid: ChildPid): ChildInfo => ({
      id,
      pid: pid instanceof Restarting ? 'restarting' : pid,
      type: spec.type,
      ...(spec.modules === undefined ? {} : { modules: spec.modules }),
    });
    const template = this.template;
    if (template !== undefined) return [...this.dynamics.keys()].map((pid) => info(template, undefined, pid));
    return this.children.map((c) => info(c.spec, c.spec.id, c.pid)).reverse();
  }

  private countChildren(): ChildCounts {
    const template = this.template;
    if (template !== undefined) {
      const size = this.dynamics.size;
      const supervisors = template.type === 'supervisor' ? size : 0;
      return { specs: 1, active: size - this.dynamicRestarts, supervisors, workers: size - supervisors };
    }
    let active = 0;
    let supervisors = 0;
    for (const c of this.children) {
      if (isRunning(c.pid)) active++;
      if (c.spec.type === 'supervisor') supervisors++;
    }
    return { specs: this.children.length, active, supervisors, workers: this.children.length - supervisors };
  }

  // -- a child ended -------------------------------------------------------------

  private async childExited(pid: Pid, reason: unknown): Promise<void> {
    const child = this.simple
      ? this.dynamics.has(pid)
        ? this.dynamicChild(pid)
        : undefined
      : this.children.find((c) => c.pid === pid);
    // An EXIT from a process that is no child (any more): OTP ignores it.
    if (child === undefined) return;
    const { restart } = child.spec;
    // OTP's do_restart.
    if (restart === 'permanent' || (restart === 'transient' && !isCleanExit(reason))) {
      this.emit('child_terminated', reason, child);
      await this.restart(child);
      return;
    }
    if (restart === 'temporary' && !isCleanExit(reason)) this.emit('child_terminated', reason, child);
    this.forget(child);
  }

  /** The restart stamps that still count at `now` (OTP's `R >= Now - Period`, in whole seconds). */
  private inPeriod(now: number): number[] {
    return this.restarts.filter((stamp) => stamp >= now - this.period);
  }

  /** Counts a restart, gives up past the intensity, else restarts as the strategy says. */
  private async restart(child: Child): Promise<void> {
    // OTP 25's add_restart: stamp in whole seconds, keep the stamps R with
    // R >= Now - Period, give up when more than intensity are kept. So a
    // restart counts for between `period` and `period + 1` seconds,
    // depending on where in its second it fell: with period 1, two restarts
    // 1.1 s apart are one second apart in stamps, and both count.
    const now = nowSeconds();
    this.restarts = [now, ...this.inPeriod(now)];
    if (this.restarts.length > this.intensity) {
      this.emit('shutdown', 'reached_max_restart_intensity', child);
      this.forget(child);
      await this.terminate('shutdown');
    }
    switch (this.strategy) {
      case 'simple_one_for_one':
        return this.restartDynamic(child);
      case 'one_for_one':
        return this.restartOne(child);
      case 'one_for_all':
        return this.restartFrom(child, 0);
      case 'rest_for_one':
        return this.restartFrom(child, this.children.indexOf(child));
    }
  }

  private async restartOne(child: Child): Promise<void> {
    const started = await callStart(child.spec.start, NO_ARGS);
    if (started.ok) {
      child.pid = started.pid;
      return;
    }
    child.pid = this.restarting(child.pid);
    this.emit('start_error', started.reason, child);
    this.scheduleTryAgain(child.spec.id);
  }

  /**
   * one_for_all (`from` 0) and rest_for_one (`from` the child's place): the
   * children from `from` on that still run are stopped, newest first, then
   * all of them are started again in order; temporary ones are not (OTP:
   * "even when a sibling's death causes the temporary process to be
   * terminated") and are forgotten.
   */
  private async restartFrom(child: Child, from: number): Promise<void> {
    const was = child.pid;
    child.pid = undefined;
    const range = this.children.slice(from);
    for (const c of [...range].reverse()) {
      await this.terminate1(c);
      if (c.spec.restart === 'temporary') this.remove(c);
      else c.pid = undefined;
    }
    const failed = await this.startInOrder(range.filter((c) => this.children.includes(c)));
    if (failed === undefined) return;
    // OTP: the child that failed is marked restarting (those after it are
    // left stopped), and the restart is tried again from it.
    failed.child.pid = failed.child === child ? this.restarting(was) : this.restarting(undefined);
    this.scheduleTryAgain(failed.child.spec.id);
  }

  private async restartDynamic(child: Child): Promise<void> {
    const key = child.pid as Pid | Restarting;
    if (key instanceof Restarting) this.dynamicRestarts--;
    this.dynamics.delete(key);
    const started = await callStart((this.template as FullChildSpec).start, child.args);
    if (started.ok) {
      if (started.pid !== undefined) this.dynamics.set(started.pid, child.args);
      return;
    }
    const mark = this.restarting(key);
    this.dynamicRestarts++;
    this.dynamics.set(mark, child.args);
    this.emit('start_error', started.reason, { ...child, pid: mark });
    this.scheduleTryAgain(mark.n);
  }

  /**
   * A failed restart is tried again after the messages already queued, as
   * OTP's try_again_restart cast: a stop request, or the parent's exit, is
   * not starved by a child that cannot start; each try counts against the
   * intensity, so a child that never starts ends the supervisor.
   */
  private scheduleTryAgain(key: string | number): void {
    send(self(), [TRY_AGAIN, key]);
  }

  private async tryAgain(key: string | number): Promise<void> {
    if (typeof key === 'string') {
      const child = this.find(key);
      if (child !== undefined && child.pid instanceof Restarting) await this.restart(child);
      return;
    }
    for (const pid of this.dynamics.keys()) {
      if (pid instanceof Restarting && pid.n === key) {
        await this.restart(this.dynamicChild(pid));
        return;
      }
    }
  }

  // -- stopping ------------------------------------------------------------------

  /** Stops every child (static: newest first; dynamic: all at once), then exits with `reason`. */
  async terminate(reason: unknown): Promise<never> {
    await this.terminateChildren();
    throw new ProcessExit(reason);
  }

  private async terminateChildren(): Promise<void> {
    const template = this.template;
    if (template === undefined) {
      for (const child of [...this.children].reverse()) {
        await this.terminate1(child);
        if (child.spec.restart === 'temporary') this.remove(child);
        else child.pid = undefined;
      }
      return;
    }
    const pids = [...this.dynamics.keys()].filter((k): k is Pid => k instanceof Pid);
    const failed = await shutdownAll(pids, template.shutdown, template.restart);
    for (const [pid, reason] of failed) this.emit('shutdown_error', reason, { spec: template, pid, args: NO_ARGS });
    this.dynamics.clear();
    this.dynamicRestarts = 0;
  }

  /** Stops one child if it runs (OTP's do_terminate); reports a child that ended otherwise than asked. */
  private async terminate1(child: Child): Promise<void> {
    const pid = child.pid;
    if (!(pid instanceof Pid)) return;
    const unexpected = await shutdownChild(pid, child.spec.shutdown, child.spec.restart);
    if (unexpected !== undefined) this.emit('shutdown_error', unexpected, child);
  }

  // -- the children table ------------------------------------------------------------

  private find(id: unknown): Child | undefined {
    return typeof id === 'string' ? this.children.find((c) => c.spec.id === id) : undefined;
  }

  private dynamicChild(key: Pid | Restarting): Child {
    return { spec: this.template as FullChildSpec, pid: key, args: this.dynamics.get(key) ?? NO_ARGS };
  }

  private restartingKey(pid: Pid): Restarting | undefined {
    for (const key of this.dynamics.keys()) if (key instanceof Restarting && key.was === pid) return key;
    return undefined;
  }

  private restarting(pid: ChildPid): Restarting {
    return pid instanceof Restarting ? pid : new Restarting(pid, ++this.restartMarks);
  }

  /** A child that ended for good: a temporary one is removed, others keep their spec (OTP's del_child). */
  private forget(child: Child): void {
    if (this.simple) this.dynamics.delete(child.pid as Pid);
    else if (child.spec.restart === 'temporary') this.remove(child);
    else child.pid = undefined;
  }

  private remove(child: Child): void {
    const i = this.children.indexOf(child);
    if (i >= 0) this.children.splice(i, 1);
  }

  private emit(context: SupervisorReport['context'], reason: unknown, child: Child): void {
    const { id, restart, shutdown, type } = child.spec;
    const pid = child.pid instanceof Restarting ? child.pid.was : child.pid;
    try {
      this.report({
        supervisor: self(),
        name: this.label,
        context,
        reason,
        offender: { id: this.simple ? undefined : id, pid, restart, shutdown, type },
      });
    } catch (error) {
      // A reporter that throws must not take the supervisor down.
      console.error('beamish: a supervisor report function threw:', error);
    }
  }

  readonly system = {
    getState: (): SupervisorState => ({
      strategy: this.strategy,
      intensity: this.intensity,
      period: this.period,
      children: this.whichChildren(),
      restarts: this.inPeriod(nowSeconds()).length,
    }),
    replaceState: (): never => {
      // sys:replace_state on a supervisor would replace its #state record; a
      // snapshot cannot be put back, so this is refused (reported as a failed fun).
      throw new Error("a supervisor's state cannot be replaced");
    },
    statistics: (): Statistics => this.counters.statistics(),
    terminate: (reason: unknown): Promise<never> => this.terminate(reason),
  };
}

function isExit(message: unknown): message is readonly ['EXIT', Pid, unknown] {
  return Array.isArray(message) && message.length === 3 && message[0] === 'EXIT' && message[1] instanceof Pid;
}

function isTryAgain(message: unknown): message is readonly [typeof TRY_AGAIN, string | number] {
  return Array.isArray(message) && message.length === 2 && message[0] === TRY_AGAIN;
}

/**
 * A report as text, in the shape of OTP's `=SUPERVISOR REPORT====`: the
 * reason in formatTerm's notation (`{error,#Error<asked to die>}`), and
 * below it, aligned with it, the stack of each error it holds, where OTP's
 * reason carries its stack (`{asked_to_die,[{m,f,0,[...]}]}`).
 *
 * ```text
 * =SUPERVISOR REPORT====
 *     supervisor: <0.7.0> (app_sup)
 *     errorContext: child_terminated
 *     reason: {error,#Error<asked to die>}
 *             Error: asked to die
 *                 at ...
 *     offender: id=worker, pid=<0.8.0>, restart=permanent, shutdown=5000, type=worker
 * ```
 */
export function formatSupervisorReport(report: SupervisorReport): string {
  const { supervisor, name, context, reason, offender } = report;
  const under = (text: string): string => text.replace(/^/gm, ' '.repeat(12));
  const stacks = errorStacks(reason).map((stack) => `${under(stack)}\n`);
  return (
    `=SUPERVISOR REPORT====\n    supervisor: ${name === undefined ? formatTerm(supervisor) : `${formatTerm(supervisor)} (${name})`}\n` +
    `    errorContext: ${context}\n    reason: ${formatTerm(reason)}\n${stacks.join('')}` +
    `    offender: id=${offender.id ?? 'undefined'}, pid=${offender.pid === undefined ? 'undefined' : formatTerm(offender.pid)}, ` +
    `restart=${offender.restart}, shutdown=${String(offender.shutdown)}, type=${offender.type}\n`
  );
}

/** Writes a report to stderr, in the shape of OTP's (`formatSupervisorReport`). */
export function consoleReport(report: SupervisorReport): void {
  console.error(formatSupervisorReport(report));
}
