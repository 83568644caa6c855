import { BadArgError, exitReasonOf, formatTerm, type Pid, ProcessExit, processFlag } from '../runtime/index.js';
import { genCall } from './call.js';
import { checkObject, checkServer } from './checks.js';
import { type Starter, type StartOptions, startProcess } from './start.js';
import {
  type ChildCounts,
  type ChildInfo,
  consoleReport,
  type SupervisorReport,
  SupervisorServer,
} from './supervisor-server.js';
import {
  type ChildSpec,
  type ChildType,
  checkChildSpec,
  checkSupervisorSpec,
  type FullChildSpec,
  type Plan,
  type RestartType,
  type Shutdown,
  type SimpleSupervisorSpec,
  type StaticSupervisorSpec,
  type Strategy,
  type SupervisorSpec,
} from './supervisor-spec.js';
import { stopProcess } from './sys.js';

declare const supervisorArgs: unique symbol;

/**
 * A supervisor's pid. For a simple_one_for_one supervisor it carries the
 * arguments its template's start function takes, so `startChild`'s are
 * checked; for the others, `startChild` takes a child spec.
 */
export type SupervisorPid<A = unknown> = Pid & {
  /** Exists only in the type system: the template's start arguments, never set at run time. */
  readonly [supervisorArgs]?: A;
};

/** A supervisor: its pid, or the name it is registered under. */
export type SupervisorRef = Pid | string;

/** What `startChild` takes for `sup`: the template's arguments, or a child spec. */
export type ChildArg<S> = S extends {
  /** Exists only in the type system: what `startChild` reads the template's arguments from. */
  readonly [supervisorArgs]?: infer A;
}
  ? unknown extends A
    ? ChildSpec | readonly unknown[]
    : [A] extends [typeof STATIC]
      ? ChildSpec
      : A
  : ChildSpec | readonly unknown[];

declare const STATIC: unique symbol;

/**
 * The callback form, for code ported from Erlang: `init(args)` runs in the
 * new supervisor process and returns the spec (or `'ignore'`: then start
 * fails with StartError reason `'ignore'` and the supervisor exits
 * `'normal'`, as OTP's).
 */
export interface SupervisorModule<Args, S = SupervisorSpec> {
  /** A name for reports (Erlang's module name). */
  readonly name?: string;
  /** Runs in the new supervisor process: gives its spec, or `'ignore'` (Erlang's `init/1`). */
  init(args: Args): S | 'ignore' | Promise<S | 'ignore'>;
}

/** The options of `Supervisor.start` and `startLink`: a name, an init timeout, where reports go. */
export interface SupervisorOptions extends StartOptions {
  /**
   * Where reports go. Default: stderr, in the shape of OTP's
   * `=SUPERVISOR REPORT====`. Pass a function to collect or silence them.
   */
  readonly report?: (report: SupervisorReport) => void;
}

/**
 * A supervisor call that did not do what was asked: `reason` is OTP's
 * `Reason` in `{error, Reason}`: `'not_found'`, `'running'`,
 * `'restarting'`, `'already_present'`, `['already_started', pid]`,
 * `'simple_one_for_one'`, or `[reason, spec]` for a child that failed to
 * start. A ProcessExit, as CallError and StartError are.
 *
 * ```ts
 * try {
 *   await Supervisor.restartChild(sup, 'cache');
 * } catch (e) {
 *   if (e instanceof SupervisorError && e.reason === 'running') console.log('cache is already running');
 *   else throw e;
 * }
 * ```
 */
export class SupervisorError extends ProcessExit {
  /** `'SupervisorError'`, for stack traces and logs. */
  override readonly name = 'SupervisorError';
  constructor(
    /** The function that failed: `'Supervisor.startChild'`, ... */
    readonly fn: string,
    reason: unknown,
  ) {
    super(reason, `${fn} failed: ${formatTerm(reason)}`);
  }
}

// -- starting -------------------------------------------------------------------

type Source = { readonly plan: Plan } | { readonly module: SupervisorModule<unknown>; readonly args: unknown };

