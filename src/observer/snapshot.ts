import {
  type EventLoopUtilization,
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
  performance,
} from 'node:perf_hooks';
import { type Pid, type ProcessInfoExtended, processes, processInfo } from '../runtime/index.js';
import { formatPatterns, pidText } from './print.js';
import type { Delta, Header, ProcessRow, Snapshot } from './types.js';

/** The event-loop delay histogram's sampling period (ms). */
const LOOP_DELAY_RESOLUTION_MS = 20;

/**
 * What the observer collects: the header's figures (from perf_hooks and
 * `process.memoryUsage`) and a row per process (from `processInfo`). One
 * collection per interval, shared by every client: the rows of the last one
 * are the baseline the next delta is taken against, and what
 * `receivedDelta` counts from.
 *
 * The instruments (an event-loop delay histogram, a PerformanceObserver of
 * GC entries) run from `start()` to `stop()`, only while an observer does.
 */

const BEHAVIOURS = new Set(['gen_server', 'gen_statem', 'supervisor']);

/** The row of a live process; `before` is its row in the baseline, for `receivedDelta`. */
export function rowOf(pid: Pid, info: ProcessInfoExtended, before: ProcessRow | undefined): ProcessRow {
  const label = info.label;
  return {
    pid: pidText(pid),
    name: info.registeredName ?? null,
    initial: info.initialCall,
    status: info.status,
    mailbox: info.messageQueueLen,
    received: info.received,
    receivedDelta: before === undefined ? 0 : Math.max(0, info.received - before.received),
    links: texts(info.links),
    monitors: info.monitors.length === 0 ? [] : info.monitors.map((m) => pidText(m.pid)),
    monitoredBy: texts(info.monitoredBy),
    trapExit: info.trapExit,
    waitingFor: info.waitingFor === undefined ? null : formatPatterns(info.waitingFor),
    behaviour: label !== undefined && BEHAVIOURS.has(label) ? (label as ProcessRow['behaviour']) : null,
  };
}

function texts(pids: readonly Pid[]): string[] {
  return pids.length === 0 ? [] : pids.map(pidText);
}

const EXTENDED = { extended: true } as const;

export class Collector {
  private histogram: IntervalHistogram | undefined;
  private gcObserver: PerformanceObserver | undefined;
  private gcCount = 0;
  private gcMs = 0;
  /** ELU at the last collection that moved the baseline. */
  private eluMark: EventLoopUtilization | undefined;
  /**
   * The rows of the last collection that moved the baseline, by pid: the
   * Pid itself as key, whose hash V8 keeps, rather than its text, which
   * would be hashed anew each time.
   */
  private baseline = new Map<Pid, ProcessRow>();
  /** The number of the last snapshot or delta that moved the baseline. */
  seq = 0;

  constructor(private readonly intervalMs: number) {}

  /** The row of `pid` in the baseline, if it was there. */
  before(pid: Pid): ProcessRow | undefined {
    return this.baseline.get(pid);
  }

  /** Starts the instruments. */
  start(): void {
    if (this.histogram !== undefined) return;
    this.histogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    this.histogram.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.gcCount++;
        this.gcMs += entry.duration;
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.eluMark = performance.eventLoopUtilization();
  }

  /** Stops them, and forgets the baseline. */
  stop(): void {
    this.histogram?.disable();
    this.histogram = undefined;
    this.gcObserver?.disconnect();
    this.gcObserver = undefined;
    this.baseline = new Map();
  }

  /**
   * Every process now. `advance`: the collection becomes the baseline (the
   * next delta is taken against it); a client that joins while others
   * follow the stream gets one that does not, so theirs miss nothing.
   */
  snapshot(advance: boolean): Snapshot {
    const rows = this.rows();
    const header = this.header(rows.size, advance);
    if (advance) {
      this.baseline = rows;
      this.seq++;
    }
    return { seq: this.seq, header, processes: [...rows.values()] };
  }

  /** What changed since the baseline; the collection becomes the baseline. */
  delta(): Delta {
    const rows = this.rows();
    const header = this.header(rows.size, true);
    const changed: ProcessRow[] = [];
    const gone: string[] = [];
    for (const [pid, row] of rows) {
      const before = this.baseline.get(pid);
      if (before === undefined || !sameRow(before, row)) changed.push(row);
    }
    for (const [pid, row] of this.baseline) if (!rows.has(pid)) gone.push(row.pid);
    this.baseline = rows;
    this.seq++;
    return { seq: this.seq, header, changed, gone };
  }

  private rows(): Map<Pid, ProcessRow> {
    const rows = new Map<Pid, ProcessRow>();
    for (const pid of processes()) {
      const info = processInfo(pid, EXTENDED);
      if (info !== undefined) rows.set(pid, rowOf(pid, info, this.baseline.get(pid)));
    }
    return rows;
  }

  private header(processCount: number, advance: boolean): Header {
    const now = performance.eventLoopUtilization();
    const elu = this.eluMark === undefined ? now : performance.eventLoopUtilization(now, this.eluMark);
    if (advance) this.eluMark = now;
    const h = this.histogram;
    const count = h === undefined ? 0 : h.count;
    // Node's readings include the sampling timer's own period: an idle loop
    // reads about `resolution` ms. What is past it is the delay.
    const delay = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
    const mean = h === undefined || count === 0 || !Number.isFinite(h.mean) ? 0 : delay(h.mean);
    const max = h === undefined || count === 0 || !Number.isFinite(h.max) ? 0 : delay(h.max);
    if (advance) h?.reset();
    const memory = process.memoryUsage();
    return {
      uptimeMs: Math.round(process.uptime() * 1000),
      processCount,
      elu: Number.isFinite(elu.utilization) ? Math.min(1, Math.max(0, elu.utilization)) : 0,
      loopDelayMs: { mean: round(mean), max: round(max) },
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      gcCount: this.gcCount,
      gcMs: round(this.gcMs),
      intervalMs: this.intervalMs,
      node: process.version,
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function sameRow(a: ProcessRow, b: ProcessRow): boolean {
  return (
    a.status === b.status &&
    a.mailbox === b.mailbox &&
    a.received === b.received &&
    a.receivedDelta === b.receivedDelta &&
    a.name === b.name &&
    a.trapExit === b.trapExit &&
    a.waitingFor === b.waitingFor &&
    a.behaviour === b.behaviour &&
    a.initial === b.initial &&
    sameList(a.links, b.links) &&
    sameList(a.monitors, b.monitors) &&
    sameList(a.monitoredBy, b.monitoredBy)
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
