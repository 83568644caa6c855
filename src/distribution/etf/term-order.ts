import { ErlangList } from '../../runtime/format.js';
import { readAtom } from './atoms.js';
import { decodeTermBodyAt } from './decode.js';
import { BitBinary, ErlangFloat, ErlangFun, ExternalPid, ExternalPort, ExternalRef, ImproperList } from './terms.js';

/**
 * Erlang's term order, as map keys use it, for the JS forms of terms.
 *
 * `term_to_binary` writes a map of up to 32 keys with its keys sorted in this
 * order (a "flatmap"), so an encoder that wants the same bytes must sort the
 * same way. Map-key order is Erlang's exact order: all integers come before
 * all floats (`maps:keys(#{1.0 => a, 2 => b})` is `[2, 1.0]`).
 *
 * The order, checked against OTP 25: number < atom < reference < fun < port
 * < pid < tuple < map < [] < list < bitstring, and within each kind:
 * - integers by value, then floats by value (-0.0 equal to 0.0, as in OTP 25);
 * - atoms by their UTF-8 bytes (which is code point order);
 * - references by node name, creation, word count, then words from the last;
 * - ports by node name, creation, id; pids by serial, id, node name, creation;
 * - funs: local funs before `fun M:F/A`s; these by module, name, arity; local
 *   funs by module, index, OldUniq, number of captured values, then those values;
 * - tuples by size then elements; maps by size, then keys, then values;
 *   lists element by element, then by tail; bitstrings bit by bit, shorter first.
 */

const INT = 0;
const FLOAT = 1;
const ATOM = 2;
const REF = 3;
const FUN = 4;
const PORT = 5;
const PID = 6;
const TUPLE = 7;
const MAP = 8;
const NIL = 9;
const LIST = 10;
const BITSTRING = 11;
const UNKNOWN = 12;

/** Thrown by {@link compareTerms} for a value with no Erlang form, or nesting past the depth limit. */
export class TermOrderFailure extends Error {
  constructor(
    readonly why: 'unknown' | 'too_deep',
    readonly value: unknown,
  ) {
    super(why === 'unknown' ? 'a map key holds a value with no Erlang form' : 'a map key nests too deeply');
  }
}

/** The rest of a list from element `start` on, so lists compare as Erlang's cons cells do. */
class ListRest {
  constructor(
    readonly items: readonly unknown[],
    readonly start: number,
    /** The final tail; `NIL_TAIL` for a proper list. */
    readonly tail: unknown,
  ) {}
}

const NIL_TAIL = new ErlangList([]);

/** Whether `v` is an object literal (or `Object.create(null)`), which encodes as a map with atom keys. */
export function isPlainObject(v: object): v is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function rankOf(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? INT : FLOAT;
    case 'bigint':
      return INT;
    case 'string':
    case 'boolean':
    case 'undefined':
      return ATOM;
    case 'object':
      if (v === null) return UNKNOWN;
      if (Array.isArray(v)) return TUPLE;
      if (v instanceof ErlangList) return v.items.length === 0 ? NIL : LIST;
      if (v instanceof ListRest || v instanceof ImproperList) return LIST;
      if (v instanceof Map) return MAP;
      if (v instanceof Uint8Array || v instanceof BitBinary) return BITSTRING;
      if (v instanceof ErlangFloat) return FLOAT;
      if (v instanceof ExternalRef) return REF;
      if (v instanceof ErlangFun) return FUN;
      if (v instanceof ExternalPort) return PORT;
      if (v instanceof ExternalPid) return PID;
      if (isPlainObject(v)) return MAP;
      return UNKNOWN;
    default:
      return UNKNOWN;
  }
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares by code point (UTF-8 byte order), not by UTF-16 unit as `<` does. */
function compareAtomNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Move U+E000..U+FFFF below the surrogates, which stand for code points above U+FFFF.
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return sign(x - y);
  }
  return sign(a.length - b.length);
}

function atomName(v: string | boolean | undefined): string {
  return typeof v === 'string' ? v : String(v);
}

