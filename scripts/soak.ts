/**
 * `npm run soak -- --seconds N`: the reconnect storm of issue 20, as a check.
 *
 * A child process (scripts/soak-server.mjs: a WebSocket echo and an HTTP/1.1
 * keep-alive endpoint) is SIGKILLed and started again on the same port every
 * `--kill-every` seconds, while gun2 connections, one owner process each,
 * work against it:
 *
 * - WebSocket owners (`--ws`): upgrade after every `gun_up`, keep `--window`
 *   numbered frames in flight with `wsOpts.flow` `--flow` (credit given back
 *   every 25 frames), and check each echo: nothing lost while the connection
 *   is up, nothing twice, nothing out of order, nothing of another stream;
 * - HTTP owners (`--http`): keep `--pipeline` numbered requests in flight on
 *   the keep-alive connection, and check that each answer is its own request's
 *   number, in order, and that no request fails while the connection is up.
 *
 * What a kill cuts off (frames and requests in flight, an upgrade not yet
 * answered) is counted, not failed: the server died with them. An upgrade with
 * no answer (no `gun_upgrade`, no refusal, no error) after `--upgrade-timeout`
 * seconds while its connection is still up is counted and diagnosed, and so
 * is a request with no answer after `--request-timeout` seconds: from the
 * client's socket (did its bytes leave?) and from what the server says it did
 * with that connection, stamped with its clock (accepted it? read the
 * request? wrote the 101?). One stuck on our side (not written, or a 101 that
 * came over a second before and was not delivered), or where the soak cannot
 * tell, fails the run; one stuck on the server's side (most often: the
 * connection still in its listen queue, since Node accepts one connection per
 * event-loop turn and a busy server drains a queue of reconnecting clients
 * slowly) fails it only with `--strict`.
 * The heap is sampled after a full GC every `--sample-every` seconds, and its
 * growth from the first sample after warm-up may not pass `--heap-growth-mb`.
 *
 * At the end, kills stop, the server is left up, every owner drains what it
 * has in flight and closes, and the counts are printed. Exit code: 0 when
 * every check passed, 1 when one failed (each failure is named), 2 when the
 * soak itself could not run (the server did not start, the watchdog fired).
 * Everything is on 127.0.0.1. It stops every process it started, on failure,
 * SIGINT and SIGTERM too; the server also exits when the soak's pipe to it
 * closes, should the soak be killed.
 *
 *   node --expose-gc --import tsx scripts/soak.ts --seconds 60 --kill-every 3-8      # CI
 *   node --expose-gc --import tsx scripts/soak.ts --seconds 600 --ws 200 --http 0 --churn 1000   # the issue's storm
 *   node --import tsx scripts/soak.ts --seconds 20 --ws 300 --http 0 --kill-every 2-4 --upgrade-timeout 1 --strict
 *     # the unanswered upgrades in seconds, each with where its bytes stopped
 *
 * Options (defaults in brackets): --seconds [60], --ws [100], --http [50],
 * --kill-every MIN-MAX seconds [5-15], --port [a free one], --window [64],
 * --flow [50], --pipeline [8], --upgrade-timeout [5], --request-timeout [5],
 * --sample-every [10], --heap-growth-mb [32], --churn N (N short-lived
 * processes every 3 s, as the issue's soak) [0], --strict, --quiet.
 * Without --expose-gc it switches GC on itself (v8.setFlagsFromString).
 */
import { type ChildProcess, execFileSync, spawn as spawnChild } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as gun from '../src/gun/index.js';
import {
  _,
  monitor,
  on,
  type Pid,
  processes,
  type Ref,
  receive,
  run,
  self,
  send,
  setLogger,
  sleep,
  spawn,
} from '../src/runtime/index.js';

// -- options ---------------------------------------------------------------------

interface Options {
  seconds: number;
  ws: number;
  http: number;
  killMin: number;
  killMax: number;
  port: number;
  window: number;
  flow: number;
  pipeline: number;
  upgradeTimeout: number;
  requestTimeout: number;
  sampleEvery: number;
  heapGrowthMb: number;
  churn: number;
  strict: boolean;
  quiet: boolean;
}

function usage(why?: string): never {
  if (why !== undefined) console.error(`soak: ${why}`);
  console.error(
    'usage: node --import tsx scripts/soak.ts [--seconds N] [--ws N] [--http N] [--kill-every MIN-MAX] [--port P]\n' +
      '  [--window N] [--flow N] [--pipeline N] [--upgrade-timeout S] [--request-timeout S]\n' +
      '  [--sample-every S] [--heap-growth-mb MB] [--churn N] [--strict] [--quiet]',
  );
  process.exit(2);
}

function parseOptions(argv: readonly string[]): Options {
  const o: Options = {
    seconds: 60,
    ws: 100,
    http: 50,
    killMin: 5,
    killMax: 15,
    port: 0,
    window: 64,
    flow: 50,
    pipeline: 8,
    upgradeTimeout: 5,
    requestTimeout: 5,
    sampleEvery: 10,
    heapGrowthMb: 32,
    churn: 0,
    strict: false,
    quiet: false,
  };
  const numeric: Record<string, keyof Options> = {
    '--seconds': 'seconds',
    '--ws': 'ws',
    '--http': 'http',
    '--port': 'port',
    '--window': 'window',
    '--flow': 'flow',
    '--pipeline': 'pipeline',
    '--upgrade-timeout': 'upgradeTimeout',
    '--request-timeout': 'requestTimeout',
    '--sample-every': 'sampleEvery',
    '--heap-growth-mb': 'heapGrowthMb',
    '--churn': 'churn',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? (arg.split('=', 2) as [string, string]) : [arg, undefined];
    if (flag === '--help' || flag === '-h') usage();
    if (flag === '--quiet' || flag === '--strict') {
      o[flag === '--quiet' ? 'quiet' : 'strict'] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === '--kill-every') {
      const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(value);
      if (!m) usage(`--kill-every takes MIN-MAX seconds, such as 5-15 (got ${value})`);
      o.killMin = Number(m[1]);
      o.killMax = Number(m[2] ?? m[1]);
      if (o.killMin <= 0 || o.killMax < o.killMin) usage(`--kill-every ${value}: need 0 < MIN <= MAX`);
      continue;
    }
    const key = numeric[flag];
    if (key === undefined) usage(`unknown option ${flag}`);
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) usage(`${flag} takes a number >= 0 (got ${value})`);
    (o as unknown as Record<string, number>)[key] = n;
  }
  for (const k of ['ws', 'http', 'window', 'flow', 'pipeline', 'churn', 'port'] as const) {
    if (!Number.isInteger(o[k])) usage(`--${k} takes a whole number`);
  }
  if (o.seconds <= 0) usage('--seconds must be > 0');
  if (o.window < 1 || o.pipeline < 1 || o.flow < 1) usage('--window, --pipeline and --flow must be >= 1');
  if (o.ws + o.http === 0) usage('nothing to do: --ws 0 and --http 0');
  return o;
}

