import { actor } from './context.js';
import { addDeadline, MAX_DELAY } from './deadlines.js';
import { BadArgError, ConcurrentReceiveError, ReceiveTimeout } from './errors.js';
import { type Cancellable, setLongTimeout } from './long-timeout.js';
import type { Taken } from './mailbox.js';
import { _, type Matched } from './pattern.js';
import { type Proc, TIMED_OUT } from './process.js';
import { assertTimeout, describe } from './validate.js';

/**
 * Selective receive, as Erlang's `receive ... after ... end`.
 *
 * The mailbox is looked at oldest first; for each message the clauses are
 * tried in order; the first message that matches any clause is removed and
 * returned (or given to that clause's handler, whose result is returned).
 * Messages that match nothing stay queued, in order. When nothing matches,
 * the process waits, and each message that arrives meanwhile is tested once,
 * as it arrives.
 */

/**
 * A pattern with a handler: Erlang's `Pattern -> Body`. Made by `on`; a
 * clause is a value, so a receive loop can build one once and reuse it.
 *
 * @example
 * ```ts
 * const stop: Clause<'stop', 'stopped'> = on('stop', () => 'stopped' as const);
 * const next = await receive([on(['job', anyNumber], ([, n]) => n), stop]); // number | 'stopped'
 * ```
 */
export class Clause<T = unknown, R = unknown> {
  /** @internal */
  constructor(
    /** The pattern a message must match for this clause to take it. */
    readonly pattern: unknown,
    /** Called with the matched message; what it returns (awaited) is what `receive` returns. */
    readonly handler: (message: T) => R,
  ) {}
}

/**
 * A clause whose handler gets the matched message, typed from the pattern.
 * A receive with handlers returns what the handler of the clause that
 * matched returns.
 *
 * @example
 * ```ts
 * // Erlang: receive {add, A, B} -> A + B; zero -> 0 end
 * const total = await receive([on(['add', anyNumber, anyNumber], ([, a, b]) => a + b), on('zero', () => 0)]);
 * // total: number
 * ```
 */
export function on<const P, R>(pattern: P, handler: (message: Matched<P>) => R): Clause<Matched<P>, R> {
  if (typeof handler !== 'function') throw new BadArgError('on', 'handler', 'expected a function');
  return new Clause(pattern, handler as (message: unknown) => R);
}

/** What a list of clauses yields: a handler's result, or the matched message. */
export type Received<Cs extends readonly unknown[]> = Cs[number] extends infer C
  ? C extends Clause<infer _T, infer R>
    ? Awaited<R>
    : Matched<C>
  : never;

/**
 * Waits for the first message that matches one of `clauses`.
 * - `timeoutMs` omitted or `Infinity`: waits forever.
 * - `timeoutMs` 0: looks once and does not wait.
 * - On timeout, with no `after`: rejects with `ReceiveTimeout` (uncaught, the
 *   process exits with reason `'timeout'`).
 * - On timeout, with `after`: resolves with `after()` if it is a function,
 *   else with `after` itself (Erlang's `after T -> Body`).
 *
 * `clauses` is always a list of clauses: `receive([['ping', _]])` waits for
 * one tuple pattern; `receive(['ping', 'pong'])` for the atom `'ping'` or
 * the atom `'pong'`. A list that starts with a bare string and holds a bare
 * wildcard, matcher, pid, number or object (`receive(['ping', _])`) is the
 * outer list forgotten, and is refused with BadArgError; so is a clause
 * after `_`, which could never match.
 *
 * @example
 * ```ts
 * // Erlang: receive {ping, From} -> From ! pong end
 * const [, from] = await receive([['ping', anyPid]]);
 * send(from, 'pong');
 *
 * // Erlang: receive {add, N} -> N; stop -> 0 after 1000 -> timeout end
 * const outcome = await receive([on(['add', anyNumber], ([, n]) => n), on('stop', () => 0)], 1000, 'timeout');
 * // outcome: number | 'timeout'
 * ```
 */
export function receive<const Cs extends readonly unknown[]>(clauses: Cs, timeoutMs?: number): Promise<Received<Cs>>;
export function receive<const Cs extends readonly unknown[], A>(
  clauses: Cs,
  timeoutMs: number,
  after: () => A,
): Promise<Received<Cs> | Awaited<A>>;
export function receive<const Cs extends readonly unknown[], const A>(
  clauses: Cs,
  timeoutMs: number,
  after: A,
): Promise<Received<Cs> | A>;
export function receive(clauses: readonly unknown[], timeoutMs?: number, after?: unknown): Promise<unknown> {
  try {
    // `after` given as undefined is a value to return; absent means throw.
    // arguments.length tells the two apart without the array a rest
    // parameter would allocate on every receive.
    // biome-ignore lint/complexity/noArguments: see above
    return receiveIn(actor(), clauses, timeoutMs, arguments.length > 2, after);
  } catch (err) {
    return Promise.reject(err);
  }
}

