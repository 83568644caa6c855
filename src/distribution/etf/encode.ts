import { deflateSync } from 'node:zlib';
import { BadArgError } from '../../runtime/errors.js';
import { ErlangList } from '../../runtime/format.js';
import { atomEncoding } from './atoms.js';
import { describeJsType, EtfEncodeError } from './errors.js';
import { DEFAULT_MAX_DEPTH, MAX_BIG_BYTES } from './limits.js';
import { Tag, VERSION } from './tags.js';
import { compareTerms, isPlainObject, mapEntries, sortEntries, TermOrderFailure } from './term-order.js';
import { BitBinary, ErlangFloat, ErlangFun, ExternalPid, ExternalPort, ExternalRef, ImproperList } from './terms.js';
import { ByteWriter } from './writer.js';

/** Options of {@link encodeTerm} and {@link encodeTermBody}. */
export interface EncodeOptions {
  /**
   * Called for a value the codec has no Erlang form for (a beamish Pid or Ref,
   * say); returns the term to write in its place (an ExternalPid, an
   * ExternalRef...), or `undefined` when it has none, which fails the encoding
   * with an EtfEncodeError. What it returns is not passed to it again.
   */
  encodeOther?: (value: unknown) => unknown;
  /**
   * Compress the term with zlib (tag 80), as `term_to_binary(T, [compressed])`:
   * `true` is level 6, a number is the level 0..9 (0: no compression). As in
   * Erlang, the term stays uncompressed when compressing would not make it
   * smaller. Only {@link encodeTerm} compresses.
   */
  compressed?: boolean | number;
  /** How deeply tuples, lists and maps may nest; default 10,000. Deeper (or cyclic) terms fail. */
  maxDepth?: number;
}

/** Map sizes up to this are flatmaps in Erlang: `term_to_binary` writes their keys in term order. */
const FLATMAP_MAX_KEYS = 32;

const TUPLE = 0;
const LIST = 1;
const IMPROPER = 2;
const MAP = 3;

/** A container being written: its children and how far the encoder has got. */
class Frame {
  /** The index of the next child to write. */
  next = 0;
  constructor(
    readonly kind: number,
    /** Tuple elements, list items, or a map's keys and values alternating. */
    readonly children: readonly unknown[],
    /** An improper list's tail. */
    readonly tail: unknown,
    /** Whether a map came from a plain object (for error paths). */
    readonly plainObject: boolean,
  ) {}

  /** Where the child being written sits, for error paths. */
  label(): string {
    const i = this.next - 1;
    switch (this.kind) {
      case TUPLE:
        return `[${i}]`;
      case LIST:
        return `.items[${i}]`;
      case IMPROPER:
        return i < this.children.length ? `.items[${i}]` : '.tail';
      default: {
        const key = this.children[i & ~1];
        const name = typeof key === 'string' ? JSON.stringify(key) : describeKey(key);
        if (i % 2 === 0) return `.keys(${name})`;
        if (this.plainObject && typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) return `.${key}`;
        return this.plainObject ? `[${name}]` : `.get(${name})`;
      }
    }
  }
}

function describeKey(key: unknown): string {
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean' || key === undefined) {
    return String(key);
  }
  return `<${describeJsType(key)}>`;
}

function checkOptions(fn: string, options: EncodeOptions): void {
  if (options.encodeOther !== undefined && typeof options.encodeOther !== 'function') {
    throw new BadArgError(fn, 'options.encodeOther', 'must be a function');
  }
  const depth = options.maxDepth;
  if (depth !== undefined && (!Number.isInteger(depth) || depth < 0)) {
    throw new BadArgError(fn, 'options.maxDepth', 'must be a non-negative integer');
  }
  const c = options.compressed;
  if (c !== undefined && typeof c !== 'boolean' && !(Number.isInteger(c) && c >= 0 && c <= 9)) {
    throw new BadArgError(fn, 'options.compressed', 'must be a boolean or a zlib level 0..9');
  }
}

/** Writes one term, iteratively: deep terms cannot overflow the JS stack. */
class Encoder {
  private readonly stack: Frame[] = [];
  private readonly maxDepth: number;
  private readonly encodeOther: ((value: unknown) => unknown) | undefined;

