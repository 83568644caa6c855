/**
 * OTP benchmarks: GenServer.call round trips beside the runtime's raw
 * ping-pong round trips, measured in the same run. `npm run bench -- otp`.
 */
import { GenServer } from '../src/otp/index.js';
import { _, type Pid, receive, run, self, send, spawn } from '../src/runtime/index.js';
import type { Figure } from './runtime.bench.js';

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** n raw round trips: `['ping', me]` out, `['pong', i]` back; round trips/s. */
async function rawRoundTrips(n: number): Promise<number> {
  return run(async () => {
    const me = self();
    const ponger = spawn(async () => {
      for (let i = 0; i < n; i++) {
        const [, from] = await receive([['ping', _]]);
        send(from as Pid, ['pong', i]);
      }
    });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      send(ponger, ['ping', me]);
      await receive([['pong', _]]);
    }
    return n / seconds(t0);
  });
}

const counter: GenServer<number, readonly ['next', number]> = {
  init: () => ['ok', 0],
  handleCall: (_req, _from, n) => ['reply', n, n + 1],
};

/** n GenServer.call round trips to a server that replies with a counter; calls/s. */
async function genServerCalls(n: number): Promise<number> {
  return run(async () => {
    const server = await GenServer.start(counter, undefined);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await GenServer.call(server, 'next');
    const rate = n / seconds(t0);
    await GenServer.stop(server);
    return rate;
  });
}

export async function genServerCall(n = 200_000): Promise<Figure> {
  const ours = await genServerCalls(n);
  const baseline = await rawRoundTrips(n);
  return {
    name: `GenServer.call, ${n.toLocaleString('en')} round trips`,
    unit: 'M calls/s',
    ours: ours / 1e6,
    baseline: baseline / 1e6,
    baselineName: 'raw ping-pong round trips (send + receive), same run',
    target: '>= 0.5x baseline',
    meets: (o, b) => o >= 0.5 * b,
  };
}