// Reused by every receive that finds its message at once: no allocation.
const taken: Taken = { message: undefined, index: -1 };

function receiveIn(
  proc: Proc,
  clauses: readonly unknown[],
  timeoutMs: number | undefined,
  hasAfter: boolean,
  after: unknown,
): Promise<unknown> {
  const patterns = isOneTuple(clauses) ? clauses : patternsOf(clauses);
  const timeout = timeoutMs ?? Infinity;
  if (timeout !== Infinity) assertTimeout('receive', 'timeoutMs', timeout);
  const box = proc.mailbox;
  if (box !== undefined && box.size !== 0 && box.take(patterns, taken)) {
    proc.received++;
    const message = taken.message;
    taken.message = undefined;
    return patterns === clauses ? Promise.resolve(message) : handle(clauses[taken.index], message);
  }
  if (timeout === 0) return timedOut(0, hasAfter, after);
  if (proc.waitPatterns !== undefined) {
    throw new ConcurrentReceiveError(proc.pid);
  }
  // Suspending on an empty mailbox: it goes, and the next message that has
  // to wait makes a new one (`deliver`). A mailbox that queued a message
  // once keeps its record and its array's room for 17 messages, about 280
  // bytes, for as long as the process lives; a server or a connection that
  // waits idle most of its life need not hold them. Once per suspension,
  // which already costs a promise and its two resolving functions.
  if (box !== undefined && box.size === 0) proc.mailbox = undefined;
  // The wait lives in fields of the process record; `deliver` settles it.
  // The executor is a closure written here so that the optimizer inlines
  // it and allocates neither it nor its context (a shared function stored
  // in module variables measured slower: it is called, not inlined).
  const promise = new Promise<unknown>((resolve, reject) => {
    proc.waitResolve = resolve;
    proc.waitReject = reject;
  });
  proc.waitPatterns = patterns;
  proc.waitIndex = -1;
  if (timeout !== Infinity) proc.waitTimer = armTimeout(proc, timeout, hasAfter);
  if (patterns === clauses && !hasAfter) return promise;
  // A handler or an `after` needs the index of the clause that matched (or
  // TIMED_OUT). It is read as the receive resolves, into this closure:
  // `waitIndex` may belong to a later receive by the time `then` runs.
  let index = -1;
  const resolve = proc.waitResolve as (message: unknown) => void;
  proc.waitResolve = (message) => {
    index = proc.waitIndex;
    resolve(message);
  };
  // Runs in this process's context, since `then` is called here.
  return promise.then((message) =>
    index === TIMED_OUT ? timedOut(timeout, true, after) : handle(clauses[index], message),
  );
}

/** The timer of a receive that waits at most `timeout` ms. */
function armTimeout(proc: Proc, timeout: number, hasAfter: boolean): Cancellable {
  const arm = timeout <= MAX_DELAY ? addDeadline : setLongTimeout;
  const timer = arm(timeout, () => {
    // A timer is cancelled when its receive ends; this is the safety net.
    if (proc.waitTimer !== timer) return;
    const resolve = proc.waitResolve as (message: unknown) => void;
    const reject = proc.waitReject as (error: unknown) => void;
    proc.endWait();
    proc.waitIndex = TIMED_OUT;
    if (hasAfter) resolve(undefined);
    else reject(new ReceiveTimeout(timeout));
  });
  return timer;
}

/**
 * Whether `clauses` is one tuple pattern (`receive([['pong', _]])`), as most
 * receives are: nothing to refuse and no handler, so the list is its own
 * patterns. Small enough to be inlined where `patternsOf`, with its error
 * messages, is called (that call was a twentieth of a ping-pong).
 */
function isOneTuple(clauses: readonly unknown[]): boolean {
  return Array.isArray(clauses) && clauses.length === 1 && Array.isArray(clauses[0]);
}

/**
 * The patterns of `clauses`; the same array when there are no handlers.
 * Refuses the two clause lists that cannot mean what they say:
 * - a clause after one that matches every message (`_`) can never match
 *   (Erlang's compiler warns of it);
 * - a list that starts with a bare string and holds a bare clause that is
 *   neither a string nor a tuple (a wildcard, a matcher, a pid, a number, an
 *   object) reads as a tuple pattern that lost its outer brackets:
 *   `receive(['ping', pid, _])` would otherwise take any message at all.
 *   Written as meant, it is `receive([['ping', pid, _]])`; separate clauses
 *   of those kinds say so with `on()`.
 */
