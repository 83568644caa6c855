import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  BitBinary,
  charlist,
  decodeTerm,
  decodeTermAt,
  ErlangFloat,
  ErlangFun,
  ErlangList,
  ExternalPid,
  ExternalPort,
  ExternalRef,
  encodeTerm,
  ImproperList,
} from '../../src/distribution/etf/index.js';

// Property tests, both ways:
// - thousands of random terms made by Erlang (a seeded generator run in `erl`)
//   decode, and re-encode to Erlang's very bytes;
// - random JS terms made by fast-check encode and decode to themselves, and a
//   sample of them, sent to the same `erl`, reads as the same term there.

const hasErl = spawnSync('erl', ['-version'], { stdio: 'ignore' }).status === 0;
const skip = hasErl ? false : 'erl is not installed: these tests compare the codec with Erlang/OTP';

/** The seed of both generators; set BEAMISH_ETF_SEED to replay another run. */
const SEED = Number(process.env.BEAMISH_ETF_SEED ?? 20240611);
const ERLANG_TERMS = 3000;
const SAMPLED_JS_TERMS = 1000;

/**
 * Compiles the generator module and runs it in one `erl`: it prints the
 * Erlang-made terms, then reads back the hex lines of `ours`; its standard
 * output. Compiled, not evaluated: erl_eval is slow, and its closures carry
 * all the script's bindings.
 */
