import { inspect } from 'node:util';
import { BadArgError } from '../../runtime/errors.js';
import { ErlangList } from '../../runtime/format.js';

/**
 * The JS forms of the Erlang terms that have no native JS form: integral
 * floats, bitstrings, improper lists, other nodes' pids, refs and ports, and
 * funs. Each checks its fields when made, so an encoder given one never
 * meets a value it cannot write.
 */

const inspectSymbol = inspect.custom;
const U32_MAX = 0xffff_ffff;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

function isU32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= U32_MAX;
}

function checkU32(fn: string, argument: string, n: unknown): void {
  if (!isU32(n)) throw new BadArgError(fn, argument, `must be an integer in 0..2^32-1, got ${String(n)}`);
}

function checkNode(fn: string, node: unknown): void {
  if (typeof node !== 'string' || node === '') {
    throw new BadArgError(fn, 'node', 'must be a node name such as "a@localhost"');
  }
}

/**
 * An Erlang float. A plain JS number that is not integral already encodes as
 * a float; this wrapper is for the floats a JS number cannot tell from an
 * integer: `1.0`, `-0.0`, `1.0e20`. The decoder gives one for every integral
 * float, so that re-encoding it writes a float again.
 *
 * @example
 * ```ts
 * encodeTerm(new ErlangFloat(1)); // the float 1.0, not the integer 1
 * decodeTerm(encodeTerm(new ErlangFloat(1))); // ErlangFloat(1.0)
 * decodeTerm(encodeTerm(2.5)); // 2.5, a plain number: it is not integral
 * Number(new ErlangFloat(2)) * 3; // 6: valueOf gives the number
 * ```
 */
export class ErlangFloat {
  /** The float's value; always finite, as Erlang floats are. */
  readonly value: number;
  constructor(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new BadArgError(
        'ErlangFloat',
        'value',
        `must be a finite number (Erlang has no NaN or infinity), got ${value}`,
      );
    }
    this.value = value;
  }

  /** The float as a JS number, so that `Number(f)`, `+f` and comparisons see its value. */
  valueOf(): number {
    return this.value;
  }

  /** As Erlang would print it, near enough: `1.0`, `-0.0`, `2.5`, `1.0e21`. */
  toString(): string {
    if (Object.is(this.value, -0)) return '-0.0';
    const text = String(this.value);
    if (/[.e]/.test(text)) return text.replace(/e\+?/, 'e').replace(/^(-?\d+)e/, '$1.0e');
    return `${text}.0`;
  }

  [inspectSymbol](): string {
    return `ErlangFloat(${this.toString()})`;
  }
}

/**
 * A bitstring whose length in bits is not a multiple of 8: Erlang's `<<5:3>>`
 * is `new BitBinary(Buffer.from([0b1010_0000]), 3)`. The bits sit at the top of
 * the last byte, as in the external format; the encoder writes the unused low
 * bits as zeros, as Erlang does, and the decoder clears them.
 *
 * `bitsInLastByte` 8 is a whole binary: it encodes as a binary and decodes as
 * a Buffer, because that is what the term is in Erlang.
 *
 * @example
 * ```ts
 * const b = new BitBinary(Buffer.from([0xff, 0b1010_0000]), 3); // Erlang's <<255, 5:3>>
 * b.bitLength; // 11, as bit_size(<<255, 5:3>>)
 * decodeTerm(encodeTerm(b)); // BitBinary<<255,5:3>>
 * ```
 */
export class BitBinary {
  constructor(
    /** The bytes; the last one holds `bitsInLastByte` bits, from its most significant bit down. */
    readonly bytes: Buffer,
    /** How many bits of the last byte belong to the bitstring, 1..8. */
    readonly bitsInLastByte: number,
  ) {
    if (!Buffer.isBuffer(bytes) || bytes.length === 0) {
      throw new BadArgError('BitBinary', 'bytes', 'must be a non-empty Buffer (an empty bitstring is an empty Buffer)');
    }
    if (!Number.isInteger(bitsInLastByte) || bitsInLastByte < 1 || bitsInLastByte > 8) {
      throw new BadArgError('BitBinary', 'bitsInLastByte', `must be an integer in 1..8, got ${bitsInLastByte}`);
    }
  }

  /** The length in bits, as Erlang's `bit_size/1` gives it. */
  get bitLength(): number {
    return (this.bytes.length - 1) * 8 + this.bitsInLastByte;
  }

  [inspectSymbol](): string {
    const whole = [...this.bytes.subarray(0, -1)];
    const last = (this.bytes.at(-1) ?? 0) >> (8 - this.bitsInLastByte);
    return `BitBinary<<${[...whole, `${last}:${this.bitsInLastByte}`].join(',')}>>`;
  }
}

