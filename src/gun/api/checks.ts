import { BadArgError, Ref } from '../../runtime/index.js';
import { describe } from '../../runtime/validate.js';
import { type ConnectionHandle, connectionOf } from '../connection.js';
import { codePoint, isToken } from '../headers.js';

/**
 * The argument checks the API functions share. A bad argument throws
 * BadArgError at the call: it never reaches, let alone crashes, a connection.
 */

/** The connection behind `pid`, or BadArgError. */
export function connectionArg(fn: string, pid: unknown): ConnectionHandle {
  const conn = connectionOf(pid);
  if (conn === undefined) {
    throw new BadArgError(fn, 'pid', `expected the pid of a Gun connection (from open), got ${describe(pid)}`);
  }
  return conn;
}

export function refArg(fn: string, ref: unknown): Ref {
  if (!(ref instanceof Ref)) throw new BadArgError(fn, 'ref', `expected a stream ref, got ${describe(ref)}`);
  return ref;
}

/** A timeout in ms (default 5000, as Gun), or the ref of a monitor the caller already holds. */
export function timeoutArg(fn: string, value: unknown): number | Ref {
  if (value === undefined) return 5000;
  if (value instanceof Ref) return value;
  if (typeof value === 'number' && (value === Infinity || (Number.isInteger(value) && value >= 0))) return value;
  throw new BadArgError(
    fn,
    'timeout',
    `expected milliseconds (a whole number >= 0, or Infinity) or a monitor ref, got ${describe(value)}`,
  );
}

export function methodArg(fn: string, method: unknown): string {
  if (!isToken(method))
    throw new BadArgError(fn, 'method', `expected an HTTP method (a token, e.g. 'GET'), got ${describe(method)}`);
  return method;
}

/** A request body: a string (sent as UTF-8) or bytes. */
export function bodyArg(fn: string, body: unknown): Buffer {
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new BadArgError(fn, 'body', `expected a string or a Buffer, got ${describe(body)}`);
}

export function isFinArg(fn: string, isFin: unknown): 'fin' | 'nofin' {
  if (isFin !== 'fin' && isFin !== 'nofin')
    throw new BadArgError(fn, 'isFin', `expected 'fin' or 'nofin', got ${describe(isFin)}`);
  return isFin;
}

/**
 * A request target in origin-form (RFC 9112 §3.2.1): `absolute-path [ "?"
 * query ]`, of RFC 3986 characters: unreserved, sub-delims, `:`, `@`, `/`,
 * `?` in the query, and `%XX` escapes. The target goes into the request
 * line exactly as given, so anything else is refused at the call:
 * - a fragment (`#`): never part of a request;
 * - space, control characters: they would break the request line;
 * - raw non-ASCII: percent-encode it yourself (encodeURIComponent), so the
 *   server sees the bytes you mean;
 * - `"`, `<`, `>`, `\`, `^`, backquote, `{`, `|`, `}`, `[`, `]`, and a `%`
 *   not starting an escape: not RFC 3986.
 * Gun checks nothing (its path is iodata written into the request line), so
 * this is stricter than Gun, on purpose: a target is sent as given or refused.
 */
const ORIGIN_FORM = /^\/(?:[\w\-.~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*(?:\?(?:[\w\-.~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?/;

export function pathArg(fn: string, path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new BadArgError(fn, 'path', `expected a path starting with '/', got ${describe(path)}`);
  }
  const valid = (ORIGIN_FORM.exec(path) as RegExpExecArray)[0].length;
  if (valid === path.length) return path;
  const c = path[valid];
  const why =
    c === '#'
      ? `'#' at index ${valid} starts a fragment, which is never sent: drop it, or write '#' as %23`
      : c === '%'
        ? `'%' at index ${valid} does not start a %XX escape: write '%' as %25`
        : `${codePoint(path, valid)} at index ${valid} must be percent-encoded (encodeURIComponent does it for a segment or a query value)`;
  throw new BadArgError(
    fn,
    'path',
    `${describe(path)} is not a request target ('/path?query', RFC 9112 §3.2.1): ${why}`,
  );
}
