import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  _,
  alias,
  anyRef,
  BadArgError,
  demonitor,
  exit,
  flush,
  isAlive,
  monitor,
  receive,
  run,
  self,
  send,
  spawn,
  unalias,
} from '../../src/runtime/index.js';

describe('aliases (erlang:alias/0, unalias/1, monitor alias option)', () => {
  it('a message sent to an active alias reaches its owner; after unalias it is dropped', async () => {
    await run(async () => {
      const a = alias();
      send(a, ['one', 1]);
      assert.deepEqual(await receive([['one', _]], 100), ['one', 1]);
      assert.equal(unalias(a), true);
      send(a, ['two', 2]);
      assert.deepEqual(flush(), []);
      assert.equal(unalias(a), false, 'unalias of an ended alias is false, as in Erlang');
    });
  });

  it('another process sends to the alias; only the owner may unalias it', async () => {
    await run(async () => {
      const a = alias();
      const me = self();
      spawn(() => {
        send(a, 'from-child');
        send(me, ['unaliased', unalias(a)]);
      });
      assert.deepEqual(await receive(['from-child'], 500), 'from-child');
      assert.deepEqual(await receive([['unaliased', _]], 500), ['unaliased', false]);
      send(a, 'still-active');
      assert.equal(await receive(['still-active'], 100), 'still-active');
    });
  });

  it("monitor alias 'demonitor' ends with demonitor, and with the DOWN (OTP erlang:monitor/3 {alias, demonitor})", async () => {
    await run(async () => {
      const target = spawn(() => receive(['stop']));
      const ref = monitor('process', target, { alias: 'demonitor' });
      send(ref, 'via-alias');
      assert.equal(await receive(['via-alias'], 100), 'via-alias');
      demonitor(ref);
      send(ref, 'after-demonitor');
      assert.deepEqual(flush(), []);

      const ref2 = monitor('process', target, { alias: 'demonitor' });
      exit(target, 'kill');
      assert.deepEqual(await receive([['DOWN', ref2, _, _, _]], 500), ['DOWN', ref2, 'process', target, 'killed']);
      send(ref2, 'after-down');
      assert.deepEqual(flush(), []);
    });
  });

  it("monitor alias 'explicit_unalias' outlives the monitor until unalias", async () => {
    await run(async () => {
      const target = spawn(() => receive(['stop']));
      const ref = monitor('process', target, { alias: 'explicit_unalias' });
      demonitor(ref);
      send(ref, 'kept');
      assert.equal(await receive(['kept'], 100), 'kept');
      assert.equal(unalias(ref), true);
      send(target, 'stop');
    });
  });

  it('an alias of a dead process drops what is sent to it', async () => {
    await run(async () => {
      const me = self();
      const child = spawn(() => {
        send(me, ['alias', alias()]);
      });
      const [, a] = await receive([['alias', anyRef]], 500);
      await receive([], 20, null);
      assert.equal(isAlive(child), false);
      assert.doesNotThrow(() => send(a, 'lost'));
    });
  });

  it('bad arguments are refused with BadArgError', async () => {
    await run(async () => {
      assert.throws(() => unalias('x' as never), BadArgError);
      assert.throws(() => monitor('process', self(), { alias: 'sometimes' as never }), BadArgError);
      assert.throws(() => send(42 as never, 'x'), /expected a pid, a registered name or an alias/);
    });
  });
});
