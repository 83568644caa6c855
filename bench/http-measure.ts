/**
 * What the HTTP benchmarks (bench/http.bench.ts, bench/http2.bench.ts)
 * measure with: rates, the body check, bounded waits, and rounds of
 * clients whose medians are kept.
 */

/** The body every HTTP benchmark server answers with, in bytes. */
export const BODY_BYTES = 1024;

/** Things done since `t0`: a rate in k/s. */
export function rate(done: number, t0: number): number {
  return done / ((performance.now() - t0) / 1000) / 1000;
}

export function checkBody(body: Buffer | ArrayBuffer | Uint8Array): void {
  if (body.byteLength !== BODY_BYTES) throw new Error(`expected a ${BODY_BYTES}-byte body, got ${body.byteLength}`);
}

/** A promise that rejects after `ms`, for racing a wait that must not hang. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** The median (sorts `xs`). */
export const mid = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * `count` rounds; in each, every client in turn (baselines first, as in the
 * other Gun benchmarks), each on a fresh connection. The median of each
 * client's rounds is kept: on a shared 2-core machine with the server in
 * another process, single runs swing widely.
 */
export async function rounds(
  count: number,
  clients: Record<string, () => Promise<number>>,
): Promise<Record<string, number>> {
  const runs: Record<string, number[]> = {};
  for (let i = 0; i < count; i++) {
    for (const [name, measure] of Object.entries(clients)) {
      const xs = runs[name] ?? [];
      xs.push(await measure());
      runs[name] = xs;
    }
  }
  return Object.fromEntries(Object.entries(runs).map(([name, xs]) => [name, mid(xs)]));
}
