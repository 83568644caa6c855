import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { decodeTerm } from '../../src/distribution/etf/index.js';
import {
  _,
  demonitor,
  ErlangList,
  ErlangString,
  exit,
  formatTerm,
  makeRef,
  monitor,
  processInfo,
  receive,
  register,
  self,
  sleep,
  spawn,
  spawnLink,
  unlink,
} from '../../src/runtime/index.js';

/** What erl prints for `expr` (evaluated with `-noshell -eval`), or undefined when erl is not here. */
function erl(expr: string): string | undefined {
  try {
    return execFileSync('erl', ['-noshell', '-eval', `${expr}, halt().`], { encoding: 'utf8', timeout: 20_000 });
  } catch {
    return undefined;
  }
}
const noErl = erl('ok') === undefined ? 'erl is not installed' : false;

describe('formatTerm', () => {
  it('prints terms in Erlang notation', () => {
    const ref = makeRef();
    assert.equal(formatTerm(['gun_ws', self(), ['text', 'Hello!']]), `{gun_ws,${self()},{text,<<"Hello!">>}}`);
    assert.equal(formatTerm(['DOWN', ref, 'process', self(), 'normal']), `{'DOWN',${ref},process,${self()},normal}`);
    assert.equal(formatTerm(Buffer.from([1, 2, 255])), '<<1,2,255>>');
    assert.equal(formatTerm([1, 2.5, 3n, true, undefined]), '{1,2.5,3,true,undefined}');
    assert.equal(formatTerm({ a: 1 }), '#{a => 1}');
    assert.equal(formatTerm(new ErlangList(['a', 'B'])), '[a,<<"B">>]');
    assert.equal(formatTerm(new Error('boom')), '#Error<boom>');
  });

  // The rule for strings: an atom where Erlang prints that atom bare, the
  // quoted atoms of Erlang's own messages, a binary otherwise. Each expected
  // atom was printed by erl (OTP 25) with io:format("~p", [list_to_atom(S)]).
  it('prints a string as an atom exactly where Erlang prints that atom bare', () => {
    for (const bare of ['ok', 'gun_ws', 'hello', 'aB9', 'ok@host', 'ok_1', 'maybe', 'else', 'été', 'ß', 'aÿ', 'aÀ']) {
      assert.equal(formatTerm(bare), bare, bare);
    }
  });

  it('prints every other string as a binary: quoted atoms, reserved words, text', () => {
    const binaries: Array<[string, string]> = [
      ['Hello!', '<<"Hello!">>'],
      ['hello world', '<<"hello world">>'],
      ['OK', '<<"OK">>'], // Erlang quotes it ('OK'): not bare, so text
      ['Ok', '<<"Ok">>'],
      ['a-b', '<<"a-b">>'],
      ['_a', '<<"_a">>'],
      ['9lives', '<<"9lives">>'],
      ['a×', '<<"a×"/utf8>>'], // × is Latin-1 but not a letter: Erlang quotes 'a×'
      ['Été', '<<"Été"/utf8>>'], // upper-case start: Erlang quotes it
      // The 27 reserved words of erl_scan (OTP 25) need quotes, so are text here.
      ...['after', 'and', 'andalso', 'band', 'begin', 'bnot', 'bor', 'bsl', 'bsr', 'bxor', 'case', 'catch', 'cond']
        .concat(['div', 'end', 'fun', 'if', 'let', 'not', 'of', 'or', 'orelse', 'receive', 'rem', 'try', 'when', 'xor'])
        .map((w): [string, string] => [w, `<<"${w}">>`]),
    ];
    for (const [s, printed] of binaries) assert.equal(formatTerm(s), printed, s);
  });

  it("prints the quoted atoms of Erlang's own messages as atoms", () => {
    assert.equal(formatTerm('EXIT'), "'EXIT'");
    assert.equal(formatTerm('DOWN'), "'DOWN'");
    assert.equal(formatTerm('$gen_call'), "'$gen_call'");
    assert.equal(formatTerm('$gun_call'), "'$gun_call'");
    // Only those: other capitals and other $ strings are text.
    assert.equal(formatTerm('EXITED'), '<<"EXITED">>');
    assert.equal(formatTerm('$100'), '<<"$100">>');
    assert.equal(formatTerm('$'), '<<"$">>');
  });

  it('prints binaries as Erlang does: <<>> when empty, escapes, /utf8 for non-ASCII text, else bytes', () => {
    assert.equal(formatTerm(''), '<<>>');
    assert.equal(formatTerm(Buffer.alloc(0)), '<<>>');
    assert.equal(formatTerm(['text', '']), '{text,<<>>}');
    assert.equal(formatTerm('say "hi"'), '<<"say \\"hi\\"">>');
    assert.equal(formatTerm('a\\b'), '<<"a\\\\b">>');
    // io_lib's escapes, as erl prints <<"\n\r\t\v\b\f\e">>.
    assert.equal(formatTerm('\n\r\t\v\b\f\u001b'), '<<"\\n\\r\\t\\v\\b\\f\\e">>');
    // Other control characters, DEL and C1 controls: bytes, as erl prints them.
    assert.equal(formatTerm('a\u0000b'), '<<97,0,98>>');
    assert.equal(formatTerm('a\u007fb'), '<<97,127,98>>');
    assert.equal(formatTerm('a\u0085'), '<<97,194,133>>');
    // UTF-8 text, as erl's shell prints it (~tp): <<"été!"/utf8>>.
    assert.equal(formatTerm('été!'), '<<"été!"/utf8>>');
    assert.equal(formatTerm('日本'), '<<"日本"/utf8>>');
    assert.equal(formatTerm('😀'), '<<"😀"/utf8>>');
    assert.equal(formatTerm(Buffer.from('été!')), '<<"été!"/utf8>>');
    // Not UTF-8: bytes (where erl would read printable ones as Latin-1).
    assert.equal(formatTerm(Buffer.from([0xde, 0xad, 0xbe, 0xef])), '<<222,173,190,239>>');
    assert.equal(formatTerm(Buffer.from([0xc3, 0xa9, 0])), '<<195,169,0>>');
  });

  it('prints an ErlangString as erl prints a list of characters: "text" with escapes, [] when empty, codes past Latin-1', () => {
    // erl: io:format("~p", [{badstate,"The stream\n"}]) prints {badstate,"The stream\n"}; "" is []; [26085] is [26085].
    assert.equal(formatTerm(['badstate', new ErlangString('The "stream"\n')]), '{badstate,"The \\"stream\\"\\n"}');
    assert.equal(formatTerm(new ErlangString('')), '[]');
    assert.equal(formatTerm(new ErlangString('\u65e5')), '[26085]');
    assert.equal(formatTerm(new ErlangString('a\u0001')), '[97,1]');
  });

  it('uses the same rule for map keys', () => {
    assert.equal(
      formatTerm({ ok: 1, 'Content-Type': 'text/plain', '': 'x' }),
      '#{ok => 1,<<"Content-Type">> => <<"text/plain">>,<<>> => x}',
    );
  });
});

