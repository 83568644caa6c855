import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { exit, type Pid, ProcessExit } from '../runtime/index.js';
import { findPid, processDetail } from './detail.js';
import { Collector } from './snapshot.js';
import { RestartCounter, supervisorTrees } from './supervisors.js';
import { Trace } from './trace.js';
import type { TraceEvent, TraceStopped } from './types.js';

/**
 * The observer's HTTP server: the page's static files, the JSON API and
 * the SSE stream, every request guarded by the token. It runs as the
 * observer's own process (see observe.ts): the calls it makes that need a
 * process (getState, kill, trace) are made from there.
 *
 * Bounded cost: one collection per interval while at least one client
 * follows the stream, shared by all; no timer at all while none does; a
 * client that reads too slowly is skipped, and given a fresh snapshot once
 * it has caught up, so nothing piles up for it.
 */

/** The page's files, next to this module in src/ (tsx) and in dist/ (the build copies them). */
const PAGE = new URL('./page/', import.meta.url);
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  json: 'application/json; charset=utf-8',
};
/** Only such names are served from the page's directory: no path, no dot file. */
const PAGE_FILE = /^[a-z0-9][a-z0-9_-]*\.(html|js|css|svg|png|json)$/;

const PING_MS = 15_000;
/** What a client may have unread before it is skipped. */
/** Trace events in one SSE frame at most (about 250 bytes each). */
const TRACE_FRAME_EVENTS = 1000;
const SLOW_CLIENT_BYTES = 1 << 20;
/** The largest request body taken. */
const MAX_BODY = 64 * 1024;
/** Trace limits: defaults, and the most that can be asked. */
const TRACE_DEFAULTS = { maxMessages: 1000, maxPerSecond: 100 };
const TRACE_MAX = { maxMessages: 100_000, maxPerSecond: 100_000, pids: 100 };

/** One client of the SSE stream. */
interface Client {
  readonly res: ServerResponse;
  /** Skipped for being slow; gets a fresh snapshot on drain. */
  stale: boolean;
}

/** A reply with a status other than 200. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Whether `host` is a loopback address or name. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Prints the warning for an observer bound to `host` when it is not a
 * loopback address; returns whether it did.
 */
export function warnIfExposed(
  host: string,
  write: (text: string) => unknown = (t) => process.stderr.write(t),
): boolean {
  if (isLoopback(host)) return false;
  write(
    `beamish observer: listening on ${host}, which is not a loopback address: anyone who can reach it ` +
      'and learns its URL (with the token) can read this program\u2019s processes and kill them.\n',
  );
  return true;
}

