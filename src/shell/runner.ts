import { AsyncResource } from 'node:async_hooks';

/**
 * Runs a function in the async context the runner was made in: as the
 * beamish process that was running then (the runtime follows the running
 * process with AsyncLocalStorage, which a bound function carries along).
 */
export type Runner = <T>(fn: () => T) => T;

/**
 * A runner for the calling async context. Made inside a beamish process, it
 * runs functions as that process: `self()`, `receive`, `flush` act for it.
 *
 * ```ts
 * const asOwner = runnerHere(); // inside a process
 * asOwner(() => self()); // later, from anywhere: that process's pid
 * ```
 */
export function runnerHere(): Runner {
  return AsyncResource.bind(<T>(fn: () => T): T => fn()) as Runner;
}
