import { inspect, types } from 'node:util';
import { formatGunMessage } from '../gun/index.js';
import { ErlangList, Pid, Ref } from '../runtime/index.js';

/**
 * How the shell prints a term, wherever it prints one (a result, `Shell got
 * ...`, an exception): in formatTerm's notation, and a Gun message as
 * `gun.formatGunMessage` prints it, the way `beamish get`, `--trace` and
 * Erlang's Gun show it (`[{<<"transfer-encoding">>,<<"chunked">>}]`,
 * `{text,<<"hi">>}`). formatGunMessage is formatTerm for anything that is
 * not a Gun message.
 *
 * ```ts
 * formatValue(['ok', 1]); // '{ok,1}'
 * ```
 */
export function formatValue(term: unknown): string {
  return formatGunMessage(term);
}

/**
 * Text the shell prints in place of a result: an exception report. The REPL
 * prints whatever the evaluator hands back through its writer, so a report
 * goes through the same path as a value and comes out in the same place.
 *
 * ```ts
 * showResult(new ShellReport('** exception error: bad argument')); // the text, as it is
 * ```
 */
export class ShellReport {
  constructor(
    /** The text, printed as it is. */
    readonly text: string,
  ) {}
}

/**
 * Shows a result the way Erlang's shell does, in Erlang's notation
 * (`formatValue`): `2`, `<0.5.0>`, `{ok,1}`, `<<"text">>`, `#{a => 1}`,
 * `#Error<boom>`.
 *
 * Values that are not terms (a Date, an instance of some class) have no
 * Erlang notation; `formatTerm` would print their own fields as a map, so
 * they are shown as Node shows them. A Map is a term: an Erlang map, as a
 * map from another node arrives. A Promise says to await it.
 *
 * ```ts
 * showResult(['ok', 1]); // '{ok,1}'
 * ```
 */
export function showResult(value: unknown): string {
  if (value instanceof ShellReport) return value.text;
  if (isTerm(value)) return formatValue(value);
  // A line that forgot its `await`: Node would show the runtime's insides
  // that the promise's async context holds.
  if (types.isPromise(value)) return '#Promise<not awaited: put await before it to see its value>';
  return inspect(value, { depth: 4 });
}

function isTerm(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value) || Buffer.isBuffer(value)) return true;
  if (value instanceof Pid || value instanceof Ref || value instanceof ErlangList) return true;
  if (types.isNativeError(value) || value instanceof Error || value instanceof Map) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
