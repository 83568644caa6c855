import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTerm, makeRef, self } from '../../src/runtime/index.js';

describe('formatTerm', () => {
  it('prints terms in Erlang notation', () => {
    const ref = makeRef();
    assert.equal(formatTerm(['gun_ws', self(), ['text', 'Hello!']]), `{gun_ws,${self()},{text,<<"Hello!">>}}`);
    assert.equal(formatTerm(['DOWN', ref, 'process', self(), 'normal']), `{'DOWN',${ref},process,${self()},normal}`);
    assert.equal(formatTerm(Buffer.from([1, 2, 255])), '<<1,2,255>>');
    assert.equal(formatTerm([1, 2.5, 3n, true, undefined]), '{1,2.5,3,true,undefined}');
    assert.equal(formatTerm({ a: 1 }), '#{a => 1}');
    assert.equal(formatTerm('say "hi"'), '<<"say \\"hi\\"">>');
    assert.equal(formatTerm('receive'), '<<"receive">>');
  });
});
