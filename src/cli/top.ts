/**
 * `beamish top URL`: observer_cli's terminal view of a running program, read
 * from the observer it started (`observe()`, beamish/observer): a header
 * (uptime, processes, event-loop utilization and delay, heap and RSS, GCs),
 * then the processes with the longest mailboxes, or with the most messages
 * received in the last interval. Processes have no memory figure of their
 * own in beamish, so there is no sort by memory.
 *
 * It follows the observer's SSE stream (`/api/events`: a snapshot, then a
 * delta every interval) and asks `/api/process/<pid>` for a process's
 * detail. No dependency: raw-mode stdin for the keys and ANSI codes for the
 * screen (the alternate screen, redrawn from the top left each time).
 *
 * - `beamish top URL`: the live view; keys m, r, p, up/down, Enter, Esc, q.
 * - `beamish top --once URL`: one text frame; `--once --json`: one Snapshot.
 * - {@link top} in a program (or at the beamish shell's prompt): starts an
 *   observer in that program and shows it, until q.
 */
import type { Delta, Header, ProcessDetail, ProcessRow, Snapshot } from '../observer/types.js';
import type { Top } from './args.js';
import { fail } from './output.js';

/** What `beamish top` cannot do: one line, `beamish: …`, exit code 1. */
export class TopError extends Error {
  override name = 'TopError';

  constructor(
    message: string,
    /** For a connection that failed: why, in a few words (`connection refused (ECONNREFUSED)`). */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** The order of the list: by mailbox length, or by messages received in the last interval. */
export type SortKey = 'mailbox' | 'received';

/** One event of a server-sent event stream. */
export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** Why a fetch failed, in a few words: `connection refused (ECONNREFUSED)`, or the error's message. */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'no such host (for now)',
    ETIMEDOUT: 'timed out',
    EHOSTUNREACH: 'host unreachable',
  };
  if (code !== undefined && words[code] !== undefined) return `${words[code]} (${code})`;
  if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A client of one observer: its URL (with the token in `?token=`) gives the
 * place and the token; the token is sent as `authorization: Bearer …`, so
 * it never shows in a path.
 *
 * @example
 * const client = new ObserverClient(new URL('http://127.0.0.1:4000/?token=0123…'));
 * (await client.snapshot()).processes.length; // 12
 */
export class ObserverClient {
  /** `host:port`, for messages (never the token). */
  readonly where: string;
  readonly #base: URL;
  readonly #token: string;

  constructor(url: URL) {
    const token = url.searchParams.get('token');
    if (!token) throw new TopError(`the URL of the observer at ${url.host} has no ?token=`);
    this.where = url.host;
    this.#token = token;
    this.#base = new URL(url.href);
    this.#base.search = '';
    this.#base.hash = '';
  }

  /** `GET api/<path>` (relative to the observer's URL, which may have a path of its own), checked. */
  async #get(path: string, accept: string, signal?: AbortSignal, headers: Record<string, string> = {}) {
    let res: Response;
    try {
      res = await fetch(new URL(`api/${path}`, this.#base), {
        headers: { authorization: `Bearer ${this.#token}`, accept, ...headers },
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      const reason = reasonOf(err);
      throw new TopError(`cannot connect to the observer at ${this.where}: ${reason}`, reason);
    }
    if (res.status === 401) {
      await res.body?.cancel();
      throw new TopError(`the observer at ${this.where} refused the token`);
    }
    return res;
  }

  /** A JSON answer's body, or a TopError saying what came instead. */
  async #json(res: Response, what: string): Promise<unknown> {
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TopError(`no observer at ${this.where}: ${what} answered HTTP ${res.status}, not JSON`);
    }
    if (!res.ok) {
      const error = (body as { error?: unknown } | null)?.error;
      throw new TopError(`the observer at ${this.where} answered ${what} with HTTP ${res.status}: ${String(error)}`);
    }
    return body;
  }

  /** `GET /api/snapshot`. */
  async snapshot(): Promise<Snapshot> {
    const body = await this.#json(await this.#get('snapshot', 'application/json'), 'GET /api/snapshot');
    if (!isSnapshot(body)) throw new TopError(`no observer at ${this.where}: /api/snapshot sent no snapshot`);
    return body;
  }

