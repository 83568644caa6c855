import { AsyncResource } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { _, BadArgError, isAlive, type Pid, processFlag, receive, selfSignal, send, spawn } from '../runtime/index.js';
import { ObserverServer, warnIfExposed } from './server.js';
import type { ObserveOptions, Observer } from './types.js';

/** What wakes the observer's process to end. */
const STOP = '$observer_stop';

/**
 * Starts an observer: an HTTP server in this program that serves a live
 * view of its processes (the list, a process's detail, the supervision
 * trees, a message trace) and its data as JSON and SSE, for a browser or
 * `beamish top`. It listens on 127.0.0.1 and a free port by default;
 * another host prints a warning on stderr. Every request needs the token
 * of `url` (random, 32 hex characters), so another user of the machine
 * cannot read or kill processes.
 *
 * It costs nothing until a client asks: one collection per `intervalMs`
 * while a page or `beamish top` follows the stream, none otherwise. The
 * observer runs as a process of its own (it traps exits; killing it with
 * `'kill'` stops the server). `close()` stops it all.
 *
 * @example
 * ```ts
 * import { observe } from 'beamish/observer';
 *
 * const observer = await observe(); // { url: 'http://127.0.0.1:41234/?token=…', ... }
 * console.log(`open ${observer.url}`);
 * // ... later
 * await observer.close();
 * ```
 */
export function observe(opts: ObserveOptions = {}): Promise<Observer> {
  try {
    return start(opts);
  } catch (err) {
    return Promise.reject(err);
  }
}

function start(opts: ObserveOptions): Promise<Observer> {
  if (typeof opts !== 'object' || opts === null) throw new BadArgError('observe', 'opts', 'expected an options object');
  const { port = 0, host = '127.0.0.1', intervalMs = 1000 } = opts;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new BadArgError('observe', 'opts.port', `expected a port from 0 to 65535, got ${String(port)}`);
  if (typeof host !== 'string' || host === '')
    throw new BadArgError('observe', 'opts.host', 'expected a host name or address');
  if (!Number.isInteger(intervalMs) || intervalMs < 10 || intervalMs > 3_600_000)
    throw new BadArgError(
      'observe',
      'opts.intervalMs',
      `expected a whole number of ms from 10 to 3600000, got ${String(intervalMs)}`,
    );
  const token = randomBytes(16).toString('hex');
  return new Promise<Observer>((resolve, reject) => {
    let agent: Pid | undefined;
    // Named, for the process list: its initial function.
    const observer = async (): Promise<void> => {
      // The tracers it starts are linked to it: their ends are messages, never its own.
      processFlag('trap_exit', true);
      // Whatever runs in this process: the request handler, close().
      const bind = <F extends (...args: never[]) => unknown>(fn: F): F =>
        AsyncResource.bind(fn as unknown as (...args: unknown[]) => unknown) as unknown as F;
      const server = new ObserverServer(token, intervalMs, bind);
      // Killed: the server goes with it.
      selfSignal().addEventListener('abort', () => void server.close());
      let listening: number;
      try {
        listening = await server.listen(port, host);
      } catch (err) {
        reject(err);
        return;
      }
      warnIfExposed(host);
      const inAgent = bind((fn: () => Promise<void>) => fn());
      const where = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${where}:${listening}/?token=${token}`,
        token,
        port: listening,
        close: () =>
          inAgent(async () => {
            const closed = server.close();
            if (agent !== undefined && isAlive(agent)) send(agent, STOP);
            await closed;
          }),
      });
      // Exit signals of its tracers arrive as messages: taken, and let go.
      for (;;) {
        const message = await receive([STOP, ['EXIT', _, _]]);
        if (message === STOP) break;
      }
      await server.close();
    };
    agent = spawn(observer);
  });
}