function starting(fn: string, source: Source, link: boolean, opts: SupervisorOptions | undefined): Promise<Pid> {
  if (opts !== undefined) checkObject(fn, 'opts', opts);
  const report = opts?.report ?? consoleReport;
  if (typeof report !== 'function') throw new BadArgError(fn, 'opts.report', 'expected a function');
  const label = opts?.name ?? ('module' in source ? source.module.name : undefined);
  const body = async (starter: Starter): Promise<void> => {
    processFlag('trap_exit', true);
    let plan: Plan;
    if ('plan' in source) plan = source.plan;
    else {
      try {
        const spec = await source.module.init(source.args);
        if (spec === 'ignore') {
          starter.ack(['ignore']);
          return; // exits 'normal', as OTP's supervisor after ignore
        }
        plan = checkSupervisorSpec(`${fn} (init)`, spec);
      } catch (error) {
        const reason = exitReasonOf(error);
        starter.ack(['error', reason]);
        throw error;
      }
    }
    const server = new SupervisorServer(plan, link ? starter.parent : undefined, label, report);
    const failed = await server.startChildren();
    if (failed !== undefined) {
      starter.ack(['error', failed]);
      throw new ProcessExit(failed);
    }
    starter.ack(['ok']);
    await server.loop();
  };
  return startProcess(fn, body, link, opts);
}

function sourceOf(fn: string, specOrModule: unknown, args: unknown): Source {
  if (typeof specOrModule === 'object' && specOrModule !== null && 'init' in specOrModule) {
    if (typeof specOrModule.init !== 'function')
      throw new BadArgError(fn, 'module', 'expected callbacks with an init function');
    return { module: specOrModule as SupervisorModule<unknown>, args };
  }
  return { plan: checkSupervisorSpec(fn, specOrModule) };
}

// The doc comments of these functions are on the `Supervisor` object at the end
// of this file, where TypeDoc (its `@namespace`) and editors read them.
function start(spec: StaticSupervisorSpec, opts?: SupervisorOptions): Promise<SupervisorPid<typeof STATIC>>;
function start<A extends readonly unknown[]>(
  spec: SimpleSupervisorSpec<A>,
  opts?: SupervisorOptions,
): Promise<SupervisorPid<A>>;
function start<Args>(
  module: SupervisorModule<Args, StaticSupervisorSpec>,
  args: Args,
  opts?: SupervisorOptions,
): Promise<SupervisorPid<typeof STATIC>>;
function start<Args, A extends readonly unknown[]>(
  module: SupervisorModule<Args, SimpleSupervisorSpec<A>>,
  args: Args,
  opts?: SupervisorOptions,
): Promise<SupervisorPid<A>>;
function start(specOrModule: unknown, argsOrOpts?: unknown, opts?: SupervisorOptions): Promise<Pid> {
  return startWith('Supervisor.start', false, specOrModule, argsOrOpts, opts);
}

function startLink(spec: StaticSupervisorSpec, opts?: SupervisorOptions): Promise<SupervisorPid<typeof STATIC>>;
function startLink<A extends readonly unknown[]>(
  spec: SimpleSupervisorSpec<A>,
  opts?: SupervisorOptions,
): Promise<SupervisorPid<A>>;
function startLink<Args>(
  module: SupervisorModule<Args, StaticSupervisorSpec>,
  args: Args,
  opts?: SupervisorOptions,
): Promise<SupervisorPid<typeof STATIC>>;
function startLink<Args, A extends readonly unknown[]>(
  module: SupervisorModule<Args, SimpleSupervisorSpec<A>>,
  args: Args,
  opts?: SupervisorOptions,
): Promise<SupervisorPid<A>>;
function startLink(specOrModule: unknown, argsOrOpts?: unknown, opts?: SupervisorOptions): Promise<Pid> {
  return startWith('Supervisor.startLink', true, specOrModule, argsOrOpts, opts);
}

function startWith(
  fn: string,
  link: boolean,
  specOrModule: unknown,
  argsOrOpts: unknown,
  opts: SupervisorOptions | undefined,
): Promise<Pid> {
  const isModule = typeof specOrModule === 'object' && specOrModule !== null && 'init' in specOrModule;
  const source = sourceOf(fn, specOrModule, isModule ? argsOrOpts : undefined);
  return starting(fn, source, link, isModule ? opts : (argsOrOpts as SupervisorOptions | undefined));
}

// -- the API: calls to the supervisor ------------------------------------------------

/**
 * A supervisor call, as OTP's (`gen_server:call(Sup, Req, infinity)`). A
 * bad `sup` throws BadArgError here, at the call, not in the promise.
 */
