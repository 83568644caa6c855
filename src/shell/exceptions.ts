import { types } from 'node:util';
import { ProcessExit } from '../runtime/index.js';
import { formatValue } from './writer.js';

/**
 * What the shell prints for an exception raised by a line, in the shape of
 * Erlang's shell (checked with erl 13.1.5, OTP 25), each value as the shell
 * prints any value (`formatValue`, that is formatTerm's notation):
 *
 * - `exit(boom)` prints `** exception exit: boom`: here, any `ProcessExit`
 *   (`exit(reason)`, a `receive` that timed out, a process killed while it
 *   waited), with its exit reason;
 * - `erlang:error(foo)` prints `** exception error: foo`: here, a thrown
 *   Error, in formatTerm's notation for errors: `#TypeError<message>`;
 * - `throw(bar)` prints `** exception throw: bar`: here, any other thrown
 *   value, as JavaScript's `throw 'bar'` is Erlang's throw.
 *
 * ```ts
 * exceptionReport(new ProcessExit('boom')); // '** exception exit: boom'
 * exceptionReport(new TypeError('x is not a function')); // '** exception error: #TypeError<x is not a function>'
 * ```
 */
export function exceptionReport(thrown: unknown): string {
  if (thrown instanceof ProcessExit) return exitReport(thrown.reason);
  if (isErrorLike(thrown)) return `** exception error: ${formatValue(thrown)}`;
  return `** exception throw: ${formatValue(thrown)}`;
}

/**
 * `** exception exit: Reason`, for a shell process that died with `reason`.
 * A crash reason, `['error', err]`, prints as its error alone: it is
 * beamish's `{Reason, Stack}`, which erl's shell prints without the stack
 * (a linked process's `erlang:error(asked_to_die)` arriving during a line
 * prints `** exception exit: asked_to_die`).
 */
export function exitReport(reason: unknown): string {
  return `** exception exit: ${formatValue(withoutStack(reason))}`;
}

/**
 * What erl prints when its evaluator process is killed while it waits for
 * the next line (`exit(ShellPid, boom)` from another process, or a linked
 * process that crashed): the reason as an error, `** exception error: boom`,
 * though the same kill during a line prints `** exception exit: boom`; a
 * crash reason without its stack, as in `exitReport`. Checked with erl
 * 13.1.5 (OTP 25).
 */
export function idleDeathReport(reason: unknown): string {
  return `** exception error: ${formatValue(withoutStack(reason))}`;
}

/** The error of a crash reason `['error', err]`; any other reason as it is. */
function withoutStack(reason: unknown): unknown {
  return Array.isArray(reason) && reason.length === 2 && reason[0] === 'error' && isErrorLike(reason[1])
    ? reason[1]
    : reason;
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
