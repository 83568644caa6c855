/**
 * Type test (checked by tsc, never run; see README.md): a Gun connection's
 * pid is a `ConnPid`, which only `open` makes. A plain `Pid`, whatever its
 * message type, is not one, so handing Gun a pid that is not a connection's
 * fails to compile instead of throwing BadArgError at run time.
 */
import * as gun from '../../src/gun/index.js';
import { _, link, monitor, type Pid, receive, self, spawn } from '../../src/runtime/index.js';

async function idle(): Promise<void> {}

export function plainPidsAreNotConnections(someone: Pid, typed: Pid<gun.ConnectionMessage>, never: Pid<never>): void {
  // @ts-expect-error: a plain Pid is not a connection's pid
  gun.wsSend(someone, ['text', 'x']);
  // @ts-expect-error: self() is a pid, not a connection (it used to infer Pid<ConnectionMessage> and pass)
  gun.wsUpgrade(self(), '/websocket');
  // @ts-expect-error: nor is a freshly spawned process (spawn<M> too used to infer its way in)
  gun.get(spawn(idle), '/');
  // @ts-expect-error: a pid typed with the connection's own messages is still not one
  gun.shutdown(typed);
  // @ts-expect-error: Pid<never> is assignable to every Pid<M>, but not to ConnPid
  gun.close(never);
  // @ts-expect-error: flush takes a connection's pid or a stream ref, not any pid
  gun.flush(someone);
  // @ts-expect-error: a variable typed ConnPid takes only a ConnPid
  const conn: gun.ConnPid = someone;
  void conn;
}

export async function openMakesOne(): Promise<void> {
  const conn = gun.open('127.0.0.1', 8080);
  const kept: gun.ConnPid = conn;
  gun.wsUpgrade(kept, '/websocket');
  gun.wsSend(kept, ['text', 'Hello!']);
  gun.flush(kept);

  // A ConnPid is a Pid: monitored, linked, printed and matched as any pid.
  const asPid: Pid = conn;
  monitor('process', conn);
  link(conn);
  console.log(`${conn}`);
  const [, from] = await receive([['gun_ws_upgrade', conn, 'ok']]);
  gun.close(from); // the pid in a matched message keeps its type
  void asPid;
  void _;
}

export function gunMessagesCarryConnPids(m: gun.ClassicMessage, n: gun.Gun2Message): void {
  // The pid in a Gun message is a connection's, so it can be used as one.
  gun.shutdown(m[1]);
  gun.shutdown(n[1]);
}
