/**
 * Erlang's External Term Format: the bytes of `term_to_binary/1` and of every
 * message between nodes. Encoding writes what `term_to_binary(T,
 * [{minor_version, 2}])` writes (UTF-8 atoms, as the distribution requires),
 * byte for byte; decoding reads that and the older tags too.
 *
 * How terms map to JS values:
 *
 * | Erlang                        | JS (decoded as)                          | JS accepted on encode                          |
 * | ----------------------------- | ---------------------------------------- | ---------------------------------------------- |
 * | atom `ok`, `'héllo'`          | `string` (`'ok'`)                        | `string` (at most 255 characters)              |
 * | atoms `true`, `false`         | `boolean`                                | `boolean`                                      |
 * | atom `undefined`              | `'undefined'`                            | `'undefined'` or JS `undefined`                |
 * | integer                       | `number` if a safe integer, else `bigint`| integral `number`, `bigint`                    |
 * | float `2.5`                   | `number`                                 | non-integral `number`                          |
 * | float `1.0`, `-0.0`, `1.0e20` | `ErlangFloat` (integral floats)          | `ErlangFloat` (any finite float)               |
 * | binary                        | `Buffer` (a copy)                        | `Buffer`, `Uint8Array`                         |
 * | bitstring `<<5:3>>`           | `BitBinary(bytes, bitsInLastByte)`       | `BitBinary` (`bitsInLastByte` 8: a binary)     |
 * | tuple `{a, 1}`                | array `['a', 1]`                         | array                                          |
 * | `[]`                          | `new ErlangList([])`                     | `ErlangList`                                   |
 * | list `[1, a]`, string `"hi"`  | `ErlangList` (`charlist('hi')`)          | `ErlangList` (bytes-only: STRING_EXT)          |
 * | improper list `[a \| b]`      | `ImproperList(['a'], 'b')`               | `ImproperList`                                 |
 * | map `#{a => 1}`               | `Map` (in wire order)                    | `Map`, plain object (keys as atoms)            |
 * | pid                           | `ExternalPid` (or `decodePid`'s result)  | `ExternalPid` (or via `encodeOther`)           |
 * | reference                     | `ExternalRef` (or `decodeRef`'s result)  | `ExternalRef` (or via `encodeOther`)           |
 * | port                          | `ExternalPort` (or `decodePort`'s)       | `ExternalPort` (or via `encodeOther`)          |
 * | fun, `fun M:F/A`              | `ErlangFun` (its bytes, opaque)          | `ErlangFun` (written back byte for byte)       |
 *
 * Notes, each checked against OTP 25's `erl`:
 * - JS `null`, `NaN`, `±Infinity`, symbols, functions and class instances have
 *   no Erlang form and throw EtfEncodeError, naming the value's type and where
 *   it sits (`$[1].get("k")`), unless an `encodeOther` hook maps them.
 * - Integer tags are those `term_to_binary` picks: SMALL_INTEGER_EXT for
 *   0..255, INTEGER_EXT for 32-bit values, SMALL_BIG_EXT then LARGE_BIG_EXT.
 *   An integral JS number past 2^53 encodes as the exact integer it holds (and
 *   decodes as a bigint); the JS number `-0` is the integer 0 (the float -0.0
 *   is `new ErlangFloat(-0)`). Integers beyond Erlang's largest
 *   (MAX_BIG_BYTES) are refused both ways.
 * - Pids, ports and references are written as OTP 25 writes them:
 *   NEW_PID_EXT, NEW_PORT_EXT up to 28-bit ids and V4_PORT_EXT beyond,
 *   NEWER_REFERENCE_EXT of 1 to 5 words (a reference of no words is refused:
 *   OTP 25 can crash reading one). Pids inside a fun are part of its bytes,
 *   and not given to `decodePid`.
 * - Maps of up to 32 keys are written with their keys sorted in Erlang's term
 *   order, as Erlang keeps them; larger maps in the Map's own order, so a map
 *   decoded from Erlang (which writes its hash order) re-encodes identically.
 *   A Map whose keys are distinct JS values but the same term (`1` and `1n`,
 *   `'true'` and `true`, two equal arrays, `0.0` and `-0.0` as OTP 25 has it)
 *   is refused, as Erlang refuses it.
 * - A LIST_EXT whose tail is a list decodes as the one longer list it is in Erlang.
 * - Terms after a distribution header have no version byte: `encodeTermBody`
 *   and `decodeTermBodyAt` (with `atomCacheRef` for its ATOM_CACHE_REFs).
 * - Compressed terms (tag 80) are decoded within `maxSize` (64 MiB by default)
 *   and written with the `compressed` option, only when smaller, as Erlang does.
 *   The zlib stream itself can differ from Erlang's (Node has its own zlib);
 *   Erlang reads it as the same term.
 * - Decoding refuses, with EtfDecodeError and the offset: truncated bytes,
 *   unknown tags, lengths beyond the bytes left (before allocating), nesting
 *   past `maxDepth` (10,000 by default; read with an explicit stack), bytes
 *   after the term (`decodeTerm`), atoms over 255 characters or not valid
 *   UTF-8, NaN or infinite floats, duplicate map keys (when they are JS
 *   primitives) and integers larger than Erlang's largest.
 *
 * @example
 * import { decodeTerm, encodeTerm, ErlangList } from './index.js';
 * const bytes = encodeTerm(['ok', new Map([['n', 1]]), new ErlangList([1, 2])]); // {ok, #{n => 1}, [1,2]}
 * decodeTerm(bytes); // ['ok', Map { 'n' => 1 }, ErlangList { items: [1, 2] }]
 */

export { ErlangList } from '../../runtime/format.js';
export { MAX_ATOM_CHARACTERS } from './atoms.js';
export { type DecodeOptions, decodeTerm, decodeTermAt, decodeTermBodyAt } from './decode.js';
export { type EncodeOptions, encodeTerm, encodeTermBody } from './encode.js';
export { EtfDecodeError, type EtfDecodeReason, EtfEncodeError } from './errors.js';
export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_SIZE, MAX_BIG_BYTES } from './limits.js';
export { Tag, VERSION } from './tags.js';
export { compareTerms } from './term-order.js';
export {
  BitBinary,
  charlist,
  ErlangFloat,
  ErlangFun,
  ExternalPid,
  ExternalPort,
  ExternalRef,
  ImproperList,
} from './terms.js';
