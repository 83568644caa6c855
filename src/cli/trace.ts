/**
 * `--trace`: the Gun connection process at work. Its sends, receives and
 * process events go to a tracer (beamish/otp's startTracer) that prints
 * them on stderr as Erlang's dbg does, so stdout keeps only the messages
 * the owner gets.
 */
import * as gun from '../gun/index.js';
import { startTracer } from '../otp/index.js';
import { trace } from '../runtime/index.js';

/**
 * Traces `conn` from its first step: `gun.open` starts the connection
 * process after the current turn, so tracing it right after `open` misses
 * nothing. The lines look like `(<0.3.0>) << {ws_send,...}`; the messages
 * print as the owner's printer prints them (`gun.formatGunMessage`), so a
 * message the connection sends reads the same in the trace as on stdout.
 * Lines go to `write` (default: stderr).
 *
 * @example
 * const conn = gun.open('127.0.0.1', 8080);
 * traceConnection(conn); // stderr: (<0.3.0>) <0.1.0> ! {gun_up,<0.3.0>,http} ...
 */
export function traceConnection(
  conn: gun.ConnPid,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): void {
  const tracer = startTracer({ write, format: gun.formatGunMessage });
  trace(conn, true, ['send', 'receive', 'procs'], { tracer });
}