describe('formatTerm: maps', () => {
  it('prints a Map as an Erlang map, keys and values by the same rule as everything else', () => {
    assert.equal(formatTerm(new Map([['k', 1]])), '#{k => 1}');
    assert.equal(formatTerm(new Map()), '#{}');
    assert.equal(
      formatTerm(
        new Map<unknown, unknown>([
          ['Content-Type', 'text/plain'],
          [1, Buffer.from('x')],
          [['t', 1], ['ok']],
        ]),
      ),
      '#{<<"Content-Type">> => <<"text/plain">>,1 => <<"x">>,{t,1} => {ok}}',
    );
    assert.equal(formatTerm(['ok', new Map([['inner', new Map([['k', 'v']])]])]), '{ok,#{inner => #{k => v}}}');
  });

  it("prints a Map's entries in the Map's own order: insertion order, where erl sorts a small map's keys", () => {
    // erl prints #{b => 1, a => 2} as #{a => 2,b => 1}; a Map built in JS keeps its order.
    assert.equal(
      formatTerm(
        new Map([
          ['b', 1],
          ['a', 2],
        ]),
      ),
      '#{b => 1,a => 2}',
    );
  });

  // A map of up to 32 keys travels with its keys in term order, so a map
  // that arrives from a real node prints as erl prints it.
  it('prints a map decoded from erl exactly as erl prints it', { skip: noErl }, () => {
    const expr = '#{b => 1, a => <<"bin">>, 1 => x, {t, 1} => [1, 2], <<"z">> => #{k => v}, "s" => []}';
    const out = erl(`M = ${expr}, io:format("~p~n~s", [M, base64:encode(term_to_binary(M))])`) ?? '';
    const [printed, bytes] = out.split('\n');
    assert.equal(printed, '#{1 => x,a => <<"bin">>,b => 1,{t,1} => [1,2],"s" => [],<<"z">> => #{k => v}}');
    const decoded = decodeTerm(Buffer.from(bytes ?? '', 'base64'));
    assert.ok(decoded instanceof Map);
    // "s" arrives as a list of character codes, which formatTerm prints as a list of integers.
    assert.equal(formatTerm(decoded), printed?.replace('"s"', '[115]'));
  });
});