const opts = parseOptions(process.argv.slice(2));
const FLOW_STEP = Math.max(1, Math.min(25, Math.floor(opts.flow / 2)));
const log = (s: string) => {
  if (!opts.quiet) console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);
};
const t0 = Date.now();

// A full GC for heap samples: --expose-gc when given, else switched on here.
const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    v8.setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();

// -- the counts --------------------------------------------------------------------

const counts = {
  kills: 0,
  starts: 0,
  ws: {
    ups: 0,
    downs: 0,
    upgradesSent: 0,
    upgraded: 0,
    refused: 0,
    /** Upgrades still unanswered when a kill ended their connection (the server died with them). */
    upgradesCut: 0,
    /** Upgrades with no answer after --upgrade-timeout while their connection stayed up: failures. */
    unansweredUpgrades: 0,
    /** Of those, where the server had not taken, read or (a second before) answered the request. */
    unansweredServerSide: 0,
    /** Of those, where the client had not written the request or not delivered an answer, or where the soak cannot tell. */
    unansweredOurSide: 0,
    /** Of those, answered later. */
    lateUpgrades: 0,
    sent: 0,
    echoed: 0,
    lostInFlight: 0,
    maxLostInFlight: 0,
    lostWhileUp: 0,
    duplicates: 0,
    reordered: 0,
    foreign: 0,
    stale: 0,
    /** Frames sent before the owner read gun_down, refused (badstate) by the next connection. */
    staleFrames: 0,
    stalls: 0,
    errorsWhileUp: 0,
  },
  http: {
    ups: 0,
    downs: 0,
    sent: 0,
    answered: 0,
    cut: 0,
    maxCut: 0,
    wrongAnswers: 0,
    outOfOrder: 0,
    duplicates: 0,
    stale: 0,
    unansweredRequests: 0,
    unansweredServerSide: 0,
    unansweredOurSide: 0,
    lateAnswers: 0,
    errorsWhileUp: 0,
  },
  connectionExits: 0,
  connErrors: 0,
  crashes: 0,
  uncaught: 0,
  unhandled: 0,
  ownersAbnormal: 0,
  ownersNotEnded: 0,
};
/** Upgrade latencies (sent to 101), in buckets: how long the server took to take and answer them. */
const LATENCY_BOUNDS = [50, 100, 200, 500, 1000, 2000, 5000, 10000, Infinity];
const upgradeLatency = LATENCY_BOUNDS.map(() => 0);
let maxUpgradeLatency = 0;
function latency(ms: number): void {
  const i = LATENCY_BOUNDS.findIndex((b) => ms < b);
  upgradeLatency[i] = (upgradeLatency[i] ?? 0) + 1;
  if (ms > maxUpgradeLatency) maxUpgradeLatency = ms;
}
/** Per server generation: how long after it listened it accepted the last connection it did accept. */
const acceptSpans: number[] = [];
const downReasons = new Map<string, number>();
const errorReasons = new Map<string, number>();
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
/** One line per unanswered upgrade or request: where its bytes stopped. */
const diagnoses: string[] = [];
const verdicts = new Map<string, number>();
const notes: string[] = [];
const note = (s: string) => {
  if (notes.length < 50) notes.push(s);
  log(s);
};

process.on('uncaughtException', (e) => {
  counts.uncaught++;
  console.error('UNCAUGHT', e);
});
process.on('unhandledRejection', (r) => {
  counts.unhandled++;
  console.error('UNHANDLED', r);
});
setLogger({
  crash(report) {
    counts.crashes++;
    console.error('CRASH', String((report as { reason?: unknown }).reason ?? report).slice(0, 500));
  },
});

// -- the server, killed and started again ---------------------------------------------

/** What one server process (a generation) said it did, by the client's port, with its own clock. */
interface Generation {
  readonly n: number;
  readonly pid: number | undefined;
  readonly startedAt: number;
  listeningAt: number | undefined;
  killedAt: number | undefined;
  readonly accepted: Map<number, number>;
  readonly firstRequest: Map<number, number>;
  readonly upgradeRead: Map<number, number>;
  readonly switched: Map<number, number>;
}

/**
 * An exchange that got no answer: an upgrade or request that an owner gave up
 * waiting for while its connection was up (`cut` false), or an upgrade that a
 * kill cut off before any answer (`cut` true). Where its bytes stopped is
 * decided a little later (see Chaos.classify), once the server's lines about
 * it have surely been read from its pipe; the server stamps each line with
 * its clock, so what it had done *by the time the owner gave up* is exact.
 */
interface Unanswered {
  readonly what: 'upgrade' | 'request';
  readonly cut: boolean;
  readonly gen: Generation | undefined;
  readonly port: number | undefined;
  readonly sentAt: number;
  readonly at: number;
  /** The client socket's state when the owner gave up: did the bytes leave? */
  readonly client: string;
  readonly written: boolean;
  /** Bytes the client had read on that connection (an upgrade's: anything read is its answer). */
  readonly read: number;
  readonly label: string;
  readonly ss: string;
}

class Chaos {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Generations still of interest, by number: the current one, and those an unclassified record names. */
  private readonly gens = new Map<number, Generation>();
  private newest: Generation | undefined;
  private readonly serverScript = fileURLToPath(new URL('./soak-server.mjs', import.meta.url));
  private listeners: (() => void)[] = [];
  private readonly pending: Unanswered[] = [];

  constructor(readonly port: number) {}

