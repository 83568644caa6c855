import { performance } from 'node:perf_hooks';
import {
  _,
  isAlive,
  Pid,
  receive,
  receiveNow,
  send,
  spawnLink,
  type TraceMessage,
  trace,
  traceInfo,
  whereis,
} from '../runtime/index.js';
import { pidText, shortTerm } from './print.js';
import type { TraceEvent, TraceStopped } from './types.js';

/**
 * A bounded trace, in the manner of recon_trace: the chosen processes'
 * sends and receives go to a tracer process, which turns them into
 * `TraceEvent`s and hands them on in batches; at `maxMessages` events, or
 * at more than `maxPerSecond` in a second, it switches the tracing off
 * itself and says why. Left on by mistake it costs at most that much:
 * the events it keeps are at most `maxMessages`, handed on every 100 ms,
 * and whatever arrives after the limit dies with the tracer's mailbox.
 */

/** Where a trace's events go. */
export interface TraceSink {
  /** A batch of events, oldest first. */
  events(batch: TraceEvent[]): void;
  /** The trace has ended; nothing follows. */
  stopped(stopped: TraceStopped): void;
}

/** How often the events gathered are handed on. */
const FLUSH_MS = 100;
/** The longest a message is printed. */
const MESSAGE_CHARS = 200;

const STOP = '$observer_trace_stop';
/** What `receiveNow` gives when the mailbox is empty. */
const NONE: unique symbol = Symbol('none');

export class Trace {
  private tracer: Pid | undefined;
  private count = 0;
  private pending: TraceEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private done = false;
  private readonly t0 = performance.now();
  private windowStart = 0;
  private inWindow = 0;
  /** The last send seen: the receive that follows it at once, of the same message, is its delivery. */
  private lastSend: { from: string; to: Pid | undefined; message: unknown } | undefined;

  /**
   * Starts tracing `pids` (send and receive). The tracer is linked to the
   * running process (the observer's, which traps exits), so it dies with
   * it, and with it the tracing (the runtime stops tracing into a dead
   * tracer). Pids that are not alive are left out.
   */
  constructor(
    private readonly pids: readonly Pid[],
    private readonly maxMessages: number,
    private readonly maxPerSecond: number,
    private readonly sink: TraceSink,
  ) {
    // Named, for the process list: its initial function.
    const observerTracer = (): Promise<void> => this.loop();
    const tracer = spawnLink(observerTracer);
    this.tracer = tracer;
    for (const pid of pids) {
      try {
        if (isAlive(pid)) trace(pid, true, ['send', 'receive'], { tracer });
      } catch {
        // Died in between: nothing to trace.
      }
    }
  }

  /** Ends the trace with `reason` (from outside the tracer: asked, or the observer closing). */
  stop(reason: TraceStopped['reason'] = 'stopped'): void {
    if (this.done) return;
    const tracer = this.tracer;
    this.finish(reason);
    try {
      // Wakes it to end: it returns, and what is left in its mailbox goes with it.
      if (tracer !== undefined) send(tracer, STOP);
    } catch {
      // The caller has exited (the observer's process, killed): the link takes the tracer down.
    }
  }

  private async loop(): Promise<void> {
    for (;;) {
      const first = await receive([_]);
      if (this.take(first)) return;
      // Whatever else is queued, in the same turn.
      for (let m = receiveNow([_], NONE); m !== NONE; m = receiveNow([_], NONE)) {
        if (this.take(m)) return;
      }
    }
  }

  /** Takes one message of the tracer's mailbox; true when the trace has ended. */
  private take(message: unknown): boolean {
    if (this.done) return true;
    if (!Array.isArray(message) || message[0] !== 'trace') return false;
    const m = message as unknown as TraceMessage;
    const t = performance.now() - this.t0;
    let event: TraceEvent;
    if (m[2] === 'send' || m[2] === 'send_to_non_existing_process') {
      const dest = m[4];
      const to = dest instanceof Pid ? dest : typeof dest === 'string' ? whereis(dest) : undefined;
      const from = pidText(m[1]);
      this.lastSend = { from, to, message: m[3] };
      event = {
        t: round(t),
        kind: 'send',
        from,
        to: to === undefined ? shortTerm(dest, 60) : pidText(to),
        message: '',
      };
    } else if (m[2] === 'receive') {
      const last = this.lastSend;
      const from = last !== undefined && last.to === m[1] && last.message === m[3] ? last.from : '?';
      this.lastSend = undefined;
      event = { t: round(t), kind: 'receive', from, to: pidText(m[1]), message: '' };
    } else {
      return false;
    }
    // The rate: more than maxPerSecond within a second ends the trace.
    if (t - this.windowStart >= 1000) {
      this.windowStart = t;
      this.inWindow = 0;
    }
    if (++this.inWindow > this.maxPerSecond) {
      this.finish('rate');
      return true;
    }
    event.message = shortTerm(m[3], MESSAGE_CHARS);
    this.pending.push(event);
    this.count++;
    if (this.count >= this.maxMessages) {
      this.finish('limit');
      return true;
    }
    if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
    }
    return false;
  }

  private flush(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.sink.events(batch);
  }

  /** Switches the tracing off, hands on what is left, and says why it ended. */
  private finish(reason: TraceStopped['reason']): void {
    if (this.done) return;
    this.done = true;
    const tracer = this.tracer;
    this.tracer = undefined;
    for (const pid of this.pids) {
      try {
        if (tracer !== undefined && isAlive(pid) && traceInfo(pid)?.tracer === tracer)
          trace(pid, false, ['send', 'receive']);
      } catch {
        // Died in between.
      }
    }
    this.lastSend = undefined;
    this.flush();
    this.sink.stopped({ reason, count: this.count });
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
