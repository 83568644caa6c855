/**
 * The checks of chapter 5's exercise: `supervise(worker, maxRestarts)`.
 * Run them with `npm run exercise 5` (or `npm run exercise 5 -- --solution`).
 */
import { _, anyNumber, anyPid, exit, receive, self, send } from 'beamish/runtime';
import { defineExercise, describeExit, expectDown, expectMessage, fail, watch } from '../harness.js';

type Module = typeof import('./exercise.js');

/**
 * A worker for the checks: each run tells the check `['started', pid, run]`,
 * then does what `behave(run)` says: fail, end normally, or wait forever.
 */
function reportingWorker(behave: (run: number) => 'fail' | 'end' | 'stay'): () => Promise<void> {
  const check = self();
  let runs = 0;
  return async () => {
    runs++;
    send(check, ['started', self(), runs]);
    const what = behave(runs);
    if (what === 'fail') exit('boom');
    if (what === 'stay') await receive(['never sent']);
  };
}

export default defineExercise<Module>({
  title: 'Links and trap_exit',
  exports: ['supervise'],
  checks: [
    {
      title: 'it starts the worker in a process of its own',
      hint: 'Inside the supervisor, start the worker with spawnLink(worker), not by calling worker() directly.',
      async run({ supervise }) {
        const worker = reportingWorker(() => 'stay');
        const sup = watch(supervise(worker, 3), 'the supervisor');
        const [, workerPid] = await expectMessage(
          ['started', anyPid, anyNumber],
          500,
          'supervise(worker, 3) should start the worker',
          sup,
        );
        if (workerPid === sup.pid) {
          fail('The worker should run in a process of its own, but it ran inside the supervisor process.');
        }
      },
    },
    {
      title: 'a worker that fails is started again',
      hint: "Trap exits (processFlag('trap_exit', true)); on ['EXIT', worker, reason] with a reason other than 'normal', spawnLink the worker again.",
      async run({ supervise }) {
        const worker = reportingWorker((run) => (run === 1 ? 'fail' : 'stay'));
        const sup = watch(supervise(worker, 3), 'the supervisor');
        await expectMessage(['started', anyPid, 1], 500, 'supervise(worker, 3) should start the worker', sup);
        await expectMessage(
          ['started', anyPid, 2],
          500,
          "When its worker exits with reason 'boom', the supervisor should start it again",
          sup,
        );
      },
    },
    {
      title: "it gives up after maxRestarts restarts, exiting with 'shutdown'",
      hint: "Count the restarts; when the worker fails and none are left, call exit('shutdown') in the supervisor.",
      async run({ supervise }) {
        const worker = reportingWorker(() => 'fail');
        const sup = watch(supervise(worker, 2), 'the supervisor');
        for (const run of [1, 2, 3]) {
          await expectMessage(
            ['started', anyPid, run],
            500,
            `With a worker that always fails, supervise(worker, 2) should start it 3 times (once, then 2 restarts), and start number ${run}`,
            sup,
          );
        }
        const reason = await expectDown(
          sup,
          500,
          "After the third failure, the supervisor should exit with reason 'shutdown'",
        );
        if (reason !== 'shutdown') {
          fail(
            `After the third failure, the supervisor should exit with reason 'shutdown', but ${describeExit(reason)}.`,
          );
        }
        const extra = await receive([['started', _, _]], 0, undefined);
        if (extra !== undefined)
          fail(`supervise(worker, 2) should start the worker 3 times, but it started it a 4th time.`);
      },
    },
    {
      title: 'a worker that ends normally is not restarted, and the supervisor ends normally',
      hint: "On ['EXIT', worker, 'normal'], return from the supervisor's function.",
      async run({ supervise }) {
        const worker = reportingWorker(() => 'end');
        const sup = watch(supervise(worker, 3), 'the supervisor');
        await expectMessage(['started', anyPid, 1], 500, 'supervise(worker, 3) should start the worker', sup);
        const reason = await expectDown(sup, 500, 'When its worker ends normally, the supervisor should end too');
        if (reason !== 'normal') {
          fail(`When its worker ends normally, the supervisor should end normally, but ${describeExit(reason)}.`);
        }
        const again = await receive([['started', _, _]], 0, undefined);
        if (again !== undefined) fail('A worker that ended normally should not be started again, but it was.');
      },
    },
    {
      title: 'if the supervisor is killed, its worker dies too',
      hint: 'Link the supervisor and the worker (spawnLink): a link carries a death both ways.',
      async run({ supervise }) {
        const worker = reportingWorker(() => 'stay');
        const sup = watch(supervise(worker, 3), 'the supervisor');
        const [, workerPid] = await expectMessage(
          ['started', anyPid, 1],
          500,
          'supervise(worker, 3) should start the worker',
          sup,
        );
        const watched = watch(workerPid, 'the worker');
        exit(sup.pid, 'kill');
        await expectDown(watched, 500, 'When the supervisor is killed, its worker should die with it');
      },
    },
  ],
});
