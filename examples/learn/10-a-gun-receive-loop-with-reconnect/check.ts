/**
 * The checks of chapter 10's exercise: `wsClient(port, owner)`, against a
 * real WebSocket echo server on 127.0.0.1 and a free port.
 * Run them with `npm run exercise 10` (or `npm run exercise 10 -- --solution`).
 */
import { _, self, send, sleep } from 'beamish/runtime';
import {
  defineExercise,
  describeExit,
  expectDown,
  expectMessage,
  fail,
  onCleanup,
  show,
  type Watched,
  watch,
} from '../harness.js';
import { type EchoServer, startEchoServer } from './server.js';

type Module = typeof import('./exercise.js');

/** Starts the echo server (closed when the check ends), and a client reporting to the check. */
async function setUp(wsClient: Module['wsClient']): Promise<{ server: EchoServer; client: Watched }> {
  const server = await startEchoServer();
  onCleanup(() => server.close());
  const client = watch(wsClient(server.port, self()), 'the client');
  await expectMessage(
    ['ready'],
    2000,
    `wsClient(${server.port}, you) should tell you ['ready'] once its WebSocket to the echo server is up`,
    client,
  );
  return { server, client };
}

/** Sends ['send', text] and expects the echo back as ['text', text]. */
async function echoes(client: Watched, text: string, when: string): Promise<void> {
  send(client.pid, ['send', text]);
  const [, got] = await expectMessage(
    ['text', _],
    1000,
    `${when}, ['send', '${text}'] should come back from the echo server as ['text', '${text}']`,
    client,
  );
  if (got !== text)
    fail(`${when}, the echo of '${text}' should be ['text', '${text}'], but it was ['text', ${show(got)}].`);
}

export default defineExercise<Module>({
  title: 'A Gun receive loop with reconnect',
  exports: ['wsClient'],
  checks: [
    {
      title: "it tells you ['ready'] once the WebSocket is up",
      hint: "gun.open(...) with { dialect: 'gun2', retryTimeout: 100 }; await gun.awaitUp(conn); ref = gun.wsUpgrade(conn, '/echo'); receive ['gun_upgrade', conn, ref, ['websocket'], _]; then send(owner, ['ready']).",
      deadlineMs: 5000,
      async run({ wsClient }) {
        await setUp(wsClient);
      },
    },
    {
      title: "a text you send comes back as ['text', text]",
      hint: "On ['send', text], gun.wsSend(conn, ref, ['text', text]); on ['gun_ws', conn, ref, ['text', text]], send(owner, ['text', text]).",
      deadlineMs: 5000,
      async run({ wsClient }) {
        const { client } = await setUp(wsClient);
        await echoes(client, 'hello', 'Once the client is ready');
      },
    },
    {
      title: "when the connection is cut, it says ['down', reason], reconnects and says ['ready'] again",
      hint: "On ['gun_down', conn, _, reason, _], tell the owner ['down', reason], then go back to waiting for gun_up (Gun reconnects by itself) and upgrade again.",
      deadlineMs: 6000,
      async run({ wsClient }) {
        const { server, client } = await setUp(wsClient);
        server.drop();
        await expectMessage(
          ['down', _],
          1000,
          "When the server cuts the connection, the client should tell you ['down', reason]",
          client,
        );
        await expectMessage(
          ['ready'],
          2000,
          "After the connection was cut, the client should reconnect and tell you ['ready'] again",
          client,
        );
        await echoes(client, 'again', 'After the reconnect');
      },
    },
    {
      title: 'a text sent while the connection is down goes out once it is back',
      hint: "Receive ['send', text] only while the WebSocket is up: while it is down, such messages wait in the mailbox, and the up state takes them when it comes back.",
      deadlineMs: 6000,
      async run({ wsClient }) {
        const { server, client } = await setUp(wsClient);
        server.pause(); // cut, and refuse new connections for a while
        await expectMessage(
          ['down', _],
          1000,
          "When the server cuts the connection, the client should tell you ['down', reason]",
          client,
        );
        send(client.pid, ['send', 'while down']);
        await sleep(150);
        await server.resume();
        await expectMessage(
          ['ready'],
          2000,
          "When the server is back, the client should reconnect and tell you ['ready']",
          client,
        );
        await expectMessage(
          ['text', 'while down'],
          1000,
          "A ['send', 'while down'] sent while the connection was down should go out once it is back, and its echo come to you as ['text', 'while down']",
          client,
        );
      },
    },
    {
      title: "'stop' shuts the connection down and ends the client",
      hint: "On 'stop': monitor the connection, gun.shutdown(conn), wait for its DOWN, and return.",
      deadlineMs: 5000,
      async run({ wsClient }) {
        const { server, client } = await setUp(wsClient);
        send(client.pid, 'stop');
        const reason = await expectDown(client, 2000, "The client should end when it gets 'stop'");
        if (reason !== 'normal') fail(`The client should end normally on 'stop', but ${describeExit(reason)}.`);
        for (let i = 0; i < 20 && server.connections() > 0; i++) await sleep(50);
        if (server.connections() > 0) {
          fail(
            'Once the client has stopped, its connection should be closed, but the server still had it open 1 s later.',
          );
        }
      },
    },
  ],
});
