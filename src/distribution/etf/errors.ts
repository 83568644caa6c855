/**
 * The two errors of the term codec: one for bytes that are not a term we can
 * read, one for JS values that have no Erlang form. Both are thrown, never a
 * RangeError or TypeError from deep inside: a peer's hostile bytes must not
 * look like a bug of ours.
 */

/** Why bytes could not be decoded; stable names a caller can switch on. */
export type EtfDecodeReason =
  /** The first byte is not 131 (or a compressed term's inner term starts badly). */
  | 'bad_version'
  /** The bytes end inside a term. */
  | 'truncated'
  /** A tag byte this codec does not know (or will not read, like ATOM_CACHE_REF). */
  | 'unknown_tag'
  /** A length or count that the remaining bytes cannot hold, or that Erlang itself refuses. */
  | 'bad_length'
  /** Nesting deeper than the `maxDepth` option. */
  | 'too_deep'
  /** A compressed term larger than the `maxSize` option, or one whose stated size is wrong. */
  | 'too_large'
  /** `decodeTerm` read a whole term and bytes were left. */
  | 'trailing_bytes'
  /** An atom longer than 255 characters. */
  | 'atom_too_long'
  /** An atom (or a node name) that is not valid UTF-8. */
  | 'invalid_utf8'
  /** A field whose value Erlang refuses: a NaN or infinite float, a bad sign byte, a duplicate map key... */
  | 'bad_value';

/**
 * Bytes that are not a term this codec can read. `offset` is where in the
 * buffer the fault was found (for a compressed term, the offset inside the
 * uncompressed bytes is in the message).
 *
 * @example
 * ```ts
 * try {
 *   decodeTerm(Buffer.from([131, 109, 255, 255, 255, 255])); // a binary of 4 GiB, in 6 bytes
 * } catch (e) {
 *   if (e instanceof EtfDecodeError) console.log(e.reason, e.offset); // 'bad_length' 1
 * }
 * // Erlang: binary_to_term(<<131,109,255,255,255,255>>) raises badarg
 * ```
 */
export class EtfDecodeError extends Error {
  /** `'EtfDecodeError'`, for stack traces and logs. */
  override readonly name = 'EtfDecodeError';
  constructor(
    /** What was wrong, as a stable name. */
    readonly reason: EtfDecodeReason,
    /** The byte offset in the buffer given to the decoder where the fault was found. */
    readonly offset: number,
    detail: string,
  ) {
    super(`cannot decode term at offset ${offset}: ${reason}: ${detail}`);
  }
}

/**
 * A JS value with no Erlang form (null, a symbol, a function, a NaN, a class
 * instance no `encodeOther` hook maps...). `path` says where it sits in the
 * term, e.g. `$[1].get(key)` or `$.items[2]`, and `jsType` what it is.
 *
 * @example
 * ```ts
 * try {
 *   encodeTerm(['ok', null]);
 * } catch (e) {
 *   if (e instanceof EtfEncodeError) console.log(e.path, e.jsType); // '$[1]' 'null'
 * }
 * ```
 */
export class EtfEncodeError extends TypeError {
  /** `'EtfEncodeError'`, for stack traces and logs. */
  override readonly name = 'EtfEncodeError';
  constructor(
    /** Where the value sits in the term given to the encoder, `$` being the term itself. */
    readonly path: string,
    /** What the value is: `'null'`, `'symbol'`, `'function'`, a class name... */
    readonly jsType: string,
    detail: string,
  ) {
    super(`cannot encode ${jsType} at ${path}: ${detail}`);
  }
}

/** A short name for a JS value's type, for error messages: `null`, `number`, `Date`, `object`... */
export function describeJsType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return 'object';
  const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'object';
}
