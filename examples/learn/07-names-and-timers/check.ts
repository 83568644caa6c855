/**
 * The checks of chapter 7's exercise: `startReminders()`.
 * Run them with `npm run exercise 7` (or `npm run exercise 7 -- --solution`).
 */
import { _, self, send, whereis } from 'beamish/runtime';
import {
  defineExercise,
  describeExit,
  expectDown,
  expectMessage,
  expectNoMessage,
  fail,
  show,
  type Watched,
  watch,
} from '../harness.js';

type Module = typeof import('./exercise.js');

/** Starts the service and checks that it holds the name 'reminders' at once. */
function started(startReminders: Module['startReminders']): Watched {
  const service = watch(startReminders(), 'the reminder service');
  const holder = whereis('reminders');
  if (holder !== service.pid) {
    fail(
      holder === undefined
        ? "When startReminders() returns, its process should be registered as 'reminders', but no process had that name yet."
        : `When startReminders() returns, 'reminders' should name the pid it returned, but it named another process, ${holder}.`,
    );
  }
  return service;
}

export default defineExercise<Module>({
  title: 'Names and timers',
  exports: ['startReminders'],
  checks: [
    {
      title: "it is registered as 'reminders' by the time startReminders() returns",
      hint: "Use spawn(fn, { name: 'reminders' }), or register('reminders', pid) right after spawn: a process that registers itself does so only once it runs, after startReminders() has returned.",
      async run({ startReminders }) {
        started(startReminders);
      },
    },
    {
      title: 'a reminder asked for through the name arrives on time',
      hint: "On ['remind', from, ms, what], set a timer: sendAfter(ms, from, ['reminder', what]), or startTimer to the service itself.",
      async run({ startReminders }) {
        const service = started(startReminders);
        const asked = Date.now();
        send('reminders', ['remind', self(), 100, 'tea']);
        await expectNoMessage(['reminder', _], 80, 'A reminder asked for in 100 ms should not arrive before 100 ms');
        const [, what] = await expectMessage(
          ['reminder', _],
          300,
          "After send('reminders', ['remind', you, 100, 'tea']), you should get ['reminder', 'tea'] 100 ms later",
          service,
        );
        const took = Date.now() - asked;
        if (what !== 'tea') fail(`The reminder should be ['reminder', 'tea'], but it was ['reminder', ${show(what)}].`);
        if (took < 95) fail(`The reminder should arrive 100 ms after it was asked for, but it came after ${took} ms.`);
      },
    },
    {
      title: 'reminders arrive in the order they fall due, not the order they were asked for',
      hint: 'Do not sleep in the service: set a timer for each reminder and go straight back to receive.',
      async run({ startReminders }) {
        const service = started(startReminders);
        send('reminders', ['remind', self(), 150, 'late']);
        send('reminders', ['remind', self(), 50, 'early']);
        const [, first] = await expectMessage(
          ['reminder', _],
          400,
          "After asking for 'late' in 150 ms and 'early' in 50 ms, you should get ['reminder', 'early'] first",
          service,
        );
        if (first !== 'early') {
          fail(`The reminder due in 50 ms should come first, but ['reminder', ${show(first)}] came first.`);
        }
        await expectMessage(['reminder', 'late'], 400, "Then ['reminder', 'late'] should come", service);
      },
    },
    {
      title: 'a cancelled reminder never arrives, and the others still do',
      hint: "Keep the timer refs of pending reminders (a Map); on ['cancel', what], cancelTimer each one about `what`.",
      async run({ startReminders }) {
        const service = started(startReminders);
        send('reminders', ['remind', self(), 60, 'tea']);
        send('reminders', ['remind', self(), 100, 'cake']);
        send('reminders', ['cancel', 'tea']);
        await expectMessage(
          ['reminder', 'cake'],
          400,
          "After asking for 'tea' and 'cake' and cancelling 'tea', ['reminder', 'cake'] should still come",
          service,
        );
        await expectNoMessage(['reminder', 'tea'], 50, "A cancelled reminder about 'tea' should never arrive");
      },
    },
    {
      title: "'stop' ends it, and frees the name",
      hint: "On 'stop', leave the loop: when the process ends, its name is freed by itself.",
      async run({ startReminders }) {
        const service = started(startReminders);
        send('reminders', 'stop');
        const reason = await expectDown(service, 500, "The reminder service should end when it gets 'stop'");
        if (reason !== 'normal')
          fail(`The reminder service should end normally on 'stop', but ${describeExit(reason)}.`);
        if (whereis('reminders') !== undefined)
          fail("Once the service has ended, the name 'reminders' should be free, but it was not.");
      },
    },
  ],
});
