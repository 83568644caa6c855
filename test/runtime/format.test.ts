import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErlangList, ErlangString, formatTerm, makeRef, self } from '../../src/runtime/index.js';

describe('formatTerm', () => {
  it('prints terms in Erlang notation', () => {
    const ref = makeRef();
    assert.equal(formatTerm(['gun_ws', self(), ['text', 'Hello!']]), `{gun_ws,${self()},{text,<<"Hello!">>}}`);
    assert.equal(formatTerm(['DOWN', ref, 'process', self(), 'normal']), `{'DOWN',${ref},process,${self()},normal}`);
    assert.equal(formatTerm(Buffer.from([1, 2, 255])), '<<1,2,255>>');
    assert.equal(formatTerm([1, 2.5, 3n, true, undefined]), '{1,2.5,3,true,undefined}');
    assert.equal(formatTerm({ a: 1 }), '#{a => 1}');
    assert.equal(formatTerm(new ErlangList(['a', 'B'])), '[a,<<"B">>]');
    assert.equal(formatTerm(new Error('boom')), `#{'__exception__' => <<"boom">>}`);
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
