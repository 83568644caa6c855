/**
 * The checks of chapter 9's exercise: `startStore()`.
 * Run them with `npm run exercise 9` (or `npm run exercise 9 -- --solution`).
 */
import { isDeepStrictEqual } from 'node:util';
import { _, makeRef, processInfo, self, send } from 'beamish/runtime';
import { defineExercise, expectMessage, fail, show, watch } from '../harness.js';

type Module = typeof import('./exercise.js');

/** Messages the store does not understand: typos, wrong shapes, a late reply, a get from a non-pid. */
function junk(i: number): unknown {
  const kinds: unknown[] = [
    'hello',
    ['pnt', 'a', i],
    ['put', 'too', 'many', 'parts'],
    ['get', 'not a pid', 'a'],
    ['reply', makeRef(), 'too late'],
    i,
    { note: i },
  ];
  return kinds[i % kinds.length];
}

export default defineExercise<Module>({
  title: 'Selective receive pitfalls',
  exports: ['startStore'],
  checks: [
    {
      title: "it stores and answers: ['value', key, value], or ['missing', key]",
      hint: "Keep a Map in the process; on ['get', from, key] send ['value', key, value] or ['missing', key] to from.",
      async run({ startStore }) {
        const store = watch(startStore(), 'the store');
        send(store.pid, ['put', 'a', 1]);
        send(store.pid, ['put', 'b', ['any', 'value']]);
        send(store.pid, ['put', 'a', 2]);
        send(store.pid, ['get', self(), 'a']);
        const a = await expectMessage(
          _,
          500,
          "After ['put', 'a', 1], ['put', 'a', 2] and ['get', you, 'a'], the store should answer ['value', 'a', 2]",
          store,
        );
        if (!isDeepStrictEqual(a, ['value', 'a', 2]))
          fail(`The store should answer ['value', 'a', 2], but it sent ${show(a)}.`);
        send(store.pid, ['get', self(), 'nothing here']);
        const none = await expectMessage(
          _,
          500,
          "After ['get', you, 'nothing here'], the store should answer ['missing', 'nothing here']",
          store,
        );
        if (!isDeepStrictEqual(none, ['missing', 'nothing here'])) {
          fail(`For a key nobody put, the store should answer ['missing', 'nothing here'], but it sent ${show(none)}.`);
        }
      },
    },
    {
      title: 'messages it does not understand never stay in its mailbox, nor crash it',
      hint: "End the receive with a clause that takes anything, on(_, ...), and match `from` with anyPid so that a ['get', 'not a pid', key] falls through to it.",
      async run({ startStore }) {
        const store = watch(startStore(), 'the store');
        for (let i = 0; i < 1000; i++) send(store.pid, junk(i));
        send(store.pid, ['put', 'k', 'v']);
        send(store.pid, ['get', self(), 'k']);
        await expectMessage(
          ['value', 'k', 'v'],
          1000,
          "After 1000 messages it does not understand, the store should still answer ['get', you, 'k'] with ['value', 'k', 'v']",
          store,
        );
        const left = processInfo(store.pid)?.messageQueueLen ?? 0;
        if (left > 0) {
          fail(
            `The store should throw away what it does not understand, but ${left} such messages were still waiting in its mailbox.`,
          );
        }
      },
    },
    {
      title: "it counts what it threw away: ['dropped', you] gives ['dropped', 1000]",
      hint: "Add one to a counter in the catch-all clause; answer ['dropped', from] with ['dropped', count].",
      async run({ startStore }) {
        const store = watch(startStore(), 'the store');
        for (let i = 0; i < 1000; i++) send(store.pid, junk(i));
        send(store.pid, ['dropped', self()]);
        const [, count] = await expectMessage(
          ['dropped', _],
          1000,
          "After 1000 messages it does not understand, the store should answer ['dropped', you] with ['dropped', 1000]",
          store,
        );
        if (count !== 1000)
          fail(`The store should have counted 1000 messages thrown away, but it said ${show(count)}.`);
      },
    },
  ],
});