  get current(): Generation | undefined {
    return this.newest;
  }

  /** Starts the server; kills and restarts begin once it listens. */
  async start(): Promise<void> {
    this.spawnServer();
    await this.listening(15000);
    this.schedule();
  }

  private spawnServer(): void {
    counts.starts++;
    const child = spawnChild(process.execPath, [this.serverScript, String(this.port)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child = child;
    const gen: Generation = {
      n: counts.starts,
      pid: child.pid,
      startedAt: Date.now(),
      listeningAt: undefined,
      killedAt: undefined,
      accepted: new Map(),
      firstRequest: new Map(),
      upgradeRead: new Map(),
      switched: new Map(),
    };
    this.gens.set(gen.n, gen);
    this.newest = gen;
    this.prune();
    let partial = '';
    child.stdout?.setEncoding('latin1');
    child.stdout?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const [kind, a, b] = line.split(' ');
        if (kind === 'listening') {
          gen.listeningAt = Number(a);
          for (const f of this.listeners.splice(0)) f();
          continue;
        }
        const map =
          kind === 'a' ? gen.accepted : kind === 'u' ? gen.upgradeRead : kind === 's' ? gen.switched : undefined;
        map?.set(Number(a), Number(b));
      }
    });
    child.stdin?.on('error', () => {});
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      gen.killedAt ??= Date.now();
      if (signal !== 'SIGKILL' && !this.stopped) {
        note(`server generation ${gen.n} exited by itself (code ${code}, signal ${signal}); starting it again`);
        this.spawnServer();
      }
    });
  }

  /** Resolves once the newest server listens (rejects after `ms`). */
  listening(ms: number): Promise<void> {
    if (this.newest?.listeningAt !== undefined && this.child !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the server did not listen within ${ms} ms`)), ms);
      this.listeners.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    const ms = (opts.killMin + Math.random() * (opts.killMax - opts.killMin)) * 1000;
    this.timer = setTimeout(() => this.kill(), ms);
  }

  private kill(): void {
    const child = this.child;
    const gen = this.newest;
    if (this.stopped || child === undefined || gen === undefined) return;
    counts.kills++;
    gen.killedAt = Date.now();
    if (gen.listeningAt !== undefined && gen.accepted.size > 0) {
      acceptSpans.push(Math.max(...gen.accepted.values()) - gen.listeningAt);
    }
    child.once('exit', () => {
      if (this.stopped) return;
      this.spawnServer();
      this.schedule();
    });
    child.kill('SIGKILL');
    log(
      `kill #${counts.kills} (server ${gen.n} lived ${((gen.killedAt - gen.startedAt) / 1000).toFixed(1)} s, ` +
        `accepted ${gen.accepted.size}, upgraded ${gen.switched.size}) ws: ${counts.ws.echoed} echoed, ` +
        `${counts.ws.upgraded} upgrades; http: ${counts.http.answered} answered`,
    );
  }

  /** No more kills; the server is left running (restarted if it was down). */
  async calm(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // A kill under way restarts the server in its exit handler; wait for it.
    await this.listening(15000);
    this.stopped = true;
  }

  /** Stops the server for good (synchronous, so that it can run on exit). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const child = this.child;
    this.child = undefined;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** Records an exchange without an answer, to be classified once the server's lines are in. */
  unanswered(u: Unanswered): void {
    this.pending.push(u);
  }

  /** Classifies the records older than `settle` ms (all with 0), then forgets old generations. */
  classify(settle: number): void {
    const now = Date.now();
    while (this.pending.length > 0 && now - (this.pending[0] as Unanswered).at >= settle) {
      const u = this.pending.shift() as Unanswered;
      const v = where(u);
      bump(verdicts, `${u.what} ${u.cut ? 'cut by a kill before any answer' : 'unanswered while up'}: ${v.text}`);
      if (!u.cut) {
        const c = u.what === 'upgrade' ? counts.ws : counts.http;
        if (v.side === 'server') c.unansweredServerSide++;
        else c.unansweredOurSide++;
      }
      if (!u.cut && diagnoses.length < 10) {
        diagnoses.push(
          `${u.label} on local port ${u.port}, sent ${u.at - u.sentAt} ms before the owner gave up: ${u.client}; ` +
            `${serverStory(u)}${u.ss}`,
        );
      }
    }
    this.prune();
  }

  private prune(): void {
    const needed = new Set(this.pending.map((u) => u.gen?.n));
    for (const [n, g] of this.gens) {
      if (g !== this.newest && !needed.has(n) && g.killedAt !== undefined && Date.now() - g.killedAt > 5000) {
        this.gens.delete(n);
      }
    }
  }
}

/**
 * Where an unanswered exchange's bytes had stopped when the owner gave up (or
 * the kill came), and whose side that is. Ours ('client'): the request was
 * not out of the client's socket, or the 101 had been written by the server
 * more than a second before and the client had read it and not delivered
 * it (not yet read at all: the soak's event loop was late, not beamish).
 * The
 * server's: it had not yet taken the connection off its listen queue, or not
 * read the request, or (a 101 written less than a second before) its answer
 * was still on its way. 'unknown' when the soak cannot tell: an HTTP request
 * on a connection where the server had already read requests (it reports only
 * the first one of each connection).
 */
function where(u: Unanswered): { readonly text: string; readonly side: 'client' | 'server' | 'unknown' } {
  if (!u.written) return { text: 'the client had not written it', side: 'client' };
  const g = u.gen;
  if (g === undefined || u.port === undefined) return { text: 'unknown', side: 'unknown' };
  const time = (m: Map<number, number>) => {
    const t = m.get(u.port as number);
    return t !== undefined && t <= u.at ? t : undefined;
  };
  const switched = time(g.switched);
  if (u.what === 'upgrade' && switched !== undefined) {
    if (u.at - switched < 1000)
      return { text: 'the server had just written the 101 (under a second before)', side: 'server' };
    // Nothing read on the connection: the 101 still sat in the kernel's buffer,
    // the soak's own event loop late to read it (its give-up timer ran first).
    // Read and not delivered would be ours.
    return u.read === 0
      ? {
          text: 'the server had written the 101 over a second before; the client process had not read it yet',
          side: 'server',
        }
      : {
          text: 'the server had written the 101 over a second before; the client had read it and not delivered it',
          side: 'client',
        };
  }
  if (u.what === 'upgrade' && time(g.upgradeRead) !== undefined) {
    return { text: 'the server had read the request and not answered', side: 'server' };
  }
  if (u.what === 'request' && time(g.firstRequest) !== undefined) {
    return { text: 'the server had read requests on the connection', side: 'unknown' };
  }
  if (time(g.accepted) !== undefined) {
    return { text: 'the server had accepted the connection, not read a request on it', side: 'server' };
  }
  return { text: 'the server had not accepted the connection: it was in the listen queue', side: 'server' };
}

