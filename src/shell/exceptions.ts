import { types } from 'node:util';
import { formatTerm, ProcessExit } from '../runtime/index.js';

/**
 * What the shell prints for an exception raised by a line, in the shape of
 * Erlang's shell (checked with erl 13.1.5, OTP 25):
 *
 * - `exit(boom)` prints `** exception exit: boom`: here, any `ProcessExit`
 *   (`exit(reason)`, a `receive` that timed out, a process killed while it
 *   waited), with its exit reason;
 * - `erlang:error(foo)` prints `** exception error: foo`: here, a thrown
 *   Error, shown as its name and message;
 * - `throw(bar)` prints `** exception throw: bar`: here, any other thrown
 *   value, as JavaScript's `throw 'bar'` is Erlang's throw.
 *
 * ```ts
 * exceptionReport(new ProcessExit('boom')); // '** exception exit: boom'
 * ```
 */
export function exceptionReport(thrown: unknown): string {
  if (thrown instanceof ProcessExit) return exitReport(thrown.reason);
  if (isErrorLike(thrown)) return `** exception error: ${thrown.name}: ${thrown.message}`;
  return `** exception throw: ${formatTerm(thrown)}`;
}

/** `** exception exit: Reason`, for a shell process that died with `reason`. */
export function exitReport(reason: unknown): string {
  return `** exception exit: ${formatTerm(reason)}`;
}

/**
 * What erl prints when its evaluator process is killed while it waits for
 * the next line (`exit(ShellPid, boom)` from another process): the reason as
 * an error, `** exception error: boom`, though the same kill during a line
 * prints `** exception exit: boom`. Checked with erl 13.1.5 (OTP 25).
 */
export function idleDeathReport(reason: unknown): string {
  return `** exception error: ${formatTerm(reason)}`;
}

/**
 * A line that does not parse never reaches the shell process, as in Erlang
 * (`* 1:3: syntax error before: '+'`): one line, and the same pid after it.
 */
export function syntaxReport(error: unknown): string {
  const message = isErrorLike(error) ? error.message : String(error);
  return `* syntax error: ${message}`;
}

function isErrorLike(value: unknown): value is Error {
  return types.isNativeError(value) || value instanceof Error;
}