  /** `GET /api/process/<pid>`; undefined when the process is gone (404). */
  async detail(pid: string, signal?: AbortSignal): Promise<ProcessDetail | undefined> {
    const res = await this.#get(`process/${pid.replace(/^<|>$/g, '')}`, 'application/json', signal);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    return (await this.#json(res, `GET /api/process/${pid}`)) as ProcessDetail;
  }

  /**
   * `GET /api/events`: the events, until the server ends the stream (then
   * the iteration ends) or `signal` aborts it. `lastEventId` asks for the
   * stream from there (the observer answers with a fresh snapshot).
   */
  async *events(signal: AbortSignal, lastEventId?: string): AsyncGenerator<SseEvent> {
    const res = await this.#get(
      'events',
      'text/event-stream',
      signal,
      lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
    );
    if (!res.ok || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream') || res.body === null) {
      await res.body?.cancel();
      throw new TopError(
        `no observer at ${this.where}: GET /api/events answered HTTP ${res.status}, not an SSE stream`,
      );
    }
    yield* sseEvents(res.body);
  }
}

function isSnapshot(body: unknown): body is Snapshot {
  const s = body as Partial<Snapshot> | null;
  return typeof s === 'object' && s !== null && typeof s.header === 'object' && Array.isArray(s.processes);
}

/**
 * The events of a `text/event-stream` body, as the SSE spec reads them:
 * `event:`, `data:` (lines joined with \n), `id:`; comments (`: ping`) and
 * events without data are skipped.
 *
 * @example
 * for await (const { event, data } of sseEvents(res.body)) console.log(event, JSON.parse(data).seq);
 */
export async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let scanned = 0; // where to look for the next \n: a snapshot's data line may come in many chunks
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = buffer.indexOf('\n', scanned); nl >= 0; nl = buffer.indexOf('\n', start)) {
      const line = buffer.slice(start, buffer[nl - 1] === '\r' ? nl - 1 : nl);
      start = nl + 1;
      if (line === '') {
        if (data.length > 0) yield { event: event || 'message', id, data: data.join('\n') };
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    buffer = buffer.slice(start);
    scanned = buffer.length;
  }
}

/** The processes as the last snapshot and the deltas since have them. */
export class ProcessTable {
  header: Header | undefined;
  seq = -1;
  readonly rows = new Map<string, ProcessRow>();

  /** Takes one `snapshot` or `delta` event; false for any other (trace events are not shown). */
  apply(event: SseEvent): boolean {
    if (event.event !== 'snapshot' && event.event !== 'delta') return false;
    const body = JSON.parse(event.data) as Snapshot | Delta;
    if ('processes' in body) {
      this.rows.clear();
      for (const row of body.processes) this.rows.set(row.pid, row);
    } else {
      for (const row of body.changed) this.rows.set(row.pid, row);
      for (const pid of body.gone) this.rows.delete(pid);
    }
    this.header = body.header;
    this.seq = body.seq;
    return true;
  }
}

/** The `n` first rows by `sort` (then by messages received, then by pid). */
export function topRows(rows: Iterable<ProcessRow>, sort: SortKey, n: number): ProcessRow[] {
  const key = sort === 'mailbox' ? (r: ProcessRow) => r.mailbox : (r: ProcessRow) => r.receivedDelta;
  return [...rows]
    .sort((a, b) => key(b) - key(a) || b.received - a.received || comparePids(a.pid, b.pid))
    .slice(0, Math.max(0, n));
}