/**
 * A list whose last tail is not `[]`: Erlang's `[a, b | c]` is
 * `new ImproperList(['a', 'b'], 'c')`. Proper lists are `ErlangList`s.
 * The tail cannot be a list (that would make a longer list: write it as one);
 * the decoder flattens such lists the same way.
 *
 * @example
 * ```ts
 * encodeTerm(new ImproperList([1, 2], 3)); // Erlang's [1, 2 | 3]
 * decodeTerm(encodeTerm(new ImproperList(['a'], 'b'))); // ImproperList['a', | 'b']
 * ```
 */
export class ImproperList {
  constructor(
    /** The elements before the tail; at least one. */
    readonly items: readonly unknown[],
    /** The final tail: any term but a list. */
    readonly tail: unknown,
  ) {
    if (!Array.isArray(items) || items.length === 0) {
      throw new BadArgError('ImproperList', 'items', 'must be a non-empty array (a list with no elements is its tail)');
    }
    if (tail instanceof ErlangList || tail instanceof ImproperList) {
      throw new BadArgError('ImproperList', 'tail', 'must not be a list: join the two lists into one instead');
    }
  }

  [inspectSymbol](_depth: number, options: object): string {
    return `ImproperList[${[...this.items.map((x) => inspect(x, options)), `| ${inspect(this.tail, options)}`].join(', ')}]`;
  }
}

/**
 * A process identifier as it travels between nodes (NEW_PID_EXT): the node it
 * lives on, two 32-bit numbers, and the node incarnation's `creation`.
 * The node layer maps these to and from beamish pids (the `decodePid` and
 * `encodeOther` options).
 *
 * @example
 * ```ts
 * const pid = new ExternalPid('a@localhost', 85, 0, 1700000000);
 * String(pid); // '<a@localhost.85.0>'
 * pid.equals(decodeTerm(encodeTerm(pid))); // true
 * ```
 */
export class ExternalPid {
  constructor(
    /** The node the process lives on, e.g. `'a@localhost'`. */
    readonly node: string,
    /** The process number on that node (32 bits). */
    readonly id: number,
    /** The serial (32 bits). */
    readonly serial: number,
    /** The node incarnation (32 bits); 0 is reserved. */
    readonly creation: number,
  ) {
    checkNode('ExternalPid', node);
    checkU32('ExternalPid', 'id', id);
    checkU32('ExternalPid', 'serial', serial);
    checkU32('ExternalPid', 'creation', creation);
  }

  /** Whether `other` names the same process. */
  equals(other: unknown): boolean {
    return (
      other instanceof ExternalPid &&
      other.node === this.node &&
      other.id === this.id &&
      other.serial === this.serial &&
      other.creation === this.creation
    );
  }

  /** `<node.id.serial>`, Erlang's `<0.85.0>` with the node name in place of its index. */
  toString(): string {
    return `<${this.node}.${this.id}.${this.serial}>`;
  }

  [inspectSymbol](): string {
    return `ExternalPid${this.toString()}`;
  }
}

/**
 * A reference as it travels between nodes (NEWER_REFERENCE_EXT): the node
 * that made it, its incarnation, and up to five 32-bit words (three from
 * `make_ref()`, more for process-bound refs such as aliases).
 *
 * @example
 * ```ts
 * const ref = new ExternalRef('a@localhost', 1700000000, [158_421, 3_291_807_745, 2_154_561_121]);
 * String(ref); // '#Ref<a@localhost.2154561121.3291807745.158421>'
 * ref.equals(decodeTerm(encodeTerm(ref))); // true
 * ```
 */
export class ExternalRef {
  constructor(
    /** The node that made the reference. */
    readonly node: string,
    /** The node incarnation (32 bits). */
    readonly creation: number,
    /** The reference's words, 1 to 5 of them, each 32 bits. */
    readonly ids: readonly number[],
  ) {
    checkNode('ExternalRef', node);
    checkU32('ExternalRef', 'creation', creation);
    // No reference has no words, and OTP 25 crashes (SIGSEGV) reading one in
    // some places, such as a value in a map of more than 32 keys.
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 5 || !ids.every(isU32)) {
      throw new BadArgError('ExternalRef', 'ids', 'must be an array of 1 to 5 integers in 0..2^32-1');
    }
  }

  /** Whether `other` is the same reference. */
  equals(other: unknown): boolean {
    return (
      other instanceof ExternalRef &&
      other.node === this.node &&
      other.creation === this.creation &&
      other.ids.length === this.ids.length &&
      other.ids.every((id, i) => id === this.ids[i])
    );
  }

  /** `#Ref<node.w2.w1.w0>`: the words last first, as Erlang prints `#Ref<0.w2.w1.w0>`. */
  toString(): string {
    return `#Ref<${this.node}.${[...this.ids].reverse().join('.')}>`;
  }

  [inspectSymbol](): string {
    return `ExternalRef${this.toString()}`;
  }
}