/** What the server did with the connection, with times from the moment it started listening. */
function serverStory(u: Unanswered): string {
  const g = u.gen;
  if (g === undefined || u.port === undefined) return 'server: unknown';
  const zero = g.listeningAt ?? g.startedAt;
  const at = (m: Map<number, number>, what: string) => {
    const t = m.get(u.port as number);
    return t === undefined ? `never ${what}` : `${what} at +${t - zero} ms`;
  };
  const gaveUp = `the owner gave up at +${u.at - zero} ms`;
  const killed = g.killedAt === undefined ? 'not killed yet' : `killed at +${g.killedAt - zero} ms`;
  return (
    `server ${g.n} (listening at +0): ${at(g.accepted, 'accepted')}, ` +
    (u.what === 'upgrade'
      ? `${at(g.upgradeRead, 'read the upgrade')}, ${at(g.switched, 'wrote the 101')}`
      : at(g.firstRequest, 'read its first request')) +
    `; ${gaveUp}; ${killed}`
  );
}

/** The client socket's side of a stuck exchange. */
function clientSide(socket: net.Socket | undefined): string {
  if (socket === undefined) return 'client: no socket';
  return (
    `client socket: bytesWritten ${socket.bytesWritten}, writableLength ${socket.writableLength}, ` +
    `corked ${socket.writableCorked}, bytesRead ${socket.bytesRead}`
  );
}
function clientWrote(socket: net.Socket | undefined): boolean {
  return (
    socket === undefined || (socket.bytesWritten > 0 && socket.writableLength === 0 && socket.writableCorked === 0)
  );
}

/** `ss`'s view of both ends and of the listener, for the first few (Linux). */
let ssLeft = 3;
function ssView(localPort: number | undefined, serverPort: number): string {
  if (localPort === undefined || ssLeft <= 0 || process.platform !== 'linux') return '';
  ssLeft--;
  try {
    const both = execFileSync('ss', ['-tanp', `( sport = :${localPort} or dport = :${localPort} )`], {
      encoding: 'utf8',
      timeout: 2000,
    });
    const listener = execFileSync('ss', ['-ltn', `( sport = :${serverPort} )`], { encoding: 'utf8', timeout: 2000 });
    const lines = `${both}${listener}`
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('State'))
      .map((l) => `      ${l.replace(/\s+/g, ' ')}`);
    return (
      "\n    ss when the owner gave up (a LISTEN line's Recv-Q is its accept queue; a server-side socket " +
      `without "users" is still in it):\n${lines.join('\n')}`
    );
  } catch {
    return '';
  }
}

// -- WebSocket owners --------------------------------------------------------------

/*
 * Calls made while the connection is down wait in its mailbox and run on the
 * next connection (Gun's postpone). So frames an owner sends before it has
 * read gun_down reach the next connection before its new upgrade, and are
 * refused with a connection-level badstate: expected, and counted; a badstate
 * once this session's upgrade is answered is not. Requests sent before the
 * owner has read gun_down are sent on the next connection and answered there.
 */

