import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { _, anyNumber, BadArgError, flush, on, receive, receiveNow, run, self, send } from '../../src/runtime/index.js';

/**
 * The clause list of receive: a list of clauses, never a tuple pattern in
 * disguise. Two lists cannot mean what they say, and are refused at the call.
 */
describe('receive clause lists', () => {
  it('the forgotten outer list is refused, not read as three clauses that take anything', () =>
    run(async () => {
      send(self(), ['other', 1]);
      await assert.rejects(
        receive(['ping', self(), _], 100),
        (err: unknown) =>
          err instanceof BadArgError &&
          err.argument === 'clauses[1]' &&
          /reads as one tuple pattern without its outer list/.test(err.message) &&
          /receive\(\[\['ping', /.test(err.message),
      );
      assert.throws(() => receiveNow(['add', anyNumber]), BadArgError);
      assert.throws(() => receiveNow(['count', 3]), BadArgError);
      // Nothing was taken: the message is still there.
      assert.deepEqual(flush(), [['other', 1]]);
    }));

  it('written as meant, the same pattern is one tuple pattern', () =>
    run(async () => {
      send(self(), ['other', 1]);
      send(self(), ['ping', self(), 7]);
      assert.deepEqual(await receive([['ping', self(), _]], 100), ['ping', self(), 7]);
      assert.deepEqual(flush(), [['other', 1]]);
    }));

  it('lists of atoms, of tuples, and of clauses made with on() stay legal', () =>
    run(async () => {
      send(self(), 'pong');
      assert.equal(await receive(['ping', 'pong'], 0), 'pong');
      send(self(), ['b', 2]);
      assert.deepEqual(await receive(['stop', ['a', _], ['b', _]], 0), ['b', 2]);
      send(self(), 5);
      assert.equal(await receive([on('stop', () => 'stopped'), on(anyNumber, (n) => n * 2)], 0), 10);
      send(self(), 'anything');
      assert.equal(await receive([_], 0), 'anything');
    }));

  it('a clause after _ can never match and is refused (Erlang warns of it)', () =>
    run(async () => {
      send(self(), ['x', 1]);
      await assert.rejects(
        receive([_, ['x', _]], 0),
        (err: unknown) =>
          err instanceof BadArgError && err.argument === 'clauses[1]' && /never match/.test(err.message),
      );
      assert.throws(() => receiveNow([on(_, (m) => m), on(['x', _], () => 'unreachable')]), BadArgError);
      assert.deepEqual(await receive([['x', _], _], 0), ['x', 1]);
    }));
});