function supervisorCall(fn: string, sup: SupervisorRef, request: unknown): Promise<unknown> {
  checkServer(fn, sup);
  return genCall('supervisor', fn, sup, '$gen_call', request, Infinity);
}

/** The answer of a call that replies `['ok', x]`, `'ok'` or `['error', reason]`. */
function answerOf<T>(fn: string, sup: SupervisorRef, request: unknown): Promise<T> {
  return supervisorCall(fn, sup, request).then((answer) => okOrThrow(fn, answer) as T);
}

function okOrThrow(fn: string, answer: unknown): unknown {
  if (Array.isArray(answer) && answer[0] === 'ok') return answer[1];
  if (answer === 'ok') return undefined;
  throw new SupervisorError(fn, Array.isArray(answer) && answer[0] === 'error' ? answer[1] : answer);
}

function startChild<S extends SupervisorRef>(sup: S, child: ChildArg<S>): Promise<Pid | undefined> {
  const fn = 'Supervisor.startChild';
  checkServer(fn, sup);
  const arg = Array.isArray(child) ? child : checkChildSpec(fn, 'spec', child);
  return answerOf(fn, sup, ['start_child', arg]);
}

function terminateChild(sup: SupervisorRef, idOrPid: string | Pid): Promise<void> {
  return answerOf('Supervisor.terminateChild', sup, ['terminate_child', idOrPid]);
}

function restartChild(sup: SupervisorRef, id: string): Promise<Pid | undefined> {
  return answerOf('Supervisor.restartChild', sup, ['restart_child', id]);
}

function deleteChild(sup: SupervisorRef, id: string): Promise<void> {
  return answerOf('Supervisor.deleteChild', sup, ['delete_child', id]);
}

function getChildSpec(sup: SupervisorRef, idOrPid: string | Pid): Promise<FullChildSpec> {
  return answerOf('Supervisor.getChildSpec', sup, ['get_childspec', idOrPid]);
}

function whichChildren(sup: SupervisorRef): Promise<ChildInfo[]> {
  return supervisorCall('Supervisor.whichChildren', sup, 'which_children') as Promise<ChildInfo[]>;
}

function countChildren(sup: SupervisorRef): Promise<ChildCounts> {
  return supervisorCall('Supervisor.countChildren', sup, 'count_children') as Promise<ChildCounts>;
}

function stop(sup: SupervisorRef, reason: unknown = 'normal', timeoutMs = Infinity): Promise<void> {
  return stopProcess('supervisor', 'Supervisor.stop', sup, reason, timeoutMs);
}

/**
 * Supervisor: a process that starts child processes, watches them, and
 * restarts them when they end, as OTP's `supervisor`.
 *
 * Children start in the order of the spec and stop in reverse order. A
 * child that ends is restarted as its `restart` type and the `strategy` say;
 * more than `intensity` restarts within `period` seconds and the supervisor
 * gives up: it stops its children and exits `'shutdown'`, so that its own
 * supervisor can try a larger restart. The supervisor traps exits; when its
 * parent (the process that called `startLink`) exits, it stops its children
 * and exits with the same reason.
 *
 * ```ts
 * const sup = await Supervisor.startLink({
 *   strategy: 'one_for_one',
 *   children: [{ id: 'counter', start: () => GenServer.startLink(counter, 0) }],
 * });
 * await Supervisor.whichChildren(sup); // [{ id: 'counter', pid: <0.83.0>, type: 'worker' }]
 * ```
 *
 * The Supervisor functions: `start`, `startLink`, `startChild`,
 * `terminateChild`, `restartChild`, `deleteChild`, `getChildSpec`,
 * `whichChildren`, `countChildren`, `stop`.
 *
 * @namespace
 */
