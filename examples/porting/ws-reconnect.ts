/**
 * docs/porting.md, worked example (b): a WebSocket loop that survives a
 * reconnect, ported from Gun 2. Erlang's one function per state becomes
 * one `receive` per state inside a loop.
 *
 *   %% Wait for the connection to be (back) up, then upgrade.
 *   await_up(ConnPid, Round) ->
 *       receive
 *           {gun_up, ConnPid, http} ->
 *               StreamRef = gun:ws_upgrade(ConnPid, "/echo"),
 *               await_upgrade(ConnPid, StreamRef, Round)
 *       after 5000 -> exit(timeout)
 *       end.
 *
 *   await_upgrade(ConnPid, StreamRef, Round) ->
 *       receive
 *           {gun_upgrade, ConnPid, StreamRef, [<<"websocket">>], _Headers} ->
 *               gun:ws_send(ConnPid, StreamRef, {text, <<"hello ", (integer_to_binary(Round))/binary>>}),
 *               loop(ConnPid, StreamRef, Round);
 *           {gun_response, ConnPid, StreamRef, _IsFin, Status, Headers} ->
 *               exit({ws_upgrade_failed, Status, Headers});
 *           {gun_error, ConnPid, StreamRef, Reason} ->
 *               exit({ws_upgrade_failed, Reason})
 *       after 5000 -> exit(timeout)
 *       end.
 *
 *   loop(ConnPid, StreamRef, Round) ->
 *       receive
 *           {gun_ws, ConnPid, StreamRef, {text, Text}} ->
 *               io:format("echo: ~s~n", [Text]),
 *               if Round =:= 2 -> gun:ws_send(ConnPid, StreamRef, {close, 1000, <<"bye">>}); true -> ok end,
 *               loop(ConnPid, StreamRef, Round);
 *           {gun_ws, ConnPid, StreamRef, Frame} ->
 *               io:format("frame: ~p~n", [Frame]),
 *               loop(ConnPid, StreamRef, Round);
 *           {gun_down, ConnPid, ws, Reason, [StreamRef]} when Round < 2 ->
 *               io:format("down: ~p~n", [Reason]),
 *               await_up(ConnPid, Round + 1);
 *           {gun_down, ConnPid, ws, Reason, [StreamRef]} ->
 *               io:format("down: ~p~n", [Reason])
 *       end.
 *
 *   main(Port) ->
 *       {ok, ConnPid} = gun:open("127.0.0.1", Port, #{retry_timeout => 100}),
 *       await_up(ConnPid, 1),
 *       gun:shutdown(ConnPid).
 *
 * A local WebSocket echo server (node:http and ws, 127.0.0.1, a free port)
 * drops the TCP connection right after echoing "hello 1", as a network
 * loss would; the loop sees gun_down, waits for gun_up, upgrades again,
 * and ends with a close frame of its own, which the server answers with the
 * same code and reason. Frames print as Erlang's `~p` prints them
 * (gun.formatFrame: `{close,1000,<<"bye">>}`, the reason a binary).
 *
 * Run: npx tsx examples/porting/ws-reconnect.ts
 */
import http from 'node:http';
import type net from 'node:net';
import { WebSocketServer } from 'ws';
import * as gun from '../../src/gun/index.js';
import { _, anyString, exit, formatTerm, monitor, on, receive } from '../../src/runtime/index.js';

const server = http.createServer((_req, res) => res.writeHead(426).end());
const wss = new WebSocketServer({ server, path: '/echo' });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    // After the first echo, cut the connection: no close frame, no goodbye.
    ws.send(data, { binary: isBinary }, () => {
      if (data.toString() === 'hello 1') ws.terminate();
    });
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as net.AddressInfo;

async function wsClient(pid: gun.ConnPid): Promise<void> {
  for (let round = 1; ; round++) {
    // await_up: wait for the connection to be (back) up, then upgrade.
    await receive([['gun_up', pid, 'http']], 5000);
    const ref = gun.wsUpgrade(pid, '/echo');
    // await_upgrade
    await receive(
      [
        on(['gun_upgrade', pid, ref, ['websocket'], _], () => undefined),
        on(['gun_response', pid, ref, _, _, _], ([, , , , status, headers]) =>
          exit(['ws_upgrade_failed', status, headers]),
        ),
        on(['gun_error', pid, ref, _], ([, , , reason]) => exit(['ws_upgrade_failed', reason])),
      ],
      5000,
    );
    gun.wsSend(pid, ref, ['text', `hello ${round}`]);
    // loop: frames until the connection goes down.
    let down = false;
    while (!down) {
      await receive([
        on(['gun_ws', pid, ref, ['text', anyString]], ([, , , [, text]]) => {
          console.log(`echo: ${text}`);
          if (round === 2) gun.wsSend(pid, ref, ['close', 1000, 'bye']);
        }),
        // formatFrame, not formatTerm: the close reason is a binary in Gun,
        // and formatTerm would print the text 'bye' as the atom bye.
        on(['gun_ws', pid, ref, gun.anyFrame], ([, , , frame]) => console.log(`frame: ${gun.formatFrame(frame)}`)),
        on(['gun_down', pid, 'ws', _, [ref]], ([, , , reason]) => {
          console.log(`down: ${formatTerm(reason)}`);
          down = true;
        }),
      ]);
    }
    if (round === 2) return;
  }
}

const pid = gun.open('127.0.0.1', port, { dialect: 'gun2', retryTimeout: 100 });
await wsClient(pid);

// gun:shutdown, and wait until the connection has gone, so the script ends.
const mref = monitor('process', pid);
gun.shutdown(pid);
const [, , , , reason] = await receive([['DOWN', mref, 'process', pid, _]], 20_000);
console.log(`connection down: ${formatTerm(reason)}`);
wss.close();
server.closeAllConnections();
await new Promise<void>((resolve) => server.close(() => resolve()));
