/** A callback's result: the value, or a promise of it (callbacks may be async). */
export type Awaitable<T> = T | Promise<T>;