function runGenerator(ours: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'beamish-etf-'));
  try {
    const source = join(dir, 'beamish_etf_gen.erl');
    const input = join(dir, 'ours.txt');
    writeFileSync(source, ERLANG_GENERATOR);
    writeFileSync(input, ours.join('\n'));
    const run = `try
        {ok, M, Bin} = compile:file(${JSON.stringify(source)}, [binary, report]),
        {module, M} = code:load_binary(M, ${JSON.stringify(source)}, Bin),
        M:main(${SEED}, ${ERLANG_TERMS}, ${JSON.stringify(input)}),
        halt(0)
      catch C:R:S -> io:format(standard_error, "~p~n", [{C, R, S}]), halt(1) end.`;
    // No crash dump in the working tree if erl fails; the timeout kills a stuck erl.
    return execFileSync('erl', ['-noshell', '-eval', run], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, ERL_CRASH_DUMP_SECONDS: '0' },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A seeded generator of Erlang terms of every kind, nested up to depth 4:
 * atoms of any Unicode (up to 255 characters), integers from bytes to
 * thousands of bits, floats from random bit patterns, binaries, bitstrings,
 * tuples (some of more than 255 elements), proper, byte and improper lists,
 * maps small and large (hash order), pids, refs and ports both real and
 * crafted (64-bit ports, refs of 3..5 words, as nodes make them), local,
 * closure and export funs. Prints `gen <hex> <hex of the compressed form>`
 * per term, then `js <hex>`: Erlang's encoding of each term of the input file
 * as binary_to_term read it.
 */
const ERLANG_GENERATOR = `
-module(beamish_etf_gen).
-export([main/3]).

main(Seed, Count, OursFile) ->
    rand:seed(exsss, {Seed, 17, 42}),
    lists:foreach(fun(_) ->
        T = gen(r(5) - 1),
        io:format("gen ~s ~s~n", [hex(term_to_binary(T, [{minor_version, 2}])),
                                  hex(term_to_binary(T, [compressed, {minor_version, 2}]))])
    end, lists:seq(1, Count)),
    {ok, Ours} = file:read_file(OursFile),
    lists:foreach(fun(Line) ->
        T = binary_to_term(binary:decode_hex(Line)),
        io:format("js ~s~n", [hex(term_to_binary(T, [{minor_version, 2}]))])
    end, binary:split(Ours, <<"\n">>, [global, trim_all])).

hex(B) -> binary:encode_hex(B).
r(N) -> rand:uniform(N).
pick(L) -> lists:nth(rand:uniform(length(L)), L).
sign(X) -> case r(2) of 1 -> X; 2 -> -X end.

char() ->
    case r(4) of
        1 -> $a + r(26) - 1;
        2 -> r(255);
        3 -> r(16#D7FF);
        4 -> 16#E000 + r(16#10FFFF - 16#E000)
    end.
chars(N) -> [char() || _ <- lists:seq(1, N)].

atom() ->
    case r(30) of
        1 -> list_to_atom(chars(255));
        2 -> pick([true, false, undefined, '', ok, error]);
        _ -> list_to_atom(chars(r(12) - 1))
    end.

node_bin() ->
    B = term_to_binary(list_to_atom(chars(r(8)) ++ "@" ++ chars(r(5))), [{minor_version, 2}]),
    binary:part(B, 1, byte_size(B) - 1).
u32() -> r(1 bsl 32) - 1.

int() ->
    case r(6) of
        1 -> r(256) - 1;
        2 -> r(1 bsl 32) - (1 bsl 31) - 1;
        3 -> pick([0, 255, 256, -1, 2147483647, -2147483648, 2147483648, -2147483649,
                   9007199254740991, 9007199254740992, -9007199254740993, 1 bsl 64, -(1 bsl 64)]);
        4 -> sign(r(1 bsl 64));
        5 -> sign(r(1 bsl r(2100)));
        6 -> sign(r(1 bsl 53))
    end.

float() ->
    case r(4) of
        1 -> rand:uniform() * 1.0e6 - 5.0e5;
        2 -> float(sign(r(1000000)));
        3 -> pick([0.0, -0.0, 1.0, 1.0e20, 5.0e-324, 1.7976931348623157e308, -2.5, 0.1]);
        4 -> case <<(r(1 bsl 64) - 1):64>> of <<F:64/float>> -> F; _ -> 0.5 end
    end.

bin() -> list_to_binary([r(256) - 1 || _ <- lists:seq(1, r(20) - 1)]).
bits() -> B = bin(), N = r(7), <<B/binary, (r(1 bsl N) - 1):N>>.

pid() ->
    case r(3) of
        1 -> self();
        _ -> binary_to_term(<<131, 88, (node_bin())/binary, (u32()):32, (u32()):32, (u32()):32>>)
    end.
ref() ->
    case r(3) of
        1 -> make_ref();
        _ -> N = r(3) + 2,
             binary_to_term(<<131, 90, N:16, (node_bin())/binary, (u32()):32,
                              (<< <<(u32()):32>> || _ <- lists:seq(1, N) >>)/binary>>)
    end.
port() ->
    case r(3) of
        1 -> hd(erlang:ports());
        2 -> binary_to_term(<<131, 89, (node_bin())/binary, (r(1 bsl 28) - 1):32, (u32()):32>>);
        3 -> binary_to_term(<<131, 120, (node_bin())/binary, (r(1 bsl 64) - 1):64, (u32()):32>>)
    end.

scalar() ->
    case r(10) of
        1 -> atom(); 2 -> int(); 3 -> float(); 4 -> bin(); 5 -> bits();
        6 -> pid(); 7 -> ref(); 8 -> port(); 9 -> []; 10 -> int()
    end.

gen(0) -> scalar();
gen(D) ->
    case r(16) of
        1 -> list_to_tuple([gen(D - 1) || _ <- lists:seq(1, r(5) - 1)]);
        2 -> list_to_tuple([r(300) || _ <- lists:seq(1, 255 + r(10))]);
        3 -> [gen(D - 1) || _ <- lists:seq(1, r(5) - 1)];
        4 -> [r(256) - 1 || _ <- lists:seq(1, r(30))];
        5 -> chars(r(10));
        6 -> lists:foldr(fun(X, Acc) -> [X | Acc] end, scalar(), [gen(D - 1) || _ <- lists:seq(1, r(4))]);
        7 -> maps:from_list([{gen(D - 1), gen(D - 1)} || _ <- lists:seq(1, r(8) - 1)]);
        8 -> maps:from_list([{scalar(), scalar()} || _ <- lists:seq(1, 32 + r(30))]);
        9 -> X = gen(D - 1), fun() -> X end;
        10 -> Y = scalar(), pick([fun() -> ok end, fun(A) -> {A, Y} end, fun lists:map/2,
                                  erlang:make_fun(atom(), atom(), r(256) - 1)]);
        11 -> maps:from_list([{scalar(), scalar()} || _ <- lists:seq(1, r(33))]);
        _ -> scalar()
    end.
`;

// JS terms: every kind whose decoding gives back the same JS value.
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const u32 = fc.nat({ max: 0xffff_ffff });
const atomName = fc
  .string({ unit: 'binary', maxLength: 20 })
  .filter((s) => s !== 'true' && s !== 'false' && [...s].length <= 255);
const nodeName = fc
  .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.stringMatching(/^[a-z]{1,6}$/))
  .map(([a, h]) => `${a}@${h}`);