function patternsOf(clauses: readonly unknown[]): readonly unknown[] {
  if (!Array.isArray(clauses)) {
    throw new BadArgError('receive', 'clauses', `expected an array of patterns, got ${describe(clauses)}`);
  }
  const n = clauses.length;
  const tagged = n > 1 && typeof clauses[0] === 'string';
  let patterns: unknown[] | undefined;
  for (let i = 0; i < n; i++) {
    const c: unknown = clauses[i];
    let pattern: unknown;
    if (typeof c === 'string' || Array.isArray(c)) {
      // An atom or a tuple: a pattern, never `_`, never refused.
      pattern = c;
    } else if (c instanceof Clause) {
      patterns ??= clauses.slice(0, i);
      pattern = c.pattern;
    } else {
      if (typeof c === 'function') {
        throw new BadArgError('receive', 'clauses', 'a function is not a pattern; use guard(fn) or on(pattern, fn)');
      }
      if (tagged) throw untupled(clauses, i);
      pattern = c;
    }
    if (pattern === _ && i < n - 1) {
      throw new BadArgError(
        'receive',
        `clauses[${i + 1}]`,
        `can never match: clauses[${i}] is _, which matches every message before it; put it last`,
      );
    }
    patterns?.push(pattern);
  }
  return patterns ?? clauses;
}

function untupled(clauses: readonly unknown[], i: number): BadArgError {
  const shown = clauses.map((c) => (typeof c === 'string' ? `'${c}'` : c === _ ? '_' : describe(c))).join(', ');
  return new BadArgError(
    'receive',
    `clauses[${i}]`,
    `[${shown}] reads as one tuple pattern without its outer list, and would take any message; ` +
      `write receive([[${shown}]]) for that pattern, or wrap separate clauses with on()`,
  );
}

/** What a matched clause yields: its handler's result, or the message for a bare pattern. */
function apply(clause: unknown, message: unknown): unknown {
  return clause instanceof Clause ? clause.handler(message) : message;
}

function handle(clause: unknown, message: unknown): Promise<unknown> {
  try {
    return Promise.resolve(apply(clause, message));
  } catch (err) {
    return Promise.reject(err);
  }
}

function timedOut(timeout: number, hasAfter: boolean, after: unknown): Promise<unknown> {
  if (!hasAfter) return Promise.reject(new ReceiveTimeout(timeout));
  if (typeof after !== 'function') return Promise.resolve(after);
  try {
    return Promise.resolve((after as () => unknown)());
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * `receive(clauses, 0, ifNone)` without the wait for a promise: takes the
 * first message that matches now and returns it (or its handler's result),
 * else returns `ifNone`. Erlang has no need of it, since a receive that
 * finds its message does not yield; in JavaScript every `await` does, so a
 * process that drains a batch of queued messages uses this to take them one
 * after another in the same turn.
 *
 * @example
 * ```ts
 * // Take every ['data', Buffer] queued now, without yielding between them.
 * const chunks: Buffer[] = [];
 * let m = receiveNow([['data', anyBuffer]]); // ['data', Buffer] | undefined
 * while (m !== undefined) {
 *   chunks.push(m[1]);
 *   m = receiveNow([['data', anyBuffer]]);
 * }
 * ```
 */
export function receiveNow<const Cs extends readonly unknown[], const N = undefined>(
  clauses: Cs,
  ifNone?: N,
): SyncReceived<Cs> | N {
  const proc = actor();
  const patterns = isOneTuple(clauses) ? clauses : patternsOf(clauses);
  if (!proc.mailbox?.take(patterns, taken)) return ifNone as N;
  proc.received++;
  const message = taken.message;
  taken.message = undefined;
  return apply(clauses[taken.index], message) as SyncReceived<Cs>;
}

/** What `receiveNow` yields: a handler's result (not awaited), or the matched message. */
export type SyncReceived<Cs extends readonly unknown[]> = Cs[number] extends infer C
  ? C extends Clause<infer _T, infer R>
    ? R
    : Matched<C>
  : never;

/**
 * Empties the running process's mailbox and returns what it held, oldest
 * first: the Erlang shell's `flush()`, which prints them instead.
 *
 * @example
 * ```ts
 * send(self(), 'a');
 * send(self(), ['b', 1]);
 * flush(); // [ 'a', [ 'b', 1 ] ]; the mailbox is empty now
 * ```
 */
export function flush(): unknown[] {
  const proc = actor();
  const all = proc.mailbox?.drain() ?? [];
  proc.received += all.length;
  return all;
}

/**
 * Suspends the running process for `ms` milliseconds, leaving its mailbox
 * alone: Erlang's `timer:sleep/1`, i.e. `receive after Ms -> ok end`.
 *
 * @example
 * ```ts
 * await sleep(100); // Erlang: timer:sleep(100); messages that arrive meanwhile stay queued
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return receive([], ms, undefined);
}