/** `<0.9.0>` before `<0.10.0>`. */
function comparePids(a: string, b: string): number {
  const parts = (pid: string) => pid.replace(/[<>]/g, '').split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const SORT_NAMES: Record<SortKey, string> = { mailbox: 'mailbox', received: 'received/interval' };

/** `3:04:05`, or `2d 3:04:05`. */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const days = Math.floor(s / 86_400);
  const hms = `${Math.floor((s % 86_400) / 3600)}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  return days > 0 ? `${days}d ${hms}` : hms;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `12.3 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(0)} ms`;

/** The two lines of the header. */
function headerLines(where: string, header: Header | undefined, seq: number, sort: SortKey, note: string): string[] {
  const first = `beamish top  ${where}  sort: ${SORT_NAMES[sort]}${note === '' ? '' : `  ${note}`}`;
  if (header === undefined) return [first, ''];
  return [
    `${first}  uptime ${formatUptime(header.uptimeMs)}  ${header.node}  every ${header.intervalMs} ms  #${seq}`,
    [
      `processes ${header.processCount}`,
      `ELU ${(header.elu * 100).toFixed(1)}%`,
      `loop delay ${ms(header.loopDelayMs.mean)} mean, ${ms(header.loopDelayMs.max)} max`,
      `heap ${formatBytes(header.heapUsed)}`,
      `RSS ${formatBytes(header.rss)}`,
      `GC ${header.gcCount} (${ms(header.gcMs)})`,
    ].join('  '),
  ];
}

/** A cell: cut to `width` (with … when cut), padded on the right, or on the left for numbers. */
function cell(text: string, width: number, right = false): string {
  const cut = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return right ? cut.padStart(width) : cut.padEnd(width);
}

const COLUMNS = `  ${cell('PID', 12)} ${cell('NAME', 24)} ${cell('STATUS', 8)} ${cell('MAILBOX', 8, true)} ${cell('RECEIVED', 9, true)} ${cell('R/INT', 7, true)} ${cell('LINKS', 5, true)}  WAITING FOR`;

function rowLine(row: ProcessRow, selected: boolean): string {
  const name = row.name ?? row.initial;
  return `${selected ? '>' : ' '} ${cell(row.pid, 12)} ${cell(name, 24)} ${cell(row.status, 8)} ${cell(String(row.mailbox), 8, true)} ${cell(String(row.received), 9, true)} ${cell(String(row.receivedDelta), 7, true)} ${cell(String(row.links.length), 5, true)}  ${cell(row.waitingFor ?? '', 60).trimEnd()}`;
}

/** What a frame shows. */
export interface View {
  /** The observer's `host:port`. */
  where: string;
  header: Header | undefined;
  seq: number;
  rows: Iterable<ProcessRow>;
  sort: SortKey;
  /** A word or two after the sort: `PAUSED`, `reconnecting…`. */
  note: string;
}

/** How many processes a list of `height` lines shows: all but the header (2 lines), the column names with a blank line before, and the keys with a blank line before. */
export const listLength = (height: number) => Math.max(1, height - 6);

/** The line of the list view where its first process is. */
export const FIRST_ROW = 4;

/**
 * The list view: header, the top `n` processes, the keys. `cursor` marks a
 * row (`>`), kept within the rows shown; undefined for a frame printed once.
 * Returns the lines, the rows shown and where the cursor is.
 */
export function listFrame(
  view: View,
  n: number,
  cursor: number | undefined,
): { lines: string[]; shown: ProcessRow[]; cursor: number | undefined } {
  const all = [...view.rows];
  const shown = topRows(all, view.sort, n);
  const at = cursor === undefined ? undefined : Math.max(0, Math.min(cursor, shown.length - 1));
  const lines = headerLines(view.where, view.header, view.seq, view.sort, view.note);
  lines.push('', COLUMNS);
  shown.forEach((row, i) => {
    lines.push(rowLine(row, i === at));
  });
  const count = `${shown.length} of ${all.length} processes`;
  lines.push(
    '',
    cursor === undefined ? count : `${count}   m mailbox  r received  p pause  up/down select  Enter detail  q quit`,
  );
  return { lines, shown, cursor: at };
}