function compareNumbers(x: number | bigint, y: number | bigint): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareFloats(x: number, y: number): number {
  // -0.0 and 0.0 are equal here, so one map cannot hold both: OTP 25 refuses
  // such a map (binary_to_term raises badarg), though OTP 27 tells them apart.
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareBits(a: Uint8Array | BitBinary, b: Uint8Array | BitBinary): number {
  const aBytes = a instanceof BitBinary ? a.bytes : a;
  const bBytes = b instanceof BitBinary ? b.bytes : b;
  const aBits = a instanceof BitBinary ? a.bitLength : a.length * 8;
  const bBits = b instanceof BitBinary ? b.bitLength : b.length * 8;
  const common = Math.min(aBits, bBits);
  const whole = common >> 3;
  const byWhole = Buffer.compare(aBytes.subarray(0, whole), bBytes.subarray(0, whole));
  if (byWhole !== 0) return byWhole;
  const rest = common & 7;
  if (rest !== 0) {
    const mask = (0xff << (8 - rest)) & 0xff;
    const x = (aBytes[whole] ?? 0) & mask;
    const y = (bBytes[whole] ?? 0) & mask;
    if (x !== y) return sign(x - y);
  }
  return sign(aBits - bBits);
}

interface FunParts {
  export: boolean;
  module: string;
  name: string;
  arity: number;
  index: number;
  oldUniq: unknown;
  freeVars: unknown[];
}

/** The fields a fun's order looks at, read from its bytes; undefined if they do not parse. */
function funParts(fun: ErlangFun): FunParts | undefined {
  const b = fun.bytes;
  try {
    if (fun.kind === 'export') {
      const module = readAtom(b, 1, b.length);
      const name = readAtom(b, module.end, b.length);
      const arity = b[name.end + 1] ?? 0;
      return { export: true, module: module.name, name: name.name, arity, index: 0, oldUniq: 0, freeVars: [] };
    }
    // NEW_FUN_EXT: tag, size(4), arity(1), uniq(16), index(4), numFree(4), module, OldIndex, OldUniq, Pid, free vars.
    const numFree = b.readUInt32BE(26);
    const module = readAtom(b, 30, b.length);
    const oldIndex = decodeTermBodyAt(b, module.end);
    const oldUniq = decodeTermBodyAt(b, oldIndex.end);
    let at = decodeTermBodyAt(b, oldUniq.end).end;
    const freeVars: unknown[] = [];
    for (let i = 0; i < numFree; i++) {
      const v = decodeTermBodyAt(b, at);
      freeVars.push(v.term);
      at = v.end;
    }
    const index = b.readUInt32BE(22);
    return { export: false, module: module.name, name: '', arity: b[5] ?? 0, index, oldUniq: oldUniq.term, freeVars };
  } catch {
    return undefined;
  }
}

/**
 * Funs in the order OTP 25 gives them: local funs before external ones;
 * external funs by module, name and arity; local funs by module, index,
 * OldUniq, the number of captured values, then those values in term order
 * (the last step is returned as a tuple comparison for the caller to walk).
 */
function compareFuns(a: ErlangFun, b: ErlangFun): number | [unknown[], unknown[]] {
  const x = funParts(a);
  const y = funParts(b);
  if (x === undefined || y === undefined) return Buffer.compare(a.bytes, b.bytes);
  if (x.export !== y.export) return x.export ? 1 : -1;
  const byModule = compareAtomNames(x.module, y.module);
  if (byModule !== 0) return byModule;
  if (x.export) return compareAtomNames(x.name, y.name) || sign(x.arity - y.arity);
  const d =
    sign(x.index - y.index) ||
    compareNumbers(x.oldUniq as number, y.oldUniq as number) ||
    sign(x.freeVars.length - y.freeVars.length);
  return d !== 0 ? d : [x.freeVars, y.freeVars];
}

function compareRefs(a: ExternalRef, b: ExternalRef): number {
  const byNode = compareAtomNames(a.node, b.node) || sign(a.creation - b.creation) || sign(a.ids.length - b.ids.length);
  if (byNode !== 0) return byNode;
  for (let i = a.ids.length - 1; i >= 0; i--) {
    const d = sign((a.ids[i] ?? 0) - (b.ids[i] ?? 0));
    if (d !== 0) return d;
  }
  return 0;
}

/** The entries of a map term (a Map or a plain object), unsorted. */
export function mapEntries(v: Map<unknown, unknown> | Record<string, unknown>): [unknown, unknown][] {
  return v instanceof Map ? [...v.entries()] : Object.entries(v);
}

/**
 * Sorts map entries by key in Erlang's term order, in place. Throws
 * TermOrderFailure for a key holding a value with no Erlang form.
 */
export function sortEntries(
  entries: [unknown, unknown][],
  resolve?: (v: unknown) => unknown,
  maxDepth = 10_000,
): [unknown, unknown][] {
  return entries.sort((x, y) => compareTerms(x[0], y[0], resolve, maxDepth));
}

/**
 * Compares two terms in Erlang's (exact, map-key) term order: negative, 0 or
 * positive. `resolve` maps values with no Erlang form of their own (beamish
 * pids, say) to one, as the encoder's `encodeOther` does; a value it cannot
 * map throws TermOrderFailure. Walks with its own stack: deep terms cannot
 * overflow the JS stack, and nesting past `maxDepth` (or a cycle) throws.
 *
 * @example
 * compareTerms(2, new ErlangFloat(1)); // -1: integers before floats in map keys
 * compareTerms('b', ['a']); // -1: atoms before tuples
 */
export function compareTerms(a: unknown, b: unknown, resolve?: (v: unknown) => unknown, maxDepth = 10_000): number {
  const pending: unknown[] = [a, b, 0];
  while (pending.length > 0) {
    const depth = pending.pop() as number;
    let y = pending.pop();
    let x = pending.pop();
    if (depth > maxDepth) throw new TermOrderFailure('too_deep', x);
    let rx = rankOf(x);
    let ry = rankOf(y);
    if (rx === UNKNOWN && resolve !== undefined) {
      x = resolve(x);
      rx = x === undefined ? UNKNOWN : rankOf(x);
    }
    if (ry === UNKNOWN && resolve !== undefined) {
      y = resolve(y);
      ry = y === undefined ? UNKNOWN : rankOf(y);
    }
    if (rx === UNKNOWN) throw new TermOrderFailure('unknown', x);
    if (ry === UNKNOWN) throw new TermOrderFailure('unknown', y);
    if (rx !== ry) return sign(rx - ry);
    let d = 0;
    switch (rx) {
      case INT:
        d = compareNumbers(x as number | bigint, y as number | bigint);
        break;
      case FLOAT:
        d = compareFloats(Number(x), Number(y));
        break;
      case ATOM:
        d = compareAtomNames(atomName(x as string), atomName(y as string));
        break;
      case REF:
        d = compareRefs(x as ExternalRef, y as ExternalRef);
        break;
      case FUN: {
        const byFields = compareFuns(x as ErlangFun, y as ErlangFun);
        if (typeof byFields === 'number') d = byFields;
        else {
          const [p, q] = byFields;
          for (let i = p.length - 1; i >= 0; i--) pending.push(p[i], q[i], depth + 1);
        }
        break;
      }
      case PORT: {
        const p = x as ExternalPort;
        const q = y as ExternalPort;
        d = compareAtomNames(p.node, q.node) || sign(p.creation - q.creation) || compareNumbers(p.id, q.id);
        break;
      }
      case PID: {
        const p = x as ExternalPid;
        const q = y as ExternalPid;
        d =
          sign(p.serial - q.serial) ||
          sign(p.id - q.id) ||
          compareAtomNames(p.node, q.node) ||
          sign(p.creation - q.creation);
        break;
      }
      case TUPLE: {
        const p = x as unknown[];
        const q = y as unknown[];
        d = sign(p.length - q.length);
        if (d === 0) for (let i = p.length - 1; i >= 0; i--) pending.push(p[i], q[i], depth + 1);
        break;
      }
      case MAP: {
        const p = sortEntries(mapEntries(x as Map<unknown, unknown>), resolve, maxDepth - depth);
        const q = sortEntries(mapEntries(y as Map<unknown, unknown>), resolve, maxDepth - depth);
        d = sign(p.length - q.length);
        if (d !== 0) break;
        // Keys first (all of them), then values: push values first, as the stack pops last-in first.
        for (let i = p.length - 1; i >= 0; i--) pending.push(p[i]?.[1], q[i]?.[1], depth + 1);
        for (let i = p.length - 1; i >= 0; i--) pending.push(p[i]?.[0], q[i]?.[0], depth + 1);
        break;
      }
      case NIL:
        break;
      case LIST: {
        const p = listRest(x);
        const q = listRest(y);
        pending.push(restAfterHead(p), restAfterHead(q), depth);
        pending.push(p.items[p.start], q.items[q.start], depth + 1);
        break;
      }
      case BITSTRING:
        d = compareBits(x as Uint8Array, y as Uint8Array);
        break;
    }
    if (d !== 0) return d;
  }
  return 0;
}

function listRest(v: unknown): ListRest {
  if (v instanceof ListRest) return v;
  if (v instanceof ImproperList) return new ListRest(v.items, 0, v.tail);
  return new ListRest((v as ErlangList).items, 0, NIL_TAIL);
}

function restAfterHead(r: ListRest): unknown {
  return r.start + 1 < r.items.length ? new ListRest(r.items, r.start + 1, r.tail) : r.tail;
}
