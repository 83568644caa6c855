import { AsyncLocalStorage } from 'node:async_hooks';
import { ProcessExit } from './errors.js';
import { Proc } from './process.js';

/**
 * Which process is running. Code inside a spawned process finds its own
 * record through AsyncLocalStorage, which follows every await; code outside
 * any process (a script's top level, a test) acts as one implicit shell
 * process, as typed lines do in the Erlang shell.
 */

const storage = new AsyncLocalStorage<Proc>();
let shell: Proc | undefined;

/** Runs `fn(...args)` as process `proc`: every await inside it stays in `proc`. */
export function runAs<A extends unknown[], T>(proc: Proc, fn: (...args: A) => T, ...args: A): T {
  return storage.run(proc, fn, ...args);
}

/**
 * Calls `start(proc, fn)` for each `proc, fn` pair of `batch` whose process
 * is alive, as that process. The same as `runAs` for each, at a third of the
 * cost where AsyncLocalStorage is an AsyncContextFrame (Node 24): `run`
 * makes two frames per call (one to enter, one to restore), this one frame
 * per process and one for the whole batch.
 */
export function startAs<F>(batch: readonly unknown[], start: (proc: Proc, fn: F) => void): void {
  const prior = storage.getStore();
  try {
    for (let i = 0; i < batch.length; i += 2) {
      const proc = batch[i] as Proc;
      if (!proc.alive) continue;
      storage.enterWith(proc);
      start(proc, batch[i + 1] as F);
    }
  } finally {
    storage.enterWith(prior as Proc);
  }
}

/** The running process (the shell when outside any process). */
export function current(): Proc {
  const proc = storage.getStore();
  if (proc !== undefined) return proc;
  shell ??= new Proc();
  return shell;
}

/**
 * The running process, which must be alive to act. A dead process can only
 * unwind: the call throws `ProcessExit` with the reason it died with.
 *
 * When the dead one is the shell, the throw happens once and the next call
 * gets a fresh shell process, as the Erlang shell restarts after an exception.
 */
export function actor(): Proc {
  const proc = current();
  if (!proc.alive) unwind(proc);
  return proc;
}

/** Throws the `ProcessExit` that unwinds the code of `proc`, which is dead. */
export function unwind(proc: Proc): never {
  if (proc === shell) shell = undefined;
  throw ProcessExit.unwinding(proc.exitReason);
}
