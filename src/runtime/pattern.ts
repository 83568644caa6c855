import { BadArgError } from './errors.js';
import { Pid, Ref } from './ids.js';
import { describe } from './validate.js';

/**
 * Patterns for selective receive, and the types they match.
 *
 * A pattern is an ordinary value read as Erlang reads a pattern:
 * - strings, numbers, booleans, `null`, `undefined`, bigints match by `===`
 *   (so `'ok'` is the atom `ok`);
 * - a pid or ref matches only that same pid or ref;
 * - an array matches an array of exactly the same length, element by element
 *   (a tuple);
 * - a plain object matches a plain object (an Erlang map) that has at least
 *   its keys as its own, each matching; never an array (a tuple), a pid, a
 *   ref, a Buffer, a Map or a class instance, as Erlang's map patterns match
 *   only maps;
 * - a Buffer matches a Buffer (or Uint8Array) with the same bytes, as Erlang
 *   matches binaries by value;
 * - `_` matches anything; `anyString`, `anyNumber`, `anyBuffer`, ...,
 *   `instanceOf(C)` match by type; `guard(pred)` and `where(pattern, pred)`
 *   cover the rest;
 * - any other object (a class instance) matches only itself.
 */

const MATCHER: unique symbol = Symbol('beamish.matcher');

/** A pattern element that decides by code whether a value matches. */
export interface Matcher<T> {
  /** The test itself; only `match` calls it (its key is not exported). */
  readonly [MATCHER]: (value: unknown) => boolean;
  /** Shown in error messages and by `util.inspect`. */
  readonly description: string;
  /** Exists only in the type system: the type of the values it matches. */
  readonly __matches?: T;
}

function matcher<T>(description: string, test: (value: unknown) => boolean): Matcher<T> {
  return Object.freeze({
    [MATCHER]: test,
    description,
    [Symbol.for('nodejs.util.inspect.custom')]: () => description,
  }) as Matcher<T>;
}

/**
 * Matches anything (Erlang's `_`).
 *
 * @example
 * ```ts
 * const [, reason] = await receive([['stop', _]]); // Erlang: receive {stop, Reason} -> Reason end
 * ```
 */
export const _: Matcher<unknown> = matcher('_', () => true);
/**
 * Matches any string: an atom or a text in beamish, so Erlang's
 * `X when is_atom(X)` and `X when is_binary(X)` of text.
 *
 * @example
 * ```ts
 * const [, name] = await receive([['hello', anyString]]); // name: string
 * ```
 */
export const anyString: Matcher<string> = matcher('anyString', (v) => typeof v === 'string');
/**
 * Matches any number, NaN and the infinities included: Erlang's
 * `X when is_number(X)`. A bigint is not a number; see `anyBigint`.
 *
 * @example
 * ```ts
 * const [from, n] = await receive([[anyPid, anyNumber]]); // Erlang: receive {From, N} when is_pid(From), is_number(N)
 * send(from, n * 2);
 * ```
 */
export const anyNumber: Matcher<number> = matcher('anyNumber', (v) => typeof v === 'number');
/** Matches any bigint: Erlang's `X when is_integer(X)` for the integers a number cannot hold exactly. */
export const anyBigint: Matcher<bigint> = matcher('anyBigint', (v) => typeof v === 'bigint');
/** Matches `true` and `false`: Erlang's `X when is_boolean(X)`. */
export const anyBoolean: Matcher<boolean> = matcher('anyBoolean', (v) => typeof v === 'boolean');
/**
 * Matches any Buffer: Erlang's `X when is_binary(X)`. A plain Uint8Array
 * is not a Buffer and does not match.
 *
 * @example
 * ```ts
 * const [, bytes] = await receive([['data', anyBuffer]]); // bytes: Buffer
 * ```
 */
export const anyBuffer: Matcher<Buffer> = matcher('anyBuffer', (v) => Buffer.isBuffer(v));
/** Matches any pid, of this node or another: Erlang's `X when is_pid(X)`. */
export const anyPid: Matcher<Pid> = matcher('anyPid', (v) => v instanceof Pid);
/** Matches any ref (an alias or a monitor's ref included): Erlang's `X when is_reference(X)`. */
export const anyRef: Matcher<Ref> = matcher('anyRef', (v) => v instanceof Ref);
/**
 * Matches any array, of any length: Erlang's `X when is_tuple(X)`. An array
 * pattern matches only arrays of its own length; this one matches them all.
 */
export const anyArray: Matcher<readonly unknown[]> = matcher('anyArray', (v) => Array.isArray(v));

/**
 * Matches any instance of `ctor` (with `instanceof`), subclasses included;
 * Erlang has no classes, and matches records by their tag.
 *
 * @example
 * ```ts
 * const [, err] = await receive([['failed', instanceOf(Error)]]); // err: Error
 * console.log(err.message);
 * ```
 */
export function instanceOf<T>(ctor: abstract new (...args: never[]) => T): Matcher<T> {
  if (typeof ctor !== 'function') {
    throw new BadArgError('instanceOf', 'ctor', `expected a class, got ${describe(ctor)}`);
  }
  return matcher(`instanceOf(${ctor.name})`, (v) => v instanceof ctor);
}

/**
 * Matches any value for which `pred` returns true: a guard on one element.
 * A type guard narrows the matched type. As in Erlang, a guard that throws
 * does not match.
 *
 * @example
 * ```ts
 * const isEven = (v: unknown): v is number => typeof v === 'number' && v % 2 === 0;
 * const [, n] = await receive([['n', guard(isEven)]]); // Erlang: receive {n, N} when N rem 2 =:= 0; n: number
 * ```
 */
