import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  _,
  anyBigint,
  anyBoolean,
  anyBuffer,
  anyNumber,
  anyPid,
  anyRef,
  anyString,
  BadArgError,
  guard,
  instanceOf,
  makeRef,
  match,
  receive,
  run,
  self,
  send,
  where,
} from '../../src/runtime/index.js';

describe('patterns', () => {
  it('literals match by equality', () => {
    assert.ok(match('ok', 'ok'));
    assert.ok(!match('ok', 'error'));
    assert.ok(match(42, 42));
    assert.ok(!match(42, '42'));
    assert.ok(match(true, true));
    assert.ok(match(null, null));
    assert.ok(!match(null, undefined));
    assert.ok(match(undefined, undefined));
    assert.ok(match(10n, 10n));
    assert.ok(!match(10n, 10));
    assert.ok(match(Number.NaN, Number.NaN));
    // The same inside a tuple, where literals are compared without a call.
    assert.ok(match(['n', Number.NaN, 10n, null], ['n', Number.NaN, 10n, null]));
    assert.ok(!match(['n', Number.NaN], ['n', 1]));
    assert.ok(!match(['n', 1], ['n', Number.NaN]));
    assert.ok(!match(['n', 10n], ['n', 10]));
    assert.ok(!match(['n', null], ['n', undefined]));
  });

  it('a pid or ref matches only that same pid or ref', () => {
    const r = makeRef();
    assert.ok(match(r, r));
    assert.ok(!match(r, makeRef()));
    assert.ok(match(self(), self()));
    assert.ok(match([anyPid, anyRef], [self(), r]));
  });

  it('arrays match arrays of exactly the same length, element by element', () => {
    assert.ok(match(['a', _], ['a', 1]));
    assert.ok(!match(['a', _], ['a', 1, 2]));
    assert.ok(!match(['a', _], ['a']));
    assert.ok(!match(['a', _], { 0: 'a', 1: 1, length: 2 }));
    assert.ok(match(['a', ['b', _]], ['a', ['b', 3]]));
    assert.ok(!match(['a', ['b', _]], ['a', ['c', 3]]));
  });

  it('plain objects match objects with at least the given keys', () => {
    assert.ok(match({ type: 'x' }, { type: 'x', extra: 1 }));
    assert.ok(!match({ type: 'x', n: 1 }, { type: 'x' }));
    assert.ok(!match({ type: 'x' }, null));
    assert.ok(match({ a: { b: _ } }, { a: { b: undefined } }));
    assert.ok(!match({ a: { b: _ } }, { a: {} }));
  });

  it('an object pattern matches only plain objects (Erlang maps), never tuples, pids, refs, Buffers, Maps or instances', () =>
    run(async () => {
      class Point {
        length = 2;
      }
      for (const v of [['a', 'b'], self(), makeRef(), Buffer.from('ab'), new Map([['length', 2]]), new Point()]) {
        assert.ok(!match({}, v), `{} matched ${String(v)}`);
        assert.ok(!match({ length: 2 }, v), `{ length: 2 } matched ${String(v)}`);
      }
      assert.ok(match({}, {}));
      assert.ok(match({ length: 2 }, { length: 2 }));
      const bare = Object.create(null) as Record<string, unknown>;
      bare.length = 2;
      assert.ok(match({ length: 2 }, bare));
      // Only keys the object holds itself, as a map holds its keys.
      assert.ok(!match({ toString: _ }, {}));
      // In a receive, an object pattern leaves a tuple in the mailbox.
      send(self(), ['a', 'b']);
      assert.equal(await receive([{}], 0, 'none'), 'none');
      assert.deepEqual(await receive([_], 0), ['a', 'b']);
    }));

  it('a wildcard matches anything', () => {
    for (const v of [undefined, null, 0, '', [], {}, Buffer.alloc(0)]) assert.ok(match(_, v));
  });

  it('type matchers match by type', () => {
    assert.ok(match(anyString, 's') && !match(anyString, 1));
    assert.ok(match(anyNumber, 1.5) && !match(anyNumber, 1n));
    assert.ok(match(anyBigint, 1n) && !match(anyBigint, 1));
    assert.ok(match(anyBoolean, false) && !match(anyBoolean, 0));
    assert.ok(match(anyBuffer, Buffer.from('x')) && !match(anyBuffer, 'x'));
    class Thing {}
    assert.ok(match(instanceOf(Thing), new Thing()) && !match(instanceOf(Thing), {}));
    assert.ok(match(instanceOf(Error), new TypeError('x')));
  });

  it('buffers match buffers with the same bytes', () => {
    assert.ok(match(Buffer.from('abc'), Buffer.from('abc')));
    assert.ok(!match(Buffer.from('abc'), Buffer.from('abd')));
    assert.ok(!match(Buffer.from('abc'), 'abc'));
  });

  it('class instances in patterns match only themselves', () => {
    const d = new Date(0);
    assert.ok(match(d, d));
    assert.ok(!match(d, new Date(0)));
  });

  it('guards and where() decide by predicate; a throwing guard fails, as in Erlang', () => {
    const even = guard((v) => typeof v === 'number' && v % 2 === 0);
    assert.ok(match(['n', even], ['n', 4]));
    assert.ok(!match(['n', even], ['n', 3]));
    const big = where(['n', anyNumber], ([, n]) => n > 10);
    assert.ok(match(big, ['n', 11]));
    assert.ok(!match(big, ['n', 10]));
    const throws = guard(() => {
      throw new Error('guard blew up');
    });
    assert.ok(!match(throws, 1));
  });

  it('misused matcher constructors throw BadArgError at once, naming the function and the argument', () => {
    const badArg = (fn: string, argument: string, got: string) => (e: unknown) =>
      e instanceof BadArgError && e.fn === fn && e.argument === argument && e.message.includes(got);
    // @ts-expect-error a guard needs a function
    assert.throws(() => guard(1), badArg('guard', 'pred', 'got 1'));
    // @ts-expect-error instanceOf needs a class
    assert.throws(() => instanceOf('Date'), badArg('instanceOf', 'ctor', "got 'Date'"));
    // @ts-expect-error where needs a predicate
    assert.throws(() => where(['a', _], null), badArg('where', 'pred', 'got null'));
  });
});
