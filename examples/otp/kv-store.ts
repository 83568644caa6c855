/**
 * A key-value store under a supervisor. The store is a GenServer registered
 * under a name, so clients find it across restarts; a bad request crashes
 * it, and its Supervisor starts a fresh one under the same name.
 *
 * A restarted process starts from its initial state: what the crashed one
 * held is gone. So the store writes through to a second child, a backup
 * server, and reads it back in init. The supervisor is rest_for_one, with
 * the backup first: if the backup dies, the store (which depends on it) is
 * restarted after it; if the store dies, the backup is left alone.
 *
 *   npx tsx examples/otp/kv-store.ts
 */
import { pathToFileURL } from 'node:url';
import { CallError } from '../../src/otp/errors.js';
import { GenServer, type ReplyOf } from '../../src/otp/gen-server.js';
import { type StaticSupervisorSpec, Supervisor, type SupervisorOptions } from '../../src/otp/supervisor.js';
import { formatTerm, type Pid, whereis } from '../../src/runtime/index.js';

export type Value = string | number;

/** The store's requests and the reply each gets. */
export type StoreCalls =
  | readonly [['get', string], Value | undefined]
  | readonly [['put', string, Value], 'ok']
  | readonly [['incr', string], number]
  | readonly [['keys'], string[]];

type BackupCalls = readonly [['load'], Array<[string, Value]>];
type BackupCast = readonly ['save', string, Value];

/** Keeps a copy of every value the store puts; the store reads it back when it starts. */
export const kvBackup: GenServer<Map<string, Value>, BackupCalls, BackupCast> = {
  name: 'kv_backup',
  init: () => ['ok', new Map()],
  handleCall: (_request, _from, saved) => ['reply', [...saved], saved],
  handleCast: ([, key, value], saved) => ['noreply', saved.set(key, value)],
};

interface StoreState {
  readonly data: Map<string, Value>;
  /** The backup's registered name. */
  readonly backup: string;
}

/** The store: get, put, incr (which crashes it on a value that is not a number), keys. */
export const kvStore: GenServer<StoreState, StoreCalls, never, unknown, string> = {
  name: 'kv_store',
  async init(backup) {
    const saved = await GenServer.call<BackupCalls[1]>(backup, ['load']);
    return ['ok', { data: new Map(saved), backup }];
  },
  handleCall(request, _from, state) {
    switch (request[0]) {
      case 'get':
        return ['reply', state.data.get(request[1]), state];
      case 'put':
        return ['reply', 'ok', put(state, request[1], request[2])];
      case 'incr': {
        const old = state.data.get(request[1]) ?? 0;
        // The bug we let happen: no check, as "let it crash" has it. The
        // caller gets a CallError; the supervisor restarts the store.
        if (typeof old !== 'number') throw new TypeError(`cannot increment ${request[1]}: ${old}`);
        return ['reply', old + 1, put(state, request[1], old + 1)];
      }
      case 'keys':
        return ['reply', [...state.data.keys()].sort(), state];
    }
  },
};

function put(state: StoreState, key: string, value: Value): StoreState {
  GenServer.cast(state.backup, ['save', key, value] satisfies BackupCast);
  state.data.set(key, value);
  return state;
}

/** The supervisor's spec: the backup, then the store that reads it (rest_for_one). */
export function kvSupervisor(name = 'kv'): StaticSupervisorSpec {
  const backup = `${name}_backup`;
  return {
    strategy: 'rest_for_one',
    intensity: 3,
    period: 5,
    children: [
      { id: 'backup', start: () => GenServer.startLink(kvBackup, undefined, { name: backup }) },
      { id: 'store', start: () => GenServer.startLink(kvStore, backup, { name }) },
    ],
  };
}

/** A call to the store by its name. */
export function kv<const Q extends StoreCalls[0]>(request: Q, name = 'kv'): Promise<ReplyOf<StoreCalls, Q>> {
  return GenServer.call<ReplyOf<StoreCalls, Q>>(name, request);
}

async function main(opts?: SupervisorOptions): Promise<void> {
  const sup = await Supervisor.start(kvSupervisor(), opts);
  const children = async (): Promise<string> =>
    (await Supervisor.whichChildren(sup)).map((c) => `${c.id} ${formatTerm(c.pid)}`).join(', ');
  console.log(`supervisor ${formatTerm(sup)} started: ${await children()}`);

  await kv(['put', 'apples', 3]);
  await kv(['put', 'name', 'kv']);
  console.log(`incr apples -> ${await kv(['incr', 'apples'])}`);
  console.log(`keys -> ${(await kv(['keys'])).join(', ')}`);

  const before = whereis('kv') as Pid;
  try {
    await kv(['incr', 'name']);
  } catch (error) {
    if (!(error instanceof CallError)) throw error;
    console.log(`incr name -> the store crashed: ${error.message}`);
  }
  // A call to the supervisor is answered once it has handled the store's
  // EXIT, that is, once the new store runs.
  console.log(`restarted: ${await children()}`);
  console.log(`store ${formatTerm(before)} -> ${formatTerm(whereis('kv'))}`);
  console.log(`get apples -> ${await kv(['get', 'apples'])} (read back from the backup)`);

  await Supervisor.stop(sup);
  console.log('stopped');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
