/**
 * The checks of chapter 4's exercise: `collectVotes(ms)`.
 * Run them with `npm run exercise 4` (or `npm run exercise 4 -- --solution`).
 */
import { isDeepStrictEqual } from 'node:util';
import { flush, ReceiveTimeout, self, send, sleep, spawn } from 'beamish/runtime';
import { defineExercise, fail, show } from '../harness.js';

type Module = typeof import('./exercise.js');

/**
 * Calls collectVotes(ms) and returns its tally and how long it took; fails
 * in words if it throws a timeout or runs past `limit` ms.
 */
async function timed(
  collectVotes: Module['collectVotes'],
  ms: number,
  limit: number,
): Promise<{ tally: unknown; took: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(resolve, limit, 'late');
  });
  try {
    const tally = await Promise.race([collectVotes(ms), late]);
    if (tally === 'late') {
      fail(
        `collectVotes(${ms}) should return about ${ms} ms after it was called, but it was still collecting after ${limit} ms.`,
      );
    }
    return { tally, took: Date.now() - started };
  } catch (err) {
    if (err instanceof ReceiveTimeout) {
      fail(
        `collectVotes(${ms}) should return the tally when the time is up, but it threw ReceiveTimeout (${err.message}).`,
      );
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a process that sends `['vote', choice]` to `to` every `everyMs`, `count` times. */
function voter(to: ReturnType<typeof self>, choice: string, everyMs: number, count: number): void {
  spawn(async () => {
    for (let i = 0; i < count; i++) {
      await sleep(everyMs);
      send(to, ['vote', choice]);
    }
  });
}

export default defineExercise<Module>({
  title: 'Timeouts',
  exports: ['collectVotes'],
  checks: [
    {
      title: 'it counts the votes already waiting in the mailbox',
      hint: "Receive [['vote', anyString]] in a loop and count each choice; stop when the time is up.",
      async run({ collectVotes }) {
        for (const choice of ['tea', 'coffee', 'tea']) send(self(), ['vote', choice]);
        const { tally } = await timed(collectVotes, 50, 1000);
        if (!isDeepStrictEqual(tally, { tea: 2, coffee: 1 })) {
          fail(
            `With ['vote', 'tea'], ['vote', 'coffee'], ['vote', 'tea'] in the mailbox, collectVotes(50) should return { tea: 2, coffee: 1 }, but it returned ${show(tally)}.`,
          );
        }
      },
    },
    {
      title: 'it counts the votes that arrive while it waits, and returns when the time is up',
      hint: 'Give receive a timeout and a value to return when it runs out, e.g. receive(patterns, left, "time is up").',
      async run({ collectVotes }) {
        voter(self(), 'juice', 20, 3); // at about 20, 40 and 60 ms
        const { tally, took } = await timed(collectVotes, 200, 1000);
        if (!isDeepStrictEqual(tally, { juice: 3 })) {
          fail(
            `With three ['vote', 'juice'] arriving within the first 60 ms, collectVotes(200) should return { juice: 3 }, but it returned ${show(tally)}.`,
          );
        }
        if (took < 190) fail(`collectVotes(200) should keep collecting for 200 ms, but it returned after ${took} ms.`);
      },
    },
    {
      title: 'it returns on time even while votes keep coming',
      hint: 'Each receive starts its own timeout. Compute a deadline once (Date.now() + ms) and give each receive only the time left.',
      deadlineMs: 2000,
      async run({ collectVotes }) {
        voter(self(), 'tea', 10, 100); // a vote every 10 ms, for a second
        const { took } = await timed(collectVotes, 150, 800);
        if (took > 500)
          fail(`collectVotes(150) should return about 150 ms after it was called, but it took ${took} ms.`);
      },
    },
    {
      title: 'it leaves other messages in the mailbox',
      hint: "Receive only [['vote', anyString]]: other messages then stay where they are.",
      async run({ collectVotes }) {
        send(self(), ['note', 'keep me']);
        send(self(), ['vote', 'tea']);
        send(self(), 'keep me too');
        const { tally } = await timed(collectVotes, 30, 1000);
        const left = flush();
        if (!isDeepStrictEqual(left, [['note', 'keep me'], 'keep me too'])) {
          fail(
            `collectVotes should leave ['note', 'keep me'] and 'keep me too' in the mailbox, but afterwards it held ${left.length === 0 ? 'nothing' : left.map(show).join(', ')}.`,
          );
        }
        if (!isDeepStrictEqual(tally, { tea: 1 }))
          fail(`It should count one vote for tea, but it returned ${show(tally)}.`);
      },
    },
  ],
});