  constructor(
    private readonly w: ByteWriter,
    options: EncodeOptions,
  ) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.encodeOther = options.encodeOther;
  }

  encode(term: unknown): void {
    const stack = this.stack;
    this.one(term, false);
    while (stack.length > 0) {
      const f = stack[stack.length - 1] as Frame;
      if (f.next < f.children.length) {
        this.one(f.children[f.next++], false);
      } else if (f.kind === IMPROPER && f.next === f.children.length) {
        f.next++;
        this.one(f.tail, false);
      } else {
        stack.pop();
        if (f.kind === LIST) this.w.u8(Tag.NIL_EXT);
      }
    }
  }

  private path(): string {
    let p = '$';
    for (const f of this.stack) p += f.label();
    return p;
  }

  private fail(value: unknown, detail: string): never {
    throw new EtfEncodeError(this.path(), describeJsType(value), detail);
  }

  private push(value: unknown, frame: Frame): void {
    if (this.stack.length >= this.maxDepth) {
      this.fail(value, `nesting deeper than maxDepth (${this.maxDepth}); is the term cyclic?`);
    }
    this.stack.push(frame);
  }

  /** Writes `v`, or its header and a frame for its children. */
  private one(v: unknown, viaHook: boolean): void {
    const w = this.w;
    switch (typeof v) {
      case 'string':
        this.atom(v, v);
        return;
      case 'number':
        if (Number.isInteger(v)) this.integer(v);
        else if (Number.isFinite(v)) {
          w.u8(Tag.NEW_FLOAT_EXT);
          w.f64(v);
        } else this.fail(v, `${v} has no Erlang form: Erlang floats are finite`);
        return;
      case 'boolean':
        this.atom(v ? 'true' : 'false', v);
        return;
      case 'undefined':
        this.atom('undefined', v);
        return;
      case 'bigint':
        this.bigint(v);
        return;
      case 'object':
        if (v === null) {
          this.fail(
            v,
            "null has no Erlang form (undefined encodes as the atom 'undefined'; write 'nil' for the atom nil)",
          );
        }
        if (this.object(v)) return;
        break;
    }
    if (!viaHook && this.encodeOther !== undefined) {
      const mapped = this.encodeOther(v);
      if (mapped !== undefined) {
        this.one(mapped, true);
        return;
      }
    }
    this.fail(
      v,
      viaHook
        ? 'encodeOther returned a value that has no Erlang form either'
        : 'it has no Erlang form (an encodeOther option can map it, e.g. to an ExternalPid)',
    );
  }

  /** Writes an object that has an Erlang form; false when it has none. */
  private object(v: object): boolean {
    const w = this.w;
    if (Array.isArray(v)) this.tuple(v);
    else if (v instanceof ErlangList) this.list(v);
    else if (v instanceof Uint8Array) this.binary(v);
    else if (v instanceof Map) this.map(v, mapEntries(v), false);
    else if (v instanceof ErlangFloat) {
      w.u8(Tag.NEW_FLOAT_EXT);
      w.f64(v.value);
    } else if (v instanceof ExternalPid) this.pid(v);
    else if (v instanceof ExternalRef) this.ref(v);
    else if (v instanceof ExternalPort) this.port(v);
    else if (v instanceof ImproperList) {
      w.u8(Tag.LIST_EXT);
      w.u32(v.items.length);
      this.push(v, new Frame(IMPROPER, v.items, v.tail, false));
    } else if (v instanceof BitBinary) this.bitBinary(v);
    else if (v instanceof ErlangFun) w.bytes(v.bytes);
    else if (isPlainObject(v)) {
      if (Object.getOwnPropertySymbols(v).length > 0) this.fail(v, 'an object with symbol keys has no Erlang form');
      this.map(v, Object.entries(v), true);
    } else return false;
    return true;
  }

  private atom(name: string, v: unknown): void {
    const bytes = atomEncoding(name);
    if (typeof bytes === 'string') this.fail(v, bytes);
    this.w.bytes(bytes);
  }

  /** An integral number, with the tag `term_to_binary` would choose. */
  private integer(n: number): void {
    const w = this.w;
    if (n >= 0 && n <= 255) {
      w.u8(Tag.SMALL_INTEGER_EXT);
      w.u8(n);
    } else if (n >= -0x8000_0000 && n <= 0x7fff_ffff) {
      w.u8(Tag.INTEGER_EXT);
      w.i32(n);
    } else if (Number.isSafeInteger(n)) {
      // At most 7 bytes: exact in doubles, no BigInt needed.
      let magnitude = Math.abs(n);
      const digits: number[] = [];
      while (magnitude > 0) {
        const d = magnitude % 256;
        digits.push(d);
        magnitude = (magnitude - d) / 256;
      }
      w.u8(Tag.SMALL_BIG_EXT);
      w.u8(digits.length);
      w.u8(n < 0 ? 1 : 0);
      for (const d of digits) w.u8(d);
    } else {
      // An integral double beyond 2^53 is still an exact integer: write that one.
      this.bigint(BigInt(n));
    }
  }

  private bigint(b: bigint): void {
    if (b >= -0x8000_0000n && b <= 0xffff_ffffn) {
      this.integer(Number(b));
      return;
    }
    const negative = b < 0n;
    let hex = (negative ? -b : b).toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    const size = hex.length / 2;
    if (size > MAX_BIG_BYTES) this.fail(b, `an integer of ${size} bytes is beyond Erlang's largest (${MAX_BIG_BYTES})`);
    const w = this.w;
    if (size <= 255) {
      w.u8(Tag.SMALL_BIG_EXT);
      w.u8(size);
    } else {
      w.u8(Tag.LARGE_BIG_EXT);
      w.u32(size);
    }
    w.u8(negative ? 1 : 0);
    w.bytes(Buffer.from(hex, 'hex').reverse());
  }

  private tuple(v: readonly unknown[]): void {
    const w = this.w;
    if (v.length <= 255) {
      w.u8(Tag.SMALL_TUPLE_EXT);
      w.u8(v.length);
    } else {
      w.u8(Tag.LARGE_TUPLE_EXT);
      w.u32(v.length);
    }
    if (v.length > 0) this.push(v, new Frame(TUPLE, v, undefined, false));
  }

  private list(v: ErlangList): void {
    const w = this.w;
    const items = v.items;
    if (items.length === 0) {
      w.u8(Tag.NIL_EXT);
      return;
    }
    // term_to_binary writes a proper list of at most 65535 bytes as STRING_EXT.
    if (items.length <= 0xffff && items.every(isByte)) {
      w.u8(Tag.STRING_EXT);
      w.u16(items.length);
      for (const item of items) w.u8(Number(item));
      return;
    }
    w.u8(Tag.LIST_EXT);
    w.u32(items.length);
    this.push(v, new Frame(LIST, items, undefined, false));
  }

  private binary(v: Uint8Array): void {
    if (v.length > 0xffff_ffff) this.fail(v, 'a binary of 4 GiB or more does not fit the format');
    this.w.u8(Tag.BINARY_EXT);
    this.w.u32(v.length);
    this.w.bytes(v);
  }

  private bitBinary(v: BitBinary): void {
    const w = this.w;
    const bytes = v.bytes;
    if (v.bitsInLastByte === 8) {
      this.binary(bytes);
      return;
    }
    if (bytes.length > 0xffff_ffff) this.fail(v, 'a bitstring of 4 GiB or more does not fit the format');
    w.u8(Tag.BIT_BINARY_EXT);
    w.u32(bytes.length);
    w.u8(v.bitsInLastByte);
    w.bytes(bytes.subarray(0, -1));
    // The unused low bits go out as zeros, as Erlang writes them.
    w.u8((bytes.at(-1) ?? 0) & ((0xff << (8 - v.bitsInLastByte)) & 0xff));
  }

  private map(v: object, entries: [unknown, unknown][], plainObject: boolean): void {
    const w = this.w;
    w.u8(Tag.MAP_EXT);
    w.u32(entries.length);
    if (entries.length === 0) return;
    // Keys of a plain object are distinct strings, so distinct atoms; a Map's
    // keys may be distinct JS values and the same term (1 and 1n, 'true' and
    // true, two equal tuples): Erlang refuses such a map, so find them here.
    const small = entries.length <= FLATMAP_MAX_KEYS;
    if (small || !plainObject) {
      const resolve = this.encodeOther;
      const depth = this.maxDepth - this.stack.length;
      const sorted = small ? entries : [...entries];
      try {
        sortEntries(sorted, resolve, depth);
        for (let i = 1; i < sorted.length; i++) {
          if (compareTerms(sorted[i - 1]?.[0], sorted[i]?.[0], resolve, depth) === 0) {
            this.fail(v, `two keys are the same Erlang term (${describeKey(sorted[i]?.[0])})`);
          }
        }
      } catch (e) {
        if (!(e instanceof TermOrderFailure)) throw e;
        if (e.why === 'too_deep') this.fail(v, `a key nests deeper than maxDepth (${this.maxDepth})`);
        throw new EtfEncodeError(
          `${this.path()}.keys()`,
          describeJsType(e.value),
          'a key holds a value with no Erlang form (an encodeOther option can map it)',
        );
      }
    }
    const children: unknown[] = [];
    for (const [key, value] of entries) children.push(key, value);
    this.push(v, new Frame(MAP, children, undefined, plainObject));
  }

  private pid(v: ExternalPid): void {
    const w = this.w;
    w.u8(Tag.NEW_PID_EXT);
    this.atom(v.node, v);
    w.u32(v.id);
    w.u32(v.serial);
    w.u32(v.creation);
  }

  private ref(v: ExternalRef): void {
    const w = this.w;
    w.u8(Tag.NEWER_REFERENCE_EXT);
    w.u16(v.ids.length);
    this.atom(v.node, v);
    w.u32(v.creation);
    for (const id of v.ids) w.u32(id);
  }

  private port(v: ExternalPort): void {
    const w = this.w;
    // As OTP 25 does: NEW_PORT_EXT while the id fits its 28 significant bits, else V4_PORT_EXT.
    const wide = BigInt(v.id) > 0x0fff_ffffn;
    w.u8(wide ? Tag.V4_PORT_EXT : Tag.NEW_PORT_EXT);
    this.atom(v.node, v);
    if (wide) w.u64(BigInt(v.id));
    else w.u32(Number(v.id));
    w.u32(v.creation);
  }
}

