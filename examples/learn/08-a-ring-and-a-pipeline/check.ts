/**
 * The checks of chapter 8's exercise: `ring(size, rounds)`.
 * Run them with `npm run exercise 8` (or `npm run exercise 8 -- --solution`).
 */
import { isAlive, Pid, processes, self } from 'beamish/runtime';
import { defineExercise, fail, show } from '../harness.js';

type Module = typeof import('./exercise.js');

/** Calls ring(size, rounds), failing in words unless it returns a list of pids within `ms`. */
async function visitsOf(ring: Module['ring'], size: number, rounds: number, ms: number): Promise<Pid[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(resolve, ms, 'late');
  });
  try {
    const visits = await Promise.race([ring(size, rounds), late]);
    if (visits === 'late') fail(`ring(${size}, ${rounds}) should return within ${ms} ms, but it had not.`);
    if (!Array.isArray(visits) || !visits.every((v) => v instanceof Pid)) {
      fail(`ring(${size}, ${rounds}) should return a list of pids, but it returned ${show(visits)}.`);
    }
    return visits;
  } finally {
    clearTimeout(timer);
  }
}

/** Fails unless `visits` goes round `size` distinct processes, `rounds` times, in the same order. */
function checkRounds(visits: Pid[], size: number, rounds: number): void {
  const call = `ring(${size}, ${rounds})`;
  if (visits.length !== size * rounds) {
    fail(
      `${call} should return ${size * rounds} visits (${size} processes, ${rounds} rounds), but it returned ${visits.length}.`,
    );
  }
  const distinct = new Set(visits);
  if (distinct.size !== size) {
    fail(`The token of ${call} should visit ${size} different processes, but it visited ${distinct.size}.`);
  }
  if (distinct.has(self()))
    fail(`The calling process should not be part of the ring, but ${call} lists it among the visits.`);
  const wrong = visits.findIndex((pid, i) => pid !== visits[i % size]);
  if (wrong !== -1) {
    fail(
      `The token of ${call} should go round in the same order every round, but visit ${wrong + 1} was ${visits[wrong]} where the first round had ${visits[wrong % size]}.`,
    );
  }
}

export default defineExercise<Module>({
  title: 'A ring and a pipeline',
  exports: ['ring'],
  checks: [
    {
      title: 'ring(3, 2) visits 3 processes twice, in the same order each round',
      hint: "Spawn all the processes, send each one ['next', pid] with the pid after it (the last gets the first), then send the token to the first; report each visit to the caller.",
      async run({ ring }) {
        checkRounds(await visitsOf(ring, 3, 2, 1000), 3, 2);
      },
    },
    {
      title: 'a ring of one passes the token to itself',
      hint: 'With size 1, the first process is also the last: its next is itself.',
      async run({ ring }) {
        checkRounds(await visitsOf(ring, 1, 4, 1000), 1, 4);
      },
    },
    {
      title: 'every process of the ring has ended when ring() returns',
      hint: "Once every visit is in, send 'stop' round the ring (or to each process), and wait for each one's DOWN before returning.",
      async run({ ring }) {
        const before = processes().length;
        const visits = await visitsOf(ring, 5, 1, 1000);
        const alive = [...new Set(visits)].filter((pid) => isAlive(pid));
        if (alive.length > 0) {
          fail(
            `When ring(5, 1) returns, its processes should all have ended, but ${alive.length} of them were still alive.`,
          );
        }
        const left = processes().length - before;
        if (left > 0) fail(`ring(5, 1) should leave no process behind, but ${left} more were alive after it returned.`);
      },
    },
    {
      title: 'a big ring is quick: 2000 processes, 3 rounds, in under 3 seconds',
      hint: 'Keep each visit cheap: do not copy a growing list at every hop, and do not wait with sleep().',
      deadlineMs: 7000,
      async run({ ring }) {
        const started = Date.now();
        const visits = await visitsOf(ring, 2000, 3, 5000);
        const took = Date.now() - started;
        checkRounds(visits, 2000, 3);
        if (took > 3000) fail(`ring(2000, 3) should take under 3 seconds, but it took ${took} ms.`);
      },
    },
  ],
});
