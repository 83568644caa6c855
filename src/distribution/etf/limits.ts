/**
 * The bounds both directions of the codec share.
 *
 * @example
 * import { DEFAULT_MAX_DEPTH } from './limits.js';
 * decodeTerm(bytes, { maxDepth: DEFAULT_MAX_DEPTH / 10 });
 */

/** The default nesting limit of tuples, lists and maps, for encoding and decoding. */
export const DEFAULT_MAX_DEPTH = 10_000;

/**
 * Erlang's largest integer takes 4,194,296 bytes (2^25 - 64 bits: OTP 25 on a
 * 64-bit machine raises system_limit past `1 bsl 33554367`); neither side
 * writes or reads one larger.
 */
export const MAX_BIG_BYTES = 4_194_296;

/** The default largest uncompressed size a compressed term may state: 64 MiB. */
export const DEFAULT_MAX_SIZE = 64 * 1024 * 1024;
