/**
 * The tag bytes of Erlang's External Term Format, as erts's manual "External
 * Term Format" (erl_ext_dist) numbers them. Each term on the wire starts with
 * one of these; a whole encoded term starts with {@link VERSION} first.
 *
 * @example
 * import { Tag, VERSION } from './tags.js';
 * Buffer.from([VERSION, Tag.SMALL_INTEGER_EXT, 42]); // term_to_binary(42)
 */

/** The version byte in front of every encoded term (and of a distribution header). */
export const VERSION = 131;

/** Tag bytes, by their names in the manual. */
export const Tag = {
  /** zlib-compressed term: 4-byte uncompressed size, then a zlib stream. Only right after {@link VERSION}. */
  COMPRESSED: 80,
  /** 8-byte big-endian IEEE double. */
  NEW_FLOAT_EXT: 70,
  /** Bitstring: 4-byte byte length, 1 byte of bits used in the last byte (1..8), the bytes. */
  BIT_BINARY_EXT: 77,
  /** Reference into a distribution header's atom cache. Not decoded here: the node layer resolves it. */
  ATOM_CACHE_REF: 82,
  /** Pid: node atom, 4-byte id, 4-byte serial, 4-byte creation. */
  NEW_PID_EXT: 88,
  /** Port: node atom, 4-byte id, 4-byte creation. */
  NEW_PORT_EXT: 89,
  /** Reference: 2-byte word count (at most 5), node atom, 4-byte creation, the words. */
  NEWER_REFERENCE_EXT: 90,
  /** Unsigned byte. */
  SMALL_INTEGER_EXT: 97,
  /** Signed 32-bit big-endian integer. */
  INTEGER_EXT: 98,
  /** Float as 31 bytes of "%.20e" text (old, minor version 0). */
  FLOAT_EXT: 99,
  /** Latin-1 atom with a 2-byte length (old). */
  ATOM_EXT: 100,
  /** Reference with one word and a 1-byte creation (old). */
  REFERENCE_EXT: 101,
  /** Port with a 1-byte creation (old). */
  PORT_EXT: 102,
  /** Pid with a 1-byte creation (old). */
  PID_EXT: 103,
  /** Tuple of at most 255 elements: 1-byte arity. */
  SMALL_TUPLE_EXT: 104,
  /** Tuple: 4-byte arity. */
  LARGE_TUPLE_EXT: 105,
  /** The empty list `[]`. */
  NIL_EXT: 106,
  /** A list of bytes (0..255), at most 65535 of them: 2-byte length, the bytes. */
  STRING_EXT: 107,
  /** List: 4-byte length, the elements, then the tail (NIL_EXT for a proper list). */
  LIST_EXT: 108,
  /** Binary: 4-byte length, the bytes. */
  BINARY_EXT: 109,
  /** Integer of at most 255 bytes: 1-byte length, sign byte, little-endian magnitude. */
  SMALL_BIG_EXT: 110,
  /** Integer: 4-byte length, sign byte, little-endian magnitude. */
  LARGE_BIG_EXT: 111,
  /** Reference with a 1-byte creation (old). */
  NEW_REFERENCE_EXT: 114,
  /** Latin-1 atom with a 1-byte length (old). */
  SMALL_ATOM_EXT: 115,
  /** Map: 4-byte pair count, then key, value, key, value... */
  MAP_EXT: 116,
  /** Fun of OTP before R8; not decoded by Erlang since OTP 23, nor here. */
  FUN_EXT: 117,
  /** UTF-8 atom with a 2-byte length. */
  ATOM_UTF8_EXT: 118,
  /** UTF-8 atom with a 1-byte length. */
  SMALL_ATOM_UTF8_EXT: 119,
  /** Port with a 64-bit id (OTP 24+). */
  V4_PORT_EXT: 120,
  /** Local fun (`fun() -> ... end`, `fun f/1`): 4-byte total size, then its fields. */
  NEW_FUN_EXT: 112,
  /** External fun `fun M:F/A`: module atom, function atom, arity as SMALL_INTEGER_EXT. */
  EXPORT_EXT: 113,
  /** Local external term format (OTP 26); only its own encoder's decoder reads it. Not decoded here. */
  LOCAL_EXT: 121,
} as const;

/** The name of a tag byte, for error messages; `undefined` when the byte is no tag. */
export function tagName(tag: number): string | undefined {
  for (const [name, value] of Object.entries(Tag)) if (value === tag) return name;
  return undefined;
}
