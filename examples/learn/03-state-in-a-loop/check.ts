/**
 * The checks of chapter 3's exercise: `counter(initial)`.
 * Run them with `npm run exercise 3` (or `npm run exercise 3 -- --solution`).
 */
import { _, self, send } from 'beamish/runtime';
import {
  defineExercise,
  describeExit,
  expectDown,
  expectMessage,
  fail,
  show,
  type Watched,
  watch,
} from '../harness.js';

type Module = typeof import('./exercise.js');

/** Sends ['get', you] and returns the count that comes back, failing in words if none does. */
async function countOf(c: Watched, expectation: string): Promise<unknown> {
  send(c.pid, ['get', self()]);
  const [, count] = await expectMessage(['count', _], 500, expectation, c);
  return count;
}

export default defineExercise<Module>({
  title: 'State in a loop',
  exports: ['counter'],
  checks: [
    {
      title: "counter(3) answers ['get', you] with ['count', 3]",
      hint: "In the loop, on ['get', from] do send(from, ['count', count]); start count at the initial value.",
      async run({ counter }) {
        const c = watch(counter(3), 'counter(3)');
        const count = await countOf(c, "counter(3) should reply ['count', 3] to the sender of ['get', sender]");
        if (count !== 3) fail(`counter(3) should reply ['count', 3], but it replied ['count', ${show(count)}].`);
      },
    },
    {
      title: "it adds: after two ['add', 2], counter(3) answers ['count', 7]",
      hint: "Keep the count in a variable outside the loop, add to it on ['add', n], and go round the loop again after every message.",
      async run({ counter }) {
        const c = watch(counter(3), 'counter(3)');
        send(c.pid, ['add', 2]);
        send(c.pid, ['add', 2]);
        const count = await countOf(c, "After two ['add', 2], counter(3) should reply ['count', 7] to ['get', sender]");
        if (count !== 7) {
          fail(`After two ['add', 2], counter(3) should reply ['count', 7], but it replied ['count', ${show(count)}].`);
        }
        const again = await countOf(c, "Asked a second time, counter(3) should reply ['count', 7] again");
        if (again !== 7)
          fail(
            `Asked a second time, counter(3) should reply ['count', 7] again, but it replied ['count', ${show(again)}].`,
          );
      },
    },
    {
      title: 'two counters keep separate counts',
      hint: 'Keep the count in a variable inside the spawned function, not at the top of the module, so each process has its own.',
      async run({ counter }) {
        const a = watch(counter(10), 'counter(10)');
        const b = watch(counter(100), 'counter(100)');
        send(a.pid, ['add', 1]);
        send(b.pid, ['add', 5]);
        const countA = await countOf(a, "counter(10) should reply ['count', 11] after ['add', 1]");
        const countB = await countOf(b, "counter(100) should reply ['count', 105] after ['add', 5]");
        if (countA !== 11 || countB !== 105) {
          fail(
            `Two counters should count on their own (counter(10) at 11 after ['add', 1], counter(100) at 105 after ['add', 5]), but they replied ['count', ${show(countA)}] and ['count', ${show(countB)}].`,
          );
        }
      },
    },
    {
      title: "'stop' ends it, normally",
      hint: "On 'stop', leave the loop and let the function return.",
      async run({ counter }) {
        const c = watch(counter(0), 'counter(0)');
        await countOf(c, "counter(0) should reply to ['get', sender] before it is stopped");
        send(c.pid, 'stop');
        const reason = await expectDown(c, 500, "counter(0) should end when it gets 'stop'");
        if (reason !== 'normal') fail(`counter(0) should end normally on 'stop', but ${describeExit(reason)}.`);
      },
    },
  ],
});
