import { isUtf8 } from 'node:buffer';
import { EtfDecodeError } from './errors.js';
import { Tag } from './tags.js';

/**
 * Atom names on the wire: what the encoder writes (UTF-8, as the distribution
 * requires since OTP 25), what the decoder reads (the UTF-8 and the old Latin-1
 * tags), and Erlang's limit of 255 characters.
 */

/** Erlang refuses atoms of more than 255 characters (not bytes: a UTF-8 atom may take 1020). */
export const MAX_ATOM_CHARACTERS = 255;

/** A lone surrogate has no UTF-8 form, so a string holding one is no atom name. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Encoded atoms by name. Atoms repeat (`ok`, `'$gen_call'`, node names), and
 * this spares the length count, the surrogate check and the UTF-8 encoding.
 * Bounded: cleared when full, so names from untrusted input cannot grow it.
 */
const encodedAtoms = new Map<string, Buffer>();
const ENCODED_ATOMS_MAX = 4096;

/**
 * The encoding of atom `name`, from its tag: SMALL_ATOM_UTF8_EXT when the
 * UTF-8 name fits in 255 bytes, else ATOM_UTF8_EXT, as `term_to_binary`
 * (minor version 2) and the distribution write them. A string naming why it
 * cannot be an atom when it cannot.
 *
 * @example
 * atomEncoding('ok'); // <Buffer 77 02 6f 6b>
 */
export function atomEncoding(name: string): Buffer | string {
  const cached = encodedAtoms.get(name);
  if (cached !== undefined) return cached;
  if (name.length > MAX_ATOM_CHARACTERS) {
    let characters = 0;
    for (const _ of name) characters++;
    if (characters > MAX_ATOM_CHARACTERS) {
      return `an atom has at most ${MAX_ATOM_CHARACTERS} characters, this string has ${characters}`;
    }
  }
  if (LONE_SURROGATE.test(name)) return 'the string holds a lone surrogate, which has no UTF-8 form';
  const size = Buffer.byteLength(name, 'utf8');
  const small = size <= 255;
  const out = Buffer.allocUnsafe((small ? 2 : 3) + size);
  if (small) {
    out[0] = Tag.SMALL_ATOM_UTF8_EXT;
    out[1] = size;
  } else {
    out[0] = Tag.ATOM_UTF8_EXT;
    out.writeUInt16BE(size, 1);
  }
  out.write(name, small ? 2 : 3, 'utf8');
  if (encodedAtoms.size >= ENCODED_ATOMS_MAX) encodedAtoms.clear();
  encodedAtoms.set(name, out);
  return out;
}

/**
 * Reads an atom whose tag byte is at `pos` (any of the four atom tags); its
 * name and the offset after it. `atomCacheRef` resolves ATOM_CACHE_REF when the
 * caller has a distribution header's atom cache; without it that tag is refused.
 * Throws EtfDecodeError for anything else, a truncated name, more than 255
 * characters, or a UTF-8 name that is not valid UTF-8.
 */
export function readAtom(
  buf: Uint8Array,
  pos: number,
  end: number,
  atomCacheRef?: (index: number) => string | undefined,
): { name: string; end: number } {
  if (pos >= end) throw new EtfDecodeError('truncated', pos, 'expected an atom');
  const tag = buf[pos] ?? 0;
  let size: number;
  let start: number;
  let utf8: boolean;
  switch (tag) {
    case Tag.SMALL_ATOM_UTF8_EXT:
    case Tag.SMALL_ATOM_EXT:
      if (pos + 2 > end) throw new EtfDecodeError('truncated', pos, 'atom length');
      size = buf[pos + 1] ?? 0;
      start = pos + 2;
      utf8 = tag === Tag.SMALL_ATOM_UTF8_EXT;
      break;
    case Tag.ATOM_UTF8_EXT:
    case Tag.ATOM_EXT:
      if (pos + 3 > end) throw new EtfDecodeError('truncated', pos, 'atom length');
      size = ((buf[pos + 1] ?? 0) << 8) | (buf[pos + 2] ?? 0);
      start = pos + 3;
      utf8 = tag === Tag.ATOM_UTF8_EXT;
      break;
    case Tag.ATOM_CACHE_REF: {
      if (pos + 2 > end) throw new EtfDecodeError('truncated', pos, 'atom cache index');
      const index = buf[pos + 1] ?? 0;
      const name = atomCacheRef?.(index);
      if (name === undefined) {
        throw new EtfDecodeError('unknown_tag', pos, `ATOM_CACHE_REF ${index} with no atom cache entry to resolve it`);
      }
      return { name, end: pos + 2 };
    }
    default:
      throw new EtfDecodeError('unknown_tag', pos, `expected an atom, found tag ${tag}`);
  }
  if (start + size > end) throw new EtfDecodeError('truncated', pos, `atom of ${size} bytes`);
  // Four UTF-8 bytes per character at most: longer cannot be 255 characters.
  if (size > (utf8 ? MAX_ATOM_CHARACTERS * 4 : MAX_ATOM_CHARACTERS)) {
    throw new EtfDecodeError('atom_too_long', pos, `${utf8 ? 'UTF-8' : 'Latin-1'} atom of ${size} bytes`);
  }
  // Most atoms are ASCII, the same in Latin-1 and UTF-8: build those without
  // a Buffer view, a UTF-8 check and a decoder call (half the cost of decoding
  // a typical message went there).
  let name = '';
  let i = start;
  for (; i < start + size; i++) {
    const c = buf[i] ?? 0;
    if (c >= 0x80) break;
    name += String.fromCharCode(c);
  }
  if (i < start + size) {
    const bytes = buf.subarray(start, start + size);
    if (utf8) {
      if (!isUtf8(bytes)) throw new EtfDecodeError('invalid_utf8', pos, 'atom name is not valid UTF-8');
      name = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    } else {
      name = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    }
  }
  if (size > MAX_ATOM_CHARACTERS) {
    let characters = 0;
    for (let j = start; j < start + size; j++) if (((buf[j] ?? 0) & 0xc0) !== 0x80) characters++;
    if (characters > MAX_ATOM_CHARACTERS) {
      throw new EtfDecodeError('atom_too_long', pos, `atom of ${characters} characters`);
    }
  }
  return { name, end: start + size };
}
