import { BadArgError, Pid } from '../runtime/index.js';
import { show } from './checks.js';

/**
 * What a supervisor is told to do, and the checks on it: the supervisor
 * flags (strategy, intensity, period) and the child specifications, as
 * OTP's `sup_flags()` and `child_spec()` maps. A bad spec fails at the call
 * with BadArgError naming the child and the key, where OTP would answer
 * `{error, {invalid_restart_type, bogus}}` or the like.
 */

/**
 * How a supervisor restarts (OTP's restart strategies):
 * - `'one_for_one'`: only the child that died (the default, as OTP's);
 * - `'one_for_all'`: all of them: the others are stopped (in reverse start
 *   order), then all are started again in order;
 * - `'rest_for_one'`: the child that died and those started after it;
 * - `'simple_one_for_one'`: one template, children added with `startChild`
 *   at run time, each restarted alone.
 */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one' | 'simple_one_for_one';

/**
 * When a child that ended is started again: `'permanent'` always,
 * `'transient'` only after an abnormal exit (not `'normal'`, `'shutdown'` or
 * `['shutdown', _]`), `'temporary'` never (its spec is then removed).
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/**
 * How a child is stopped: `'brutal_kill'` (`exit(pid, 'kill')`), a number of
 * ms to wait after `exit(pid, 'shutdown')` before the kill, or `'infinity'`
 * (also `Infinity`) to wait as long as it takes.
 */
export type Shutdown = 'brutal_kill' | 'infinity' | number;

/**
 * What a child is: `'worker'` (any process) or `'supervisor'` (a supervisor
 * under this one; its default shutdown is `'infinity'`, so it has all the
 * time it needs to stop its own children).
 */
export type ChildType = 'worker' | 'supervisor';

/** What a start function returns: the new process's pid, or `'ignore'` (nothing to start). */
export type StartResult = Pid | 'ignore';

/**
 * Starts a child: must start a process LINKED to the caller (the supervisor:
 * start functions run in it), as `GenServer.startLink` does, and return its
 * pid. `'ignore'`, or throwing a StartError with reason `'ignore'` (what
 * `GenServer.startLink` does when init returns `'ignore'`), means there is
 * nothing to start. Anything else it throws fails the start with the
 * error's exit reason. A simple_one_for_one template's start takes the
 * arguments given to `startChild`.
 */
export type StartFunction<A extends readonly unknown[] = []> = (...args: A) => StartResult | Promise<StartResult>;

/** A child specification (OTP's `child_spec()` map, `start` a function instead of an MFA). */
export interface ChildSpec<A extends readonly unknown[] = []> {
  /** Names the child in this supervisor; unique among its children. */
  readonly id: string;
  /** Starts the child, linked to the supervisor: `() => GenServer.startLink(server, args)`. */
  readonly start: StartFunction<A>;
  /** Default `'permanent'`. */
  readonly restart?: RestartType;
  /** Default 5000 ms for a worker, `'infinity'` for a supervisor. */
  readonly shutdown?: Shutdown;
  /** Default `'worker'`. */
  readonly type?: ChildType;
  /** For porting; only reported back by `whichChildren` and `getChildSpec`. */
  readonly modules?: readonly string[] | 'dynamic';
}

interface Flags {
  /** Restarts allowed within `period` (default 1, as OTP's); one more and the supervisor gives up. */
  readonly intensity?: number;
  /**
   * In whole seconds (default 5, as OTP's). As OTP's, restarts are stamped
   * in whole seconds of the monotonic clock, and one stamped `R` counts at
   * `Now` while `R >= Now - period`: for between `period` and `period + 1`
   * seconds, by where in its second it fell.
   */
  readonly period?: number;
}

/** A supervisor with a fixed list of children, started in order. */
export interface StaticSupervisorSpec extends Flags {
  /** Default `'one_for_one'`, as OTP's. */
  readonly strategy?: 'one_for_one' | 'one_for_all' | 'rest_for_one';
  /** The children, started in this order and stopped in the reverse one. */
  readonly children: readonly ChildSpec[];
}

/** A simple_one_for_one supervisor: one template, whose start takes `startChild`'s arguments. */
export interface SimpleSupervisorSpec<A extends readonly unknown[] = readonly never[]> extends Flags {
  /** Required here: a simple_one_for_one supervisor is told so. */
  readonly strategy: 'simple_one_for_one';
  /** The template: one spec, whose `start` each `startChild(sup, args)` calls with `args`. */
  readonly children: readonly [ChildSpec<A>];
}

/** What a supervisor supervises and how: OTP's `{SupFlags, [ChildSpec]}`. */
export type SupervisorSpec = StaticSupervisorSpec | SimpleSupervisorSpec<readonly never[]>;

/** A child spec with its defaults filled in, as `getChildSpec` returns it. */
export interface FullChildSpec {
  /** The child's id, as given. */
  readonly id: string;
  /** The start function, as given. */
  readonly start: StartFunction<readonly never[]>;
  /** As given, or `'permanent'`. */
  readonly restart: RestartType;
  /** `'brutal_kill'`, ms, or `'infinity'`. */
  readonly shutdown: Shutdown;
  /** As given, or `'worker'`. */
  readonly type: ChildType;
  /** As given; absent if it was not. */
  readonly modules?: readonly string[] | 'dynamic';
}