/** The detail view of one process (or why there is none). */
export function detailFrame(view: View, pid: string, detail: ProcessDetail | undefined | 'gone' | string): string[] {
  const lines = headerLines(view.where, view.header, view.seq, view.sort, view.note);
  lines.push('');
  if (detail === undefined) lines.push(`${pid}: asking the observer…`);
  else if (detail === 'gone') lines.push(`${pid}: no such process (it has ended)`);
  else if (typeof detail === 'string') lines.push(`${pid}: ${detail}`);
  else {
    const d = detail;
    const list = (pids: string[]) => (pids.length === 0 ? '-' : pids.join(' '));
    lines.push(
      `${d.pid}  ${d.name ?? ''}${d.name === null ? '' : '  '}${d.initial}${d.behaviour === null ? '' : `  (${d.behaviour})`}`,
      `status ${d.status}  mailbox ${d.mailbox}  received ${d.received} (${d.receivedDelta} in the last interval)  trapExit ${d.trapExit}`,
      `waiting for   ${d.waitingFor ?? '-'}`,
      `links         ${list(d.links)}`,
      `monitors      ${list(d.monitors)}`,
      `monitored by  ${list(d.monitoredBy)}`,
      `state         ${d.state ?? '-'}`,
      '',
      d.mailbox === 0 ? 'no message in the mailbox' : `the first ${d.messages.length} of ${d.mailbox} messages:`,
      ...d.messages.map((m) => `  ${m}`),
    );
    const edges = d.graph.edges;
    if (edges.length > 0) {
      const named = new Map(d.graph.nodes.map((node) => [node.pid, node.name]));
      const label = (pid: string) => (named.get(pid) ? `${pid} ${named.get(pid)}` : pid);
      lines.push('', 'links and monitors, two hops:');
      for (const e of edges)
        lines.push(`  ${label(e.from)} ${e.kind === 'link' ? '<->' : '-> monitors'} ${label(e.to)}`);
    }
  }
  return lines;
}

/** `lines` cut to the screen: `height` lines at most (the last one kept: the keys), each `width` at most. */
function fit(lines: string[], width: number, height: number): string[] {
  const kept = lines.length > height ? [...lines.slice(0, height - 1), lines[lines.length - 1] ?? ''] : lines;
  return kept.map((line) => (line.length > width ? line.slice(0, width) : line));
}

/** The keys top reads, from one chunk of raw-mode input. */
export type Key = 'up' | 'down' | 'enter' | 'escape' | 'quit' | string;

/** Splits a chunk of raw-mode input into keys: arrows (`ESC [ A`, `ESC O A`), Esc alone, Enter, Ctrl-C as `quit`, other characters as they are. */
export function keysOf(chunk: string): Key[] {
  const keys: Key[] = [];
  for (let i = 0; i < chunk.length; ) {
    const c = chunk[i] as string;
    if (c === '\x1b') {
      // ESC [ or ESC O, parameters (digits, ;), a final letter or ~: a key such as an arrow.
      const intro = chunk[i + 1];
      if (intro === '[' || intro === 'O') {
        let end = i + 2;
        while (/[0-9;]/.test(chunk[end] ?? '')) end++;
        const final = chunk[end] ?? '';
        if (/[A-Za-z~]/.test(final)) {
          keys.push(final === 'A' ? 'up' : final === 'B' ? 'down' : `sequence ${chunk.slice(i + 1, end + 1)}`);
          i = end + 1;
          continue;
        }
      }
      keys.push('escape');
      i += 1;
      continue;
    }
    if (c === '\r' || c === '\n') keys.push('enter');
    else if (c === '\x03' || c === '\x04') keys.push('quit');
    else keys.push(c);
    i += 1;
  }
  return keys;
}

