/**
 * What `beamish` prints: the messages the owner receives (stdout), and a
 * failure as one line on stderr, `beamish: …`, then the exit.
 */
import { inspect } from 'node:util';
import { formatGunMessage } from '../gun/index.js';
import { tlsHint } from './tls-hint.js';

/**
 * Prints `beamish: message` on stderr and exits with `code` (1: the
 * connection or the stream failed; 2: bad usage).
 *
 * @example
 * fail('upgrade refused: HTTP 400'); // stderr: "beamish: upgrade refused: HTTP 400", exit 1
 */
export function fail(message: string, code = 1): never {
  process.stderr.write(`beamish: ${message}\n`);
  process.exit(code);
}

/**
 * The connection to `url` ended before it was of use: one line saying so,
 * and a second line of advice when the reason is a certificate that was not
 * accepted (see tls-hint.ts). Exits 1.
 *
 * @example
 * cannotConnect(new URL('https://localhost:8443/'), ['shutdown', 'unable_to_verify_leaf_signature']);
 * // beamish: cannot connect to localhost:8443: {shutdown,unable_to_verify_leaf_signature}
 * // beamish: hint: the server's certificate chain ends at a CA this machine does not trust (…); … --ca file.pem
 */
export function cannotConnect(url: URL, reason: unknown): never {
  const line = `cannot connect to ${url.host}: ${formatGunMessage(reason)}`;
  const hint = tlsHint(reason);
  if (hint === undefined) fail(line);
  process.stderr.write(`beamish: ${line}\n`);
  fail(`hint: ${hint}`);
}

/**
 * A function printing one message a line (on stdout, or to `write`), in
 * Erlang's notation as `gun.formatGunMessage` prints it (as the shell and
 * `--trace` do) or, with `js`, in Node's (`util.inspect`).
 *
 * @example
 * printer(false)(['gun_up', pid, 'http']); // {gun_up,<0.2.0>,http}
 */
export function printer(
  js: boolean,
  write: (line: string) => void = (line) => console.log(line),
): (msg: unknown) => void {
  return (msg) => write(js ? inspect(msg, { breakLength: Infinity }) : formatGunMessage(msg));
}