/** The flags and specs, checked, with defaults. */
export interface Plan {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly period: number;
  readonly children: readonly FullChildSpec[];
}

const STRATEGIES: readonly Strategy[] = ['one_for_one', 'one_for_all', 'rest_for_one', 'simple_one_for_one'];
const RESTARTS: readonly RestartType[] = ['permanent', 'transient', 'temporary'];
const TYPES: readonly ChildType[] = ['worker', 'supervisor'];
const SPEC_KEYS = new Set(['strategy', 'intensity', 'period', 'children']);
const CHILD_KEYS = new Set(['id', 'start', 'restart', 'shutdown', 'type', 'modules']);
const MAX_TIMEOUT = 4294967295;

/** Checks a supervisor spec; throws BadArgError(fn, 'spec...', what is wrong). */
export function checkSupervisorSpec(fn: string, spec: unknown): Plan {
  if (!isPlainObject(spec)) throw new BadArgError(fn, 'spec', `expected a supervisor spec object, got ${show(spec)}`);
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key))
      throw new BadArgError(fn, `spec.${key}`, `unknown key; a supervisor spec has ${[...SPEC_KEYS].join(', ')}`);
  }
  const { strategy = 'one_for_one', intensity = 1, period = 5, children } = spec as Record<string, unknown>;
  if (!STRATEGIES.includes(strategy as Strategy))
    throw new BadArgError(fn, 'spec.strategy', `expected one of ${STRATEGIES.join(', ')}, got ${show(strategy)}`);
  // OTP: intensity a non-negative integer, period a positive integer (seconds).
  if (typeof intensity !== 'number' || !Number.isInteger(intensity) || intensity < 0)
    throw new BadArgError(fn, 'spec.intensity', `expected a whole number >= 0, got ${show(intensity)}`);
  if (typeof period !== 'number' || !Number.isInteger(period) || period <= 0)
    throw new BadArgError(fn, 'spec.period', `expected a whole number of seconds > 0, got ${show(period)}`);
  if (!Array.isArray(children))
    throw new BadArgError(fn, 'spec.children', `expected an array of child specs, got ${show(children)}`);
  if (strategy === 'simple_one_for_one' && children.length !== 1)
    throw new BadArgError(
      fn,
      'spec.children',
      `a simple_one_for_one supervisor takes exactly one child spec (its template), got ${children.length}`,
    );
  const seen = new Map<string, number>();
  const checked = children.map((child: unknown, i: number) => {
    const full = checkChildSpec(fn, `spec.children[${i}]`, child);
    const before = seen.get(full.id);
    // OTP's {duplicate_child_name, Id}.
    if (before !== undefined)
      throw new BadArgError(fn, `spec.children[${i}].id`, `duplicate child id '${full.id}' (also children[${before}])`);
    seen.set(full.id, i);
    return full;
  });
  return { strategy: strategy as Strategy, intensity, period, children: checked };
}

/** Checks one child spec and fills in its defaults (OTP's check_childspec). */
export function checkChildSpec(fn: string, argument: string, spec: unknown): FullChildSpec {
  if (!isPlainObject(spec)) throw new BadArgError(fn, argument, `expected a child spec object, got ${show(spec)}`);
  for (const key of Object.keys(spec)) {
    if (!CHILD_KEYS.has(key))
      throw new BadArgError(fn, `${argument}.${key}`, `unknown key; a child spec has ${[...CHILD_KEYS].join(', ')}`);
  }
  const { id, start, restart = 'permanent', type = 'worker', shutdown, modules } = spec as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0)
    throw new BadArgError(fn, `${argument}.id`, `expected a non-empty string, got ${show(id)}`);
  const where = `${argument}.id '${id}'`;
  if (typeof start !== 'function')
    throw new BadArgError(fn, `${argument}.start`, `${where}: expected a function that starts a linked process`);
  if (!RESTARTS.includes(restart as RestartType))
    throw new BadArgError(
      fn,
      `${argument}.restart`,
      `${where}: expected one of ${RESTARTS.join(', ')}, got ${show(restart)}`,
    );
  if (!TYPES.includes(type as ChildType))
    throw new BadArgError(fn, `${argument}.type`, `${where}: expected worker or supervisor, got ${show(type)}`);
  const stop = shutdown ?? (type === 'supervisor' ? 'infinity' : 5000);
  if (!isShutdown(stop))
    throw new BadArgError(
      fn,
      `${argument}.shutdown`,
      `${where}: expected 'brutal_kill', 'infinity' or whole ms from 0 to ${MAX_TIMEOUT}, got ${show(stop)}`,
    );
  if (
    modules !== undefined &&
    modules !== 'dynamic' &&
    !(Array.isArray(modules) && modules.every((m) => typeof m === 'string'))
  )
    throw new BadArgError(fn, `${argument}.modules`, `${where}: expected 'dynamic' or an array of strings`);
  return {
    id,
    start: start as StartFunction<readonly never[]>,
    restart: restart as RestartType,
    shutdown: stop === Infinity ? 'infinity' : stop,
    type: type as ChildType,
    ...(modules === undefined ? {} : { modules: modules as FullChildSpec['modules'] }),
  };
}

function isShutdown(value: unknown): value is Shutdown {
  if (value === 'brutal_kill' || value === 'infinity' || value === Infinity) return true;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_TIMEOUT;
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Pid);
}
