/**
 * The checks of chapter 1's exercise: `startEcho()`.
 * Run them with `npm run exercise 1` (or `npm run exercise 1 -- --solution`).
 */
import { _, receive, self, send, sleep, spawn } from 'beamish/runtime';
import { defineExercise, describeExit, expectDown, expectMessage, fail, show, watch } from '../harness.js';

type Module = typeof import('./exercise.js');

export default defineExercise<Module>({
  title: 'Spawn and send',
  exports: ['startEcho'],
  checks: [
    {
      title: 'startEcho() returns the pid of a new process, which waits for a message',
      hint: 'Return what spawn(...) returns; inside the process, await receive(...) so that it waits.',
      async run({ startEcho }) {
        const echo = watch(startEcho(), 'startEcho()');
        if (echo.pid === self())
          fail('startEcho() should return the pid of a new process, but it returned your own pid.');
        await sleep(20);
        const early = await receive([['DOWN', echo.ref, 'process', echo.pid, _]], 0, undefined);
        if (early !== undefined) {
          fail(
            `startEcho()'s process should wait for a message, but it did not: ${describeExit(early[4])} before any message was sent.`,
          );
        }
      },
    },
    {
      title: "it answers ['echo', you, 'hi'] with ['echoed', 'hi']",
      hint: "Receive [['echo', anyPid, anyString]], then send(from, ['echoed', text]).",
      async run({ startEcho }) {
        const echo = watch(startEcho(), 'the echo process');
        send(echo.pid, ['echo', self(), 'hi']);
        const [, text] = await expectMessage(
          ['echoed', _],
          500,
          "After ['echo', you, 'hi'], the echo process should send you ['echoed', 'hi']",
          echo,
        );
        if (text !== 'hi')
          fail(`The echo process should send back ['echoed', 'hi'], but it sent ['echoed', ${show(text)}].`);
      },
    },
    {
      title: 'it answers whoever asks, not only the process that started it',
      hint: 'Send the answer to the `from` in the message, not to a pid you saved when the process started.',
      async run({ startEcho }) {
        const echo = watch(startEcho(), 'the echo process');
        const me = self();
        // Another process asks, and passes on what it gets.
        spawn(async () => {
          send(echo.pid, ['echo', self(), 'from a helper']);
          const answer = await receive([['echoed', _]], 500, 'nothing');
          send(me, ['helper got', answer]);
        });
        const [, answer] = await expectMessage(['helper got', _], 1000, 'A helper process asked the echo process');
        if (answer === 'nothing') {
          const strayed = await receive([['echoed', _]], 0, undefined);
          fail(
            strayed !== undefined
              ? `The echo process should answer the helper that asked, but it sent ${show(strayed)} to you instead.`
              : "The echo process should answer a helper's ['echo', helper, text], but the helper got nothing within 500 ms.",
          );
        }
      },
    },
    {
      title: 'it ends after answering',
      hint: 'After sending the answer, just let the function return: a process ends when its function returns.',
      async run({ startEcho }) {
        const echo = watch(startEcho(), 'the echo process');
        send(echo.pid, ['echo', self(), 'bye']);
        await expectMessage(['echoed', _], 500, "The echo process should answer ['echo', you, 'bye']", echo);
        const reason = await expectDown(echo, 500, 'The echo process should end once it has answered');
        if (reason !== 'normal') fail(`The echo process should end normally, but ${describeExit(reason)}.`);
      },
    },
  ],
});
