/**
 * Chapter 10, A Gun receive loop with reconnect: a solution.
 *
 * One loop, three states, each its own receive: waiting for the connection
 * to be up (`gun.awaitUp`), waiting for the upgrade, and up. While it is not
 * up, the client does not receive `['send', text]`: those messages simply
 * wait in its mailbox until the WebSocket is back.
 *
 * Erlang (Gun 2):
 *   ws_client(Port, Owner) ->
 *       spawn(fun() ->
 *           {ok, Conn} = gun:open("127.0.0.1", Port, #{retry_timeout => 100}),
 *           connect(Conn, Owner)
 *       end).
 *
 *   connect(Conn, Owner) ->
 *       {ok, _} = gun:await_up(Conn),
 *       Ref = gun:ws_upgrade(Conn, "/echo"),
 *       receive
 *           {gun_upgrade, Conn, Ref, [<<"websocket">>], _} -> Owner ! {ready}, up(Conn, Ref, Owner);
 *           {gun_response, Conn, Ref, _, Status, _} -> exit({ws_upgrade_failed, Status});
 *           {gun_down, Conn, _, _, _} -> connect(Conn, Owner)
 *       after 5000 -> exit(timeout)
 *       end.
 *
 *   up(Conn, Ref, Owner) ->
 *       receive
 *           {send, Text} -> gun:ws_send(Conn, Ref, {text, Text}), up(Conn, Ref, Owner);
 *           {gun_ws, Conn, Ref, {text, Text}} -> Owner ! {text, Text}, up(Conn, Ref, Owner);
 *           {gun_down, Conn, _, Reason, _} -> Owner ! {down, Reason}, connect(Conn, Owner);
 *           stop ->
 *               MRef = monitor(process, Conn),
 *               gun:shutdown(Conn),
 *               receive {'DOWN', MRef, process, Conn, _} -> ok end;
 *           _Other -> up(Conn, Ref, Owner)
 *       end.
 */
import * as gun from 'beamish/gun';
import { _, anyString, exit, monitor, on, type Pid, type Ref, receive, send, spawn } from 'beamish/runtime';

/** What the client takes. */
export type ClientMsg = ['send', string] | 'stop';

/**
 * Keeps a WebSocket to ws://127.0.0.1:<port>/echo open, reconnecting; reports to `owner`.
 * @example
 * const client = wsClient(port, self());
 * await receive([['ready']]);
 * send(client, ['send', 'hello']);
 * await receive([['text', anyString]]); // ['text', 'hello']
 */
export function wsClient(port: number, owner: Pid): Pid<ClientMsg> {
  return spawn<ClientMsg>(async () => {
    const conn = gun.open('127.0.0.1', port, { dialect: 'gun2', retryTimeout: 100 });
    for (;;) {
      // Not connected: wait for gun_up. Gun reconnects by itself.
      const up = await gun.awaitUp(conn);
      if (up[0] === 'error') exit(['no_connection', up[1]]);

      // Connected, speaking HTTP: upgrade, and wait for the answer.
      const ref = gun.wsUpgrade(conn, '/echo');
      const upgraded = await receive(
        [
          on(['gun_upgrade', conn, ref, ['websocket'], _], () => true),
          on(['gun_response', conn, ref, _, _, _], ([, , , , status]) => exit(['ws_upgrade_failed', status])),
          on(['gun_down', conn, _, _, _], () => false), // lost meanwhile: connect again
        ],
        5000,
      );
      if (!upgraded) continue;
      send(owner, ['ready']);

      // Up: until the connection goes down, or we are told to stop.
      if ((await whileUp(conn, ref, owner)) === 'stopped') return;
    }
  });
}

/** The up state's loop; returns when the connection is lost, or once it has been shut down. */
async function whileUp(conn: gun.ConnPid, ref: Ref, owner: Pid): Promise<'down' | 'stopped'> {
  for (;;) {
    const event = await receive([
      on(['send', anyString], ([, text]) => {
        gun.wsSend(conn, ref, ['text', text]);
      }),
      on(['gun_ws', conn, ref, ['text', anyString]], ([, , , [, text]]) => {
        send(owner, ['text', text]);
      }),
      on(['gun_down', conn, _, _, _], ([, , , reason]) => {
        send(owner, ['down', reason]);
        return 'down' as const;
      }),
      on('stop', () => 'stop' as const),
      // Other frames, errors, strays: a long-lived loop takes every message.
      on(_, () => {}),
    ]);
    if (event === 'down') return 'down';
    if (event === 'stop') {
      // Close the WebSocket cleanly, and wait until the connection is gone.
      const mref = monitor('process', conn);
      gun.shutdown(conn);
      await receive([['DOWN', mref, 'process', conn, _]], 5000, undefined);
      return 'stopped';
    }
  }
}
