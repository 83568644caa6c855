import { inflateSync } from 'node:zlib';
import { BadArgError } from '../../runtime/errors.js';
import { ErlangList } from '../../runtime/format.js';
import { readAtom } from './atoms.js';
import { EtfDecodeError } from './errors.js';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_SIZE, MAX_BIG_BYTES } from './limits.js';
import { Tag, tagName, VERSION } from './tags.js';
import { BitBinary, ErlangFloat, ErlangFun, ExternalPid, ExternalPort, ExternalRef, ImproperList } from './terms.js';

/** Options of {@link decodeTerm} and {@link decodeTermAt}. */
export interface DecodeOptions {
  /** How deeply tuples, lists and maps may nest; default 10,000. Deeper fails with reason `too_deep`. */
  maxDepth?: number;
  /** The largest uncompressed size a compressed term may state, in bytes; default 64 MiB. */
  maxSize?: number;
  /** Maps each decoded pid (to a beamish pid, say); its result stands in the term. */
  decodePid?: (pid: ExternalPid) => unknown;
  /** Maps each decoded reference; its result stands in the term. */
  decodeRef?: (ref: ExternalRef) => unknown;
  /** Maps each decoded port; its result stands in the term. */
  decodePort?: (port: ExternalPort) => unknown;
  /**
   * Resolves ATOM_CACHE_REF (tag 82) to an atom name, for terms that follow a
   * distribution header with an atom cache; `undefined` for an index with no
   * entry. Without it that tag is refused.
   */
  atomCacheRef?: (index: number) => string | undefined;
}

const TUPLE = 0;
const LIST = 1;
const MAP_KEY = 2;
const MAP_VALUE = 3;

/** A container being read: what has been read of it so far and how much is left. */
interface Frame {
  kind: number;
  /** Tuple elements or list items read so far. */
  items: unknown[];
  /** Elements, items or pairs still to read (for a list, not counting the tail). */
  remaining: number;
  /** The map being filled. */
  map: Map<unknown, unknown> | undefined;
  /** The key read, waiting for its value. */
  key: unknown;
  /** Where the container's tag is, for errors. */
  offset: number;
}

function checkOptions(fn: string, options: DecodeOptions): void {
  for (const hook of ['decodePid', 'decodeRef', 'decodePort', 'atomCacheRef'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new BadArgError(fn, `options.${hook}`, 'must be a function');
    }
  }
  for (const limit of ['maxDepth', 'maxSize'] as const) {
    const n = options[limit];
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) {
      throw new BadArgError(fn, `options.${limit}`, 'must be a non-negative integer');
    }
  }
}

/**
 * Reads terms from a buffer. Every length is checked against the bytes left
 * before anything is allocated for it, and containers are read with an
 * explicit stack, so hostile bytes cost at most a small multiple of their own
 * size and never overflow the JS stack.
 */
class Decoder {
  private readonly view: DataView;
  private readonly maxDepth: number;

