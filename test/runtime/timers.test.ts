import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  _,
  BadArgError,
  cancelTimer,
  exit,
  flush,
  makeRef,
  readTimer,
  receive,
  register,
  run,
  self,
  sendAfter,
  sleep,
  spawn,
  startTimer,
} from '../../src/runtime/index.js';

describe('timers', () => {
  it('sendAfter delivers the message after the delay', () =>
    run(async () => {
      const t = Date.now();
      sendAfter(20, self(), 'ding');
      assert.equal(await receive(['ding'], 0, 'not yet'), 'not yet');
      assert.equal(await receive(['ding']), 'ding');
      assert.ok(Date.now() - t >= 15);
    }));

  it('startTimer delivers [timeout, tref, msg]', () =>
    run(async () => {
      const tref = startTimer(5, self(), 'tick');
      assert.deepEqual(await receive([['timeout', tref, _]]), ['timeout', tref, 'tick']);
    }));

  it('cancelTimer returns the ms left, or false once fired or cancelled', () =>
    run(async () => {
      const tref = sendAfter(1000, self(), 'never');
      const left = cancelTimer(tref);
      assert.ok(typeof left === 'number' && left > 900 && left <= 1000);
      assert.equal(cancelTimer(tref), false);
      await sleep(5);
      assert.deepEqual(flush(), []);
      const fired = sendAfter(1, self(), 'fired');
      await receive(['fired']);
      assert.equal(cancelTimer(fired), false);
      assert.equal(readTimer(fired), false);
      assert.equal(cancelTimer(makeRef()), false);
    }));

  it('a timer to a name looks the name up when it fires', () =>
    run(async () => {
      sendAfter(5, 'timer_late_name', 'found');
      register('timer_late_name', self());
      assert.equal(await receive(['found']), 'found');
    }));

  it('a timer aimed at a pid is cancelled when that process dies', () =>
    run(async () => {
      const pid = spawn(() => receive([]));
      const tref = sendAfter(1000, pid, 'x');
      assert.ok(readTimer(tref) !== false);
      exit(pid, 'kill');
      assert.equal(readTimer(tref), false);
    }));

  it('a fractional timer delay is refused (Erlang: badarg); a delay above 2^32 ms is taken, as in Erlang', () =>
    run(async () => {
      assert.throws(() => sendAfter(1.5, self(), 'x'), BadArgError);
      assert.throws(() => startTimer(0.5, self(), 'x'), /whole number/);
      const far = sendAfter(5_000_000_000, self(), 'x');
      const left = cancelTimer(far);
      assert.ok(typeof left === 'number' && left > 4_999_000_000, `left: ${left}`);
    }));

  it('misuse is refused with BadArgError', () => {
    assert.throws(() => sendAfter(-1, self(), 'x'), BadArgError);
    assert.throws(() => sendAfter(Number.POSITIVE_INFINITY, self(), 'x'), /finite/);
    // @ts-expect-error not a destination
    assert.throws(() => startTimer(1, 42, 'x'), /pid or a registered name/);
    // @ts-expect-error not a ref
    assert.throws(() => cancelTimer('t'), BadArgError);
  });
});
