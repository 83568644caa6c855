/**
 * The seed chapter's first section, "HTTP upgrade", as it reads:
 *
 *   gun:ws_upgrade(Pid, "/websocket").
 *   gun:ws_upgrade(Pid, "/websocket", [{"sec-websocket-protocol", "mychat"}]).
 *   receive
 *       {gun_ws_upgrade, Pid, ok} -> upgrade_success(Pid);
 *       {gun_ws_upgrade, Pid, error, IsFin, Status, Headers} -> exit({ws_upgrade_failed, Status, Headers})
 *   after 1000 -> exit(timeout)
 *   end.
 *
 * Run: npx tsx examples/seed/1-http-upgrade.ts
 */
import * as gun from '../../src/gun/index.js';
import { _, exit, on, receive } from '../../src/runtime/index.js';
import { startEchoServer } from '../echo-server.js';

const server = await startEchoServer();
const pid = gun.open('127.0.0.1', server.port);

function upgradeSuccess(conn: gun.ConnPid): void {
  console.log(`upgraded ${conn}`);
}

// Without headers.
gun.wsUpgrade(pid, '/websocket');
await receive(
  [
    on(['gun_ws_upgrade', pid, 'ok'], () => upgradeSuccess(pid)),
    on(['gun_ws_upgrade', pid, 'error', _, _, _], ([, , , _isFin, status, headers]) =>
      exit(['ws_upgrade_failed', status, headers]),
    ),
  ],
  1000, // after 1000 -> exit(timeout): a ReceiveTimeout, exit reason 'timeout'
);

// With headers, on a second connection (one connection upgrades once).
const pid2 = gun.open('127.0.0.1', server.port);
gun.wsUpgrade(pid2, '/websocket', [['sec-websocket-protocol', 'mychat']]);
await receive(
  [
    on(['gun_ws_upgrade', pid2, 'ok'], () => upgradeSuccess(pid2)),
    on(['gun_ws_upgrade', pid2, 'error', _, _, _], ([, , , , status, headers]) =>
      exit(['ws_upgrade_failed', status, headers]),
    ),
  ],
  1000,
);

gun.close(pid);
gun.close(pid2);
await server.close();
