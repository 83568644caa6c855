/**
 * The shapes the observer sends as JSON: its HTTP API's contract with the
 * page (src/observer/page/) and with `beamish top`. Pids are written as
 * Erlang prints them, `'<0.42.0>'`; terms (states, messages, patterns) as
 * `formatTerm` prints them.
 */

/** The figures of the whole program, at the top of each snapshot and delta. */
export interface Header {
  /** How long the Node process has run, in ms. */
  uptimeMs: number;
  /** Live processes. */
  processCount: number;
  /** Event-loop utilization over the last interval, 0..1 (`performance.eventLoopUtilization`). */
  elu: number;
  /** Event-loop delay over the last interval, in ms (`monitorEventLoopDelay`). */
  loopDelayMs: { mean: number; max: number };
  /** V8's heap in use, in bytes. */
  heapUsed: number;
  /** Resident set size, in bytes. */
  rss: number;
  /** Garbage collections since the observer started. */
  gcCount: number;
  /** Time spent in them, in ms. */
  gcMs: number;
  /** The observer's interval, in ms. */
  intervalMs: number;
  /** `process.version`. */
  node: string;
}

/** One process in the list. */
export interface ProcessRow {
  /** `'<0.42.0>'`. */
  pid: string;
  /** Its registered name. */
  name: string | null;
  /** The spawned function's name, or `'(anonymous)'`. */
  initial: string;
  /** `'waiting'`: suspended in a receive. */
  status: 'running' | 'waiting' | 'exiting';
  /** Messages queued. */
  mailbox: number;
  /** Messages taken from the mailbox since it started. */
  received: number;
  /** Of those, over the last interval. */
  receivedDelta: number;
  /** Pids it is linked to. */
  links: string[];
  /** Pids it monitors. */
  monitors: string[];
  /** Pids that monitor it. */
  monitoredBy: string[];
  trapExit: boolean;
  /** The patterns of the receive it waits in, formatTerm-printed, else null. */
  waitingFor: string | null;
  /** The OTP behaviour it runs, if any. */
  behaviour: 'gen_server' | 'gen_statem' | 'supervisor' | null;
}

/** Every process, with the header. */
export interface Snapshot {
  seq: number;
  header: Header;
  processes: ProcessRow[];
}

/** What changed since the previous event of the stream. */
export interface Delta {
  seq: number;
  header: Header;
  /** New or changed rows. */
  changed: ProcessRow[];
  /** Pids of processes gone. */
  gone: string[];
}

/** One process, looked into. */
export interface ProcessDetail extends ProcessRow {
  /** formatTerm of `getState` for a gen_server or gen_statem; null otherwise or on timeout (100 ms). */
  state: string | null;
  /** Its first 20 queued messages, formatTerm-printed. */
  messages: string[];
  /** Its links and monitors, two hops out. */
  graph: {
    nodes: { pid: string; name: string | null }[];
    edges: { from: string; to: string; kind: 'link' | 'monitor' }[];
  };
}

/** A supervisor and its children, supervisors among them drawn with theirs. */
export interface SupervisorTree {
  pid: string;
  name: string | null;
  strategy: string;
  children: Array<{
    id: string;
    /** null when not running. */
    pid: string | null;
    type: 'worker' | 'supervisor';
    /** Restarts the observer has seen (a new pid under the same id) since it started. */
    restarts?: number;
    /** A supervisor child's own children. */
    children?: SupervisorTree['children'];
  }>;
}

/** A message sent or received by a traced process. */
export interface TraceEvent {
  /** ms since the trace started. */
  t: number;
  kind: 'send' | 'receive';
  /** The sender; for a receive whose send was not traced, `'?'`. */
  from: string;
  /** The receiver (a registered name it was sent to is read as the pid it names). */
  to: string;
  /** formatTerm, cut to 200 characters. */
  message: string;
}

/** Why a trace ended. */
export interface TraceStopped {
  /** `'limit'`: maxMessages reached; `'rate'`: more than maxPerSecond in a second; `'stopped'`: asked. */
  reason: 'limit' | 'rate' | 'stopped';
  /** Events it reported. */
  count: number;
}

/** The options of `observe`. */
export interface ObserveOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default '127.0.0.1'. Any other than a loopback address prints a warning. */
  host?: string;
  /** How often the page's data is refreshed, in ms. Default 1000. */
  intervalMs?: number;
}

/** A running observer. */
export interface Observer {
  /** The page's address, token included: `http://127.0.0.1:PORT/?token=TOKEN`. */
  readonly url: string;
  /** The token every request must carry, as `?token=` or `authorization: Bearer`. */
  readonly token: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops the server, its timers and any trace. */
  close(): Promise<void>;
}
