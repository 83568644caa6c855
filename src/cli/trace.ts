/**
 * `--trace`: the Gun connection process at work. Its sends, receives and
 * process events go to a tracer (beamish/otp's startTracer) that prints
 * them on stderr as Erlang's dbg does, so stdout keeps only the messages
 * the owner gets.
 */
import * as gun from '../gun/index.js';
import { startTracer } from '../otp/index.js';
import { _, monitor, type Pid, receive, send, trace } from '../runtime/index.js';

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
 * const drained = traceConnection(conn); // stderr: (<0.3.0>) <0.1.0> ! {gun_up,<0.3.0>,http} ...
 * // ... and before exiting: await drained();
 */
export function traceConnection(
  conn: gun.ConnPid,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): () => Promise<void> {
  const tracer = startTracer({ write, format: gun.formatGunMessage });
  trace(conn, true, ['send', 'receive', 'procs'], { tracer });
  return () => drain(tracer);
}

/**
 * Lets the tracer print what it was sent, then stops it: the command calls
 * this before it exits, or the trace's last lines (sent in the same turn as
 * the message that ends the command) would be lost. At most 1 s.
 */
async function drain(tracer: Pid): Promise<void> {
  const mref = monitor('process', tracer);
  send(tracer, 'stop');
  await receive([['DOWN', mref, 'process', tracer, _]], 1000).catch(() => undefined);
}

/** No tracer: nothing to wait for. */
export const untraced = (): Promise<void> => Promise.resolve();
