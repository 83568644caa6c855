import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  demonitor,
  makeRef,
  monitor,
  processInfo,
  type Ref,
  receive,
  run,
  self,
  send,
  spawn,
} from '../../src/runtime/index.js';
import { SmallMap } from '../../src/runtime/small-map.js';

// The monitors of a process live in a SmallMap: its first entry in two
// fields, a Map from the second on. It must behave as the Map it replaced.
describe('SmallMap (monitors by ref, streams by serial)', () => {
  it("has and clear, with number keys (an HTTP/1.1 connection's streams), in one entry and past it", () => {
    const t = new SmallMap<number, string>();
    assert.equal(t.has(1), false);
    t.set(1, 'one');
    assert.equal(t.has(1), true);
    assert.equal(t.has(2), false);
    t.clear();
    assert.equal(t.has(1), false);
    assert.equal(t.size, 0);
    t.set(1, 'one');
    t.set(2, 'two');
    assert.equal(t.has(2), true);
    t.clear();
    assert.deepEqual([...t], []);
    t.set(3, 'three');
    assert.deepEqual([...t], [[3, 'three']]);
  });

  it('behaves as a Map through one entry, two, and back: get, size, delete, insertion order', () => {
    const t = new SmallMap<Ref, string>();
    const [a, b, c] = [makeRef(), makeRef(), makeRef()];
    assert.equal(t.size, 0);
    assert.equal(t.get(a), undefined);
    assert.equal(t.delete(a), false);
    assert.deepEqual([...t], []);

    t.set(a, 'a');
    assert.equal(t.size, 1);
    assert.equal(t.get(a), 'a');
    assert.equal(t.get(b), undefined);
    assert.equal(t.delete(b), false);
    t.set(a, 'a2'); // the same ref again replaces, as Map#set
    assert.equal(t.size, 1);
    assert.deepEqual([...t], [[a, 'a2']]);
    assert.deepEqual([...t.values()], ['a2']);

    t.set(b, 'b');
    t.set(c, 'c');
    assert.equal(t.size, 3);
    assert.deepEqual(
      [...t],
      [
        [a, 'a2'],
        [b, 'b'],
        [c, 'c'],
      ],
    );
    assert.equal(t.delete(b), true);
    assert.equal(t.delete(b), false);
    assert.deepEqual([...t.values()], ['a2', 'c']);
    assert.equal(t.delete(a), true);
    assert.equal(t.delete(c), true);
    assert.equal(t.size, 0);
    assert.deepEqual([...t], []);
    t.set(b, 'b again');
    assert.deepEqual([...t], [[b, 'b again']]);
  });

  it('a process with one monitor, then two, then none: processInfo, demonitor and DOWN as before', async () => {
    await run(async () => {
      const stop = (): Promise<unknown> => receive(['stop']);
      const [x, y] = [spawn(stop), spawn(stop)];
      const rx = monitor('process', x);
      assert.deepEqual(
        processInfo(self())?.monitors.map((m) => m.pid),
        [x],
      );
      const ry = monitor('process', y);
      assert.deepEqual(
        processInfo(self())?.monitors.map((m) => m.pid),
        [x, y],
      );
      assert.deepEqual(processInfo(x)?.monitoredBy, [self()]);
      demonitor(rx, { flush: true });
      assert.deepEqual(
        processInfo(self())?.monitors.map((m) => m.pid),
        [y],
      );
      send(x, 'stop');
      send(y, 'stop');
      const [, ref, , pid, reason] = await receive([['DOWN', ry, 'process', y, 'normal']]);
      assert.equal(ref, ry);
      assert.equal(pid, y);
      assert.equal(reason, 'normal');
      assert.deepEqual(processInfo(self())?.monitors, []);
    });
  });
});