/**
 * A port identifier as it travels between nodes: the node, a 64-bit id
 * (a number when it is a safe integer, else a bigint) and the incarnation.
 * Erlang forbids port operations across nodes; ports only travel as data.
 *
 * @example
 * ```ts
 * const port = new ExternalPort('a@localhost', 3, 1700000000);
 * String(port); // '#Port<a@localhost.3>'
 * port.equals(decodeTerm(encodeTerm(port))); // true
 * ```
 */
export class ExternalPort {
  constructor(
    /** The node the port belongs to. */
    readonly node: string,
    /** The port number (64 bits): a number when it is a safe integer, else a bigint. */
    readonly id: number | bigint,
    /** The node incarnation (32 bits). */
    readonly creation: number,
  ) {
    checkNode('ExternalPort', node);
    const ok = typeof id === 'bigint' ? id >= 0n && id <= U64_MAX : Number.isSafeInteger(id) && (id as number) >= 0;
    if (!ok) throw new BadArgError('ExternalPort', 'id', `must be an integer in 0..2^64-1, got ${String(id)}`);
    checkU32('ExternalPort', 'creation', creation);
  }

  /** Whether `other` is the same port. */
  equals(other: unknown): boolean {
    return (
      other instanceof ExternalPort &&
      other.node === this.node &&
      BigInt(other.id) === BigInt(this.id) &&
      other.creation === this.creation
    );
  }

  /** `#Port<node.id>`, Erlang's `#Port<0.3>` with the node name in place of its index. */
  toString(): string {
    return `#Port<${this.node}.${this.id}>`;
  }

  [inspectSymbol](): string {
    return `ExternalPort${this.toString()}`;
  }
}

/** The first byte of a local fun's encoding (NEW_FUN_EXT). */
const NEW_FUN_EXT = 112;
/** The first byte of an external fun's encoding (EXPORT_EXT). */
const EXPORT_EXT = 113;

/**
 * An Erlang fun, kept as its encoding: a local fun (`fun() -> ... end`,
 * NEW_FUN_EXT) or an external one (`fun lists:map/2`, EXPORT_EXT). JS cannot
 * call it, but can hold it and send it back: it re-encodes byte for byte.
 *
 * @example
 * ```ts
 * // term_to_binary(fun erlang:self/0) in Erlang (OTP 25):
 * const bytes = Buffer.from([131, 113, 100, 0, 6, 101, 114, 108, 97, 110, 103, 100, 0, 4, 115, 101, 108, 102, 97, 0]);
 * const fun = decodeTerm(bytes) as ErlangFun;
 * fun.kind; // 'export'
 * encodeTerm(fun).equals(bytes); // true: it goes back as it came
 * ```
 */
export class ErlangFun {
  constructor(
    /** The fun's encoding, from its tag byte (112 or 113) to its end, without the version byte. */
    readonly bytes: Buffer,
  ) {
    if (!Buffer.isBuffer(bytes) || (bytes[0] !== NEW_FUN_EXT && bytes[0] !== EXPORT_EXT)) {
      throw new BadArgError(
        'ErlangFun',
        'bytes',
        'must be a Buffer holding a NEW_FUN_EXT (112) or EXPORT_EXT (113) term',
      );
    }
  }

  /** `'export'` for `fun M:F/A`, `'local'` for the others. */
  get kind(): 'local' | 'export' {
    return this.bytes[0] === EXPORT_EXT ? 'export' : 'local';
  }

  /** Whether `other` is the same fun (the same encoding). */
  equals(other: unknown): boolean {
    return other instanceof ErlangFun && other.bytes.equals(this.bytes);
  }

  [inspectSymbol](): string {
    return `ErlangFun<${this.kind}, ${this.bytes.length} bytes>`;
  }
}

/**
 * An Erlang string, that is a list of character codes, from a JS string:
 * `charlist('héllo')` is Erlang's `"héllo"` (`[104,233,108,108,111]`).
 * JS strings otherwise encode as atoms.
 *
 * @example
 * ```ts
 * encodeTerm(charlist('abc')); // <Buffer 83 6b 00 03 61 62 63>, the bytes of term_to_binary("abc")
 * charlist('héllo').items; // [104, 233, 108, 108, 111]
 * encodeTerm('abc'); // the atom abc, not a string
 * ```
 */
export function charlist(s: string): ErlangList {
  if (typeof s !== 'string') throw new BadArgError('charlist', 's', 'must be a string');
  const codes: number[] = [];
  for (const ch of s) codes.push(ch.codePointAt(0) ?? 0);
  return new ErlangList(codes);
}