function isByte(x: unknown): boolean {
  if (typeof x === 'number') return Number.isInteger(x) && x >= 0 && x <= 255;
  return typeof x === 'bigint' && x >= 0n && x <= 255n;
}

/**
 * Encodes `term` without the leading version byte: what follows a
 * distribution header, or one of several terms written into one packet.
 * Never compresses. See {@link encodeTerm} for the mapping.
 *
 * @example
 * ```ts
 * encodeTermBody('ok'); // <Buffer 77 02 6f 6b>
 * // Erlang: <<131, Body/binary>> = term_to_binary(ok, [{minor_version, 2}])
 * ```
 */
export function encodeTermBody(term: unknown, options: EncodeOptions = {}): Buffer {
  checkOptions('encodeTermBody', options);
  return withWriter((w) => {
    new Encoder(w, options).encode(term);
    return w.copy();
  });
}

/** The writer terms are encoded into, reused; busy while an encoding runs. */
let shared: ByteWriter | undefined;
let sharedBusy = false;
/** A writer grown past this is dropped after use: one huge term should not pin its memory. */
const SHARED_WRITER_MAX = 1024 * 1024;

/**
 * Runs `f` with the shared writer, emptied; or with a new one when the shared
 * one is busy (an `encodeOther` hook that encodes a term itself).
 */
