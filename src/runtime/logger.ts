import { BadArgError } from './errors.js';
import { errorStacks, formatTerm } from './format.js';
import type { Pid } from './ids.js';
import { describe } from './validate.js';

/**
 * Crash reports. When a process's function throws, the error is reported once
 * through the current logger, as Erlang's error logger reports a crashed
 * process; so is an error thrown by an abort listener of its `selfSignal()`. Exits asked for with `exit(reason)` and exits caused by signals are
 * not crashes and are not reported (Erlang does the same for plain processes).
 */

/** What a `Logger` is told of one crashed process. */
export interface CrashReport {
  /** The process that crashed. */
  readonly pid: Pid;
  /** Its registered name, if it had one. */
  readonly name: string | undefined;
  /** What was thrown. */
  readonly error: unknown;
  /**
   * The exit reason the process died with: `['error', error]` when its
   * function threw; the reason it was ending with (say `'killed'`) when the
   * error came from an abort listener of its `selfSignal()`.
   */
  readonly reason: unknown;
}

/**
 * Where crash reports go: `consoleLogger` until `setLogger` installs another.
 * Erlang's equivalent is a `logger` handler for crash reports.
 */
export interface Logger {
  /**
   * Called once for each crash, as the process dies (before its links and
   * monitors fire). What it throws is caught: the report then goes to
   * `consoleLogger`, with the logger's error.
   */
  crash(report: CrashReport): void;
}

/**
 * A crash report as text, in the shape of Erlang's: erl prints
 * `Error in process <0.83.0> with exit value:` and the exit value,
 * `{asked_to_die,[{shell,apply_fun,3,...}]}`; here the exit reason in
 * formatTerm's notation, `{error,#Error<asked to die>}`, then the stack of
 * the error thrown. What `consoleLogger` writes, and the shell.
 *
 * ```text
 * =ERROR REPORT====
 * Error in process <0.7.0> with exit value:
 * {error,#Error<asked to die>}
 * Error: asked to die
 *     at ...
 * ```
 */
export function formatCrashReport({ pid, name, error, reason }: CrashReport): string {
  const who = name === undefined ? String(pid) : `${pid} (${name})`;
  const stacks = errorStacks(error);
  return `=ERROR REPORT====\nError in process ${who} with exit value:\n${[formatTerm(reason), ...stacks].join('\n')}\n`;
}

/** Writes crash reports to stderr, in the shape of Erlang's (`formatCrashReport`). */
export const consoleLogger: Logger = {
  crash(report) {
    console.error(formatCrashReport(report));
  },
};

let current: Logger = consoleLogger;

/**
 * Replaces the logger; returns the one it replaces. A test that expects a
 * crash sets a logger that keeps the reports, then puts the old one back.
 *
 * @example
 * ```ts
 * const reports: CrashReport[] = [];
 * const previous = setLogger({ crash: (report) => void reports.push(report) });
 * const [child, ref] = spawnMonitor(() => {
 *   throw new Error('boom');
 * });
 * await receive([['DOWN', ref, 'process', child, _]]);
 * setLogger(previous);
 * console.log(reports.length, reports[0]?.pid === child); // 1 true
 * ```
 */
export function setLogger(logger: Logger): Logger {
  if (typeof logger !== 'object' || logger === null || typeof logger.crash !== 'function') {
    throw new BadArgError(
      'setLogger',
      'logger',
      `expected an object with a crash(report) method, got ${describe(logger)}`,
    );
  }
  const previous = current;
  current = logger;
  return previous;
}

/** Reports a crash; a logger that throws is not allowed to take the runtime down. */
export function reportCrash(report: CrashReport): void {
  try {
    current.crash(report);
  } catch (err) {
    try {
      consoleLogger.crash(report);
      console.error('beamish: the crash logger itself threw:', err);
    } catch {
      // Nothing left to report to.
    }
  }
}
