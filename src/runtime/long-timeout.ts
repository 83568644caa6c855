/**
 * setTimeout that accepts any finite delay. Node's own clamps delays above
 * 2^31-1 ms (about 24.8 days) to 1 ms, which would make a long
 * `receive(..., after)` fire at once; this re-arms until the time is up.
 */

const MAX_DELAY = 2 ** 31 - 1;

export interface Cancellable {
  cancel(): void;
}

export function setLongTimeout(ms: number, fn: () => void): Cancellable {
  if (ms <= MAX_DELAY) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  }
  const deadline = Date.now() + ms;
  let handle: NodeJS.Timeout;
  const arm = (): void => {
    const left = deadline - Date.now();
    handle = left > MAX_DELAY ? setTimeout(arm, MAX_DELAY) : setTimeout(fn, Math.max(0, left));
  };
  arm();
  return { cancel: () => clearTimeout(handle) };
}