async function wsOwner(id: number, chaos: Chaos, port: number): Promise<void> {
  const pid = gun.open('127.0.0.1', port, {
    dialect: 'gun2',
    retry: Infinity,
    retryTimeout: 100,
    wsOpts: { flow: opts.flow },
  });
  const mref = monitor('process', pid);
  let nextSeq = 0;
  let stopping = false;
  let drainUntil = 0;
  const c = counts.ws;
  for (;;) {
    // Down: wait for gun_up.
    const up = (await receive([
      on(['gun_up', pid, _], () => 'up' as const),
      on(['gun_down', pid, _, _, _], () => 'down' as const),
      on(['gun_error', pid, ['badstate', _]], () => 'badstate' as const),
      on(['gun_ws', pid, _, _], () => 'stale' as const),
      on(['DOWN', mref, 'process', pid, _], () => 'dead' as const),
      on(['stop'], () => 'stop' as const),
    ])) as 'up' | 'down' | 'badstate' | 'stale' | 'dead' | 'stop';
    if (up === 'badstate') {
      c.staleFrames++;
      continue;
    }
    if (up === 'stale') {
      c.stale++;
      continue;
    }
    if (up === 'dead') {
      counts.connectionExits++;
      return;
    }
    if (up === 'stop' || stopping) {
      gun.close(pid);
      return;
    }
    if (up === 'down') continue;
    c.ups++;

    // Up: upgrade, then keep the window full until the connection goes down.
    const gen = chaos.current;
    let ref = gun.wsUpgrade(pid, '/echo', [], { flow: opts.flow });
    c.upgradesSent++;
    let sentAt = Date.now();
    let upgraded = false;
    let flagged = false;
    const info = await gun.info(pid).catch(() => undefined);
    const localPort = info?.sockPort;
    let socket = info?.socket;
    let lastProgress = Date.now();
    let stallFlagged = false;
    const inflight: number[] = [];
    let head = 0;
    let lastEchoed = -1;
    const skipped = new Set<number>();
    let consumed = 0;

    const fill = () => {
      if (stopping || !upgraded) return;
      const room = opts.window - (inflight.length - head);
      if (room < Math.min(8, opts.window) && inflight.length - head > 0) return;
      const frames: gun.OutgoingFrame[] = [];
      for (let k = 0; k < room; k++) {
        inflight.push(nextSeq);
        frames.push(['text', `${id}:${nextSeq}`]);
        nextSeq++;
      }
      if (frames.length > 0) {
        c.sent += frames.length;
        gun.wsSend(pid, ref, frames);
      }
    };
    const drained = () => upgraded && inflight.length === head;

    session: for (;;) {
      const now = Date.now();
      let wait = 60_000;
      if (!upgraded && !flagged) wait = Math.max(1, sentAt + opts.upgradeTimeout * 1000 - now);
      else if (upgraded && inflight.length - head > 0 && !stallFlagged) wait = Math.max(1, lastProgress + 20_000 - now);
      if (stopping) wait = Math.min(wait, Math.max(1, drainUntil - now));
      const m = (await receive(
        [
          on(['gun_ws', pid, _, gun.anyFrame], (x) => x),
          on(['gun_upgrade', pid, _, _, _], (x) => x),
          on(['gun_response', pid, _, _, _, _], (x) => x),
          on(['gun_data', pid, _, _, _], (x) => x),
          on(['gun_error', pid, _, _], (x) => x),
          on(['gun_error', pid, _], (x) => x),
          on(['gun_down', pid, _, _, _], (x) => x),
          on(['DOWN', mref, 'process', pid, _], (x) => x),
          on(['stop'], (x) => x),
        ],
        wait,
        ['timeout'] as const,
      )) as readonly unknown[];
      switch (m[0]) {
        case 'gun_upgrade':
          if (m[2] !== ref) {
            c.stale++;
            break;
          }
          upgraded = true;
          c.upgraded++;
          latency(Date.now() - sentAt);
          if (flagged) {
            c.lateUpgrades++;
            log(`ws ${id}: the upgrade flagged unanswered was answered after ${Date.now() - sentAt} ms`);
          }
          lastProgress = Date.now();
          socket = undefined;
          if (stopping) {
            gun.close(pid);
            return;
          }
          fill();
          break;
        case 'gun_response':
          if (m[2] !== ref) {
            c.stale++;
            break;
          }
          // The server never refuses; count it, and upgrade again on this connection.
          c.refused++;
          note(`ws ${id}: upgrade refused with ${String(m[4])}`);
          gun.flush(ref);
          ref = gun.wsUpgrade(pid, '/echo', [], { flow: opts.flow });
          c.upgradesSent++;
          sentAt = Date.now();
          flagged = false;
          break;
        case 'gun_data':
          break;
        case 'gun_ws': {
          if (m[2] !== ref) {
            c.stale++;
            break;
          }
          const frame = m[3] as gun.IncomingFrame;
          if (!Array.isArray(frame) || frame[0] !== 'text') {
            c.errorsWhileUp++;
            note(`ws ${id}: unexpected frame ${JSON.stringify(frame)}`);
            break;
          }
          c.echoed++;
          lastProgress = Date.now();
          const text = String(frame[1]);
          const colon = text.indexOf(':');
          const cid = Number(text.slice(0, colon));
          const seq = Number(text.slice(colon + 1));
          if (cid !== id) c.foreign++;
          else if (inflight[head] === seq) {
            head++;
            lastEchoed = seq;
          } else if (skipped.delete(seq)) {
            c.reordered++;
            c.lostWhileUp--;
          } else if (seq <= lastEchoed) c.duplicates++;
          else {
            const at = inflight.indexOf(seq, head);
            if (at < 0) c.foreign++;
            else {
              for (let k = head; k < at; k++) {
                skipped.add(inflight[k] as number);
                c.lostWhileUp++;
              }
              head = at + 1;
              lastEchoed = seq;
            }
          }
          if (head > 256) {
            inflight.splice(0, head);
            head = 0;
          }
          if (++consumed >= FLOW_STEP) {
            gun.updateFlow(pid, ref, consumed);
            consumed = 0;
          }
          if (stopping && drained()) {
            gun.close(pid);
            return;
          }
          fill();
          break;
        }
        case 'gun_error': {
          const reason = m.length === 4 ? m[3] : m[2];
          const k = JSON.stringify(reason);
          if (m.length === 4 && m[2] === ref && isClosed(reason)) {
            // Our upgrade or WebSocket cut off with the connection: gun_down follows.
            bump(errorReasons, `${k}${upgraded ? '' : ' (upgrade not answered)'}`);
            break;
          }
          if (m.length === 3 && !upgraded && Array.isArray(reason) && reason[0] === 'badstate') {
            c.staleFrames++; // frames of the last connection, refused by this one (see above)
            break;
          }
          if (m.length === 3) counts.connErrors++;
          else c.errorsWhileUp++;
          bump(errorReasons, `${k} (while up)`);
          note(`ws ${id}: gun_error ${k} while up (upgraded ${upgraded})`);
          break;
        }
        case 'gun_down': {
          c.downs++;
          bump(downReasons, JSON.stringify(m[3]));
          const lost = inflight.length - head;
          c.lostInFlight += lost;
          if (lost > c.maxLostInFlight) c.maxLostInFlight = lost;
          if (!upgraded) {
            c.upgradesCut++;
            chaos.unanswered({
              what: 'upgrade',
              cut: true,
              gen,
              port: localPort,
              sentAt,
              at: Date.now(),
              client: '',
              written: true,
              read: 0,
              label: `ws ${id}`,
              ss: '',
            });
          }
          if (stopping) {
            gun.close(pid);
            return;
          }
          break session;
        }
        case 'DOWN':
          counts.connectionExits++;
          note(`ws ${id}: the connection exited ${JSON.stringify(m[4])}`);
          return;
        case 'stop':
          stopping = true;
          drainUntil = Date.now() + 15_000;
          if (drained()) {
            gun.close(pid);
            return;
          }
          break;
        case 'timeout':
          if (stopping && Date.now() >= drainUntil) {
            const left = inflight.length - head;
            if (upgraded && left > 0) {
              c.lostWhileUp += left;
              note(`ws ${id}: ${left} frames not echoed 15 s after the stop`);
            }
            gun.close(pid);
            return;
          }
          if (!upgraded && !flagged && Date.now() - sentAt >= opts.upgradeTimeout * 1000) {
            flagged = true;
            c.unansweredUpgrades++;
            chaos.unanswered({
              what: 'upgrade',
              cut: false,
              gen,
              port: localPort,
              sentAt,
              at: Date.now(),
              client: clientSide(socket),
              written: clientWrote(socket),
              read: socket?.bytesRead ?? 0,
              label: `ws ${id} upgrade`,
              ss: ssView(localPort, port),
            });
            log(`ws ${id}: upgrade unanswered for ${opts.upgradeTimeout} s`);
          } else if (upgraded && !stallFlagged && inflight.length - head > 0 && Date.now() - lastProgress >= 20_000) {
            stallFlagged = true;
            c.stalls++;
            note(`ws ${id}: 20 s without an echo while ${inflight.length - head} frames are in flight`);
          }
          break;
      }
    }
  }
}

