import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  BitBinary,
  charlist,
  decodeTerm,
  decodeTermAt,
  decodeTermBodyAt,
  ErlangFloat,
  ErlangFun,
  ErlangList,
  EtfEncodeError,
  ExternalPid,
  ExternalPort,
  ExternalRef,
  encodeTerm,
  encodeTermBody,
  ImproperList,
} from '../../src/distribution/etf/index.js';
import { Pid } from '../../src/runtime/ids.js';
import { makeRef } from '../../src/runtime/index.js';

// The codec against the real `erl`: for each term of a broad table, our bytes
// must be Erlang's `term_to_binary(T, [{minor_version, 2}])` byte for byte, and
// Erlang's bytes (minor versions 2, 1 and 0, and compressed) must decode to the
// expected JS value and re-encode to Erlang's bytes. One `erl` run for the file.

const hasErl = spawnSync('erl', ['-version'], { stdio: 'ignore' }).status === 0;
const skip = hasErl ? false : 'erl is not installed: these tests compare the codec with Erlang/OTP term_to_binary';

/**
 * Runs Erlang expressions (each followed by a comma) in one `erl`; its
 * standard output. The script goes through a file: it is too long for a
 * command line.
 */
function runErl(script: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'beamish-etf-'));
  try {
    const file = join(dir, 'script.erl');
    writeFileSync(file, `${script}\nok.\n`);
    const run = `case file:script(${JSON.stringify(file)}) of {ok, _} -> halt(0); E -> io:format(standard_error, "~p~n", [E]), halt(1) end.`;
    // No crash dump in the working tree if the script fails; the timeout kills a stuck erl.
    return execFileSync('erl', ['-noshell', '-eval', run], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, ERL_CRASH_DUMP_SECONDS: '0' },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Case {
  /** The test's name, and the key of its line in erl's output. */
  name: string;
  /** The Erlang expression. */
  erl: string;
  /** What Erlang's bytes decode to (deepStrictEqual), when known in advance. */
  js?: unknown;
  /** What to encode instead of `js` to get Erlang's bytes. */
  encode?: unknown;
  /** Checks the decoded value instead of `js` (terms from the live node). */
  check?: (decoded: unknown) => void;
  /** False when our encoding of `js` is the same term in other bytes (big maps in Map order). */
  exact?: boolean;
  /** Holds funs, which re-encode as the bytes they were read from. */
  opaque?: boolean;
}

const list = (...items: unknown[]) => new ErlangList(items);
const bytes = (...b: number[]) => Buffer.from(b);
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const huge = 2n ** 100_000n + 12_345n;

const cases: Case[] = [
  // Atoms
  { name: 'atom', erl: 'ok', js: 'ok' },
  { name: 'atom with spaces', erl: "'hello world'", js: 'hello world' },
  { name: 'empty atom', erl: "''", js: '' },
  { name: 'Latin-1 atom', erl: "'héllo'", js: 'héllo' },
  { name: 'atom beyond the BMP', erl: 'list_to_atom([16#1F600, $x])', js: '😀x' },
  {
    name: '255-character atom of 2-byte characters (ATOM_UTF8_EXT)',
    erl: 'list_to_atom(lists:duplicate(255, 233))',
    js: 'é'.repeat(255),
  },
  { name: '255-character ASCII atom', erl: 'list_to_atom(lists:duplicate(255, $a))', js: 'a'.repeat(255) },
  { name: 'true', erl: 'true', js: true },
  { name: 'false', erl: 'false', js: false },
  { name: 'undefined from JS undefined', erl: 'undefined', js: 'undefined', encode: undefined },
  // Integers
  { name: 'integer 0', erl: '0', js: 0 },
  { name: 'integer 255', erl: '255', js: 255 },
  { name: 'integer 256', erl: '256', js: 256 },
  { name: 'integer -1', erl: '-1', js: -1 },
  { name: 'integer 2^31-1', erl: '2147483647', js: 2147483647 },
  { name: 'integer -2^31', erl: '-2147483648', js: -2147483648 },
  { name: 'integer 2^31', erl: '2147483648', js: 2147483648 },
  { name: 'integer -2^31-1', erl: '-2147483649', js: -2147483649 },
  { name: 'integer 2^32-1', erl: '4294967295', js: 4294967295 },
  { name: 'integer 2^53-1', erl: '9007199254740991', js: Number.MAX_SAFE_INTEGER },
  { name: 'integer -(2^53-1)', erl: '-9007199254740991', js: -Number.MAX_SAFE_INTEGER },
  { name: 'integer 2^53 (a bigint)', erl: '9007199254740992', js: 2n ** 53n },
  { name: 'integer 2^64', erl: '18446744073709551616', js: 2n ** 64n },
  { name: 'integer -2^64', erl: '-18446744073709551616', js: -(2n ** 64n) },
  { name: 'integer 2^60 from a JS number', erl: '1152921504606846976', js: 2n ** 60n, encode: 2 ** 60 },
  { name: 'bigint of 4 bytes (decodes as a number)', erl: '3000000000', js: 3000000000, encode: 3000000000n },
  { name: 'integer of 255 bytes (SMALL_BIG_EXT)', erl: '(1 bsl 2040) - 1', js: 2n ** 2040n - 1n },
  { name: 'integer of 256 bytes (LARGE_BIG_EXT)', erl: '1 bsl 2040', js: 2n ** 2040n },
  { name: 'huge integer', erl: '(1 bsl 100000) + 12345', js: huge },
  { name: 'huge negative integer', erl: '-((1 bsl 100000) + 12345)', js: -huge },
  // Floats
  { name: 'float 1.5', erl: '1.5', js: 1.5 },
  { name: 'float -2.25', erl: '-2.25', js: -2.25 },
  { name: 'float 0.1', erl: '0.1', js: 0.1 },
  { name: 'float 1.0', erl: '1.0', js: new ErlangFloat(1) },
  { name: 'float 0.0', erl: '0.0', js: new ErlangFloat(0) },
  { name: 'float -0.0', erl: '-0.0', js: new ErlangFloat(-0) },
  { name: 'float 1.0e20', erl: '1.0e20', js: new ErlangFloat(1e20) },
  { name: 'largest float', erl: '1.7976931348623157e308', js: new ErlangFloat(Number.MAX_VALUE) },
  { name: 'smallest float', erl: '5.0e-324', js: 5e-324 },
  { name: 'float -1.5e-300', erl: '-1.5e-300', js: -1.5e-300 },
  // Binaries and bitstrings
  { name: 'empty binary', erl: '<<>>', js: Buffer.alloc(0) },
  { name: 'binary', erl: '<<"abc">>', js: Buffer.from('abc') },
  {
    name: 'binary with every byte',
    erl: 'list_to_binary(lists:seq(0, 255))',
    js: Buffer.from(range(256, (i) => i) as number[]),
  },
  { name: 'binary from a Uint8Array', erl: '<<1, 2, 3>>', js: bytes(1, 2, 3), encode: new Uint8Array([1, 2, 3]) },
  { name: 'large binary', erl: 'binary:copy(<<7>>, 70000)', js: Buffer.alloc(70000, 7) },
  { name: 'bitstring <<1:3>>', erl: '<<1:3>>', js: new BitBinary(bytes(0x20), 3) },
  { name: 'bitstring <<1:1>>', erl: '<<1:1>>', js: new BitBinary(bytes(0x80), 1) },
  { name: 'bitstring <<255, 5:7>>', erl: '<<255, 5:7>>', js: new BitBinary(bytes(255, 0x0a), 7) },
  {
    name: 'bitstring with set unused bits encodes them as zeros',
    erl: '<<255, 7:3>>',
    js: new BitBinary(bytes(255, 0xe0), 3),
    encode: new BitBinary(bytes(255, 0xff), 3),
  },
  { name: 'BitBinary of 8 bits is a binary', erl: '<<1, 2>>', js: bytes(1, 2), encode: new BitBinary(bytes(1, 2), 8) },
  // Tuples
  { name: 'empty tuple', erl: '{}', js: [] },
  { name: 'tuple', erl: '{a, 1}', js: ['a', 1] },
  { name: 'nested tuples', erl: '{{{}}, {a, {b, {c}}}}', js: [[[]], ['a', ['b', ['c']]]] },
  {
    name: 'tuple of 256 elements (LARGE_TUPLE_EXT)',
    erl: 'list_to_tuple(lists:seq(1, 256))',
    js: range(256, (i) => i + 1),
  },
  // Lists
  { name: 'empty list', erl: '[]', js: list() },
  { name: 'list of bytes (STRING_EXT)', erl: '[1, 2, 3]', js: list(1, 2, 3) },
  { name: 'string', erl: '"abc"', js: charlist('abc') },
  { name: 'Latin-1 string', erl: '"héllo"', js: charlist('héllo') },
  { name: 'Unicode string (LIST_EXT)', erl: '[104, 16#1F600]', js: charlist('h😀') },
  { name: 'list with 256', erl: '[1, 256]', js: list(1, 256) },
  { name: 'list with -1', erl: '[-1]', js: list(-1) },
  { name: 'list of atoms', erl: '[a, b]', js: list('a', 'b') },
  { name: 'list of empty lists', erl: '[[], [[]]]', js: list(list(), list(list())) },
  {
    name: '65535 bytes (STRING_EXT)',
    erl: '[X rem 256 || X <- lists:seq(0, 65534)]',
    js: new ErlangList(range(65535, (i) => i % 256)),
  },
  {
    name: '65536 bytes (LIST_EXT)',
    erl: '[X rem 256 || X <- lists:seq(0, 65535)]',
    js: new ErlangList(range(65536, (i) => i % 256)),
  },
  { name: 'list of bigint bytes (STRING_EXT)', erl: '[1, 2]', js: list(1, 2), encode: list(1n, 2n) },
  { name: 'improper list', erl: '[1 | 2]', js: new ImproperList([1], 2) },
  { name: 'improper list with atom tail', erl: '[a, b | c]', js: new ImproperList(['a', 'b'], 'c') },
  { name: 'improper list with binary tail', erl: '[1, 2 | <<"t">>]', js: new ImproperList([1, 2], Buffer.from('t')) },
  { name: 'improper list with tuple tail', erl: '[[] | {}]', js: new ImproperList([list()], []) },
  // Maps
  { name: 'empty map', erl: '#{}', js: new Map() },
  { name: 'map', erl: '#{a => 1}', js: new Map([['a', 1]]) },
  {
    name: 'map from a plain object',
    erl: '#{b => 1, a => [2]}',
    js: new Map<unknown, unknown>([
      ['a', list(2)],
      ['b', 1],
    ]),
    encode: { b: 1, a: list(2) },
  },
  {
    name: 'map from a plain object with unicode keys',
    erl: "#{'é' => 1, z => 2, 'Z' => 3}",
    js: new Map([
      ['Z', 3],
      ['z', 2],
      ['é', 1],
    ]),
    encode: { é: 1, z: 2, Z: 3 },
  },
  {
    name: 'map with keys of every kind, given in reverse order',
    erl: '#{a => 1, 1 => int, 1.0 => float, 2.5 => f2, {t} => tuple, <<"b">> => bin, [l] => list, [] => nil, #{} => map, "s" => str, -5 => neg, 1 bsl 70 => big, <<1:1>> => bits}',
    js: new Map<unknown, unknown>([
      [new BitBinary(bytes(0x80), 1), 'bits'],
      [Buffer.from('b'), 'bin'],
      [charlist('s'), 'str'],
      [list('l'), 'list'],
      [list(), 'nil'],
      [new Map(), 'map'],
      [['t'], 'tuple'],
      ['a', 1],
      [2.5, 'f2'],
      [new ErlangFloat(1), 'float'],
      [2n ** 70n, 'big'],
      [1, 'int'],
      [-5, 'neg'],
    ]),
  },
  { name: 'nested maps', erl: '#{m => #{n => #{}}}', js: new Map([['m', new Map([['n', new Map()]])]]) },
  {
    name: 'map of 32 keys (sorted)',
    erl: 'maps:from_list([{X, X} || X <- lists:seq(32, 1, -1)])',
    js: new Map(range(32, (i) => [32 - i, 32 - i] as const)),
  },
  {
    name: 'map of 33 keys (hash order; decoded and re-encoded identically)',
    erl: 'maps:from_list([{X, X} || X <- lists:seq(1, 33)])',
    js: new Map(range(33, (i) => [i + 1, i + 1] as const)),
    exact: false,
    check: (m) => {
      const keys = [...(m as Map<number, number>).keys()];
      assert.notDeepEqual(
        keys,
        range(33, (i) => i + 1),
        'the wire order is the hash order, not 1..33',
      );
    },
  },
  {
    name: 'map of 100 atom keys from a plain object',
    erl: 'maps:from_list([{list_to_atom("k" ++ integer_to_list(X)), X} || X <- lists:seq(1, 100)])',
    js: new Map(range(100, (i) => [`k${i + 1}`, i + 1] as const)),
    encode: Object.fromEntries(range(100, (i) => [`k${i + 1}`, i + 1])),
    exact: false,
  },
  // Pids, references, ports (made with known fields, then from the live node)
  {
    name: 'pid',
    erl: 'binary_to_term(<<131, 88, 119, 11, "a@localhost", 85:32, 0:32, 1700000000:32>>)',
    js: new ExternalPid('a@localhost', 85, 0, 1700000000),
  },
  {
    name: 'pid with a Unicode node name',
    erl: 'binary_to_term(<<131, 88, 119, 7, "é@host"/utf8, 1:32, 2:32, 3:32>>)',
    js: new ExternalPid('é@host', 1, 2, 3),
  },
  {
    name: 'reference of 3 words',
    erl: 'binary_to_term(<<131, 90, 3:16, 119, 11, "a@localhost", 1700000000:32, 158421:32, 3291807745:32, 2154561121:32>>)',
    js: new ExternalRef('a@localhost', 1700000000, [158421, 3291807745, 2154561121]),
  },
  {
    name: 'reference of 5 words',
    erl: 'binary_to_term(<<131, 90, 5:16, 119, 3, "a@h", 7:32, 1:32, 2:32, 3:32, 4:32, 4294967295:32>>)',
    js: new ExternalRef('a@h', 7, [1, 2, 3, 4, 4294967295]),
  },
  {
    name: 'port',
    erl: 'binary_to_term(<<131, 89, 119, 11, "a@localhost", 3:32, 1700000000:32>>)',
    js: new ExternalPort('a@localhost', 3, 1700000000),
  },
  {
    name: 'port with a 28-bit id (NEW_PORT_EXT)',
    erl: 'binary_to_term(<<131, 120, 119, 3, "a@h", 268435455:64, 9:32>>)',
    js: new ExternalPort('a@h', 268435455, 9),
  },
  {
    name: 'port with a 29-bit id (V4_PORT_EXT)',
    erl: 'binary_to_term(<<131, 120, 119, 3, "a@h", 268435456:64, 9:32>>)',
    js: new ExternalPort('a@h', 268435456, 9),
  },
  {
    name: 'port with a 64-bit id (V4_PORT_EXT)',
    erl: 'binary_to_term(<<131, 120, 119, 3, "a@h", 4294967301:64, 9:32>>)',
    js: new ExternalPort('a@h', 4294967301, 9),
  },
  {
    name: 'port with an id past 2^53 (a bigint)',
    erl: 'binary_to_term(<<131, 120, 119, 3, "a@h", 18446744073709551615:64, 9:32>>)',
    js: new ExternalPort('a@h', 2n ** 64n - 1n, 9),
  },
  {
    name: 'pids, refs and ports as map keys',
    erl: 'maps:from_list([{binary_to_term(<<131, 88, 119, 3, N/binary, I:32, S:32, C:32>>), I} || {N, I, S, C} <- [{<<"b@h">>, 1, 0, 1}, {<<"a@h">>, 2, 0, 1}, {<<"a@h">>, 1, 1, 1}, {<<"a@h">>, 1, 0, 2}, {<<"a@h">>, 1, 0, 1}, {<<"c@h">>, 0, 0, 5}]] ++ [{binary_to_term(<<131, 90, (length(Ids)):16, 119, 3, N/binary, C:32, (<< <<W:32>> || W <- Ids >>)/binary>>), r} || {N, C, Ids} <- [{<<"b@h">>, 1, [1, 2, 3]}, {<<"a@h">>, 1, [3, 2, 1]}, {<<"a@h">>, 2, [1, 2, 3]}, {<<"a@h">>, 1, [1, 2]}, {<<"a@h">>, 1, [1, 2, 4]}]] ++ [{binary_to_term(<<131, 89, 119, 3, N/binary, I:32, C:32>>), p} || {N, I, C} <- [{<<"b@h">>, 1, 1}, {<<"a@h">>, 2, 1}, {<<"a@h">>, 1, 2}]])',
    js: new Map<unknown, unknown>([
      [new ExternalPid('b@h', 1, 0, 1), 1],
      [new ExternalPid('a@h', 2, 0, 1), 2],
      [new ExternalPid('a@h', 1, 1, 1), 1],
      [new ExternalPid('a@h', 1, 0, 2), 1],
      [new ExternalPid('a@h', 1, 0, 1), 1],
      [new ExternalPid('c@h', 0, 0, 5), 0],
      [new ExternalRef('b@h', 1, [1, 2, 3]), 'r'],
      [new ExternalRef('a@h', 1, [3, 2, 1]), 'r'],
      [new ExternalRef('a@h', 2, [1, 2, 3]), 'r'],
      [new ExternalRef('a@h', 1, [1, 2]), 'r'],
      [new ExternalRef('a@h', 1, [1, 2, 4]), 'r'],
      [new ExternalPort('b@h', 1, 1), 'p'],
      [new ExternalPort('a@h', 2, 1), 'p'],
      [new ExternalPort('a@h', 1, 2), 'p'],
    ]),
  },
  {
    name: "the node's own pid",
    erl: 'self()',
    check: (v) => {
      assert.ok(v instanceof ExternalPid);
      assert.equal(v.node, 'nonode@nohost');
    },
  },
  {
    name: 'a reference made by make_ref()',
    erl: 'make_ref()',
    check: (v) => {
      assert.ok(v instanceof ExternalRef);
      assert.equal(v.node, 'nonode@nohost');
      assert.equal(v.ids.length, 3);
    },
  },
  {
    name: 'a real port',
    erl: 'hd(erlang:ports())',
    check: (v) => {
      assert.ok(v instanceof ExternalPort);
      assert.equal(v.node, 'nonode@nohost');
    },
  },
  // Funs
  {
    name: 'local fun',
    opaque: true,
    erl: 'fun() -> ok end',
    check: (v) => {
      assert.ok(v instanceof ErlangFun);
      assert.equal(v.kind, 'local');
    },
  },
  {
    name: 'local fun with captured values',
    opaque: true,
    erl: 'begin X = {a, [1, 2]}, fun(Y) -> {X, Y} end end',
    check: (v) => assert.ok(v instanceof ErlangFun && v.kind === 'local'),
  },
  {
    name: 'export fun',
    opaque: true,
    erl: 'fun lists:map/2',
    check: (v) => assert.ok(v instanceof ErlangFun && v.kind === 'export'),
  },
  {
    name: 'funs as map keys',
    opaque: true,
    erl: '#{fun lists:map/2 => 1, fun lists:filter/2 => 2, fun erlang:self/0 => 3, fun() -> ok end => 4}',
    check: (v) => assert.equal((v as Map<unknown, unknown>).size, 4),
  },
  // Mixed
  {
    name: 'a gen_server call as it arrives',
    erl: '{\'$gen_call\', {binary_to_term(<<131, 88, 119, 3, "a@h", 1:32, 0:32, 1:32>>), [alias | binary_to_term(<<131, 90, 3:16, 119, 3, "a@h", 1:32, 1:32, 2:32, 3:32>>)]}, {is_auth, \'b@h\'}}',
    js: [
      '$gen_call',
      [new ExternalPid('a@h', 1, 0, 1), new ImproperList(['alias'], new ExternalRef('a@h', 1, [1, 2, 3]))],
      ['is_auth', 'b@h'],
    ],
  },
  {
    name: 'deeply nested lists and tuples',
    erl: 'lists:foldl(fun(I, Acc) -> case I rem 2 of 0 -> {Acc}; 1 -> [Acc] end end, leaf, lists:seq(1, 500))',
    js: range(500, (i) => i + 1).reduce<unknown>((acc, i) => (i % 2 === 0 ? [acc] : list(acc)), 'leaf'),
  },
];

/** Old and unusual encodings: Erlang's own reading of them, re-encoded, must be ours. */
const oddBytes: { name: string; bytes: number[]; js: unknown }[] = [
  { name: 'SMALL_ATOM_EXT', bytes: [131, 115, 2, 111, 107], js: 'ok' },
  { name: 'ATOM_EXT in Latin-1', bytes: [131, 100, 0, 2, 233, 97], js: 'éa' },
  { name: 'ATOM_EXT true', bytes: [131, 100, 0, 4, 116, 114, 117, 101], js: true },
  { name: 'FLOAT_EXT', bytes: [131, 99, ...Buffer.from('2.50000000000000000000e+00'), 0, 0, 0, 0, 0], js: 2.5 },
  {
    name: 'PID_EXT',
    bytes: [131, 103, 119, 3, 97, 64, 104, 0, 0, 0, 5, 0, 0, 0, 6, 2],
    js: new ExternalPid('a@h', 5, 6, 2),
  },
  { name: 'PORT_EXT', bytes: [131, 102, 119, 3, 97, 64, 104, 0, 0, 0, 5, 2], js: new ExternalPort('a@h', 5, 2) },
  { name: 'REFERENCE_EXT', bytes: [131, 101, 119, 3, 97, 64, 104, 0, 0, 0, 5, 2], js: new ExternalRef('a@h', 2, [5]) },
  {
    name: 'NEW_REFERENCE_EXT',
    bytes: [131, 114, 0, 2, 119, 3, 97, 64, 104, 3, 0, 0, 0, 5, 0, 0, 0, 6],
    js: new ExternalRef('a@h', 3, [5, 6]),
  },
  {
    name: 'V4_PORT_EXT with a small id',
    bytes: [131, 120, 119, 3, 97, 64, 104, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1],
    js: new ExternalPort('a@h', 1, 1),
  },
  { name: 'SMALL_BIG_EXT holding a small integer', bytes: [131, 110, 2, 0, 5, 0], js: 5 },
  { name: 'SMALL_BIG_EXT of no bytes, negative', bytes: [131, 110, 0, 1], js: 0 },
  { name: 'LARGE_BIG_EXT holding 2^31', bytes: [131, 111, 0, 0, 0, 4, 0, 0, 0, 0, 128], js: 2 ** 31 },
  { name: 'sign byte 2 is negative', bytes: [131, 110, 1, 2, 5], js: -5 },
  { name: 'LIST_EXT of no elements is its tail', bytes: [131, 108, 0, 0, 0, 0, 119, 1, 97], js: 'a' },
  { name: 'LIST_EXT of no elements and NIL', bytes: [131, 108, 0, 0, 0, 0, 106], js: list() },
  { name: 'LIST_EXT of bytes', bytes: [131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106], js: list(1, 2) },
  {
    name: 'LIST_EXT whose tail is a list',
    bytes: [131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 106],
    js: list(1, 2),
  },
  {
    name: 'LIST_EXT whose tail is a string',
    bytes: [131, 108, 0, 0, 0, 1, 119, 1, 97, 107, 0, 2, 1, 2],
    js: list('a', 1, 2),
  },
  {
    name: 'LIST_EXT whose tail is an improper list',
    bytes: [131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 97, 3],
    js: new ImproperList([1, 2], 3),
  },
  { name: 'empty STRING_EXT', bytes: [131, 107, 0, 0], js: list() },
  { name: 'BIT_BINARY_EXT of 8 bits', bytes: [131, 77, 0, 0, 0, 1, 8, 5], js: bytes(5) },
  { name: 'BIT_BINARY_EXT of no bytes', bytes: [131, 77, 0, 0, 0, 0, 0], js: Buffer.alloc(0) },
  {
    name: 'BIT_BINARY_EXT with set unused bits',
    bytes: [131, 77, 0, 0, 0, 1, 3, 255],
    js: new BitBinary(bytes(0xe0), 3),
  },
  { name: 'LARGE_TUPLE_EXT of 2', bytes: [131, 105, 0, 0, 0, 2, 97, 1, 97, 2], js: [1, 2] },
  {
    name: 'map with keys out of order',
    bytes: [131, 116, 0, 0, 0, 2, 119, 1, 98, 97, 1, 119, 1, 97, 97, 2],
    js: new Map([
      ['b', 1],
      ['a', 2],
    ]),
  },
];

const hasValue = (c: Case) => 'js' in c;
const toEncode = (c: Case) => ('encode' in c ? c.encode : c.js);

/**
 * The one `erl` run of this file. For each case: `case`, its name, Erlang's
 * bytes (minor versions 2, 1, 0, and compressed) in hex, and whether
 * binary_to_term of our bytes (plain and compressed) is exactly the term
 * (=:=), or `none` for terms from the live node. For each of `oddBytes`:
 * `odd`, its name, and Erlang's minor version 2 bytes for what it read.
 */
function erlScript(): string {
  const entries = cases
    .map((c) => {
      const ours = hasValue(c) ? `"${encodeTerm(toEncode(c)).toString('hex')}"` : 'none';
      const oursCompressed = hasValue(c)
        ? `"${encodeTerm(toEncode(c), { compressed: true }).toString('hex')}"`
        : 'none';
      return `{<<${JSON.stringify(c.name)}/utf8>>, ${c.erl}, ${ours}, ${oursCompressed}}`;
    })
    .join(',\n');
  const odd = oddBytes.map((o) => `{<<${JSON.stringify(o.name)}>>, <<${o.bytes.join(',')}>>}`).join(',\n');
  return `
    Hex = fun(B) -> binary_to_list(binary:encode_hex(B)) end,
    Reads = fun(none, _) -> none; (H, T) -> binary_to_term(binary:decode_hex(list_to_binary(H))) =:= T end,
    lists:foreach(fun({Name, T, Ours, OursCompressed}) ->
      io:format("case\t~ts\t~s\t~s\t~s\t~s\t~p\t~p~n", [Name,
        Hex(term_to_binary(T, [{minor_version, 2}])),
        Hex(term_to_binary(T)),
        Hex(term_to_binary(T, [{minor_version, 0}])),
        Hex(term_to_binary(T, [compressed, {minor_version, 2}])),
        Reads(Ours, T), Reads(OursCompressed, T)])
    end, [${entries}]),
    lists:foreach(fun({Name, B}) ->
      io:format("odd\t~s\t~s~n", [Name, Hex(term_to_binary(binary_to_term(B), [{minor_version, 2}]))])
    end, [${odd}]),`;
}

let erlLines: string[][] | undefined;

/** The lines of the one `erl` run, split at tabs; run on first use. */
function fromErlRun(): string[][] {
  erlLines ??= runErl(erlScript())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
  return erlLines;
}

interface FromErl {
  v2: Buffer;
  v1: Buffer;
  v0: Buffer;
  compressed: Buffer;
  /** `true` when binary_to_term of our bytes is exactly the term. */
  readsOurs: string;
  readsOursCompressed: string;
}

describe('ETF codec against term_to_binary', () => {
  const fromErl = new Map<string, FromErl>();

  before(() => {
    if (!hasErl) return;
    for (const [kind, name, v2, v1, v0, compressed, readsOurs, readsOursCompressed] of fromErlRun()) {
      if (kind !== 'case') continue;
      fromErl.set(name ?? '', {
        v2: Buffer.from(v2 ?? '', 'hex'),
        v1: Buffer.from(v1 ?? '', 'hex'),
        v0: Buffer.from(v0 ?? '', 'hex'),
        compressed: Buffer.from(compressed ?? '', 'hex'),
        readsOurs: readsOurs ?? '',
        readsOursCompressed: readsOursCompressed ?? '',
      });
    }
    assert.equal(fromErl.size, cases.length, 'erl printed a line for every case');
  });

  for (const c of cases) {
    it(c.name, { skip }, () => {
      const erl = fromErl.get(c.name);
      assert.ok(erl, 'erl printed this case');
      const hex = erl.v2.toString('hex');

      if (hasValue(c)) {
        // Our bytes are Erlang's (for big maps: the same term in the Map's order),
        // and Erlang reads them, plain and compressed, as exactly the term.
        if (c.exact !== false) assert.equal(encodeTerm(toEncode(c)).toString('hex'), hex);
        assert.equal(erl.readsOurs, 'true', 'binary_to_term(ours) =:= T');
        assert.equal(erl.readsOursCompressed, 'true', 'binary_to_term(ours, compressed) =:= T');
      }
      // Erlang's bytes, in every minor version and compressed, decode to the expected value...
      for (const [form, b] of [
        ['minor version 2', erl.v2],
        ['minor version 1', erl.v1],
        ['minor version 0', erl.v0],
        ['compressed', erl.compressed],
      ] as const) {
        const decoded = decodeTerm(b);
        if (hasValue(c)) assert.deepStrictEqual(decoded, c.js, `decoding ${form}`);
        c.check?.(decoded);
      }
      // ...and re-encode to Erlang's bytes.
      assert.equal(encodeTerm(decodeTerm(erl.v2)).toString('hex'), hex);
      // Funs are kept as their bytes: one read from Latin-1 atoms writes them back so.
      for (const older of [erl.v1, erl.v0]) {
        assert.equal(encodeTerm(decodeTerm(older)).toString('hex'), (c.opaque ? older : erl.v2).toString('hex'));
      }
      // Compressing makes the same choice as Erlang (compress or not) and states the same size.
      // The zlib streams themselves may differ: Node's zlib is not the one erts links.
      const ours = encodeTerm(decodeTerm(erl.compressed), { compressed: true });
      assert.equal(ours[1], erl.compressed[1], 'compressed or not, as Erlang');
      assert.deepEqual(ours.subarray(0, 6), erl.compressed.subarray(0, 6));
      // A JS value round-trips to itself.
      if (hasValue(c)) assert.deepStrictEqual(decodeTerm(encodeTerm(toEncode(c))), c.js);
    });
  }
});

describe('ETF codec reads old and unusual encodings as binary_to_term does', () => {
  const reencoded = new Map<string, string>();

  before(() => {
    if (!hasErl) return;
    for (const [kind, name, hex] of fromErlRun()) if (kind === 'odd') reencoded.set(name ?? '', hex ?? '');
  });

  for (const o of oddBytes) {
    it(o.name, { skip }, () => {
      const decoded = decodeTerm(Buffer.from(o.bytes));
      assert.deepStrictEqual(decoded, o.js);
      assert.equal(encodeTerm(decoded).toString('hex').toUpperCase(), reencoded.get(o.name));
    });
  }
});

describe('ETF codec options and framing', () => {
  it('decodeTermAt reads a control term and a payload term from one packet', () => {
    const control = [6, new ExternalPid('a@h', 1, 0, 1), '', 'rex'];
    const payload = ['$gen_call', 'x', charlist('hi')];
    const packet = Buffer.concat([Buffer.from([112]), encodeTerm(control), encodeTerm(payload)]);
    const first = decodeTermAt(packet, 1);
    assert.deepStrictEqual(first.term, control);
    const second = decodeTermAt(packet, first.end);
    assert.deepStrictEqual(second.term, payload);
    assert.equal(second.end, packet.length);
  });

  it('decodeTermAt finds the end of a compressed term followed by another term', () => {
    const big = new ErlangList(range(1000, () => 'abc'));
    const packet = Buffer.concat([encodeTerm(big, { compressed: 9 }), encodeTerm('next')]);
    assert.equal(packet[1], 80, 'the first term is compressed');
    const first = decodeTermAt(packet, 0);
    assert.deepStrictEqual(first.term, big);
    assert.equal(decodeTermAt(packet, first.end).term, 'next');
  });

  it('compressed: a term compression would not shrink stays uncompressed, as in Erlang', () => {
    assert.deepEqual(encodeTerm('ok', { compressed: true }), encodeTerm('ok'));
    assert.deepEqual(encodeTerm(list(1), { compressed: 0 }), encodeTerm(list(1)));
  });

  it('encodeTermBody leaves out the version byte; decodeTermBodyAt reads it', () => {
    const body = encodeTermBody(['ok', 1]);
    assert.deepEqual(Buffer.concat([Buffer.from([131]), body]), encodeTerm(['ok', 1]));
    assert.deepStrictEqual(decodeTermBodyAt(body, 0), { term: ['ok', 1], end: body.length });
  });

  it('atomCacheRef resolves ATOM_CACHE_REF after a distribution header', () => {
    const body = Buffer.from([104, 2, 82, 0, 82, 1]);
    const names = ['send', 'rex'];
    assert.deepStrictEqual(decodeTermBodyAt(body, 0, { atomCacheRef: (i) => names[i] }).term, ['send', 'rex']);
  });

  it('encodeOther maps beamish pids and refs; decodePid and decodeRef map them back', () => {
    const pid = new Pid(undefined);
    const ref = makeRef();
    const pids = new Map<Pid, ExternalPid>([[pid, new ExternalPid('me@h', pid.serial, 0, 1)]]);
    const refs = new Map<unknown, ExternalRef>([[ref, new ExternalRef('me@h', 1, [1, 2, 3])]]);
    const encodeOther = (v: unknown) => (v instanceof Pid ? pids.get(v) : refs.get(v));
    const bytes = encodeTerm(['call', pid, ref, new Map([[pid, 1]])], { encodeOther });
    const back = decodeTerm(bytes, {
      decodePid: (p) => [...pids].find(([, e]) => e.equals(p))?.[0] ?? p,
      decodeRef: (r) => [...refs].find(([, e]) => e.equals(r))?.[0] ?? r,
    }) as unknown[];
    assert.equal(back[1], pid);
    assert.equal(back[2], ref);
    assert.equal((back[3] as Map<unknown, unknown>).get(pid), 1);
  });

  it('refuses values with no Erlang form, naming the type and where it sits', () => {
    const cases: [unknown, string, string][] = [
      [null, '$', 'null'],
      [['ok', null], '$[1]', 'null'],
      [{ a: [1, Symbol('s')] }, '$.a[1]', 'symbol'],
      [new Map([['k', () => 1]]), '$.get("k")', 'function'],
      [list(1, Number.NaN), '$.items[1]', 'number'],
      [new ImproperList([1], Number.POSITIVE_INFINITY), '$.tail', 'number'],
      [[new Date(0)], '$[0]', 'Date'],
      [[new Pid(undefined)], '$[0]', 'Pid'],
      [new Int16Array(2), '$', 'Int16Array'],
      ['a'.repeat(256), '$', 'string'],
      ['\ud800', '$', 'string'],
      [
        new Map<unknown, unknown>([
          [1, 'a'],
          [1n, 'b'],
        ]),
        '$',
        'Map',
      ],
      [
        new Map<unknown, unknown>([
          ['true', 'a'],
          [true, 'b'],
        ]),
        '$',
        'Map',
      ],
      [
        new Map<unknown, unknown>([
          [['t'], 'a'],
          [['t'], 'b'],
        ]),
        '$',
        'Map',
      ],
      [new Map<unknown, unknown>(range(40, (i) => [[i % 39], i] as const)), '$', 'Map'],
      [
        new Map([
          [new ErlangFloat(0), 'a'],
          [new ErlangFloat(-0), 'b'],
        ]),
        '$',
        'Map',
      ],
      [new Map<unknown, unknown>([[new Pid(undefined), 1]]), '$.keys(<Pid>)', 'Pid'],
      [
        new Map<unknown, unknown>([
          [new Pid(undefined), 1],
          ['a', 2],
        ]),
        '$.keys()',
        'Pid',
      ],
      [2n ** (8n * 4_194_296n), '$', 'bigint'],
    ];
    for (const [value, path, jsType] of cases) {
      assert.throws(
        () => encodeTerm(value),
        (e: unknown) => e instanceof EtfEncodeError && e.path === path && e.jsType === jsType,
        `${jsType} at ${path}`,
      );
    }
    assert.throws(() => encodeTerm([new Pid(undefined)], { encodeOther: () => new Date() }), /encodeOther returned/);
  });

  it('refuses terms nested deeper than maxDepth, and cyclic ones, without a stack overflow', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.throws(
      () => encodeTerm(deep),
      (e: unknown) => e instanceof EtfEncodeError && /maxDepth/.test(e.message),
    );
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.throws(() => encodeTerm(cyclic), /cyclic/);
    let ok: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) ok = list(ok);
    const okBytes = encodeTerm(ok);
    assert.deepEqual(encodeTerm(decodeTerm(okBytes)), okBytes);
    assert.throws(() => encodeTerm(ok, { maxDepth: 9_999 }), EtfEncodeError);
  });
});
