import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BadArgError,
  exit,
  receive,
  register,
  registered,
  run,
  self,
  send,
  sleep,
  spawn,
  unregister,
  whereis,
} from '../../src/runtime/index.js';

describe('registered names', () => {
  it('register, whereis, registered, send by name, unregister', () =>
    run(async () => {
      register('reg_basic', self());
      assert.equal(whereis('reg_basic'), self());
      assert.ok(registered().includes('reg_basic'));
      send('reg_basic', 'by name');
      assert.equal(await receive(['by name'], 0), 'by name');
      assert.equal(unregister('reg_basic'), true);
      assert.equal(whereis('reg_basic'), undefined);
    }));

  it('a name is freed when its process dies', () =>
    run(async () => {
      const pid = spawn(() => receive([]));
      register('reg_dies', pid);
      exit(pid, 'kill');
      assert.equal(whereis('reg_dies'), undefined);
      register('reg_dies', self());
      assert.equal(whereis('reg_dies'), self());
    }));

  it('a name held by a live process cannot be taken again', () =>
    run(async () => {
      register('reg_taken', self());
      const other = spawn(() => receive([]));
      assert.throws(() => register('reg_taken', other), BadArgError);
      assert.throws(() => register('reg_taken', other), /already registered/);
      exit(other, 'kill');
    }));

  it('registering a dead pid, a second name, or a bad name is refused', () =>
    run(async () => {
      const dead = spawn(() => undefined);
      await sleep(1);
      assert.throws(() => register('reg_dead', dead), /not alive/);
      register('reg_first', self());
      assert.throws(() => register('reg_second', self()), /already registered as 'reg_first'/);
      // @ts-expect-error names are strings
      assert.throws(() => register(42, self()), /expected a non-empty string, got 42/);
      assert.throws(() => register('', self()), /expected a non-empty string, got ''/);
      assert.throws(
        () =>
          register(
            'undefined',
            spawn(() => undefined),
          ),
        BadArgError,
      );
      // @ts-expect-error a pid is needed
      assert.throws(() => register('reg_nopid', 'x'), /expected a pid/);
    }));

  it('sending to an unregistered name is a BadArgError (badarg), and unregistering one too', () =>
    run(async () => {
      assert.throws(() => send('reg_nobody', 'x'), BadArgError);
      assert.throws(() => send('reg_nobody', 'x'), /no process is registered as 'reg_nobody'/);
      assert.throws(() => unregister('reg_nobody'), BadArgError);
      // @ts-expect-error not a destination
      assert.throws(() => send(42, 'x'), /expected a pid, a registered name or an alias/);
    }));

  it('spawn can register the new process before it runs', () =>
    run(async () => {
      const pid = spawn(() => receive([]), { name: 'reg_spawned' });
      assert.equal(whereis('reg_spawned'), pid);
      exit(pid, 'kill');
      assert.throws(
        () => spawn(() => 1, { name: 'reg_spawned_taken' }) && spawn(() => 1, { name: 'reg_spawned_taken' }),
        BadArgError,
      );
    }));
});