/** What the view reads keys from and draws on: process.stdin and process.stdout for the command. */
export interface TopIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[?25l';
const ALT_SCREEN_OFF = '\x1b[?25h\x1b[?1049l';

/**
 * Runs the live view until q or Ctrl-C (resolves) or the observer is lost
 * (rejects with a {@link TopError}). Without a terminal for output, it draws
 * nothing but follows the stream (and still quits on q from stdin).
 */
export async function liveView(client: ObserverClient, { input, output }: TopIo): Promise<void> {
  const tty = output.isTTY === true;
  const table = new ProcessTable();
  let sort: SortKey = 'mailbox';
  let paused = false;
  let frozen: { header: Header | undefined; seq: number; rows: ProcessRow[] } | undefined;
  let note = 'connecting…';
  let cursor = 0;
  let shown: ProcessRow[] = [];
  let detail: { pid: string; data: ProcessDetail | undefined | 'gone' | string; asking: boolean } | undefined;
  const abort = new AbortController();

  const view = (): View => {
    const source = frozen ?? { header: table.header, seq: table.seq, rows: table.rows.values() };
    return { where: client.where, ...source, sort, note: paused ? 'PAUSED' : note };
  };
  const draw = (): void => {
    if (!tty) return;
    const width = output.columns ?? 80;
    const height = output.rows ?? 24;
    let lines: string[];
    let marked = -1;
    if (detail === undefined) {
      const frame = listFrame(view(), listLength(height), cursor);
      ({ shown, lines } = frame);
      cursor = frame.cursor ?? 0;
      marked = shown.length === 0 ? -1 : FIRST_ROW + cursor;
    } else {
      lines = [...detailFrame(view(), detail.pid, detail.data), '', 'Esc back  p pause  q quit'];
    }
    const fitted = fit(lines, width, height).map((line, i) => {
      if (i === marked) return `\x1b[7m${line.padEnd(width)}\x1b[0m`;
      if (i === FIRST_ROW - 1 && detail === undefined) return `\x1b[1m${line}\x1b[0m`;
      return line;
    });
    output.write(`\x1b[H${fitted.map((line) => `${line}\x1b[K`).join('\r\n')}\x1b[J`);
  };

  const askDetail = (): void => {
    if (detail === undefined || detail.asking) return;
    const asked = detail;
    asked.asking = true;
    client.detail(asked.pid, abort.signal).then(
      (d) => {
        asked.asking = false;
        asked.data = d ?? 'gone';
        if (detail === asked) draw();
      },
      (err: unknown) => {
        asked.asking = false;
        if (abort.signal.aborted) return;
        asked.data = err instanceof Error ? err.message : String(err);
        if (detail === asked) draw();
      },
    );
  };

  let quit: () => void = () => undefined;
  const quitting = new Promise<void>((resolve) => {
    quit = resolve;
  });
  const onKey = (key: Key): void => {
    if (key === 'q' || key === 'quit') {
      quit();
      return;
    }
    if (key === 'm' || key === 'r') sort = key === 'm' ? 'mailbox' : 'received';
    else if (key === 'p') {
      paused = !paused;
      frozen = paused ? { header: table.header, seq: table.seq, rows: [...table.rows.values()] } : undefined;
      if (!paused && detail !== undefined) askDetail();
    } else if (detail !== undefined) {
      if (key === 'escape') detail = undefined;
    } else if (key === 'up' || key === 'k') cursor = Math.max(0, cursor - 1);
    else if (key === 'down' || key === 'j') cursor = Math.min(Math.max(0, shown.length - 1), cursor + 1);
    else if (key === 'enter') {
      const row = shown[cursor];
      if (row === undefined) return;
      detail = { pid: row.pid, data: undefined, asking: false };
      askDetail();
    } else return;
    draw();
  };
  const onData = (chunk: Buffer | string): void => {
    for (const key of keysOf(String(chunk))) onKey(key);
  };

  // The keyboard: raw mode on a terminal. At the beamish shell's prompt,
  // Node's REPL reads the same stdin through readline's 'keypress' events:
  // they are taken from it while top runs, and given back after.
  const rawBefore = input.isRaw === true;
  const keypress = input.listeners('keypress') as Array<(...args: unknown[]) => void>;
  for (const listener of keypress) input.off('keypress', listener);
  if (input.isTTY === true) input.setRawMode?.(true);
  const wasPaused = input.isPaused();
  input.on('data', onData);
  input.resume();
  const onSigint = (): void => quit();
  process.on('SIGINT', onSigint);
  const onResize = (): void => draw();
  output.on('resize', onResize);
  const restoreScreen = (): void => {
    if (tty) output.write(ALT_SCREEN_OFF);
  };
  process.once('exit', restoreScreen);
  if (tty) output.write(ALT_SCREEN_ON);
  draw();

  const follow = async (): Promise<void> => {
    let failures = 0;
    let lastId: string | undefined;
    for (;;) {
      try {
        for await (const event of client.events(abort.signal, lastId)) {
          if (event.id !== undefined) lastId = event.id;
          if (!table.apply(event)) continue;
          failures = 0;
          note = '';
          if (paused) continue;
          if (detail !== undefined) askDetail();
          draw();
        }
        if (abort.signal.aborted) return;
        if (lastId === undefined) throw new TopError(`the observer at ${client.where} ended the stream at once`);
      } catch (err) {
        if (abort.signal.aborted) return;
        // The first connection failing, a refused token, not an observer: no retry.
        if (lastId === undefined || (err instanceof TopError && err.reason === undefined)) {
          throw err;
        }
        if (++failures > 3) {
          const reason = err instanceof TopError ? (err.reason ?? err.message) : reasonOf(err);
          throw new TopError(`lost the observer at ${client.where}: ${reason}`);
        }
      }
      note = 'reconnecting…';
      draw();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  try {
    await Promise.race([quitting, follow()]);
  } finally {
    abort.abort();
    process.off('SIGINT', onSigint);
    output.off('resize', onResize);
    process.off('exit', restoreScreen);
    restoreScreen();
    input.off('data', onData);
    if (input.isTTY === true) input.setRawMode?.(rawBefore);
    if (wasPaused) input.pause();
    for (const listener of keypress) input.on('keypress', listener);
  }
}

/** The text frame of `beamish top --once`: 20 processes, or as many as the terminal has room for. */
export function onceFrame(client: ObserverClient, snapshot: Snapshot, output: TopIo['output']): string {
  const tty = output.isTTY === true;
  const n = tty ? listLength(output.rows ?? 24) : 20;
  const view: View = {
    where: client.where,
    header: snapshot.header,
    seq: snapshot.seq,
    rows: snapshot.processes,
    sort: 'mailbox',
    note: '',
  };
  const { lines } = listFrame(view, n, undefined);
  return `${(tty ? fit(lines, output.columns ?? 80, Number.POSITIVE_INFINITY) : lines).join('\n')}\n`;
}

/** Writes `text` and waits until it is out (a pipe may take it later than write returns). */
function writeOut(output: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    output.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * `beamish top`: exits 0 after q (or after the one frame of `--once`), 1
 * when the observer cannot be reached, refuses the token, or is lost.
 */
export async function topCommand({ url, once, json }: Top): Promise<never> {
  try {
    const client = new ObserverClient(url);
    if (once) {
      const snapshot = await client.snapshot();
      await writeOut(
        process.stdout,
        json ? `${JSON.stringify(snapshot)}\n` : onceFrame(client, snapshot, process.stdout),
      );
    } else {
      await liveView(client, { input: process.stdin, output: process.stdout });
    }
  } catch (err) {
    if (err instanceof TopError) fail(err.message);
    throw err;
  }
  process.exit(0);
}

/** Where {@link top} reads and draws, and what it watches. */
export interface TopOptions {
  /** An observer's URL (with its token); without one, top starts an observer in this program, and closes it on q. */
  url?: string | URL;
  /** The observer's interval when top starts one (default 1000 ms). */
  intervalMs?: number;
  input?: TopIo['input'];
  output?: TopIo['output'];
}

/**
 * `beamish top` inside a program: shows this program's processes (it starts
 * an observer, `observe()`, and closes it after), or an observer's at
 * `url`, until q. For the beamish shell's prompt, where the REPL's keys are
 * set aside while it runs; returns `ok` as the shell's helpers do.
 *
 * @example
 * // at the beamish shell's prompt, in a clone
 * const { top } = await import('./src/cli/top.ts');
 * await top();
 */
export async function top(opts: TopOptions = {}): Promise<'ok'> {
  const io: TopIo = { input: opts.input ?? process.stdin, output: opts.output ?? process.stdout };
  if (opts.url !== undefined) {
    await liveView(new ObserverClient(new URL(opts.url)), io);
    return 'ok';
  }
  const { observe } = await import('../observer/index.js');
  const observer = await observe(opts.intervalMs === undefined ? {} : { intervalMs: opts.intervalMs });
  try {
    await liveView(new ObserverClient(new URL(observer.url)), io);
  } finally {
    await observer.close();
  }
  return 'ok';
}