function isClosed(reason: unknown): boolean {
  return reason === 'closed' || (Array.isArray(reason) && reason[0] === 'closed');
}

// -- HTTP owners ---------------------------------------------------------------------

interface Pending {
  readonly ref: Ref;
  readonly seq: number;
  readonly sentAt: number;
  status: number | undefined;
  body: string;
  flagged: boolean;
}

async function httpOwner(id: number, chaos: Chaos, port: number): Promise<void> {
  const pid = gun.open('127.0.0.1', port, { dialect: 'gun2', retry: Infinity, retryTimeout: 100 });
  const mref = monitor('process', pid);
  const c = counts.http;
  let nextSeq = 0;
  let stopping = false;
  let drainUntil = 0;
  let isUp = false;
  let upAt = 0;
  let gen: Generation | undefined;
  let localPort: number | undefined;
  let socket: net.Socket | undefined;
  // Requests in flight, oldest first; they outlive a gun_down when made after it (see above).
  const inflight: Pending[] = [];
  const byRef = new Map<Ref, Pending>();

  const fill = () => {
    while (isUp && !stopping && inflight.length < opts.pipeline) {
      const seq = nextSeq++;
      const ref = gun.get(pid, `/n/${id}.${seq}`);
      const p: Pending = { ref, seq, sentAt: Date.now(), status: undefined, body: '', flagged: false };
      inflight.push(p);
      byRef.set(ref, p);
      c.sent++;
    }
  };
  const remove = (p: Pending) => {
    byRef.delete(p.ref);
    const i = inflight.indexOf(p);
    if (i >= 0) inflight.splice(i, 1);
  };
  const finish = (p: Pending) => {
    const want = `${id}.${p.seq}`;
    if (p.status !== 200 || p.body !== want) {
      c.wrongAnswers++;
      note(`http ${id}: request ${p.seq} answered ${p.status} '${p.body.slice(0, 40)}', not 200 '${want}'`);
    }
    c.answered++;
    if (p.flagged) c.lateAnswers++;
    remove(p);
    fill();
  };

  for (;;) {
    const now = Date.now();
    const first = inflight[0];
    let wait = 60_000;
    if (isUp && first !== undefined && !first.flagged) {
      wait = Math.max(1, Math.max(first.sentAt, upAt) + opts.requestTimeout * 1000 - now);
    }
    if (stopping) wait = Math.min(wait, Math.max(1, drainUntil - now));
    const m = (await receive(
      [
        on(['gun_up', pid, _], (x) => x),
        on(['gun_response', pid, _, _, _, _], (x) => x),
        on(['gun_data', pid, _, _, _], (x) => x),
        on(['gun_error', pid, _, _], (x) => x),
        on(['gun_error', pid, _], (x) => x),
        on(['gun_down', pid, _, _, _], (x) => x),
        on(['DOWN', mref, 'process', pid, _], (x) => x),
        on(['stop'], (x) => x),
      ],
      wait,
      ['timeout'] as const,
    )) as readonly unknown[];
    switch (m[0]) {
      case 'gun_up': {
        c.ups++;
        isUp = true;
        upAt = Date.now();
        gen = chaos.current;
        if (stopping) {
          // Drain what was carried over from the last connection, then close.
          if (inflight.length === 0) {
            gun.close(pid);
            return;
          }
          break;
        }
        fill();
        const info = await gun.info(pid).catch(() => undefined);
        localPort = info?.sockPort;
        socket = info?.socket;
        break;
      }
      case 'gun_response':
      case 'gun_data': {
        const p = byRef.get(m[2] as Ref);
        if (p === undefined) {
          c.stale++;
          break;
        }
        if (p !== inflight[0]) {
          // HTTP/1.1 answers in order: an answer to a later request first means one was skipped.
          c.outOfOrder++;
          note(`http ${id}: an answer for request ${p.seq} while ${inflight[0]?.seq} waits`);
        }
        if (m[0] === 'gun_response') {
          if (p.status !== undefined) c.duplicates++;
          p.status = m[4] as number;
          if (m[3] === 'fin') finish(p);
        } else {
          p.body += (m[4] as Buffer).toString('latin1');
          if (m[3] === 'fin') finish(p);
        }
        break;
      }
      case 'gun_error': {
        const reason = m.length === 4 ? m[3] : m[2];
        const k = JSON.stringify(reason);
        const p = m.length === 4 ? byRef.get(m[2] as Ref) : undefined;
        if (p !== undefined && isClosed(reason)) {
          // Cut off by the connection's loss: gun_down follows.
          bump(errorReasons, `${k} (http, cut)`);
          remove(p);
          c.cut++;
          break;
        }
        if (m.length === 3) counts.connErrors++;
        else c.errorsWhileUp++;
        bump(errorReasons, `${k} (http, while up)`);
        note(`http ${id}: gun_error ${k} while up`);
        if (p !== undefined) remove(p);
        fill();
        break;
      }
      case 'gun_down': {
        c.downs++;
        isUp = false;
        socket = undefined;
        bump(downReasons, `${JSON.stringify(m[3])} (http)`);
        const killed = (m[4] as unknown[]).length;
        if (killed > c.maxCut) c.maxCut = killed;
        if (stopping && inflight.length === 0) {
          gun.close(pid);
          return;
        }
        break;
      }
      case 'DOWN':
        counts.connectionExits++;
        note(`http ${id}: the connection exited ${JSON.stringify(m[4])}`);
        return;
      case 'stop':
        stopping = true;
        drainUntil = Date.now() + 15_000;
        break;
      case 'timeout': {
        if (stopping && Date.now() >= drainUntil) {
          if (inflight.length > 0) {
            note(`http ${id}: ${inflight.length} requests unanswered 15 s after the stop`);
            c.unansweredRequests += inflight.filter((p) => !p.flagged).length;
          }
          gun.close(pid);
          return;
        }
        const p = inflight[0];
        if (
          isUp &&
          p !== undefined &&
          !p.flagged &&
          Date.now() - Math.max(p.sentAt, upAt) >= opts.requestTimeout * 1000
        ) {
          p.flagged = true;
          c.unansweredRequests++;
          chaos.unanswered({
            what: 'request',
            cut: false,
            gen,
            port: localPort,
            sentAt: Math.max(p.sentAt, upAt),
            at: Date.now(),
            client: clientSide(socket),
            written: clientWrote(socket),
            read: socket?.bytesRead ?? 0,
            label: `http ${id} request ${p.seq}`,
            ss: ssView(localPort, port),
          });
        }
        break;
      }
    }
    if (stopping && inflight.length === 0) {
      gun.close(pid);
      return;
    }
  }
}

