import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import {
  BitBinary,
  charlist,
  DEFAULT_MAX_DEPTH,
  decodeTerm,
  decodeTermAt,
  ErlangFloat,
  ErlangFun,
  ErlangList,
  EtfDecodeError,
  type EtfDecodeReason,
  EtfEncodeError,
  ExternalPid,
  ExternalPort,
  ExternalRef,
  encodeTerm,
  ImproperList,
  MAX_BIG_BYTES,
} from '../../src/distribution/etf/index.js';

// Bytes from a peer are hostile until read. Whatever they are, the decoder
// gives a value or an EtfDecodeError (never a RangeError, a TypeError or a
// stack overflow), checks lengths before allocating, and stops at maxDepth.

/** `fun() -> ok end` as OTP 25's term_to_binary(F, [{minor_version, 2}]) wrote it. */
const LOCAL_FUN = Buffer.from(
  '83700000008800065361aa461590d1bdf1eb62d1a6eb080000002b00000001770865726c5f6576616c612b6200329b0d58770d6e6f6e6f6465406e6f686f7374000000090000000000000000680661026a77046e6f6e6577046e6f6e6574000000006c0000000168057706636c6175736561026a6a6c000000016803770461746f6d610277026f6b6a6a',
  'hex',
);
/** `fun lists:map/2`. */
const EXPORT_FUN = Buffer.from('837177056c6973747377036d61706102', 'hex');

const list = (...items: unknown[]) => new ErlangList(items);

/** Valid terms of every kind, encoded: the material the hostile inputs are cut and mutated from. */
const valid: Buffer[] = [
  encodeTerm([
    'ok',
    -1,
    255,
    2 ** 40,
    2n ** 300n,
    -(2n ** 2100n),
    1.5,
    new ErlangFloat(1),
    'héllo😀',
    true,
    Buffer.from('bin'),
    new BitBinary(Buffer.from([0xff, 0xe0]), 3),
    list(1, 2, 3),
    charlist('x😀'),
    new ImproperList([1, 'a'], 'tail'),
    new Map<unknown, unknown>([
      ['k', [1, list()]],
      [list(1), new Map()],
    ]),
    new ExternalPid('a@h', 1, 2, 3),
    new ExternalRef('a@h', 4, [5, 6, 7]),
    new ExternalPort('a@h', 2n ** 40n, 8),
    new ExternalPort('a@h', 9, 8),
    [],
  ]),
  encodeTerm(new Map(Array.from({ length: 40 }, (_, i) => [i, `v${i}`] as const))),
  encodeTerm(new ErlangList(Array.from({ length: 300 }, (_, i) => ['t', i]))),
  encodeTerm(new ErlangList(Array.from({ length: 200 }, () => 'abcabc')), { compressed: true }),
  LOCAL_FUN,
  EXPORT_FUN,
  Buffer.from([131, 99, ...Buffer.from('2.50000000000000000000e+00'), 0, 0, 0, 0, 0]),
  Buffer.from([131, 103, 119, 3, 97, 64, 104, 0, 0, 0, 5, 0, 0, 0, 6, 2]),
  Buffer.from([131, 101, 119, 3, 97, 64, 104, 0, 0, 0, 5, 2]),
  Buffer.from([131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 107, 0, 2, 1, 2]),
];

/** Decodes `b`: a value, or an EtfDecodeError; anything else fails the test. */
function decodeOrError(b: Uint8Array): { value: unknown } | { error: EtfDecodeError } {
  try {
    return { value: decodeTerm(b) };
  } catch (e) {
    if (e instanceof EtfDecodeError) return { error: e };
    throw new assert.AssertionError({ message: `decoding ${Buffer.from(b).toString('hex')} threw ${String(e)}` });
  }
}

function assertRefused(bytes: number[] | Buffer, reason: EtfDecodeReason, options = {}): EtfDecodeError {
  let error: unknown;
  try {
    decodeTerm(Buffer.from(bytes), options);
  } catch (e) {
    error = e;
  }
  assert.ok(
    error instanceof EtfDecodeError,
    `${Buffer.from(bytes).toString('hex').slice(0, 80)} refused, got ${String(error)}`,
  );
  assert.equal(error.reason, reason, error.message);
  return error;
}