function withWriter<T>(f: (w: ByteWriter) => T): T {
  if (sharedBusy) return f(new ByteWriter());
  sharedBusy = true;
  const w = shared ?? new ByteWriter(4096);
  w.reset();
  try {
    return f(w);
  } finally {
    shared = w.capacity > SHARED_WRITER_MAX ? undefined : w;
    sharedBusy = false;
  }
}

/**
 * Encodes `term` in Erlang's external term format, with the version byte 131
 * in front: the bytes `term_to_binary(T, [{minor_version, 2}])` gives for the
 * same term (for maps of more than 32 keys, Erlang writes its own hash order
 * and this writes the Map's order: equal terms, other bytes). The mapping from
 * JS values is in this module's index. Throws EtfEncodeError for a value with
 * no Erlang form, naming where it sits.
 *
 * @example
 * ```ts
 * encodeTerm(['ok', 42]); // <Buffer 83 68 02 77 02 6f 6b 61 2a>, term_to_binary({ok, 42}, [{minor_version, 2}])
 * encodeTerm(charlist('a'.repeat(1000)), { compressed: true }); // 25 bytes, as term_to_binary(lists:duplicate(1000, $a), [compressed])
 * encodeTerm({ id: 7 }); // a plain object is a map with atom keys: #{id => 7}
 * ```
 */
export function encodeTerm(term: unknown, options: EncodeOptions = {}): Buffer {
  checkOptions('encodeTerm', options);
  const plain = withWriter((w) => {
    w.u8(VERSION);
    new Encoder(w, options).encode(term);
    return w.copy();
  });
  const level = options.compressed === true ? 6 : options.compressed === false ? 0 : (options.compressed ?? 0);
  if (level === 0) return plain;
  // As erts does: compress into at most (size - 5) bytes, else stay uncompressed.
  const body = plain.subarray(1);
  const deflated = deflateSync(body, { level });
  if (deflated.length > body.length - 5) return plain;
  const out = Buffer.alloc(6 + deflated.length);
  out[0] = VERSION;
  out[1] = Tag.COMPRESSED;
  out.writeUInt32BE(body.length, 2);
  deflated.copy(out, 6);
  return out;
}
