import { inspect } from 'node:util';

/**
 * Pids and refs: opaque values compared by identity, printed the way Erlang
 * prints them so logs read the same as an Erlang shell's.
 */

const inspectSymbol = inspect.custom;

/** Where a pid keeps its process record; not exported from the package. */
export const PROC: unique symbol = Symbol('beamish.proc');

/** Marks the message type a pid accepts; exists only in the type system. */
declare const messageType: unique symbol;

let nextPid = 1;

/**
 * A process identifier. `Pid<M>` says the process accepts messages of type `M`,
 * so `send(pid, msg)` can be checked; a plain `Pid` accepts anything. Pids
 * are compared by identity (`===`, and in patterns), and print as Erlang
 * prints them. `spawn` makes them; code never constructs one.
 *
 * @example
 * ```ts
 * const worker: Pid<readonly ['job', number]> = spawn(() => receive([['job', anyNumber]]));
 * send(worker, ['job', 1]); // checked against the pid's type
 * String(worker); // e.g. '<0.42.0>', as Erlang prints a pid
 * const any: Pid = worker; // a typed pid goes wherever a plain one is taken
 * ```
 */
export class Pid<M = unknown> {
  /**
   * Exists only in the type system: the messages the process accepts.
   * Covariant on purpose: a `Pid<Msg>` can be passed wherever a plain `Pid`
   * is taken.
   */
  declare readonly [messageType]?: M;
  /**
   * @internal The process record while the process lives; once it has died,
   * a shared record of the dead, so that a pid kept in a message, a map or a
   * closure keeps nothing of the process alive (see `Proc.die`).
   */
  [PROC]: unknown;
  /** The serial number Erlang shows as the middle of `<0.N.0>`. */
  readonly serial: number;

  /** @internal */
  constructor(proc: unknown, serial = nextPid++) {
    this[PROC] = proc;
    this.serial = serial;
  }

  /**
   * `<0.N.0>`, as Erlang prints a pid of its own node; `util.inspect` and
   * `formatTerm` show the same. (A pid of another node prints its node's index first: `<1.85.0>`.)
   */
  toString(): string {
    return `<0.${this.serial}.0>`;
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}

let refCounter = 0;

/**
 * A unique reference, as made by Erlang's `make_ref()`: a value nothing
 * else equals, compared by identity. `makeRef`, `monitor`, `alias` and the
 * timers make them.
 *
 * @example
 * ```ts
 * const ref = makeRef();
 * String(ref); // e.g. '#Ref<0.0.0.7>', as Erlang prints a reference
 * console.log(ref === makeRef()); // false: every ref is new
 * ```
 */
export class Ref {
  /**
   * The number that tells this ref from the others of this node, counted
   * up from 1; `toString` shows it in the shape of Erlang's `#Ref<...>`.
   */
  readonly serial: number;
  /**
   * @internal While the ref is an active alias (see aliases.ts): the pid of
   * the process it leads to. A field rather than a WeakMap entry: a call
   * makes and ends one alias per request.
   */
  aliasOf: Pid | undefined = undefined;
  /** @internal The alias ends when its monitor does (`alias: 'demonitor'`). */
  aliasEndsWithMonitor = false;

  /**
   * @internal `serial` is given only for a ref of another node
   * (runtime/external.ts), which prints itself; others count up.
   */
  constructor(serial = ++refCounter) {
    this.serial = serial;
  }

  /** `#Ref<0.A.B.C>`, the shape in which Erlang prints a reference; `util.inspect` shows the same. */
  toString(): string {
    // Erlang spreads a ref's 82 bits over three words; ours is one counter,
    // shown in the same shape.
    const n = this.serial;
    return `#Ref<0.${Math.floor(n / 2 ** 32)}.${(n >>> 16) & 0xffff}.${n & 0xffff}>`;
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}

/**
 * Returns a new unique reference (Erlang's `make_ref/0`): the tag that tells
 * the reply to one request from every other message.
 *
 * @example
 * ```ts
 * const server = spawn(async () => {
 *   const [, from, tag] = await receive([['ping', anyPid, anyRef]]);
 *   send(from, ['pong', tag]);
 * });
 * const tag = makeRef(); // Erlang: Tag = make_ref(), Server ! {ping, self(), Tag}
 * send(server, ['ping', self(), tag]);
 * await receive([['pong', tag]]); // only the reply to this request matches
 * ```
 */
export function makeRef(): Ref {
  return new Ref();
}