  constructor(
    private readonly buf: Uint8Array,
    private pos: number,
    private readonly end: number,
    private readonly options: DecodeOptions,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  get offset(): number {
    return this.pos;
  }

  private need(n: number, at: number, what: string): void {
    if (this.end - this.pos < n) throw new EtfDecodeError('truncated', at, `${what}: ${n} bytes needed`);
  }

  private u8(): number {
    return this.buf[this.pos++] ?? 0;
  }

  private u16(): number {
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** Checks that `count` parts of at least `each` bytes can follow, before anything is made for them. */
  private fits(count: number, each: number, at: number, what: string): void {
    if (count * each > this.end - this.pos) {
      throw new EtfDecodeError(
        'bad_length',
        at,
        `${what} of ${count} cannot fit in the ${this.end - this.pos} bytes left`,
      );
    }
  }

  /** A copy of the next `n` bytes: a view would pin the whole input buffer (a network packet) for as long as it lives. */
  private copy(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    out.set(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  private atomName(): string {
    const { name, end } = readAtom(this.buf, this.pos, this.end, this.options.atomCacheRef);
    this.pos = end;
    return name;
  }

  /** The node atom of a pid, port or reference; the empty atom names no node. */
  private nodeName(at: number): string {
    const name = this.atomName();
    if (name === '') throw new EtfDecodeError('bad_value', at, "the empty atom '' is no node name");
    return name;
  }

  /** Reads one term (without a version byte) from the current offset. */
  term(): unknown {
    const stack: Frame[] = [];
    let value: unknown;
    for (;;) {
      // Read a term: a whole scalar into `value`, or a container's header onto the stack.
      const at = this.pos;
      this.need(1, at, 'tag');
      const tag = this.u8();
      let frame: Frame | undefined;
      switch (tag) {
        case Tag.SMALL_INTEGER_EXT:
          this.need(1, at, 'SMALL_INTEGER_EXT');
          value = this.u8();
          break;
        case Tag.INTEGER_EXT:
          this.need(4, at, 'INTEGER_EXT');
          value = this.view.getInt32(this.pos);
          this.pos += 4;
          break;
        case Tag.SMALL_BIG_EXT: {
          this.need(2, at, 'SMALL_BIG_EXT');
          const n = this.u8();
          value = this.big(n, at);
          break;
        }
        case Tag.LARGE_BIG_EXT: {
          this.need(5, at, 'LARGE_BIG_EXT');
          const n = this.u32();
          if (n > MAX_BIG_BYTES) {
            throw new EtfDecodeError(
              'bad_length',
              at,
              `integer of ${n} bytes, beyond Erlang's largest (${MAX_BIG_BYTES})`,
            );
          }
          value = this.big(n, at);
          break;
        }
        case Tag.NEW_FLOAT_EXT: {
          this.need(8, at, 'NEW_FLOAT_EXT');
          const f = this.view.getFloat64(this.pos);
          this.pos += 8;
          value = float(f, at);
          break;
        }
        case Tag.FLOAT_EXT: {
          this.need(31, at, 'FLOAT_EXT');
          const text = Buffer.from(this.buf.subarray(this.pos, this.pos + 31)).toString('latin1');
          this.pos += 31;
          const digits = text.replace(/\0+$/, '').trim();
          if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(digits)) {
            throw new EtfDecodeError('bad_value', at, `FLOAT_EXT text ${JSON.stringify(digits)} is not a float`);
          }
          value = float(Number.parseFloat(digits), at);
          break;
        }
        case Tag.ATOM_EXT:
        case Tag.SMALL_ATOM_EXT:
        case Tag.ATOM_UTF8_EXT:
        case Tag.SMALL_ATOM_UTF8_EXT:
        case Tag.ATOM_CACHE_REF: {
          this.pos = at;
          const name = this.atomName();
          value = name === 'true' ? true : name === 'false' ? false : name;
          break;
        }
        case Tag.SMALL_TUPLE_EXT:
        case Tag.LARGE_TUPLE_EXT: {
          const small = tag === Tag.SMALL_TUPLE_EXT;
          this.need(small ? 1 : 4, at, 'tuple arity');
          const arity = small ? this.u8() : this.u32();
          this.fits(arity, 1, at, 'tuple');
          if (arity === 0) value = [];
          else frame = { kind: TUPLE, items: [], remaining: arity, map: undefined, key: undefined, offset: at };
          break;
        }
        case Tag.NIL_EXT:
          value = new ErlangList([]);
          break;
        case Tag.STRING_EXT: {
          this.need(2, at, 'STRING_EXT length');
          const n = this.u16();
          this.need(n, at, 'STRING_EXT');
          value = new ErlangList(Array.from(this.buf.subarray(this.pos, this.pos + n)));
          this.pos += n;
          break;
        }
        case Tag.LIST_EXT: {
          this.need(4, at, 'LIST_EXT length');
          const n = this.u32();
          // n elements and a tail, each at least one byte.
          this.fits(n + 1, 1, at, 'list');
          frame = { kind: LIST, items: [], remaining: n, map: undefined, key: undefined, offset: at };
          break;
        }
        case Tag.MAP_EXT: {
          this.need(4, at, 'MAP_EXT arity');
          const n = this.u32();
          this.fits(n, 2, at, 'map');
          if (n === 0) value = new Map();
          else frame = { kind: MAP_KEY, items: [], remaining: n, map: new Map(), key: undefined, offset: at };
          break;
        }
        case Tag.BINARY_EXT: {
          this.need(4, at, 'BINARY_EXT length');
          const n = this.u32();
          this.fits(n, 1, at, 'binary');
          value = this.copy(n);
          break;
        }
        case Tag.BIT_BINARY_EXT: {
          this.need(5, at, 'BIT_BINARY_EXT header');
          const n = this.u32();
          const bits = this.u8();
          this.fits(n, 1, at, 'bitstring');
          // As binary_to_term: no bytes goes with 0 bits, some bytes with 1..8 bits.
          if (n === 0 ? bits !== 0 : bits < 1 || bits > 8) {
            throw new EtfDecodeError('bad_value', at, `bitstring of ${n} bytes with ${bits} bits in the last byte`);
          }
          const bytes = this.copy(n);
          if (n === 0 || bits === 8) value = bytes;
          else {
            bytes[n - 1] = (bytes[n - 1] ?? 0) & ((0xff << (8 - bits)) & 0xff);
            value = new BitBinary(bytes, bits);
          }
          break;
        }
        case Tag.NEW_PID_EXT:
        case Tag.PID_EXT: {
          const node = this.nodeName(at);
          const wide = tag === Tag.NEW_PID_EXT;
          this.need(wide ? 12 : 9, at, 'pid');
          const id = this.u32();
          const serial = this.u32();
          const creation = wide ? this.u32() : this.u8();
          const pid = new ExternalPid(node, id, serial, creation);
          value = this.options.decodePid ? this.options.decodePid(pid) : pid;
          break;
        }
        case Tag.NEW_PORT_EXT:
        case Tag.V4_PORT_EXT:
        case Tag.PORT_EXT: {
          const node = this.nodeName(at);
          const v4 = tag === Tag.V4_PORT_EXT;
          this.need(tag === Tag.PORT_EXT ? 5 : v4 ? 12 : 8, at, 'port');
          let id: number | bigint;
          if (v4) {
            const big = this.view.getBigUint64(this.pos);
            this.pos += 8;
            id = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
          } else id = this.u32();
          const creation = tag === Tag.PORT_EXT ? this.u8() : this.u32();
          const port = new ExternalPort(node, id, creation);
          value = this.options.decodePort ? this.options.decodePort(port) : port;
          break;
        }
        case Tag.NEWER_REFERENCE_EXT:
        case Tag.NEW_REFERENCE_EXT:
        case Tag.REFERENCE_EXT: {
          let count = 1;
          if (tag !== Tag.REFERENCE_EXT) {
            this.need(2, at, 'reference length');
            count = this.u16();
            // OTP 26 makes up to 5 words; binary_to_term refuses more. It reads
            // a reference of no words, but OTP 25 crashes (SIGSEGV) on one in
            // some places, so it is refused here: no node makes one.
            if (count === 0 || count > 5) {
              throw new EtfDecodeError('bad_length', at, `reference of ${count} words (1 to 5)`);
            }
          }
          const node = this.nodeName(at);
          const wideCreation = tag === Tag.NEWER_REFERENCE_EXT;
          this.need(count * 4 + (wideCreation ? 4 : 1), at, 'reference');
          let creation = 0;
          if (tag !== Tag.REFERENCE_EXT) creation = wideCreation ? this.u32() : this.u8();
          const ids: number[] = [];
          for (let i = 0; i < count; i++) ids.push(this.u32());
          if (tag === Tag.REFERENCE_EXT) creation = this.u8();
          const ref = new ExternalRef(node, creation, ids);
          value = this.options.decodeRef ? this.options.decodeRef(ref) : ref;
          break;
        }
        case Tag.NEW_FUN_EXT: {
          this.need(4, at, 'NEW_FUN_EXT size');
          const size = this.u32();
          // Size counts itself; then arity (1), uniq (16), index (4), numFree (4), and a module atom at least.
          if (size < 4 + 1 + 16 + 4 + 4 + 2) throw new EtfDecodeError('bad_length', at, `NEW_FUN_EXT of size ${size}`);
          this.fits(size - 4, 1, at, 'NEW_FUN_EXT');
          readAtom(this.buf, at + 30, at + 1 + size, this.options.atomCacheRef);
          this.pos = at;
          value = new ErlangFun(this.copy(1 + size));
          break;
        }
        case Tag.EXPORT_EXT: {
          this.atomName();
          this.atomName();
          this.need(2, at, 'EXPORT_EXT arity');
          if (this.u8() !== Tag.SMALL_INTEGER_EXT) {
            throw new EtfDecodeError('bad_value', at, 'EXPORT_EXT arity is not a SMALL_INTEGER_EXT');
          }
          this.pos++;
          const end = this.pos;
          this.pos = at;
          value = new ErlangFun(this.copy(end - at));
          break;
        }
        case Tag.COMPRESSED:
          throw new EtfDecodeError('unknown_tag', at, 'a compressed term can only be a whole term, right after 131');
        default: {
          const name = tagName(tag);
          throw new EtfDecodeError(
            'unknown_tag',
            at,
            name ? `${name} (${tag}) is not decoded here` : `unknown tag ${tag}`,
          );
        }
      }

      if (frame !== undefined) {
        if (stack.length >= this.maxDepth) {
          throw new EtfDecodeError('too_deep', at, `nesting deeper than maxDepth (${this.maxDepth})`);
        }
        stack.push(frame);
        if (frame.kind !== LIST || frame.remaining > 0) continue;
        // A list of no elements: only its tail is left to read.
        if (!this.extendList(frame)) continue;
        value = finishList(frame, new ErlangList([]));
        stack.pop();
      }

      // Give the value to the containers it completes, innermost first.
      for (;;) {
        const top = stack.at(-1);
        if (top === undefined) return value;
        if (top.kind === TUPLE) {
          top.items.push(value);
          if (--top.remaining > 0) break;
          value = top.items;
        } else if (top.kind === LIST) {
          if (top.remaining > 0) {
            top.items.push(value);
            if (--top.remaining > 0 || !this.extendList(top)) break;
            value = new ErlangList([]);
          }
          value = finishList(top, value);
        } else if (top.kind === MAP_KEY) {
          top.key = value;
          top.kind = MAP_VALUE;
          break;
        } else {
          const map = top.map as Map<unknown, unknown>;
          const size = map.size;
          map.set(top.key, value);
          if (map.size === size) {
            const key = typeof top.key === 'object' ? 'a key' : `the key ${String(top.key)}`;
            throw new EtfDecodeError('bad_value', top.offset, `map with ${key} twice`);
          }
          top.kind = MAP_KEY;
          if (--top.remaining > 0) break;
          value = map;
        }
        stack.pop();
      }
    }
  }

  /**
   * Called when a list's items are all read and its tail is next. A tail that
   * is another LIST_EXT or a STRING_EXT only makes the list longer (that is
   * what the term is in Erlang), so they are read into the same frame, without
   * nesting; a NIL_EXT ends the list. Returns true when the list is complete
   * (its tail was `[]`), false when the frame wants more: items, or a tail term.
   */
  private extendList(frame: Frame): boolean {
    for (;;) {
      const at = this.pos;
      this.need(1, at, 'list tail');
      const tag = this.buf[at];
      if (tag === Tag.NIL_EXT) {
        this.pos++;
        return true;
      }
      if (tag === Tag.STRING_EXT) {
        this.pos++;
        this.need(2, at, 'STRING_EXT length');
        const n = this.u16();
        this.need(n, at, 'STRING_EXT');
        for (let i = 0; i < n; i++) frame.items.push(this.buf[this.pos + i]);
        this.pos += n;
        return true;
      }
      if (tag !== Tag.LIST_EXT) return false;
      this.pos++;
      this.need(4, at, 'LIST_EXT length');
      const n = this.u32();
      this.fits(n + 1, 1, at, 'list');
      if (n > 0) {
        frame.remaining = n;
        return false;
      }
    }
  }

  /** An integer of `n` little-endian bytes after a sign byte. */
  private big(n: number, at: number): number | bigint {
    this.need(1 + n, at, 'integer');
    const negative = this.u8() !== 0;
    const digits = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    let value: number | bigint;
    if (n <= 6) {
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = v * 256 + (digits[i] ?? 0);
      value = v;
    } else {
      const hex = Buffer.from(digits).reverse().toString('hex');
      const big = BigInt(`0x${hex}`);
      value = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    if (!negative) return value;
    // Erlang reads a negative zero as 0.
    return typeof value === 'number' ? (value === 0 ? 0 : -value) : -value;
  }
}

/** A decoded float: a number, or an ErlangFloat when integral (so it encodes as a float again). */
function float(f: number, at: number): number | ErlangFloat {
  if (!Number.isFinite(f)) throw new EtfDecodeError('bad_value', at, `float ${f}: Erlang floats are finite`);
  return Number.isInteger(f) ? new ErlangFloat(f) : f;
}

/** The list a frame holds, given its final tail. */
function finishList(frame: Frame, tail: unknown): unknown {
  // List tails on the wire were read into the frame (see extendList): a tail
  // that is a list here came from a decode hook, and joins the list all the same.
  if (tail instanceof ErlangList) return new ErlangList(frame.items.concat(tail.items));
  if (tail instanceof ImproperList) return new ImproperList(frame.items.concat(tail.items), tail.tail);
  if (frame.items.length === 0) return tail;
  return new ImproperList(frame.items, tail);
}

/** Checks a compressed term's header and inflates it within the `maxSize` bound. */
function inflate(buf: Uint8Array, at: number, end: number, options: DecodeOptions): { body: Buffer; end: number } {
  if (end - at < 5) throw new EtfDecodeError('truncated', at, 'compressed term header');
  const size = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(at + 1);
  const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
  if (size > maxSize)
    throw new EtfDecodeError('too_large', at, `compressed term of ${size} bytes, beyond maxSize ${maxSize}`);
  if (size === 0) throw new EtfDecodeError('bad_length', at, 'compressed term of 0 bytes');
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    // maxOutputLength stops zlib at the stated size: a lying header cannot make it allocate more.
    result = inflateSync(buf.subarray(at + 5, end), { maxOutputLength: size, info: true }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'Z_BUF_ERROR')
      throw new EtfDecodeError('truncated', at, 'compressed term ends inside its zlib stream');
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new EtfDecodeError('too_large', at, `compressed term inflates beyond its stated ${size} bytes`);
    }
    throw new EtfDecodeError('bad_value', at, `compressed term does not inflate: ${(e as Error).message}`);
  }
  if (result.buffer.length !== size) {
    throw new EtfDecodeError(
      'bad_length',
      at,
      `compressed term inflates to ${result.buffer.length} bytes, not ${size}`,
    );
  }
  return { body: result.buffer, end: at + 5 + result.engine.bytesWritten };
}

/** Reads a term whose first byte (131) is at `offset`. */
function decodeAt(fn: string, buf: Uint8Array, offset: number, options: DecodeOptions): { term: unknown; end: number } {
  if (!(buf instanceof Uint8Array)) throw new BadArgError(fn, 'buf', 'must be a Buffer or Uint8Array');
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) {
    throw new BadArgError(fn, 'offset', `must be an integer in 0..${buf.length}`);
  }
  checkOptions(fn, options);
  if (offset >= buf.length) throw new EtfDecodeError('truncated', offset, 'expected the version byte 131');
  if (buf[offset] !== VERSION) {
    throw new EtfDecodeError('bad_version', offset, `expected the version byte 131, found ${buf[offset]}`);
  }
  if (buf[offset + 1] === Tag.COMPRESSED) {
    const { body, end } = inflate(buf, offset + 1, buf.length, options);
    const inner = new Decoder(body, 0, body.length, options);
    let term: unknown;
    try {
      term = inner.term();
    } catch (e) {
      if (!(e instanceof EtfDecodeError)) throw e;
      throw new EtfDecodeError(
        e.reason,
        offset + 1,
        `inside the compressed term, at its offset ${e.offset}: ${e.message}`,
      );
    }
    if (inner.offset !== body.length) {
      throw new EtfDecodeError(
        'trailing_bytes',
        offset + 1,
        `compressed term holds ${body.length - inner.offset} bytes after its term`,
      );
    }
    return { term, end };
  }
  const decoder = new Decoder(buf, offset + 1, buf.length, options);
  const term = decoder.term();
  return { term, end: decoder.offset };
}

/**
 * Decodes the term whose version byte (131) is at `offset`, and says where it
 * ends: a distribution packet holds a control term and then a payload term.
 * Throws EtfDecodeError (with the offset and a reason) for any bytes that are
 * not a whole term; never another error for any bytes.
 *
 * @example
 * ```ts
 * // A distribution packet: the pass-through byte 112, a control message, a payload.
 * const from = new ExternalPid('erl@127.0.0.1', 85, 0, 1);
 * const packet = Buffer.concat([Buffer.of(112), encodeTerm([6, from, '', 'echo']), encodeTerm('hi')]);
 * const { term: control, end } = decodeTermAt(packet, 1); // [6, from, '', 'echo']: REG_SEND
 * const { term: message } = decodeTermAt(packet, end); // 'hi'
 * // Erlang: {Control, Used} = binary_to_term(Rest, [used])
 * ```
 */
export function decodeTermAt(
  buf: Uint8Array,
  offset: number,
  options: DecodeOptions = {},
): {
  /** The term read. */
  term: unknown;
  /** The offset just past it: where the next term, if any, starts. */
  end: number;
} {
  return decodeAt('decodeTermAt', buf, offset, options);
}

/**
 * Decodes the term that follows a distribution header, which has no version
 * byte of its own, starting at `offset`; where it ends. Compressed terms do not
 * occur there.
 *
 * @example
 * ```ts
 * import { decodeTermBodyAt } from './decode.js';
 * import { encodeTermBody } from './encode.js';
 * const body = encodeTermBody(['ok', 42]);
 * decodeTermBodyAt(body, 0); // { term: ['ok', 42], end: 8 }
 * ```
 */
export function decodeTermBodyAt(
  buf: Uint8Array,
  offset: number,
  options: DecodeOptions = {},
): { term: unknown; end: number } {
  if (!(buf instanceof Uint8Array)) throw new BadArgError('decodeTermBodyAt', 'buf', 'must be a Buffer or Uint8Array');
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) {
    throw new BadArgError('decodeTermBodyAt', 'offset', `must be an integer in 0..${buf.length}`);
  }
  checkOptions('decodeTermBodyAt', options);
  const decoder = new Decoder(buf, offset, buf.length, options);
  const term = decoder.term();
  return { term, end: decoder.offset };
}

/**
 * Decodes one whole term, version byte 131 first, that fills `buf`: bytes
 * left after it are an error (Erlang's `binary_to_term/1` ignores them; a
 * codec that did would hide framing bugs). The mapping to JS values is in
 * this module's index. Throws EtfDecodeError for bytes that are not a term.
 *
 * @example
 * ```ts
 * decodeTerm(Buffer.from([131, 104, 2, 119, 2, 111, 107, 97, 42])); // ['ok', 42]
 * // Erlang: binary_to_term(<<131,104,2,119,2,111,107,97,42>>) -> {ok, 42}
 * decodeTerm(encodeTerm(new Map([['n', 1]]))); // Map { 'n' => 1 }, a #{n => 1}
 * ```
 */
export function decodeTerm(buf: Uint8Array, options: DecodeOptions = {}): unknown {
  const { term, end } = decodeAt('decodeTerm', buf, 0, options);
  if (end !== buf.length) {
    throw new EtfDecodeError('trailing_bytes', end, `${buf.length - end} bytes after the term`);
  }
  return term;
}