export function guard<T>(pred: (value: unknown) => value is T): Matcher<T>;
export function guard(pred: (value: unknown) => boolean): Matcher<unknown>;
export function guard(pred: (value: unknown) => boolean): Matcher<unknown> {
  if (typeof pred !== 'function') {
    throw new BadArgError('guard', 'pred', `expected a predicate function, got ${describe(pred)}`);
  }
  return matcher(`guard(${pred.name || 'fn'})`, (v) => holds(pred, v));
}

/**
 * Matches what `pattern` matches, when `pred` also holds for the matched
 * value: Erlang's `Pattern when Guard`. `pred` gets the message typed from
 * the pattern; as in Erlang, a guard that throws does not match.
 *
 * @example
 * ```ts
 * const big = await receive([where(['n', anyNumber], ([, n]) => n > 10)]); // Erlang: receive {n, N} when N > 10
 * // big: ['n', number]
 * ```
 */
export function where<const P>(pattern: P, pred: (value: Matched<P>) => boolean): Matcher<Matched<P>> {
  if (typeof pred !== 'function') {
    throw new BadArgError('where', 'pred', `expected a predicate function, got ${describe(pred)}`);
  }
  return matcher('where(...)', (v) => match(pattern, v) && holds(pred as (value: unknown) => boolean, v));
}

/**
 * Runs a guard. As in Erlang, a guard that raises an exception simply fails:
 * matching runs inside `send` when the receiver is waiting, and a user's
 * predicate must never make a send throw.
 */
function holds(pred: (value: unknown) => boolean, value: unknown): boolean {
  try {
    return pred(value) === true;
  } catch {
    return false;
  }
}

/** The type of the values a pattern matches. */
export type Matched<P> =
  P extends Matcher<infer T>
    ? T
    : P extends Pid | Ref | Buffer
      ? P
      : P extends readonly unknown[]
        ? { -readonly [K in keyof P]: Matched<P[K]> }
        : P extends string | number | boolean | bigint | null | undefined
          ? P
          : P extends object
            ? { [K in keyof P]: Matched<P[K]> }
            : P;

/**
 * Does `value` match `pattern`? The test `receive` applies to each message:
 * an array matches an array of its length, element by element; a plain
 * object, a plain object with at least its keys; a matcher, by its test;
 * anything else, by `===`. For filtering outside a receive.
 *
 * @example
 * ```ts
 * match(['ok', _], ['ok', 42]);                      // true
 * match({ status: 200 }, { status: 200, body: '' }); // true: a map pattern needs only its keys
 * match([anyString], ['a', 'b']);                    // false: a tuple of another size
 * ```
 */
export function match(pattern: unknown, value: unknown): boolean {
  // Split in three so that this part, which decides most tests, is small
  // enough to be inlined into the receive that calls it.
  if (pattern === value || pattern === _) return true;
  return Array.isArray(pattern) ? matchTuple(pattern, value) : matchOther(pattern, value);
}

/** An array pattern: an array of the same length, element by element. */
function matchTuple(pattern: readonly unknown[], value: unknown): boolean {
  if (!Array.isArray(value) || value.length !== pattern.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p: unknown = pattern[i];
    const v: unknown = value[i];
    // A literal tag, an equal pid or ref, `_`, and a literal that differs
    // (a message with another tag): the usual cases, decided without a call.
    if (p === v || p === _) continue;
    if (typeof p !== 'object' || p === null) {
      // A primitive matches only itself, NaN excepted (see matchOther).
      if (!Number.isNaN(p) || !Number.isNaN(v)) return false;
      continue;
    }
    if (!match(p, v)) return false;
  }
  return true;
}

function matchOther(pattern: unknown, value: unknown): boolean {
  if (typeof pattern !== 'object' || pattern === null) {
    // NaN is the one primitive that is not === itself; Erlang has no NaN, so
    // a NaN pattern matching a NaN value is the least surprising reading.
    return Number.isNaN(pattern) && Number.isNaN(value);
  }
  const test = (pattern as Partial<Matcher<unknown>>)[MATCHER];
  if (test !== undefined) return test(value);
  if (pattern instanceof Uint8Array) {
    return value instanceof Uint8Array && Buffer.compare(pattern, value) === 0;
  }
  if (isPlainObject(pattern)) {
    // Erlang's map pattern matches only a map, and only keys the map holds:
    // a plain object, with the key as its own (not `toString` from its
    // prototype). A JavaScript Map is not taken for one: beamish's maps are
    // plain objects (see formatTerm); use `where(instanceOf(Map), ...)`.
    if (typeof value !== 'object' || value === null || !isPlainObject(value)) return false;
    for (const key of Object.keys(pattern)) {
      if (!Object.hasOwn(value, key)) return false;
      if (!match((pattern as Record<string, unknown>)[key], (value as Record<string, unknown>)[key])) return false;
    }
    return true;
  }
  // Pids, refs and other class instances match only themselves (=== above).
  return false;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The literal tag of a pattern: the first element of an array pattern when it
 * is a string. The mailbox keeps an index by tag, so a receive whose patterns
 * all have tags never looks at messages with other tags.
 */
export function tagOf(pattern: unknown): string | undefined {
  if (Array.isArray(pattern) && pattern.length > 0) {
    const head: unknown = pattern[0];
    if (typeof head === 'string') return head;
  }
  return undefined;
}
