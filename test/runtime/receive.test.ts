import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  _,
  anyNumber,
  anyString,
  BadArgError,
  ConcurrentReceiveError,
  flush,
  guard,
  on,
  ProcessExit,
  ReceiveTimeout,
  receive,
  receiveNow,
  run,
  self,
  send,
  sleep,
  spawn,
  spawnMonitor,
  where,
} from '../../src/runtime/index.js';

describe('receive', () => {
  it('takes the first message in arrival order that matches any pattern; the rest stay in order', () =>
    run(async () => {
      const me = self();
      for (const m of [
        ['a', 1],
        ['b', 2],
        ['a', 3],
        ['c', 4],
      ])
        send(me, m);
      assert.deepEqual(
        await receive([
          ['b', _],
          ['c', _],
        ]),
        ['b', 2],
      );
      assert.deepEqual(
        await receive([
          ['c', _],
          ['a', _],
        ]),
        ['a', 1],
      );
      assert.deepEqual(flush(), [
        ['a', 3],
        ['c', 4],
      ]);
    }));

  it('for the chosen message, the first matching clause handles it', () =>
    run(async () => {
      send(self(), ['n', 5]);
      const r = await receive([on(['n', anyString], () => 'string'), on(['n', anyNumber], ([, n]) => n * 2)]);
      assert.equal(r, 10);
    }));

  it('waits for a message that arrives later', () =>
    run(async () => {
      const me = self();
      spawn(async () => {
        await sleep(5);
        send(me, ['late', 1]);
      });
      assert.deepEqual(await receive([['late', _]]), ['late', 1]);
    }));

  it('tests each message that arrives while waiting once, never rescanning the mailbox', () =>
    run(async () => {
      const me = self();
      let calls = 0;
      const counting = guard((v) => {
        calls++;
        return v === 'wanted';
      });
      for (let i = 0; i < 50; i++) send(me, i);
      spawn(async () => {
        for (let i = 0; i < 20; i++) {
          send(me, `noise ${i}`);
          await sleep(1);
        }
        send(me, 'wanted');
      });
      assert.equal(await receive([counting]), 'wanted');
      // 50 looked at once when receive started, then 20 + 1 arrivals, once each.
      assert.equal(calls, 50 + 21);
      assert.equal(flush().length, 70);
    }));

  it('with literal tags, messages with other tags are looked at once (to index them), then never again', () =>
    run(async () => {
      const me = self();
      let reads = 0;
      const spy = (tuple: unknown[]) =>
        new Proxy(tuple, {
          get(target, key, receiver) {
            reads++;
            return Reflect.get(target, key, receiver);
          },
        });
      send(me, ['first', 0]);
      for (let i = 0; i < 1000; i++) send(me, spy(['other', i]));
      // Queued in order, they are not looked at.
      assert.equal(reads, 0);
      send(me, ['wanted', 1]);
      // The oldest message is always looked at; the first receive that has
      // to skip indexes the 'other' ones by tag (length and first element,
      // once each), and no receive looks at them after that.
      assert.deepEqual(
        await receive(
          [
            ['wanted', _],
            ['also', _],
          ],
          0,
        ),
        ['wanted', 1],
      );
      assert.ok(reads <= 2000, `${reads} reads to index 1000 messages`);
      for (let round = 0; round < 100; round++) {
        send(me, ['wanted', round]);
        reads = 0;
        assert.deepEqual(
          await receive(
            [
              ['wanted', _],
              ['also', _],
            ],
            0,
          ),
          ['wanted', round],
        );
        assert.equal(reads, 0);
      }
      assert.equal(flush().length, 1001);
    }));

  it('timeout 0 looks once and does not wait', () =>
    run(async () => {
      await assert.rejects(receive([['x']], 0), ReceiveTimeout);
      send(self(), ['x']);
      assert.deepEqual(await receive([['x']], 0), ['x']);
    }));

  it('on timeout without after, rejects with ReceiveTimeout (exit reason timeout)', () =>
    run(async () => {
      const err = await receive([['never']], 10).catch((e: unknown) => e);
      assert.ok(err instanceof ReceiveTimeout);
      assert.ok(err instanceof ProcessExit);
      assert.equal(err.reason, 'timeout');
      assert.equal(err.timeoutMs, 10);
    }));

  it('an uncaught receive timeout makes the process exit with reason timeout', async () => {
    const [pid, ref] = spawnMonitor(() => receive([['never']], 5));
    assert.deepEqual(await receive([['DOWN', ref, 'process', pid, _]]), ['DOWN', ref, 'process', pid, 'timeout']);
  });

  it('on timeout with after, returns the after value or the handler result', () =>
    run(async () => {
      assert.equal(await receive([['never']], 5, 'late'), 'late');
      assert.equal(await receive([['never']], 5, () => 'handled'), 'handled');
      assert.equal(await receive([['never']], 0, () => 'now'), 'now');
      assert.equal(await receive([['never']], 5, undefined), undefined);
    }));

  it('a message that arrives in time wins over the after clause, and no timer fires later', () =>
    run(async () => {
      const me = self();
      spawn(() => send(me, ['in-time']));
      assert.deepEqual(await receive([['in-time']], 50, 'late'), ['in-time']);
      assert.equal(await receive([['nothing']], 80, 'quiet'), 'quiet');
    }));

  it('an empty pattern list with a timeout sleeps', () =>
    run(async () => {
      send(self(), 'kept');
      const t = Date.now();
      assert.equal(await receive([], 20, 'slept'), 'slept');
      assert.ok(Date.now() - t >= 15);
      assert.deepEqual(flush(), ['kept']);
    }));

  it('handler errors reject the receive, and async handlers are awaited', () =>
    run(async () => {
      send(self(), 'boom');
      await assert.rejects(
        receive([
          on('boom', () => {
            throw new Error('handler failed');
          }),
        ]),
        /handler failed/,
      );
      send(self(), 'later');
      assert.equal(await receive([on('later', async () => 'awaited')]), 'awaited');
    }));

  it('flush empties the mailbox and returns what it held', () =>
    run(async () => {
      send(self(), 1);
      send(self(), ['two']);
      assert.deepEqual(flush(), [1, ['two']]);
      assert.deepEqual(flush(), []);
    }));

  it('misuse is refused with BadArgError and loses no message', () =>
    run(async () => {
      send(self(), 'keep');
      await assert.rejects(receive([_], -1), BadArgError);
      await assert.rejects(receive([_], Number.NaN), /timeoutMs/);
      // @ts-expect-error the clauses must be a list
      await assert.rejects(receive('keep'), /expected an array/);
      // Types allow it (a function is an object); the runtime refuses it.
      await assert.rejects(receive([(m: unknown) => m === 'keep']), /guard/);
      assert.deepEqual(flush(), ['keep']);
    }));

  it('a receive timeout must be a whole number of ms up to 4294967295, or Infinity (Erlang: timeout_value)', () =>
    run(async () => {
      send(self(), 'keep');
      for (const bad of [4294967296, 2 ** 53, 1.5, 0.1]) {
        // Refused before the mailbox is looked at: 'keep' stays queued.
        await assert.rejects(
          receive([_], bad),
          (e: unknown) => e instanceof BadArgError && /4294967295/.test(e.message) && e.argument === 'timeoutMs',
          `timeout ${bad}`,
        );
      }
      await assert.rejects(sleep(2.5), BadArgError);
      assert.equal(await receive([['never']], 0, 'none'), 'none');
      const longest = receive([['never']], 4294967295, 'none');
      send(self(), ['never']);
      assert.deepEqual(await longest, ['never']);
      assert.deepEqual(flush(), ['keep']);
    }));

  it('a process cannot wait in two receives at once: ConcurrentReceiveError, not a bad argument', () =>
    run(async () => {
      const first = receive([['one']], 50, 'none');
      await assert.rejects(
        receive([['two']]),
        (err: unknown) =>
          err instanceof ConcurrentReceiveError &&
          !(err instanceof BadArgError) &&
          err.pid === self() &&
          /already waiting in another receive/.test(err.message),
      );
      assert.equal(await first, 'none');
    }));

  it('receiveNow takes a matching message in the same turn, or returns ifNone', () =>
    run(async () => {
      const me = self();
      send(me, ['a', 1]);
      send(me, ['b', 2]);
      send(me, ['a', 3]);
      assert.deepEqual(receiveNow([['a', _]]), ['a', 1]);
      assert.equal(receiveNow([on(['a', anyNumber], ([, n]) => n * 10)]), 30);
      assert.equal(receiveNow([['a', _]]), undefined);
      assert.equal(receiveNow([['a', _]], 'none'), 'none');
      assert.deepEqual(flush(), [['b', 2]]);
      assert.throws(() => receiveNow('x' as unknown as unknown[]), BadArgError);
    }));

  it('types the result from the patterns', () =>
    run(async () => {
      send(self(), ['gun_ws', self(), ['text', 'hi']]);
      const msg = await receive([['gun_ws', self(), _]]);
      const tag: 'gun_ws' = msg[0];
      assert.equal(tag, 'gun_ws');
      assert.equal(msg.length, 3);
      send(self(), ['n', 1]);
      const n: number = await receive([on(['n', anyNumber], ([, v]) => v + 1)]);
      assert.equal(n, 2);
    }));

  it('a pattern that throws while matching does not match: send never throws, and the message stays queued', () =>
    run(async () => {
      const bad = {
        get a(): number {
          throw new Error('getter');
        },
      };
      const me = self();
      const receiver = spawn(async () => {
        const first = await receive([{ a: 1 }, where({ a: _ }, () => true)]);
        send(me, ['got', first, await receive([_], 0, 'lost')]);
      });
      await sleep(1);
      // The receiver is waiting: its patterns are tried inside this send.
      assert.doesNotThrow(() => send(receiver, bad));
      send(receiver, { a: 1 });
      assert.deepEqual(await receive([['got', _, _]]), ['got', { a: 1 }, bad]);
      // A mailbox scan skips it too, and a later pattern can still take it.
      send(self(), bad);
      send(self(), { a: 1 });
      assert.deepEqual(await receive([{ a: 1 }], 0), { a: 1 });
      assert.equal(await receive([on({ a: 1 }, () => 'first'), on(_, () => 'second')], 0), 'second');
    }));
});
