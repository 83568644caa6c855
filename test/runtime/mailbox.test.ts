import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { _ } from '../../src/runtime/index.js';
import { indexStats, Mailbox, type Taken } from '../../src/runtime/mailbox.js';

const out: Taken = { message: undefined, index: -1 };
const take = (box: Mailbox, patterns: unknown[]) => (box.take(patterns, out) ? out.message : 'none');

describe('mailbox internals', () => {
  it('a tag whose list was trimmed away is indexed again when it comes back', () => {
    const box = new Mailbox();
    for (let i = 0; i < 1100; i++) box.push(['a', i]);
    // Untagged messages leave 'a' the last tag seen.
    for (let i = 0; i < 1100; i++) box.push(i);
    for (let i = 0; i < 1100; i++) assert.deepEqual(take(box, [_]), ['a', i]);
    box.push(['a', 'again']);
    assert.deepEqual(take(box, [['a', _]]), ['a', 'again']);
    assert.equal(box.size, 1100);
  });

  it('holes in the middle are squeezed out without changing the order', () => {
    const box = new Mailbox();
    for (let i = 0; i < 3000; i++) box.push([i % 2 === 0 ? 'even' : 'odd', i]);
    for (let i = 1; i < 3000; i += 2) assert.deepEqual(take(box, [['odd', _]]), ['odd', i]);
    assert.equal(box.size, 1500);
    assert.deepEqual(take(box, [['odd', _]]), 'none');
    const rest = box.drain();
    assert.deepEqual(
      rest,
      Array.from({ length: 1500 }, (_v, k) => ['even', 2 * k]),
    );
  });

  it('messages taken in order build no tag index', () => {
    const box = new Mailbox();
    const builds = indexStats.builds;
    for (let i = 0; i < 5000; i++) box.push([i % 2 === 0 ? 'a' : 'b', i]);
    for (let i = 0; i < 5000; i++)
      assert.deepEqual(
        take(box, [
          ['a', _],
          ['b', _],
        ]),
        [i % 2 === 0 ? 'a' : 'b', i],
      );
    assert.equal(indexStats.builds, builds);
  });

  it('a receive that skips a long queue builds the index once; later ones use it as it is', () => {
    const box = new Mailbox();
    const builds = indexStats.builds;
    for (let i = 0; i < 5000; i++) box.push(['other', i]);
    for (let i = 0; i < 3000; i++) {
      box.push(['fresh', i]);
      if (i % 3 === 0) box.push(['late', i]);
      assert.deepEqual(take(box, [['fresh', _]]), ['fresh', i]);
    }
    assert.equal(indexStats.builds, builds + 1);
    // The 'late' ones, queued behind, come out oldest first, as a scan would.
    for (let i = 0; i < 3000; i += 3) assert.deepEqual(take(box, [['late', _]]), ['late', i]);
    assert.equal(box.size, 5000);
  });
});