const float = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .map((d) => (Number.isInteger(d) ? new ErlangFloat(d) : d));
const scalar = fc.oneof(
  atomName,
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 2100n), max: 2n ** 2100n }).filter((b) => b > MAX_SAFE || b < -MAX_SAFE),
  float,
  fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 7 })).map(([b, bits]) => {
    const bytes = Buffer.from(b);
    bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) & ((0xff << (8 - bits)) & 0xff);
    return new BitBinary(bytes, bits);
  }),
  fc.tuple(nodeName, u32, u32, u32).map(([n, id, serial, creation]) => new ExternalPid(n, id, serial, creation)),
  fc
    .tuple(nodeName, u32, fc.array(u32, { minLength: 3, maxLength: 5 }))
    .map(([n, creation, ids]) => new ExternalRef(n, creation, ids)),
  fc
    .tuple(nodeName, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), u32)
    .map(([n, id, creation]) => new ExternalPort(n, id <= MAX_SAFE ? Number(id) : id, creation)),
  fc.string({ unit: 'binary', maxLength: 20 }).map(charlist),
);

/** Map keys must be distinct Erlang terms: compare them by their encoding (-0.0 counts as 0.0, as in OTP 25). */
const keyIdentity = (key: unknown) =>
  encodeTerm(key instanceof ErlangFloat && Object.is(key.value, -0) ? new ErlangFloat(0) : key).toString('hex');

const { term: jsTerm } = fc.letrec<{ term: unknown }>((tie) => ({
  term: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('term'), { maxLength: 5 }),
    fc.array(tie('term'), { maxLength: 5 }).map((items) => new ErlangList(items)),
    fc.array(fc.nat({ max: 255 }), { maxLength: 300 }).map((items) => new ErlangList(items)),
    fc
      .tuple(fc.array(tie('term'), { minLength: 1, maxLength: 4 }), scalar)
      .map(([items, tail]) =>
        tail instanceof ErlangList ? new ErlangList([...items, ...tail.items]) : new ImproperList(items, tail),
      ),
    fc
      .uniqueArray(fc.tuple(tie('term'), tie('term')), { maxLength: 6, selector: ([k]) => keyIdentity(k) })
      .map((entries) => new Map(entries)),
    fc
      .uniqueArray(fc.tuple(scalar, scalar), { minLength: 33, maxLength: 40, selector: ([k]) => keyIdentity(k) })
      .map((entries) => new Map(entries)),
  ),
}));

/** Whether a term holds a map of more than 32 keys, which Erlang writes in its hash order. */
function hasBigMap(t: unknown): boolean {
  if (t instanceof Map) return t.size > 32 || [...t].some(([k, v]) => hasBigMap(k) || hasBigMap(v));
  if (Array.isArray(t)) return t.some(hasBigMap);
  if (t instanceof ErlangList) return t.items.some(hasBigMap);
  if (t instanceof ImproperList) return t.items.some(hasBigMap) || hasBigMap(t.tail);
  return false;
}

