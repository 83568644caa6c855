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
 * What a header value may hold (RFC 9110 §5.5: field-value is field-vchar =
 * VCHAR / obs-text, with SP and HTAB between): HTAB, SP, visible ASCII and
 * the octets 0x80-0xFF. Node writes header values as Latin-1, one octet per
 * character, and refuses anything else (ERR_INVALID_CHAR) from inside the
 * connection, where it can only become an error message: so every other
 * control character (CR, LF and NUL above all: header injection), DEL, and
 * any character above U+00FF is refused here, at the call. The same class
 * as Node's own check.
 */
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Validates and normalizes headers: names lower-cased; a name that is not
 * an HTTP token, or a value with a character a header value may not hold
 * (above), is refused with BadArgError naming the header.
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
    const bad = value.search(BAD_VALUE_CHAR);
    if (bad >= 0) {
      throw new BadArgError(
        fn,
        'headers',
        `the value of '${name}' holds ${codePoint(value, bad)} at index ${bad}: a header value may hold only ` +
          'SP, HTAB, visible ASCII and U+0080-U+00FF (RFC 9110 §5.5); CR, LF, NUL and other control ' +
          'characters are refused (header injection)',
      );
    }
    return [name.toLowerCase(), value];
  });
}

/** `U+000D` for the character at `index` of `s`: how messages show a refused character. */
export function codePoint(s: string, index: number): string {
  return `U+${(s.codePointAt(index) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The header that offers subprotocols. */
const SUBPROTOCOL = 'sec-websocket-protocol';
/** Optional whitespace around list elements (RFC 9110 §5.6.3): SP and HTAB, nothing else. */
const OWS_EDGES = /^[ \t]+|[ \t]+$/g;

/**
 * The subprotocols offered by `sec-websocket-protocol` headers, in order.
 * Its value is a comma-separated list of tokens (RFC 6455 §4.1, `1#token`),
 * so `'a, b'` offers two names; several lines of it make one list (RFC 9110
 * §5.3). Empty elements are skipped, as RFC 9110 §5.6.1.2 asks of a
 * recipient. A name that is not a token (`'a b'`) is refused: it names no
 * subprotocol, and the server would refuse the whole offer (ws, given it as
 * a subprotocol, throws inside the connection). A name offered twice is
 * refused too: it means nothing. (A name in both this header and
 * `wsOpts.protocols` is legal: the connection offers it once.)
 */
export function headerSubprotocols(fn: string, headers: Headers): string[] {
  const names: string[] = [];
  for (const [name, value] of headers) {
    if (name !== SUBPROTOCOL) continue;
    for (const element of value.split(',')) {
      const p = element.replace(OWS_EDGES, '');
      if (p === '') continue;
      if (!isToken(p)) {
        throw new BadArgError(
          fn,
          'headers',
          `${describe(p)} in ${SUBPROTOCOL} is not a subprotocol name (an HTTP token, without spaces or separators); separate names with commas`,
        );
      }
      if (names.includes(p)) {
        throw new BadArgError(fn, 'headers', `subprotocol ${describe(p)} is offered twice in ${SUBPROTOCOL}`);
      }
      names.push(p);
    }
  }
  return names;
}

/** Headers of a Node response (`rawHeaders`) as lower-cased pairs. */
export function headerPairs(raw: readonly string[]): Headers {
  const out: Headers = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([(raw[i] as string).toLowerCase(), raw[i + 1] as string]);
  return out;
}
