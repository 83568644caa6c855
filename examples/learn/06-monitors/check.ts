/**
 * The checks of chapter 6's exercise: `waitForAll(pids, timeoutMs)`.
 * Run them with `npm run exercise 6` (or `npm run exercise 6 -- --solution`).
 */
import { isDeepStrictEqual } from 'node:util';
import {
  _,
  demonitor,
  exit,
  flush,
  on,
  type Pid,
  processInfo,
  receive,
  self,
  send,
  sleep,
  spawn,
  spawnMonitor,
} from 'beamish/runtime';
import { defineExercise, fail, show } from '../harness.js';

type Module = typeof import('./exercise.js');

/**
 * Runs `fn` in a process of its own and returns what it returns. If that
 * process dies instead (say, killed through a link), fails saying so.
 */
async function inCaller<T>(fn: () => Promise<T>, ms: number): Promise<T> {
  const check = self();
  const [caller, ref] = spawnMonitor(async () => {
    send(check, ['result', self(), await fn()]);
  });
  const outcome = await receive(
    [
      on(['result', caller, _], ([, , result]) => ({ result: result as T })),
      on(['DOWN', ref, 'process', caller, _], ([, , , , reason]) => ({ down: reason })),
    ],
    ms,
    undefined,
  );
  demonitor(ref, { flush: true });
  if (outcome === undefined) fail(`waitForAll should have returned within ${ms} ms, but it had not.`);
  if ('down' in outcome) {
    const reason = outcome.down;
    // An error thrown by waitForAll itself: report it as such.
    if (Array.isArray(reason) && reason[0] === 'error') throw reason[1];
    fail(
      `The process that called waitForAll should live on when a process it waits for dies, but it died with it (reason ${show(reason)}): watch with monitor, not link.`,
    );
  }
  return outcome.result;
}

/** A process that ends after `ms` with `reason`. */
function endsAfter(ms: number, reason: unknown): Pid {
  return spawn(async () => {
    await sleep(ms);
    if (reason !== 'normal') exit(reason);
  });
}

export default defineExercise<Module>({
  title: 'Monitors',
  exports: ['waitForAll'],
  checks: [
    {
      title: 'it returns every exit reason, in the order of the pids, as soon as the last one ends',
      hint: "monitor('process', pid) each pid, then for each monitor ref receive ['DOWN', ref, 'process', _, _]; the reason is its last element.",
      async run({ waitForAll }) {
        const pids = [endsAfter(60, 'normal'), endsAfter(40, 'boom'), endsAfter(20, ['bad', 1])];
        const started = Date.now();
        const reasons = await inCaller(() => waitForAll(pids, 2000), 2500);
        const took = Date.now() - started;
        if (!isDeepStrictEqual(reasons, ['normal', 'boom', ['bad', 1]])) {
          fail(
            `For three processes ending with 'normal', 'boom' and ['bad', 1] (the last first), waitForAll should return ['normal', 'boom', ['bad', 1]], but it returned ${show(reasons)}.`,
          );
        }
        if (took > 500)
          fail(`The last process ended after 60 ms, so waitForAll should return then, but it took ${took} ms.`);
      },
    },
    {
      title: "a process that is already dead gives 'noproc'",
      hint: "Monitoring a dead process is fine: its ['DOWN', ref, 'process', pid, 'noproc'] arrives at once.",
      async run({ waitForAll }) {
        const dead = spawn(() => exit('gone'));
        await sleep(10);
        const reasons = await inCaller(() => waitForAll([dead, endsAfter(10, 'normal')], 1000), 1500);
        if (!isDeepStrictEqual(reasons, ['noproc', 'normal'])) {
          fail(
            `For a process that had already ended and one that ends normally, waitForAll should return ['noproc', 'normal'], but it returned ${show(reasons)}.`,
          );
        }
      },
    },
    {
      title: 'the caller lives on when a process it waits for crashes',
      hint: 'A monitor only watches; a link would bring the crash to the caller.',
      async run({ waitForAll }) {
        const reasons = await inCaller(() => waitForAll([endsAfter(10, 'crashed')], 1000), 1500);
        if (!isDeepStrictEqual(reasons, ['crashed'])) {
          fail(
            `For one process exiting with 'crashed', waitForAll should return ['crashed'], but it returned ${show(reasons)}.`,
          );
        }
      },
    },
    {
      title: "after timeoutMs it returns 'timeout', and leaves no monitor and no DOWN behind",
      hint: 'When the time is up, demonitor(ref, { flush: true }) every monitor still on: it turns the monitor off and drops its DOWN if queued.',
      async run({ waitForAll }) {
        const quick = endsAfter(5, 'normal');
        const slow = spawn(() => receive(['never sent']));
        const outcome = await inCaller(async () => {
          const result = await waitForAll([quick, slow], 80);
          const monitors = processInfo(self())?.monitors.length ?? 0;
          exit(slow, 'kill');
          await sleep(20);
          const downs = flush().filter((m) => Array.isArray(m) && m[0] === 'DOWN');
          return { result, monitors, downs };
        }, 1500);
        if (outcome.result !== 'timeout') {
          fail(
            `With one process that never ends, waitForAll([quick, slow], 80) should return 'timeout', but it returned ${show(outcome.result)}.`,
          );
        }
        if (outcome.monitors !== 0) {
          fail(
            `After returning 'timeout', waitForAll should leave no monitor on, but the caller still held ${outcome.monitors}.`,
          );
        }
        if (outcome.downs.length !== 0) {
          fail(
            `After returning 'timeout', waitForAll should leave no DOWN message behind, but the caller's mailbox got ${outcome.downs.map(show).join(', ')}.`,
          );
        }
      },
    },
  ],
});