describe('ETF decoder on hostile bytes', () => {
  it('every valid term decodes (the material below is sound)', () => {
    for (const b of valid) assert.ok('value' in decodeOrError(b), b.toString('hex'));
  });

  it('a term cut at any point is an EtfDecodeError, from decodeTerm and decodeTermAt', () => {
    let cuts = 0;
    for (const b of valid) {
      for (let n = 0; n < b.length; n++) {
        const cut = b.subarray(0, n);
        const outcome = decodeOrError(cut);
        assert.ok('error' in outcome, `${b.toString('hex')} cut at ${n} decoded`);
        assert.throws(() => decodeTermAt(cut, 0), EtfDecodeError);
        cuts++;
      }
    }
    assert.ok(cuts > 3000, `${cuts} cut points`);
  });

  it('random byte mutations give a value or an EtfDecodeError; a value re-encodes or gives an EtfEncodeError', () => {
    const mutation = fc.tuple(
      fc.nat({ max: valid.length - 1 }),
      fc.array(
        fc.record({ at: fc.nat(), kind: fc.constantFrom('set', 'insert', 'delete'), byte: fc.nat({ max: 255 }) }),
        { minLength: 1, maxLength: 4 },
      ),
    );
    fc.assert(
      fc.property(mutation, ([which, edits]) => {
        const bytes = [...(valid[which] as Buffer)];
        for (const { at, kind, byte } of edits) {
          const i = at % (bytes.length + 1);
          if (kind === 'set') bytes[Math.min(i, bytes.length - 1)] = byte;
          else if (kind === 'insert') bytes.splice(i, 0, byte);
          else bytes.splice(i, 1);
        }
        const outcome = decodeOrError(Buffer.from(bytes));
        if ('value' in outcome) {
          try {
            encodeTerm(outcome.value);
          } catch (e) {
            assert.ok(e instanceof EtfEncodeError, `re-encoding threw ${String(e)}`);
          }
        }
      }),
      { seed: 424242, numRuns: 5000 },
    );
  });

  it('random bytes after the version byte give a value or an EtfDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        decodeOrError(Buffer.from([131, ...b]));
      }),
      { seed: 7, numRuns: 5000 },
    );
  });

  it('lengths of 2^32-1 with few bytes behind them are refused before anything is allocated', () => {
    const max = [255, 255, 255, 255];
    const before = process.memoryUsage();
    for (const bytes of [
      [131, 109, ...max, 1, 2, 3], // binary
      [131, 77, ...max, 3, 1, 2], // bitstring
      [131, 108, ...max, 97, 1], // list
      [131, 105, ...max, 97, 1], // tuple
      [131, 116, ...max, 97, 1, 97, 2], // map
      [131, 104, 255, 97, 1], // small tuple of 255
    ]) {
      assertRefused(bytes, 'bad_length');
    }
    assertRefused([131, 111, ...max, 0, 1], 'bad_length'); // integer beyond Erlang's largest
    assertRefused([131, 111, 0, 0x3f, 0xff, 0, 0, 1], 'truncated'); // integer of 4 MiB, 2 bytes given
    assertRefused([131, 112, ...max, 1], 'bad_length'); // fun
    assertRefused([131, 107, 255, 255, 97], 'truncated'); // string of 65535
    assertRefused([131, 118, 255, 255, 97], 'truncated'); // atom of 65535 bytes
    assertRefused([131, 80, ...max, 120, 156], 'too_large'); // compressed, 4 GiB stated
    const grown = process.memoryUsage().arrayBuffers - before.arrayBuffers;
    assert.ok(grown < 16 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
  });

  it('a compressed term that inflates past its stated size stops at that size', () => {
    const bomb = deflateSync(Buffer.concat([Buffer.from([109, 0, 0x40, 0, 0]), Buffer.alloc(4 * 1024 * 1024)]));
    const stated = Buffer.from([131, 80, 0, 0, 4, 0]); // 1024 bytes stated
    assert.ok(bomb.length < 10_000);
    assertRefused(Buffer.concat([stated, bomb]), 'too_large');
    // Stating the true size but more than maxSize allows is refused before inflating.
    const size = Buffer.alloc(4);
    size.writeUInt32BE(5 + 4 * 1024 * 1024);
    assertRefused(Buffer.concat([Buffer.from([131, 80]), size, bomb]), 'too_large', { maxSize: 1024 * 1024 });
    // Within maxSize it decodes.
    assert.equal((decodeTerm(Buffer.concat([Buffer.from([131, 80]), size, bomb])) as Buffer).length, 4 * 1024 * 1024);
    // A stated size larger than the data, or zlib garbage, or a cut stream.
    assertRefused([131, 80, 0, 0, 0, 9, ...deflateSync(Buffer.from([97, 1]))], 'bad_length');
    assertRefused([131, 80, 0, 0, 0, 2, 1, 2, 3, 4], 'bad_value');
    assertRefused([131, 80, 0, 0, 0, 2, ...deflateSync(Buffer.from([97, 1])).subarray(0, 5)], 'truncated');
    assertRefused([131, 80, 0, 0, 0, 3, ...deflateSync(Buffer.from([97, 1, 0]))], 'trailing_bytes');
    assertRefused([131, 80, 0, 0, 0, 0], 'bad_length');
  });

  it('nesting deeper than maxDepth is refused, without recursion', () => {
    const depth = 100_000;
    const tuples = Buffer.concat([
      Buffer.from([131]),
      Buffer.alloc(depth * 2, Buffer.from([104, 1])),
      Buffer.from([106]),
    ]);
    const error = assertRefused(tuples, 'too_deep');
    assert.equal(error.offset, 1 + DEFAULT_MAX_DEPTH * 2, 'found at the first container past the limit');
    const lists = Buffer.concat([
      Buffer.from([131]),
      Buffer.alloc(depth * 5, Buffer.from([108, 0, 0, 0, 1])),
      Buffer.from([106]),
      Buffer.alloc(depth, 106),
    ]);
    assertRefused(lists, 'too_deep');
    const maps = Buffer.concat([
      Buffer.from([131]),
      Buffer.alloc(depth * 7, Buffer.from([116, 0, 0, 0, 1, 97, 1])),
      Buffer.from([106]),
    ]);
    assertRefused(maps, 'too_deep');
    assertRefused(Buffer.from([131, 104, 1, 104, 1, 106]), 'too_deep', { maxDepth: 1 });
    // Allowed deeper, the same bytes decode: the decoder keeps its own stack.
    let term = decodeTerm(tuples, { maxDepth: depth });
    for (let i = 0; i < depth; i++) term = (term as unknown[])[0];
    assert.deepStrictEqual(term, list());
  });

  it('a list whose tail is a list, 100,000 times over, is one long list, read in linear time', () => {
    const n = 100_000;
    const bytes = Buffer.concat([
      Buffer.from([131]),
      Buffer.alloc(n * 7, Buffer.from([108, 0, 0, 0, 1, 97, 7])),
      Buffer.from([106]),
    ]);
    const started = performance.now();
    const term = decodeTerm(bytes) as ErlangList;
    assert.equal(term.items.length, n);
    assert.ok(performance.now() - started < 2000, 'linear, not quadratic');
  });

  it('refuses each kind of malformed term with its reason and offset', () => {
    assertRefused([], 'truncated');
    assertRefused([130, 97, 1], 'bad_version');
    assertRefused([131, 97, 1, 0], 'trailing_bytes');
    const trailing = assertRefused([131, 97, 1, 0], 'trailing_bytes');
    assert.equal(trailing.offset, 3);
    // Atoms
    assertRefused([131, 118, 1, 0, ...Buffer.alloc(256, 97)], 'atom_too_long');
    assertRefused([131, 100, 1, 0, ...Buffer.alloc(256, 97)], 'atom_too_long');
    assertRefused([131, 118, 4, 0, ...Buffer.alloc(1024, 97)], 'atom_too_long');
    assertRefused([131, 118, 2, 0, ...Buffer.from('é'.repeat(256))], 'atom_too_long');
    assertRefused([131, 119, 2, 255, 255], 'invalid_utf8');
    assertRefused([131, 119, 2, 0xc0, 0x80], 'invalid_utf8'); // overlong NUL
    assertRefused([131, 119, 3, 0xed, 0xa0, 0x80], 'invalid_utf8'); // a surrogate
    assertRefused([131, 119, 1, 0xc3], 'invalid_utf8'); // a cut character
    assertRefused([131, 88, 119, 2, 0xc3, 0x28, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3], 'invalid_utf8'); // in a node name
    assertRefused([131, 88, 119, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3], 'bad_value'); // empty node name
    assertRefused([131, 88, 97, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3], 'unknown_tag'); // node name not an atom
    assertRefused([131, 82, 0], 'unknown_tag'); // ATOM_CACHE_REF without a cache
    // Numbers
    assertRefused([131, 70, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0], 'bad_value'); // +Infinity
    assertRefused([131, 70, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], 'bad_value'); // NaN
    assertRefused([131, 99, ...Buffer.from('inf'), ...Buffer.alloc(28)], 'bad_value');
    assertRefused([131, 99, ...Buffer.from('1e999'), ...Buffer.alloc(26)], 'bad_value');
    assertRefused([131, 99, ...Buffer.from('0x10'), ...Buffer.alloc(27)], 'bad_value');
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(MAX_BIG_BYTES + 1);
    assertRefused([131, 111, ...huge, 0, 1], 'bad_length');
    // Bitstrings
    assertRefused([131, 77, 0, 0, 0, 1, 0, 1], 'bad_value');
    assertRefused([131, 77, 0, 0, 0, 1, 9, 1], 'bad_value');
    assertRefused([131, 77, 0, 0, 0, 0, 3], 'bad_value');
    // Maps
    assertRefused([131, 116, 0, 0, 0, 2, 97, 1, 97, 2, 97, 1, 97, 3], 'bad_value');
    assertRefused(
      [131, 116, 0, 0, 0, 2, 119, 4, 116, 114, 117, 101, 97, 2, 100, 0, 4, 116, 114, 117, 101, 97, 3],
      'bad_value',
    );
    // References
    assertRefused([131, 90, 0, 0, 119, 3, 97, 64, 104, 0, 0, 0, 1], 'bad_length');
    assertRefused([131, 90, 0, 6, 119, 3, 97, 64, 104, 0, 0, 0, 1, ...Buffer.alloc(24)], 'bad_length');
    // Funs
    assertRefused([131, 113, 119, 1, 109, 119, 1, 102, 98, 0, 0, 0, 2], 'bad_value'); // arity not a small integer
    assertRefused([131, 112, 0, 0, 0, 10, ...Buffer.alloc(6)], 'bad_length'); // size too small
    assertRefused([131, 117, 0, 0, 0, 0], 'unknown_tag'); // FUN_EXT, gone since OTP 23
    // Tags no term has
    assertRefused([131, 121, 1, 2, 3], 'unknown_tag'); // LOCAL_EXT
    assertRefused([131, 68, 0], 'unknown_tag'); // a distribution header is no term
    assertRefused([131, 104, 1, 80, 0, 0, 0, 1, 120, 156], 'unknown_tag'); // compressed inside a term
    const tags = new Set([
      70, 77, 80, 82, 88, 89, 90, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114,
      115, 116, 118, 119, 120,
    ]);
    for (let tag = 0; tag < 256; tag++) {
      if (!tags.has(tag)) assertRefused([131, tag, 0, 0, 0, 0, 0, 0, 0, 0], 'unknown_tag');
    }
  });

  it('decoded funs hold their bytes and encode back to them', () => {
    for (const b of [LOCAL_FUN, EXPORT_FUN]) {
      const fun = decodeTerm(b);
      assert.ok(fun instanceof ErlangFun);
      assert.deepEqual(encodeTerm(fun), b);
    }
  });
});
