import { _, formatTerm, type Pid, receive, spawn, type TraceMessage } from '../runtime/index.js';
import { checkObject } from './checks.js';

/** The options of `startTracer`. */
export interface TracerOptions {
  /** Where each line goes (default: console.log). */
  readonly write?: (line: string) => void;
  /** Register the tracer under this name. */
  readonly name?: string;
  /**
   * How each message, reason and argument is printed (default `formatTerm`).
   * A tracer of a Gun connection gives `gun.formatGunMessage`, so that Gun's
   * messages print as the owner sees them (`{text,<<"hi">>}`), as
   * `beamish --trace` does.
   */
  readonly format?: (term: unknown) => string;
}

/**
 * One trace message as dbg prints it (without the newline): the line
 * `startTracer`'s process writes, for a tracer of your own. Terms print with
 * `format` (default `formatTerm`).
 *
 * ```ts
 * // in a process of your own, given as `trace(pid, true, ['receive'], { tracer })`:
 * const msg = await receive([['trace', anyPid, 'receive', _]]);
 * console.log(formatTraceMessage(msg)); // (<0.81.0>) << {ping,<0.9.0>}
 * ```
 */
export function formatTraceMessage(message: TraceMessage, format: (term: unknown) => string = formatTerm): string {
  const [, pid, event] = message;
  const who = `(${formatTerm(pid)})`;
  switch (event) {
    case 'receive':
      return `${who} << ${format(message[3])}`;
    case 'send':
      return `${who} ${format(message[4])} ! ${format(message[3])}`;
    case 'send_to_non_existing_process':
      return `${who} ${format(message[4])} ! ${format(message[3])} (to non-existing process)`;
    case 'spawn':
    case 'spawned':
      return `${who} ${event} ${format(message[3])} as ${String(message[4])}`;
    case 'exit':
      return `${who} exit ${format(message[3])}`;
    case 'register':
    case 'unregister':
      return `${who} ${event} ${format(message[3])}`;
    case 'call':
      return `${who} call ${formatCall(message[3], format)}`;
    default:
      return `${who} ${event} ${format(message[3])}`;
  }
}

/** `[module, fn, args]` as `module:fn(a,b)`; anything else as a term. */
function formatCall(event: unknown, format: (term: unknown) => string): string {
  if (
    Array.isArray(event) &&
    event.length === 3 &&
    typeof event[0] === 'string' &&
    typeof event[1] === 'string' &&
    Array.isArray(event[2])
  )
    return `${event[0]}:${event[1]}(${event[2].map((arg) => format(arg)).join(',')})`;
  return format(event);
}

const TRACE = [['trace', _, _, _], ['trace', _, _, _, _], 'stop'] as const;

/**
 * Starts a tracer process that prints every trace message it gets; pass its
 * pid as `trace(pid, true, flags, { tracer })`. Send it `'stop'` (or kill
 * it) to end it; tracing of the processes it traced ends with it. A ready
 * tracer, as Erlang's `dbg:tracer()`: one line per trace message in
 * Erlang's notation, in dbg's own shapes:
 *
 * ```text
 * (<0.81.0>) << {ping,<0.9.0>}          a message arrived
 * (<0.81.0>) <0.9.0> ! pong              a message sent
 * (<0.9.0>) spawn <0.82.0> as loop       a process spawned
 * (<0.9.0>) link <0.81.0>
 * (<0.81.0>) exit bye
 * (<0.81.0>) call counter:handleCall({get},{<0.9.0>,#Ref<0.0.0.7>})
 * ```
 *
 * ```ts
 * const tracer = startTracer();
 * trace(worker, true, ['send', 'receive', 'procs'], { tracer });
 * ```
 */
export function startTracer(opts: TracerOptions = {}): Pid {
  checkObject('startTracer', 'opts', opts);
  const write = opts.write ?? ((line: string) => console.log(line));
  if (typeof write !== 'function') throw new TypeError("startTracer: bad argument 'opts.write': expected a function");
  const format = opts.format ?? formatTerm;
  if (typeof format !== 'function') throw new TypeError("startTracer: bad argument 'opts.format': expected a function");
  return spawn(
    async function tracer() {
      for (;;) {
        const message = await receive(TRACE);
        if (message === 'stop') return;
        write(formatTraceMessage(message as TraceMessage, format));
      }
    },
    opts.name === undefined ? undefined : { name: opts.name },
  );
}
