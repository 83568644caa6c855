import type { Pid } from './ids.js';

/**
 * The errors the runtime throws. Each is a class so callers can tell them
 * apart with `instanceof`, and each carries the Erlang term it stands for.
 */

/**
 * A call was made with an argument it cannot take: Erlang's `badarg`.
 * `argument` names the offending argument so the message can be acted on.
 */
export class BadArgError extends TypeError {
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
 * function, the process exits with `reason`.
 */
export class ProcessExit extends Error {
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
 */
export class ReceiveTimeout extends ProcessExit {
  override readonly name = 'ReceiveTimeout';
  constructor(readonly timeoutMs: number) {
    super('timeout', `receive timed out after ${timeoutMs} ms`);
  }
}

/**
 * Thrown by `link(pid)` when `pid` is not alive and the caller does not trap
 * exits. Erlang's `link/1` raises `noproc` as an ordinary exception there:
 * `catch link(Dead)` returns and the process goes on; uncaught, the process
 * exits with reason `'noproc'`. (A caller that traps exits gets
 * `['EXIT', pid, 'noproc']` instead, and `link` returns true.)
 */
export class NoProcError extends ProcessExit {
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
 */
export class ConcurrentReceiveError extends Error {
  override readonly name = 'ConcurrentReceiveError';
  readonly code = 'concurrent_receive' as const;
  constructor(
    /** The process that is already waiting. */
    readonly pid: Pid,
  ) {
    super(`${pid} is already waiting in another receive: a process runs one receive at a time; await it first`);
  }
}
