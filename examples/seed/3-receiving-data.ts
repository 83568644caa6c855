/**
 * The seed chapter's "Receiving data":
 *
 *   receive
 *       {gun_ws, Pid, Frame} -> handle_frame(Pid, Frame);
 *       {gun_error, Pid, Reason} ->
 *           error_logger:error_msg("Oops! ~p~n", [Reason]),
 *           upgrade_again(Pid)
 *   end.
 *
 * Here the server drops the connection once, so both clauses run.
 * Run: npx tsx examples/seed/3-receiving-data.ts
 */
import * as gun from '../../src/gun/index.js';
import { _, formatTerm, on, receive } from '../../src/runtime/index.js';
import { startEchoServer } from '../echo-server.js';

const server = await startEchoServer();
const pid = gun.open('127.0.0.1', server.port, { retryTimeout: 100 });
gun.wsUpgrade(pid, '/websocket');
await receive([['gun_ws_upgrade', pid, 'ok']], 1000);

// formatFrame prints every payload as the binary Gun has there; formatTerm
// alone would print the text 'first' as the atom first.
function handleFrame(conn: gun.ConnPid, frame: gun.IncomingFrame): void {
  console.log(`${conn} got ${gun.formatFrame(frame)}`);
}

async function upgradeAgain(conn: gun.ConnPid): Promise<void> {
  gun.wsUpgrade(conn, '/websocket');
  await receive([['gun_ws_upgrade', conn, 'ok']], 1000);
  console.log(`${conn} upgraded again`);
}

async function receiveOne(): Promise<void> {
  await receive(
    [
      // gun.anyFrame rather than _: it matches a frame, and types it as one.
      on(['gun_ws', pid, gun.anyFrame], ([, , frame]) => handleFrame(pid, frame)),
      on(['gun_error', pid, _], async ([, , reason]) => {
        console.error(`Oops! ${formatTerm(reason)}`);
        await upgradeAgain(pid);
      }),
    ],
    1000,
  );
}

gun.wsSend(pid, ['text', 'first']);
await receiveOne(); // the echo
server.drop();
await receiveOne(); // the gun_error, then a new upgrade
gun.wsSend(pid, ['text', 'after reconnecting']);
await receiveOne(); // the echo

gun.close(pid);
await server.close();
