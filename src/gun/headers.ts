import { BadArgError } from '../runtime/errors.js';
import { describe } from '../runtime/validate.js';

/** Request headers: `[name, value]` pairs or a plain object. */
export type HeadersInput = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

/** Headers as Gun gives them in messages: `[name, value]` pairs, names lower-cased. */
export type Headers = Array<[string, string]>;

// RFC 9110 token characters: what a header name (or a subprotocol name) may hold.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/;

/** Is `value` an HTTP token (RFC 9110 §5.6.2)? */
export function isToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

/**
 * Validates and normalizes headers: names lower-cased; a name that is not
 * an HTTP token, or a value holding CR, LF or NUL (header injection), is
 * refused with BadArgError.
 */
export function normalizeHeaders(fn: string, input: unknown): Headers {
  if (input === undefined) return [];
  let pairs: unknown[];
  if (Array.isArray(input)) pairs = input;
  else if (typeof input === 'object' && input !== null && Object.getPrototypeOf(input) === Object.prototype) {
    pairs = Object.entries(input);
  } else {
    throw new BadArgError(fn, 'headers', `expected [name, value] pairs or a plain object, got ${describe(input)}`);
  }
  return pairs.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new BadArgError(fn, `headers[${i}]`, 'expected a [name, value] pair');
    }
    const [name, value] = pair as [unknown, unknown];
    if (!isToken(name)) {
      throw new BadArgError(
        fn,
        'headers',
        `${describe(name)} is not a valid header name (CR, LF and separators are refused)`,
      );
    }
    if (typeof value !== 'string') {
      throw new BadArgError(fn, 'headers', `the value of '${name}' must be a string, got ${describe(value)}`);
    }
    if (/[\r\n\0]/.test(value)) {
      throw new BadArgError(fn, 'headers', `the value of '${name}' contains CR, LF or NUL (header injection refused)`);
    }
    return [name.toLowerCase(), value];
  });
}

/** Headers of a Node response (`rawHeaders`) as lower-cased pairs. */
export function headerPairs(raw: readonly string[]): Headers {
  const out: Headers = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([(raw[i] as string).toLowerCase(), raw[i + 1] as string]);
  return out;
}