// -- process churn (optional, as the issue's soak) --------------------------------------

async function churner(): Promise<void> {
  const me = self();
  for (;;) {
    const stop = await receive([on(['stop'], () => true)], 3000, false);
    if (stop) return;
    for (let i = 0; i < opts.churn; i++) {
      const kind = i % 3;
      const p = spawn(async () => {
        if (kind === 1) await receive([['never']], 1 + (i % 20), null);
        else if (kind === 2) {
          const [, from] = (await receive([['ping', _]])) as [string, Pid];
          send(from, ['pong']);
        }
      });
      monitor('process', p);
      if (kind === 2) send(p, ['ping', me]);
    }
    for (let n = 0; n < opts.churn; ) {
      await receive([on(['DOWN', _, 'process', _, _], () => n++), on(['pong'], () => {})], 30_000);
    }
  }
}

// -- heap -------------------------------------------------------------------------------

const samples: { t: number; heapMb: number; rssMb: number; procs: number }[] = [];
function sample(): void {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  const s = {
    t: (Date.now() - t0) / 1000,
    heapMb: m.heapUsed / 1048576,
    rssMb: m.rss / 1048576,
    procs: processes().length,
  };
  samples.push(s);
  log(`heap ${s.heapMb.toFixed(1)} MB, rss ${s.rssMb.toFixed(1)} MB, ${s.procs} processes`);
}

// -- main ---------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const port = opts.port === 0 ? await freePort() : opts.port;
const chaos = new Chaos(port);
process.on('exit', () => chaos.stop());
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    chaos.stop();
    console.error(`soak: ${sig}, stopped; counts so far:`);
    console.error(JSON.stringify(counts));
    process.exit(130);
  });
}
// The watchdog: whatever happens, the soak ends, and its server with it.
const watchdog = setTimeout(
  () => {
    console.error('soak: the watchdog fired: the run did not end in time');
    console.error(JSON.stringify(counts));
    chaos.stop();
    process.exit(2);
  },
  (opts.seconds + 90) * 1000,
);

console.log(
  `soak: ${opts.seconds} s on 127.0.0.1:${port}; ${opts.ws} WebSocket connections (window ${opts.window}, flow ${opts.flow}), ` +
    `${opts.http} HTTP/1.1 connections (pipeline ${opts.pipeline}); the server is killed every ${opts.killMin}-${opts.killMax} s; ` +
    `Node ${process.version}`,
);

let exitCode = 0;
try {
  await chaos.start();
} catch (err) {
  console.error(`soak: ${(err as Error).message}`);
  chaos.stop();
  process.exit(2);
}

const failures: string[] = [];
await run(async () => {
  const owners = new Map<Ref, string>();
  const pids: Pid[] = [];
  for (let i = 0; i < opts.ws; i++) {
    const p = spawn(() => wsOwner(i, chaos, port));
    pids.push(p);
    owners.set(monitor('process', p), `ws ${i}`);
  }
  for (let i = 0; i < opts.http; i++) {
    const p = spawn(() => httpOwner(i, chaos, port));
    pids.push(p);
    owners.set(monitor('process', p), `http ${i}`);
  }
  const churn = opts.churn > 0 ? spawn(churner) : undefined;

  const end = t0 + opts.seconds * 1000;
  let nextSample = Date.now() + Math.min(opts.sampleEvery, opts.seconds) * 1000;
  while (Date.now() < end) {
    await sleep(Math.max(1, Math.min(end, nextSample, Date.now() + 1000) - Date.now()));
    chaos.classify(2000);
    if (Date.now() >= nextSample) {
      sample();
      nextSample += opts.sampleEvery * 1000;
    }
  }

  log('time is up: no more kills; draining');
  await chaos.calm();
  for (const p of pids) send(p, ['stop']);
  if (churn !== undefined) send(churn, ['stop']);
  let ended = 0;
  const stopBy = Date.now() + 30_000;
  while (ended < owners.size) {
    const r = (await receive([on(['DOWN', _, 'process', _, _], (x) => x)], Math.max(1, stopBy - Date.now()), null)) as
      | readonly unknown[]
      | null;
    if (r === null) break;
    const who = owners.get(r[1] as Ref);
    if (who === undefined) continue;
    ended++;
    if (r[4] !== 'normal') {
      counts.ownersAbnormal++;
      note(`${who} exited ${JSON.stringify(r[4])}`);
    }
  }
  counts.ownersNotEnded = owners.size - ended;
});
await sleep(200);
sample();
chaos.classify(0);
chaos.stop();
clearTimeout(watchdog);

// -- the report ----------------------------------------------------------------------------

const w = counts.ws;
const h = counts.http;
const warm = samples.filter((s) => s.t >= Math.min(20, opts.seconds / 3));
const base = warm[0] ?? samples[0];
const peak = warm.reduce((a, s) => Math.max(a, s.heapMb), 0);
const growth = base === undefined ? 0 : peak - base.heapMb;

