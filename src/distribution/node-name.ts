import { customAlphabet } from 'nanoid';
import { BadArgError } from '../runtime/errors.js';

/**
 * Node names, `alive@host`, checked as Erlang checks them when a node starts
 * (`erl -sname` / `erl -name`, OTP 25):
 * - the alive part is letters, digits, `_` and `-` (`erl -sname a.b` says
 *   "Invalid node name!");
 * - the host part is printable ASCII without spaces or `@`;
 * - exactly one `@` ("invalid node name: a@b@c");
 * - at most 255 bytes in all, the longest atom (and epmd's limit on the alive part).
 *
 * A host with a dot (or an IPv6 colon) makes a long name (`-name`); a short
 * name (`-sname`) cannot have one ("Can't set short node name!"). Erlang also
 * accepts `-name x@localhost`; a dotless host is taken here as a short name,
 * which is what a name like `ts@localhost` is used for.
 */

/** A node name taken apart. */
export interface NodeName {
  /** The whole name, `'beamish@localhost'`. */
  readonly full: string;
  /** The part before `@`, the name epmd knows: `'beamish'`. */
  readonly alive: string;
  /** The part after `@`: `'localhost'`. */
  readonly host: string;
  /** Whether this is a long name (`-name`): its host has a dot or a colon. */
  readonly long: boolean;
}

const ALIVE = /^[A-Za-z0-9_-]+$/;
const HOST = /^[!-?A-~]+$/; // 0x21-0x7E without '@' (0x40)
const MAX_BYTES = 255;

/**
 * Takes a node name apart, or throws BadArgError saying what is wrong.
 *
 * @example
 * ```ts
 * parseNodeName('ts@127.0.0.1'); // { full: 'ts@127.0.0.1', alive: 'ts', host: '127.0.0.1', long: true }
 * parseNodeName('ts@localhost').long; // false: a short name, as erl -sname ts
 * parseNodeName('ts'); // throws BadArgError: expected 'name@host' with exactly one '@'
 * ```
 */
export function parseNodeName(name: string, fn = 'parseNodeName', argument = 'name'): NodeName {
  if (typeof name !== 'string') {
    throw new BadArgError(fn, argument, `expected a node name 'name@host' as a string, got ${typeof name}`);
  }
  const at = name.indexOf('@');
  if (at < 0 || name.indexOf('@', at + 1) >= 0) {
    throw new BadArgError(fn, argument, `expected a node name 'name@host' with exactly one '@', got '${name}'`);
  }
  const alive = name.slice(0, at);
  const host = name.slice(at + 1);
  if (!ALIVE.test(alive)) {
    throw new BadArgError(
      fn,
      argument,
      `the part before '@' of '${name}' must be letters, digits, '_' or '-' and not empty, as Erlang requires`,
    );
  }
  if (!HOST.test(host)) {
    throw new BadArgError(fn, argument, `the host part of '${name}' must be printable ASCII without spaces, not empty`);
  }
  if (name.length > MAX_BYTES) {
    throw new BadArgError(
      fn,
      argument,
      `a node name has at most ${MAX_BYTES} characters, '${name}' has ${name.length}`,
    );
  }
  return { full: name, alive, host, long: isLongHost(host) };
}

/**
 * Whether a host makes a long node name: it has a dot (`127.0.0.1`,
 * `example.org`) or is an IPv6 address.
 *
 * @example
 * ```ts
 * import { isLongHost } from './node-name.js';
 * isLongHost('localhost'); // false
 * isLongHost('127.0.0.1'); // true
 * ```
 */
export function isLongHost(host: string): boolean {
  return host.includes('.') || host.includes(':');
}

const randomSuffix = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 6);

/**
 * A fresh node name, `prefix_xxxxxx@host`, with six random characters of
 * `[a-z0-9]`: for a node that needs a name nobody else has.
 *
 * @example
 * ```ts
 * randomNodeName(); // 'beamish_k3j9x2@127.0.0.1'
 * randomNodeName('localhost', 'ts'); // 'ts_0m2hqa@localhost'
 * await startNode(randomNodeName(), { cookie: 'secret' }); // what startNode() does without a name
 * ```
 */
export function randomNodeName(host = '127.0.0.1', prefix = 'beamish'): string {
  return parseNodeName(`${prefix}_${randomSuffix()}@${host}`, 'randomNodeName', 'host or prefix').full;
}