export class ObserverServer {
  private readonly server: Server;
  private readonly collector: Collector;
  private readonly clients = new Set<Client>();
  private readonly restarts = new RestartCounter();
  private readonly tokenBytes: Buffer;
  private tick: NodeJS.Timeout | undefined;
  private ping: NodeJS.Timeout | undefined;
  private trace: Trace | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly token: string,
    private readonly intervalMs: number,
    /** Binds a function to the observer's process, for the request handler. */
    bind: <F extends (...args: never[]) => unknown>(fn: F) => F,
  ) {
    this.tokenBytes = Buffer.from(token);
    this.collector = new Collector(intervalMs);
    this.server = createServer(bind((req: IncomingMessage, res: ServerResponse) => void this.handle(req, res)));
  }

  /** Listens; resolves with the port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const failed = (err: Error): void => reject(err);
      this.server.once('error', failed);
      this.server.listen(port, host, () => {
        this.server.off('error', failed);
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  /** Stops everything: the trace, the timers, the streams, the server. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.trace?.stop('stopped');
      this.trace = undefined;
      this.stopTicking();
      for (const client of this.clients) client.res.end();
      this.clients.clear();
      this.collector.stop();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://observer');
      if (!this.authorized(req, url))
        throw new HttpError(401, 'a valid token is required (?token= or authorization: Bearer)');
      if (this.closing !== undefined) throw new HttpError(503, 'the observer is closing');
      await this.route(req, res, url);
    } catch (err) {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (err instanceof HttpError) json(res, err.status, { error: err.message });
      else if (err instanceof ProcessExit) json(res, 503, { error: 'the observer process has exited' });
      else json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private authorized(req: IncomingMessage, url: URL): boolean {
    let given = url.searchParams.get('token');
    const auth = req.headers.authorization;
    if (given === null && typeof auth === 'string') {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (m !== null) given = m[1] ?? null;
    }
    if (given === null) return false;
    const bytes = Buffer.from(given);
    return bytes.length === this.tokenBytes.length && timingSafeEqual(bytes, this.tokenBytes);
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path.startsWith('/api/')) {
      const api = path.slice(5);
      if (api === 'snapshot') {
        allow(method, 'GET');
        json(res, 200, this.collector.snapshot(this.clients.size === 0));
      } else if (api === 'events') {
        allow(method, 'GET');
        this.follow(req, res);
      } else if (api.startsWith('process/')) {
        allow(method, 'GET');
        const pid = findPid(decoded(api.slice(8)));
        const detail = pid === undefined ? undefined : await processDetail(pid, this.collector.before(pid));
        if (detail === undefined) throw new HttpError(404, 'no such process');
        json(res, 200, detail);
      } else if (api === 'supervisors') {
        allow(method, 'GET');
        json(res, 200, await supervisorTrees(this.restarts));
      } else if (api === 'kill') {
        allow(method, 'POST');
        this.kill(await body(req));
        json(res, 200, { ok: true });
      } else if (api === 'trace') {
        allow(method, 'POST');
        this.startTrace(await body(req));
        json(res, 200, { ok: true });
      } else if (api === 'trace/stop') {
        allow(method, 'POST');
        this.trace?.stop('stopped');
        this.trace = undefined;
        json(res, 200, { ok: true });
      } else {
        throw new HttpError(404, `no such endpoint: ${path}`);
      }
      return;
    }
    allow(method, 'GET', 'HEAD');
    const name = path === '/' ? 'index.html' : path.slice(1);
    if (!PAGE_FILE.test(name)) throw new HttpError(404, `no such file: ${path}`);
    let content: Buffer;
    try {
      content = await readFile(new URL(name, PAGE));
    } catch {
      throw new HttpError(404, `no such file: ${path}`);
    }
    res.writeHead(200, {
      'content-type': TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream',
      'content-length': content.length,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    });
    res.end(method === 'HEAD' ? undefined : content);
  }

  // -- the stream ----------------------------------------------------------------

  /** A new client of the stream: a full snapshot first (also after a reconnect, Last-Event-ID or not). */
  private follow(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    const client: Client = { res, stale: false };
    const first = this.clients.size === 0;
    this.clients.add(client);
    const snapshot = this.collector.snapshot(first);
    res.write(frame('snapshot', snapshot.seq, snapshot));
    res.on('drain', () => {
      if (!client.stale || !this.clients.has(client)) return;
      client.stale = false;
      const fresh = this.collector.snapshot(false);
      res.write(frame('snapshot', fresh.seq, fresh));
    });
    const gone = (): void => {
      if (!this.clients.delete(client)) return;
      if (this.clients.size === 0) this.stopTicking();
    };
    req.on('close', gone);
    res.on('close', gone);
    if (first) this.startTicking();
  }

  private startTicking(): void {
    if (this.tick !== undefined) return;
    // The instruments (loop delay, GC) run only while someone follows: an
    // observer nobody looks at costs nothing but its listening socket.
    this.collector.start();
    this.tick = setInterval(() => this.sendDelta(), this.intervalMs);
    this.ping = setInterval(() => this.broadcast(': ping\n\n'), PING_MS);
  }

  private stopTicking(): void {
    if (this.tick !== undefined) clearInterval(this.tick);
    if (this.ping !== undefined) clearInterval(this.ping);
    this.collector.stop();
    this.tick = undefined;
    this.ping = undefined;
  }

  private sendDelta(): void {
    if (this.clients.size === 0) return;
    const delta = this.collector.delta();
    this.broadcast(frame('delta', delta.seq, delta));
  }

  /**
   * Writes `text` to every client that keeps up; one that does not is
   * skipped until it drains (then it gets a fresh snapshot). An `essential`
   * frame (a few bytes: the end of a trace) goes to every client, so that
   * no page shows a trace running that has stopped.
   */
  private broadcast(text: string, essential = false): void {
    for (const client of this.clients) {
      if (essential) {
        client.res.write(text);
        continue;
      }
      if (client.stale) continue;
      if (client.res.writableLength > SLOW_CLIENT_BYTES) {
        client.stale = true;
        continue;
      }
      client.res.write(text);
    }
  }

  // -- commands ------------------------------------------------------------------

  private kill(args: unknown): void {
    const { pid: text, reason } = (args ?? {}) as { pid?: unknown; reason?: unknown };
    if (typeof text !== 'string') throw new HttpError(400, 'expected { pid: "<0.42.0>", reason?: string }');
    if (reason !== undefined && typeof reason !== 'string') throw new HttpError(400, 'reason: expected a string');
    const pid = findPid(text);
    if (pid === undefined) throw new HttpError(404, 'no such process');
    exit(pid, reason === undefined || reason === '' ? 'kill' : reason);
  }

  private startTrace(args: unknown): void {
    const { pids, maxMessages, maxPerSecond } = (args ?? {}) as Record<string, unknown>;
    if (!Array.isArray(pids) || pids.length === 0 || pids.length > TRACE_MAX.pids || !pids.every(isString))
      throw new HttpError(400, `pids: expected 1 to ${TRACE_MAX.pids} pids, as '<0.42.0>'`);
    const max = limit('maxMessages', maxMessages, TRACE_DEFAULTS.maxMessages, TRACE_MAX.maxMessages);
    const rate = limit('maxPerSecond', maxPerSecond, TRACE_DEFAULTS.maxPerSecond, TRACE_MAX.maxPerSecond);
    const found = pids.map(findPid).filter((p): p is Pid => p !== undefined);
    if (found.length === 0) throw new HttpError(404, 'no such process');
    // One trace at a time: a new one ends the one running.
    this.trace?.stop('stopped');
    const trace: Trace = new Trace(found, max, rate, {
      // Frames of at most TRACE_FRAME_EVENTS: a burst makes several frames
      // rather than one too big for a slow client to be sent.
      events: (batch: TraceEvent[]) => {
        for (let i = 0; i < batch.length; i += TRACE_FRAME_EVENTS) {
          this.broadcast(frame('trace', this.collector.seq, batch.slice(i, i + TRACE_FRAME_EVENTS)));
        }
      },
      stopped: (stopped: TraceStopped) => {
        if (this.trace === trace) this.trace = undefined;
        this.broadcast(frame('trace_stopped', this.collector.seq, stopped), true);
      },
    });
    this.trace = trace;
  }
}

/** A path segment, percent-decoded; a malformed one names nothing. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

function frame(event: string, id: number, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function json(res: ServerResponse, status: number, data: unknown): void {
  const text = JSON.stringify(data);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

function allow(method: string, ...allowed: string[]): void {
  if (!allowed.includes(method)) throw new HttpError(405, `${method} is not allowed here; use ${allowed.join(' or ')}`);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function limit(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw new HttpError(400, `${name}: expected a whole number from 1 to ${max}`);
  return value;
}

/** The request's JSON body (at most 64 KiB); `{}` when empty. */
async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'the body is too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}
