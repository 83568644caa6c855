import type { Pid } from './ids.js';

/**
 * The errors the runtime throws. Each is a class so callers can tell them
 * apart with `instanceof`, and each carries the Erlang term it stands for.
 */

/**
 * A call was made with an argument it cannot take: Erlang's `badarg`.
 * `argument` names the offending argument so the message can be acted on.
 * It is thrown at the call, before anything happens.
 *
 * @example
 * ```ts
 * try {
 *   send('nobody', 'hello'); // Erlang: nobody ! hello raises badarg
 * } catch (err) {
 *   if (!(err instanceof BadArgError)) throw err;
 *   console.log(err.fn, err.argument, err.code); // send dest badarg
 * }
 * ```
 */
export class BadArgError extends TypeError {
  /** Always `'BadArgError'`: what stack traces and `util.inspect` show. */
  override readonly name = 'BadArgError';
  /** Always `'badarg'`, Erlang's name for this error. */
  readonly code = 'badarg' as const;
  constructor(
    /** The function that was called, e.g. `'register'`. */
    readonly fn: string,
    /** The argument that was wrong, e.g. `'name'`. */
    readonly argument: string,
    detail: string,
  ) {
    super(`${fn}: bad argument '${argument}': ${detail}`);
  }
}

/**
 * Thrown to unwind a process's code: by `exit(reason)` (Erlang's `exit/1`),
 * and by any runtime call made by a process that has already died (for example
 * one killed while it was awaiting something else). If it escapes the process
 * function, the process exits with `reason`. `run` rejects with one when its
 * process is killed or exits.
 *
 * @example
 * ```ts
 * try {
 *   exit(['shutdown', 'done']); // Erlang: catch exit({shutdown, done})
 * } catch (err) {
 *   if (!(err instanceof ProcessExit)) throw err;
 *   console.log(err.reason); // [ 'shutdown', 'done' ]: caught, the process goes on
 * }
 * const reason = await run(() => exit('bye')).catch((err: unknown) => err instanceof ProcessExit && err.reason);
 * // 'bye'
 * ```
 */
export class ProcessExit extends Error {
  /** `'ProcessExit'`, or the name of the subclass (`'ReceiveTimeout'`, `'NoProcError'`). */
  override readonly name: string = 'ProcessExit';
  constructor(
    /** The exit reason, any term. */
    readonly reason: unknown,
    message?: string,
  ) {
    super(message ?? `process exit: ${describeReason(reason)}`);
  }

  /**
   * The error that unwinds a dead process's code. It carries no stack: the
   * stack would only show the runtime's own frames, and capturing one is
   * most of the cost of a kill.
   */
  static unwinding(reason: unknown): ProcessExit {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new ProcessExit(reason);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/**
 * Thrown by `receive(patterns, timeoutMs)` when nothing matched in time and no
 * `after` outcome was given. Uncaught, the process exits with reason `'timeout'`,
 * as Erlang code that says `after 1000 -> exit(timeout)`.
 *
 * @example
 * ```ts
 * try {
 *   await receive([['reply', _]], 100);
 * } catch (err) {
 *   if (!(err instanceof ReceiveTimeout)) throw err;
 *   console.log(err.timeoutMs, err.reason); // 100 timeout
 * }
 * ```
 */
export class ReceiveTimeout extends ProcessExit {
  /** Always `'ReceiveTimeout'`. */
  override readonly name = 'ReceiveTimeout';
  constructor(
    /** The timeout the receive was given, in milliseconds. */
    readonly timeoutMs: number,
  ) {
    super('timeout', `receive timed out after ${timeoutMs} ms`);
  }
}

/**
 * Thrown by `link(pid)` when `pid` is not alive and the caller does not trap
 * exits. Erlang's `link/1` raises `noproc` as an ordinary exception there:
 * `catch link(Dead)` returns and the process goes on; uncaught, the process
 * exits with reason `'noproc'`. (A caller that traps exits gets
 * `['EXIT', pid, 'noproc']` instead, and `link` returns true.)
 *
 * @example
 * ```ts
 * const [dead, ref] = spawnMonitor(() => {});
 * await receive([['DOWN', ref, 'process', dead, _]]);
 * try {
 *   link(dead); // Erlang: catch link(Dead) is {'EXIT', {noproc, ...}}
 * } catch (err) {
 *   if (!(err instanceof NoProcError)) throw err;
 *   console.log(err.pid === dead, err.reason); // true noproc
 * }
 * ```
 */
export class NoProcError extends ProcessExit {
  /** Always `'NoProcError'`. */
  override readonly name = 'NoProcError';
  constructor(
    /** The pid that was not alive. */
    readonly pid: Pid,
    /** The function that needed it alive. */
    fn = 'link',
  ) {
    super('noproc', `${fn}: ${pid} is not alive (noproc)`);
  }
}

/**
 * The exit reason a process gets when its function throws `thrown`: a
 * `ProcessExit`'s own reason (`exit(reason)`, a failed `call`, ...), else
 * `['error', thrown]`, keeping the error object and its stack. For code
 * that catches what a process's code threw and must report it as the
 * runtime would (beamish/otp's behaviours, the shell).
 *
 * ```ts
 * exitReasonOf(new ProcessExit('shutdown')); // 'shutdown'
 * exitReasonOf(new Error('boom')); // ['error', Error: boom]
 * ```
 */
export function exitReasonOf(thrown: unknown): unknown {
  return thrown instanceof ProcessExit ? thrown.reason : ['error', thrown];
}

function describeReason(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (Array.isArray(reason) && reason[0] === 'error' && reason[1] instanceof Error) {
    return `error: ${reason[1].message}`;
  }
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}

/**
 * A process called `receive` while another of its receives was still
 * waiting (two receives awaited at once, with `Promise.all` say). An Erlang
 * process runs one receive at a time; so does a beamish process. Nothing is
 * wrong with the arguments, so this is not a BadArgError.
 *
 * @example
 * ```ts
 * const first = receive([['a', _]]);
 * const second = await receive([['b', _]]).catch((err: unknown) => err); // rejected at once:
 * console.log(second instanceof ConcurrentReceiveError); // true: `first` is still waiting
 * send(self(), ['a', 1]);
 * await first; // [ 'a', 1 ]
 * ```
 */
export class ConcurrentReceiveError extends Error {
  /** Always `'ConcurrentReceiveError'`. */
  override readonly name = 'ConcurrentReceiveError';
  /** Always `'concurrent_receive'`, for code that tells errors apart by code. */
  readonly code = 'concurrent_receive' as const;
  constructor(
    /** The process that is already waiting. */
    readonly pid: Pid,
  ) {
    super(`${pid} is already waiting in another receive: a process runs one receive at a time; await it first`);
  }
}