const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};
check(w.lostWhileUp === 0, `ws: ${w.lostWhileUp} frames lost while the connection was up`);
check(w.duplicates === 0, `ws: ${w.duplicates} frames echoed twice`);
check(w.reordered === 0, `ws: ${w.reordered} frames out of order`);
check(w.foreign === 0, `ws: ${w.foreign} frames that were not this connection's`);
check(w.stale === 0, `ws: ${w.stale} messages of an earlier stream`);
check(
  w.unansweredOurSide === 0,
  `ws: ${w.unansweredOurSide} upgrades unanswered after ${opts.upgradeTimeout} s while up, not on the server's side`,
);
check(
  !opts.strict || w.unansweredServerSide === 0,
  `ws: ${w.unansweredServerSide} upgrades unanswered after ${opts.upgradeTimeout} s while up, on the server's side (--strict)`,
);
check(w.stalls === 0, `ws: ${w.stalls} WebSockets stalled 20 s with frames in flight`);
check(w.errorsWhileUp === 0, `ws: ${w.errorsWhileUp} errors while up`);
check(w.maxLostInFlight <= opts.window, `ws: ${w.maxLostInFlight} frames lost at one kill, more than the window`);
check(h.outOfOrder === 0, `http: ${h.outOfOrder} answers out of order`);
check(h.wrongAnswers === 0, `http: ${h.wrongAnswers} answers that were not their request's`);
check(h.duplicates === 0, `http: ${h.duplicates} answers twice`);
check(h.stale === 0, `http: ${h.stale} messages of an unknown stream`);
check(
  h.unansweredOurSide === 0,
  `http: ${h.unansweredOurSide} requests unanswered after ${opts.requestTimeout} s while up, not on the server's side`,
);
check(
  !opts.strict || h.unansweredServerSide === 0,
  `http: ${h.unansweredServerSide} requests unanswered after ${opts.requestTimeout} s while up, on the server's side (--strict)`,
);
check(h.errorsWhileUp === 0, `http: ${h.errorsWhileUp} errors while up`);
check(counts.connErrors === 0, `${counts.connErrors} connection-level gun_errors`);
check(counts.connectionExits === 0, `${counts.connectionExits} connection processes exited on their own`);
check(
  counts.crashes + counts.uncaught + counts.unhandled === 0,
  'crashes, uncaught exceptions or unhandled rejections',
);
check(counts.ownersAbnormal === 0, `${counts.ownersAbnormal} owners exited abnormally`);
check(counts.ownersNotEnded === 0, `${counts.ownersNotEnded} owners did not end within 30 s of the stop`);
check(growth <= opts.heapGrowthMb, `heap grew ${growth.toFixed(1)} MB, more than ${opts.heapGrowthMb} MB`);
check(opts.ws === 0 || w.echoed > 0, 'ws: nothing was echoed');
check(opts.http === 0 || h.answered > 0, 'http: nothing was answered');
check(opts.seconds < opts.killMax * 1.5 || counts.kills > 0, 'the server was never killed');

console.log('\n== soak: counts ==');
console.log(`server: ${counts.kills} kills, ${counts.starts} starts, port ${port}`);
console.log(
  `ws: ${w.ups} ups, ${w.downs} downs, ${w.upgradesSent} upgrades sent, ${w.upgraded} answered 101, ${w.refused} refused, ` +
    `${w.upgradesCut} cut by a kill before any answer, ${w.unansweredUpgrades} unanswered while up ` +
    `(${w.unansweredServerSide} on the server's side, ${w.unansweredOurSide} not; ${w.lateUpgrades} answered later)`,
);
console.log(
  `ws frames: ${w.sent} sent, ${w.echoed} echoed, ${w.lostInFlight} lost in flight at kills (max ${w.maxLostInFlight} at one), ` +
    `${w.lostWhileUp} lost while up, ${w.duplicates} duplicates, ${w.reordered} reordered, ${w.foreign} foreign, ${w.stale} stale, ` +
    `${w.stalls} stalls, ${w.errorsWhileUp} errors while up, ${w.staleFrames} frames sent after a loss and refused by the next connection`,
);
console.log(
  `http: ${h.ups} ups, ${h.downs} downs, ${h.sent} requests sent, ${h.answered} answered, ${h.cut} cut by kills ` +
    `(max ${h.maxCut} at one), ${h.wrongAnswers} wrong answers, ${h.outOfOrder} out of order, ${h.duplicates} duplicates, ` +
    `${h.stale} stale, ${h.unansweredRequests} unanswered while up (${h.unansweredServerSide} on the server's side, ` +
    `${h.unansweredOurSide} not; ${h.lateAnswers} answered later), ${h.errorsWhileUp} errors while up`,
);
console.log(
  `connections: ${counts.connectionExits} exits, ${counts.connErrors} connection errors; process: ${counts.crashes} crashes, ` +
    `${counts.uncaught} uncaught, ${counts.unhandled} unhandled rejections; owners: ${counts.ownersAbnormal} abnormal, ` +
    `${counts.ownersNotEnded} not ended`,
);
console.log(
  `ws upgrade latency (sent to 101): ${LATENCY_BOUNDS.map(
    (b, i) => `${b === Infinity ? '>=10000' : `<${b}`} ms: ${upgradeLatency[i]}`,
  )
    .filter((x) => !x.endsWith(': 0'))
    .join(', ')}; max ${maxUpgradeLatency} ms`,
);
console.log(
  `server accepts: the last connection a server accepted came ${acceptSpans.length > 0 ? Math.max(...acceptSpans) : 0} ms ` +
    `after it listened, at most (${counts.kills} servers; Node accepts one connection per event-loop turn)`,
);
console.log(`gun_down reasons: ${JSON.stringify([...downReasons])}`);
console.log(`stream errors: ${JSON.stringify([...errorReasons])}`);
if (verdicts.size > 0)
  console.log(`without an answer, by where the bytes had stopped: ${JSON.stringify([...verdicts])}`);
for (const d of diagnoses) console.log(`  ${d}`);
console.log(
  `heap (MB, after GC): ${samples.map((s) => `${s.t.toFixed(0)}s ${s.heapMb.toFixed(1)}`).join(', ')}; ` +
    `growth ${growth.toFixed(1)} MB (bound ${opts.heapGrowthMb}); processes at the end ${samples.at(-1)?.procs}`,
);
if (notes.length > 0) console.log(`notes:\n  ${notes.join('\n  ')}`);
if (failures.length > 0) {
  exitCode = 1;
  console.log(`\nsoak: FAILED\n  ${failures.join('\n  ')}`);
} else {
  console.log('\nsoak: passed');
}
process.exit(exitCode);
