import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  _,
  exit,
  isAlive,
  makeRef,
  Pid,
  processInfo,
  Ref,
  receive,
  run,
  self,
  send,
  spawn,
  spawnMonitor,
} from '../../src/runtime/index.js';

describe('pids and refs', () => {
  it('a pid prints like an Erlang pid in String() and util.inspect', async () => {
    const pid = spawn(() => undefined);
    assert.match(String(pid), /^<0\.\d+\.0>$/);
    assert.equal(inspect(pid), String(pid));
    assert.equal(inspect({ pid }), `{ pid: ${pid} }`);
  });

  it('a ref prints like an Erlang ref in String() and util.inspect', () => {
    const ref = makeRef();
    assert.match(String(ref), /^#Ref<0\.\d+\.\d+\.\d+>$/);
    assert.equal(inspect([ref]), `[ ${ref} ]`);
  });

  it('pids and refs are compared by identity and are unique', async () => {
    const a = makeRef();
    const b = makeRef();
    assert.notEqual(a, b);
    assert.notEqual(String(a), String(b));
    const inside = await run(() => self());
    assert.ok(inside instanceof Pid);
    assert.notEqual(inside, self());
    assert.ok(a instanceof Ref);
  });

  it('a typed Pid<M> checks the messages sent to it', () =>
    run(async () => {
      type CounterMsg = ['add', number] | ['get', Pid];
      const counter: Pid<CounterMsg> = spawn<CounterMsg>(() => receive([]));
      send(counter, ['add', 1]);
      send(counter, ['get', self()]);
      // @ts-expect-error 'sub' is not a message the counter takes
      send(counter, ['sub', 1]);
      // @ts-expect-error the wrong payload type
      send(counter, ['add', 'one']);
      // A typed pid is still a Pid where any pid will do.
      const plain: Pid = counter;
      assert.equal(plain, counter);
      assert.equal(processInfo(counter)?.messageQueueLen, 4);
      exit(counter, 'kill');
    }));

  it('a process function may return any thenable', () =>
    run(async () => {
      const [pid, ref] = spawnMonitor(() => ({
        // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
        then(ok: (v: unknown) => void) {
          setTimeout(() => ok('later'), 5);
        },
      }));
      assert.equal(isAlive(pid), true);
      const [, , , , reason] = await receive([['DOWN', ref, 'process', pid, _]], 1000);
      assert.equal(reason, 'normal');
    }));
});
