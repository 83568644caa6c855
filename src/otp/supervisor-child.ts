import {
  _,
  cancelTimer,
  exit,
  exitReasonOf,
  isAlive,
  monitor,
  Pid,
  processInfo,
  type Ref,
  receive,
  receiveNow,
  self,
  startTimer,
  unlink,
  where,
} from '../runtime/index.js';
import { StartError } from './errors.js';
import type { RestartType, Shutdown, StartFunction } from './supervisor-spec.js';

/**
 * What a supervisor does to one child process: start it (OTP's
 * do_start_child_i) and stop it (shutdown/1, and
 * terminate_dynamic_children for many at once). Run inside the supervisor.
 */

/** What a start function gave: a pid, `undefined` for `'ignore'`, or why it failed. */
export type Started =
  | { readonly ok: true; readonly pid: Pid | undefined }
  | { readonly ok: false; readonly reason: unknown };

/**
 * Calls a start function. Like OTP's, a start that throws is caught (its
 * exit reason becomes the error); unlike OTP's, a pid that is alive but
 * not linked to the supervisor is refused (`['not_linked', pid]`): the
 * supervisor would never hear of its death, and a forgotten link (say, a
 * Gun connection from `open`, which does not link) would be a child that
 * is never restarted. The process is left running: it belongs to whoever
 * the start function made it for.
 */
export async function callStart(start: StartFunction<readonly never[]>, args: readonly unknown[]): Promise<Started> {
  let result: unknown;
  try {
    result = await start(...(args as readonly never[]));
  } catch (error) {
    if (error instanceof StartError && error.reason === 'ignore') return { ok: true, pid: undefined };
    return { ok: false, reason: exitReasonOf(error) };
  }
  if (result === 'ignore') return { ok: true, pid: undefined };
  if (!(result instanceof Pid)) return { ok: false, reason: ['bad_return_value', result] };
  const info = processInfo(result);
  // A child that is dead already sent its EXIT if it was linked; if it was
  // not, nothing can tell now.
  if (info !== undefined && !info.links.includes(self())) return { ok: false, reason: ['not_linked', result] };
  return { ok: true, pid: result };
}

/** OTP: `normal`, `shutdown` and `{shutdown, _}` are the ends a transient child is not restarted for. */
export function isCleanExit(reason: unknown): boolean {
  return reason === 'normal' || reason === 'shutdown' || (Array.isArray(reason) && reason[0] === 'shutdown');
}

/** Whether `reason` is what stopping the child was expected to end it with (OTP's shutdown/1 cases). */
function stoppedAsAsked(reason: unknown, shutdown: Shutdown, restart: RestartType): boolean {
  if (reason === (shutdown === 'brutal_kill' ? 'killed' : 'shutdown')) return true;
  return restart !== 'permanent' && isCleanExit(reason);
}

/**
 * Stops one child as its spec says, and waits until it is gone. Watches a
 * monitor, not the EXIT, as OTP does: a child that unlinked itself cannot
 * hang the supervisor. Returns `undefined` if it ended as asked, else the
 * reason it ended with (to report as a shutdown_error); a child that
 * ignores `'shutdown'` for longer than its shutdown time is killed, and
 * reported with `'killed'`.
 */
export async function shutdownChild(pid: Pid, shutdown: Shutdown, restart: RestartType): Promise<unknown> {
  const mref = monitor('process', pid);
  exit(pid, shutdown === 'brutal_kill' ? 'kill' : 'shutdown');
  const wait = shutdown === 'brutal_kill' || shutdown === 'infinity' ? Infinity : shutdown;
  let down = await receive([['DOWN', mref, 'process', _, _]], wait, undefined);
  if (down === undefined) {
    exit(pid, 'kill');
    down = await receive([['DOWN', mref, 'process', _, _]]);
  }
  const reason = unlinkFlush(pid, down[4]);
  return stoppedAsAsked(reason, shutdown, restart) ? undefined : reason;
}

/**
 * Stops many children of one template at once, as OTP's
 * terminate_dynamic_children: every one is told at the same moment, so
 * they clean up in parallel and in no set order; one timer for all of
 * them, after which those left are killed. Returns the children that did
 * not end as asked, with their reasons.
 */
export async function shutdownAll(
  pids: readonly Pid[],
  shutdown: Shutdown,
  restart: RestartType,
): Promise<Array<readonly [Pid, unknown]>> {
  const pending = new Map<Ref, Pid>();
  for (const pid of pids) {
    pending.set(monitor('process', pid), pid);
    exit(pid, shutdown === 'brutal_kill' ? 'kill' : 'shutdown');
  }
  const me = self();
  let timer = typeof shutdown === 'number' ? startTimer(shutdown, me, 'kill') : undefined;
  const failed: Array<readonly [Pid, unknown]> = [];
  const ours = where(['DOWN', _, 'process', _, _], (m) => pending.has(m[1] as Ref));
  while (pending.size > 0) {
    const clauses = timer === undefined ? [ours] : [ours, ['timeout', timer, 'kill']];
    const message = (await receive(clauses)) as readonly unknown[];
    if (message[0] === 'timeout') {
      timer = undefined;
      for (const pid of pending.values()) exit(pid, 'kill');
      continue;
    }
    const mref = message[1] as Ref;
    const pid = pending.get(mref) as Pid;
    pending.delete(mref);
    const reason = unlinkFlush(pid, message[4]);
    if (!stoppedAsAsked(reason, shutdown, restart)) failed.push([pid, reason]);
  }
  if (timer !== undefined) {
    // Fired after the last DOWN but before the cancel: its message is queued.
    cancelTimer(timer);
    receiveNow([['timeout', timer, 'kill']]);
  }
  return failed;
}

/**
 * Unlinks a dead child and takes its EXIT, if there is one: the reason in
 * the EXIT is the one it died with (the DOWN says `'noproc'` for a child
 * that was dead before the monitor), and no stale EXIT is left to be taken
 * for a new death later.
 */
function unlinkFlush(pid: Pid, fallback: unknown): unknown {
  unlink(pid);
  const exited = receiveNow([['EXIT', pid, _]]);
  return exited === undefined ? fallback : exited[2];
}

/** Whether a child's pid is a live process (count_children's `active`). */
export function isRunning(pid: unknown): boolean {
  return pid instanceof Pid && isAlive(pid);
}