describe('formatTerm: errors', () => {
  it('prints an Error as #Name<message>: the class name, then the message on one line', () => {
    assert.equal(formatTerm(new Error('asked to die')), '#Error<asked to die>');
    assert.equal(formatTerm(['error', new Error('asked to die')]), '{error,#Error<asked to die>}');
    assert.equal(formatTerm(new TypeError('x is not a function')), '#TypeError<x is not a function>');
    class HttpError extends Error {}
    assert.equal(formatTerm(new HttpError('418')), '#HttpError<418>', 'a subclass by its class name');
    class Named extends Error {
      override name = 'NamedError';
    }
    assert.equal(formatTerm(new Named('n')), '#NamedError<n>', 'or by the name it gives itself');
    assert.equal(formatTerm(new Error('two\nlines\tand a tab')), '#Error<two\\nlines\\tand a tab>');
    assert.equal(formatTerm(new Error('')), '#Error<>');
    assert.doesNotMatch(formatTerm(new Error('boom')), /__exception__/);
  });
});

describe('formatTerm: process info', () => {
  it("prints processInfo's result as erlang:process_info/2 prints the same items: [] for no name, lists of pids", async () => {
    const me = self();
    const worker = spawnLink(() => receive([['stop']]));
    const ref = monitor('process', worker);
    await sleep(5);
    const info = processInfo(worker);
    assert.equal(
      formatTerm(info),
      `[{status,waiting},{message_queue_len,0},{links,[${me}]},{monitors,[]},{monitored_by,[${me}]},` +
        '{registered_name,[]},{trap_exit,false}]',
    );
    register('format_info_worker', worker);
    assert.match(formatTerm(processInfo(worker)), /\{registered_name,format_info_worker\},/);
    const named = spawn(() => receive([['stop']]), { name: 'Info Worker' });
    // A name is an atom: quoted where erl quotes it ({registered_name,'My W'}), never a binary.
    assert.match(formatTerm(processInfo(named)), /\{registered_name,'Info Worker'\},/);
    exit(named, 'kill');
    assert.match(
      formatTerm(processInfo(me)),
      new RegExp(`\\{links,\\[${worker}\\]\\},\\{monitors,\\[\\{process,${worker}\\}\\]\\}`),
    );
    demonitor(ref);
    unlink(worker);
    exit(worker, 'kill');
  });

  it('prints the same shape as erl for a waiting process linked to and monitored by its caller', {
    skip: noErl,
  }, async () => {
    const items = '[status, message_queue_len, links, monitors, monitored_by, registered_name, trap_exit]';
    const printed = erl(
      `P = spawn_link(fun() -> receive stop -> ok end end), monitor(process, P), timer:sleep(5), io:format("~w", [erlang:process_info(P, ${items})])`,
    );
    const worker = spawnLink(() => receive([['stop']]));
    monitor('process', worker);
    await sleep(5);
    const pids = (s: string): string => s.replace(/<\d+\.\d+\.\d+>/g, '<PID>');
    assert.equal(pids(formatTerm(processInfo(worker))), pids(printed ?? ''));
    unlink(worker);
    exit(worker, 'kill');
    await receive([['DOWN', _, 'process', worker, _]], 1000);
  });
});
