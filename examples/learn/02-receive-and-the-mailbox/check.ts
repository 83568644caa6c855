/**
 * The checks of chapter 2's exercise: `prioritized()`.
 * Run them with `npm run exercise 2` (or `npm run exercise 2 -- --solution`).
 */
import { isDeepStrictEqual } from 'node:util';
import { flush, self, send } from 'beamish/runtime';
import { defineExercise, fail, show } from '../harness.js';

type Module = typeof import('./exercise.js');

/** Calls prioritized(), failing if it does not return within `ms`. */
async function within(ms: number, prioritized: Module['prioritized']): Promise<unknown[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(resolve, ms, 'late');
  });
  try {
    const result = await Promise.race([prioritized(), late]);
    if (result === 'late') {
      fail(
        `prioritized() should return at once, without waiting for more messages, but it had not returned after ${ms} ms.`,
      );
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

export default defineExercise<Module>({
  title: 'Receive and the mailbox',
  exports: ['prioritized'],
  checks: [
    {
      title: 'urgent messages come first, each kind in the order it arrived',
      hint: "Take ['urgent', _] messages until there is none left (a timeout of 0 looks without waiting), then ['normal', _] ones.",
      async run({ prioritized }) {
        for (const m of [
          ['normal', 1],
          ['urgent', 'a'],
          ['normal', 2],
          ['urgent', 'b'],
        ]) {
          send(self(), m);
        }
        const got = await within(500, prioritized);
        if (!isDeepStrictEqual(got, ['a', 'b', 1, 2])) {
          fail(
            `With ['normal', 1], ['urgent', 'a'], ['normal', 2], ['urgent', 'b'] in the mailbox, prioritized() should return ['a', 'b', 1, 2], but it returned ${show(got)}.`,
          );
        }
      },
    },
    {
      title: 'other messages stay in the mailbox, in their order',
      hint: "Only ever receive the patterns ['urgent', _] and ['normal', _]: a message that matches no pattern stays where it is.",
      async run({ prioritized }) {
        for (const m of ['hello', ['normal', 1], ['other', 2], ['urgent', 'x'], 42]) send(self(), m);
        const got = await within(500, prioritized);
        const left = flush();
        if (!isDeepStrictEqual(left, ['hello', ['other', 2], 42])) {
          fail(
            `With 'hello', ['normal', 1], ['other', 2], ['urgent', 'x'], 42 in the mailbox, prioritized() should leave 'hello', ['other', 2], 42 there, in that order, but the mailbox held ${left.length === 0 ? 'nothing' : left.map(show).join(', ')} afterwards.`,
          );
        }
        if (!isDeepStrictEqual(got, ['x', 1])) {
          fail(`It should return ['x', 1] for that mailbox, but it returned ${show(got)}.`);
        }
      },
    },
    {
      title: 'with nothing to take, it returns [] at once',
      hint: "Use receive(patterns, 0, 'empty'): a timeout of 0 looks once and never waits.",
      async run({ prioritized }) {
        const got = await within(200, prioritized);
        if (!isDeepStrictEqual(got, []))
          fail(`With an empty mailbox prioritized() should return [], but it returned ${show(got)}.`);
      },
    },
  ],
});