const sampledJsTerms = fc.sample(jsTerm, { seed: SEED, numRuns: SAMPLED_JS_TERMS });

describe('ETF codec properties', () => {
  const fromErlang: { plain: Buffer; compressed: Buffer }[] = [];
  const erlangReadsOurs: Buffer[] = [];

  before(() => {
    if (!hasErl) return;
    const out = runGenerator(sampledJsTerms.map((t) => encodeTerm(t).toString('hex')));
    for (const line of out.split('\n')) {
      const [kind, hex, compressed] = line.split(' ');
      if (kind === 'gen')
        fromErlang.push({ plain: Buffer.from(hex ?? '', 'hex'), compressed: Buffer.from(compressed ?? '', 'hex') });
      if (kind === 'js') erlangReadsOurs.push(Buffer.from(hex ?? '', 'hex'));
    }
  });

  it(`${ERLANG_TERMS} random Erlang terms decode and re-encode to Erlang's bytes (seed ${SEED})`, { skip }, () => {
    assert.equal(fromErlang.length, ERLANG_TERMS);
    const seen = new Set<string>();
    for (const { plain, compressed } of fromErlang) {
      const term = decodeTerm(plain);
      assert.deepEqual(encodeTerm(term), plain, `re-encoding ${plain.toString('hex')}`);
      assert.deepEqual(decodeTermAt(plain, 0).end, plain.length);
      assert.deepStrictEqual(decodeTerm(compressed), term, 'the compressed form decodes to the same term');
      kindsIn(term, seen);
    }
    // The generator did reach every kind of term.
    for (const kind of [
      'atom',
      'boolean',
      'number',
      'bigint',
      'float',
      'ErlangFloat',
      'Buffer',
      'BitBinary',
      'tuple',
      'ErlangList',
      'ImproperList',
      'Map',
      'ExternalPid',
      'ExternalRef',
      'ExternalPort',
      'ErlangFun',
    ]) {
      assert.ok(seen.has(kind), `generated a ${kind}`);
    }
  });

  it('random JS terms encode and decode to themselves', () => {
    fc.assert(
      fc.property(jsTerm, fc.boolean(), (t, compressed) => {
        assert.deepStrictEqual(decodeTerm(encodeTerm(t, { compressed })), t);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it(`${SAMPLED_JS_TERMS} random JS terms, encoded, read in Erlang as the same terms`, { skip }, () => {
    assert.equal(erlangReadsOurs.length, sampledJsTerms.length);
    sampledJsTerms.forEach((t, i) => {
      const back = erlangReadsOurs[i] as Buffer;
      // Erlang's own bytes for the term it read decode to ours, and are ours
      // byte for byte unless a map of more than 32 keys is in Erlang's hash order.
      assert.deepStrictEqual(decodeTerm(back), t);
      if (!hasBigMap(t)) assert.deepEqual(back, encodeTerm(t));
    });
  });
});

/** Adds the kinds of `term` and of every term inside it to `seen`. */
function kindsIn(term: unknown, seen: Set<string>): void {
  const pending = [term];
  while (pending.length > 0) {
    const t = pending.pop();
    seen.add(kindOf(t));
    if (Array.isArray(t)) pending.push(...t);
    else if (t instanceof ErlangList) pending.push(...t.items);
    else if (t instanceof ImproperList) pending.push(...t.items, t.tail);
    else if (t instanceof Map) for (const [k, v] of t) pending.push(k, v);
  }
}

function kindOf(t: unknown): string {
  if (typeof t === 'string') return 'atom';
  if (typeof t === 'number') return Number.isInteger(t) ? 'number' : 'float';
  if (typeof t !== 'object' || t === null) return typeof t;
  if (Array.isArray(t)) return 'tuple';
  if (t instanceof ErlangFun) return 'ErlangFun';
  return Buffer.isBuffer(t) ? 'Buffer' : t.constructor.name;
}
