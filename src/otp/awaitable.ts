/** A callback's result: the value, or a promise of it (callbacks may be async). */
export type Awaitable<T> = T | Promise<T>;

/** Whether a callback's result is a promise (then it is awaited; anything else is used at once). */
export function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
