import {
  _,
  BadArgError,
  demonitor,
  exit,
  makeRef,
  monitor,
  type Pid,
  receive,
  register,
  self,
  send,
  setLabel,
  spawn,
  spawnLink,
  unlink,
  whereis,
} from '../runtime/index.js';
import { checkTimeout } from './checks.js';
import { StartError } from './errors.js';

/**
 * Starting a behaviour's process the way OTP's `proc_lib:start/start_link`
 * does: the caller spawns it (linked, for `startLink`), the new process
 * registers its name and runs `init`, then acknowledges; only then does
 * `start` return. So `start` returning means `init` is done, and a failed
 * `init` fails the `start` with its reason.
 */

/** The options of every behaviour's `start` and `startLink`: `gen_server:start/4`'s `{local, Name}` and `{timeout, T}`. */
export interface StartOptions {
  /** Register the process under this name (before `init` runs, as OTP does). */
  readonly name?: string;
  /** How long `init` may take, in ms (default Infinity, as OTP's); then the process is killed and start fails with `'timeout'`. */
  readonly timeoutMs?: number;
}

/** What `init` told the starter. */
export type InitAck = readonly ['ok'] | readonly ['error', unknown] | readonly ['ignore'];

/** What a starting process gets: the way to tell its starter how `init` went. */
export interface Starter {
  /** The process that called start: its parent, as OTP's `Parent`. */
  readonly parent: Pid;
  /** Tells the starter; call exactly once, before the process's main loop. */
  ack(result: InitAck): void;
}

/**
 * Spawns `body` as a new process and waits for its ack. Resolves with the
 * pid on `['ok']`; rejects with StartError for `['error', reason]`, for
 * `['ignore']` (reason `'ignore'`), for a name that is taken
 * (`['already_started', pid]`), for a process that died before acking (its
 * exit reason), and on timeout.
 */
export async function startProcess(
  fn: string,
  body: (starter: Starter) => unknown,
  link: boolean,
  opts: StartOptions | undefined,
): Promise<Pid> {
  if (opts !== undefined && (typeof opts !== 'object' || opts === null))
    throw new BadArgError(fn, 'opts', 'expected an options object');
  const timeoutMs = checkTimeout(fn, 'opts.timeoutMs', opts?.timeoutMs ?? Infinity);
  const name = opts?.name;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name === 'undefined'))
    throw new BadArgError(fn, 'opts.name', 'expected a non-empty string other than undefined');
  const parent = self();
  const ref = makeRef();
  const label = behaviourOf(fn);
  const main = async (): Promise<void> => {
    // What the process is, for observers: proc_lib's `$initial_call`.
    if (label !== undefined) setLabel(label);
    if (name !== undefined) {
      const holder = whereis(name);
      if (holder !== undefined) {
        send(parent, ['$ack', ref, ['error', ['already_started', holder]]]);
        // Erlang's gen: the process ends with reason normal, so a linked
        // starter does not die of it.
        return;
      }
      register(name, self());
    }
    let acked = false;
    await body({
      parent,
      ack(result) {
        if (acked) return;
        acked = true;
        send(parent, ['$ack', ref, result]);
      },
    });
  };
  const pid = link ? spawnLink(main) : spawn(main);
  const mref = monitor('process', pid);
  const answer = await receive(
    [
      ['$ack', ref, _],
      ['DOWN', mref, _, _, _],
    ],
    timeoutMs,
    'timeout' as const,
  );
  demonitor(mref, { flush: true });
  if (answer === 'timeout') {
    // OTP kills the process that did not answer in time, unlinked first so
    // the kill does not reach the starter.
    unlink(pid);
    exit(pid, 'kill');
    throw new StartError('timeout');
  }
  if (answer[0] === 'DOWN') throw new StartError(answer[4]);
  const result = answer[2] as InitAck;
  if (result[0] === 'ok') return pid;
  if (result[0] === 'ignore') throw new StartError('ignore');
  throw new StartError(result[1]);
}

/** The behaviour a start function (`'GenServer.startLink'`, ...) starts, as Erlang names it. */
function behaviourOf(fn: string): string | undefined {
  if (fn.startsWith('GenServer.')) return 'gen_server';
  if (fn.startsWith('GenStatem.')) return 'gen_statem';
  if (fn.startsWith('Supervisor.')) return 'supervisor';
  return undefined;
}