export const Supervisor = {
  /**
   * Starts a supervisor, not linked to the caller. Resolves with its pid once
   * every child has started (in order); rejects with StartError: reason
   * `['shutdown', ['failed_to_start_child', id, reason]]` when a child's start
   * failed (those already started are stopped first, in reverse order),
   * `['already_started', pid]` for a name that is taken, `'ignore'` when
   * `init` returned `'ignore'`. A bad spec throws BadArgError at the call.
   *
   * ```ts
   * const sup = await Supervisor.start({ children: [{ id: 'a', start: () => GenServer.startLink(worker, 'a') }] });
   * ```
   *
   * @function
   */
  start,
  /**
   * Starts a supervisor linked to the caller (`supervisor:start_link/2,3`):
   * how a supervisor is started by its own supervisor, whose child spec then
   * says `type: 'supervisor'`. When the caller exits, the supervisor stops
   * its children and exits with the same reason.
   *
   * ```ts
   * const top = await Supervisor.startLink({
   *   strategy: 'one_for_all',
   *   children: [{ id: 'sub', type: 'supervisor', start: () => Supervisor.startLink(subSpec) }],
   * });
   * ```
   *
   * @function
   */
  startLink,
  /**
   * Adds a child and starts it (`supervisor:start_child/2`); resolves with its
   * pid, or `undefined` when its start said `'ignore'`. For a
   * simple_one_for_one supervisor, pass the arguments for the template's
   * start function; otherwise a child spec (checked here: BadArgError). Throws
   * SupervisorError: `['already_started', pid]`, `'already_present'` (the
   * spec is there, not running: use restartChild), or `[reason, spec]` when
   * the start failed.
   *
   * ```ts
   * const pid = await Supervisor.startChild(sup, { id: 'cache', start: () => GenServer.startLink(cache, {}) });
   * const conn = await Supervisor.startChild(pool, ['127.0.0.1', 8080]); // simple_one_for_one
   * ```
   *
   * @function
   */
  startChild,
  /**
   * Stops a child (`supervisor:terminate_child/2`) as its `shutdown` says.
   * Its spec is kept (restartChild starts it again), unless it is temporary.
   * Pass the id; for a simple_one_for_one supervisor, the child's pid. Throws
   * SupervisorError `'not_found'`, or `'simple_one_for_one'` for an id given
   * to one.
   *
   * ```ts
   * await Supervisor.terminateChild(sup, 'cache');
   * ```
   *
   * @function
   */
  terminateChild,
  /**
   * Starts again a child that is not running (`supervisor:restart_child/2`),
   * say after terminateChild; resolves with its pid (`undefined` if its start
   * said `'ignore'`). Throws SupervisorError `'not_found'`, `'running'`,
   * `'restarting'`, `'simple_one_for_one'`, or the start's failure reason.
   *
   * ```ts
   * const pid = await Supervisor.restartChild(sup, 'cache');
   * ```
   *
   * @function
   */
  restartChild,
  /**
   * Removes the spec of a child that is not running (`supervisor:delete_child/2`).
   * Throws SupervisorError `'not_found'`, `'running'`, `'restarting'`, or
   * `'simple_one_for_one'`.
   *
   * ```ts
   * await Supervisor.terminateChild(sup, 'cache');
   * await Supervisor.deleteChild(sup, 'cache');
   * ```
   *
   * @function
   */
  deleteChild,
  /**
   * A child's spec with its defaults filled in (`supervisor:get_childspec/2`):
   * by id, or by pid for a simple_one_for_one supervisor. Throws
   * SupervisorError `'not_found'`.
   *
   * ```ts
   * (await Supervisor.getChildSpec(sup, 'cache')).shutdown; // 5000
   * ```
   *
   * @function
   */
  getChildSpec,
  /**
   * The children (`supervisor:which_children/1`), in OTP's order: the
   * newest first, i.e. the reverse of the start order (a child added with
   * startChild comes first). Each with its pid, `'restarting'`, or
   * `undefined` when it is not running.
   *
   * ```ts
   * for (const { id, pid } of await Supervisor.whichChildren(sup)) console.log(id, pid);
   * ```
   *
   * @function
   */
  whichChildren,
  /**
   * How many children, of which kinds (`supervisor:count_children/1`).
   *
   * ```ts
   * const { specs, active } = await Supervisor.countChildren(sup);
   * ```
   *
   * @function
   */
  countChildren,
  /**
   * Stops a supervisor (`gen_server:stop/3`, what OTP uses for one): it stops
   * its children, newest first, then exits with `reason` (default
   * `'normal'`); resolves once it is gone.
   *
   * ```ts
   * await Supervisor.stop(sup);
   * ```
   *
   * @function
   */
  stop,
} as const;

export type { ChildCounts, ChildInfo, SupervisorReport, SupervisorState } from './supervisor-server.js';
export type { StartFunction, StartResult } from './supervisor-spec.js';
export type {
  ChildSpec,
  ChildType,
  FullChildSpec,
  RestartType,
  Shutdown,
  SimpleSupervisorSpec,
  StaticSupervisorSpec,
  Strategy,
  SupervisorSpec,
};
