import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { observe } from '../../src/observer/index.js';
import { isLoopback, warnIfExposed } from '../../src/observer/server.js';
import type {
  Delta,
  Observer,
  ProcessDetail,
  ProcessRow,
  Snapshot,
  SupervisorTree,
  TraceEvent,
  TraceStopped,
} from '../../src/observer/types.js';
import { GenServer, Supervisor } from '../../src/otp/index.js';
import {
  _,
  anyNumber,
  anyPid,
  BadArgError,
  exit,
  flush,
  isAlive,
  monitor,
  on,
  type Pid,
  processFlag,
  processInfo,
  receive,
  receiveNow,
  run,
  self,
  send,
  setLabel,
  sleep,
  spawn,
  spawnLink,
  traceInfo,
} from '../../src/runtime/index.js';

/**
 * The observer's HTTP API, with Node's fetch against a real observer on
 * 127.0.0.1: the token, the snapshot's rows, the SSE stream (snapshot,
 * deltas, reconnect, trace events), a process's detail, the supervision
 * trees, kill, the bounded trace, and close() leaving nothing behind.
 * One observer (interval 100 ms) serves the tests; each test stops the
 * processes it starts.
 */

const INTERVAL_MS = 100;
let observer: Observer;

before(async () => {
  observer = await observe({ intervalMs: INTERVAL_MS });
});

after(async () => {
  await observer.close();
});

/** `http://127.0.0.1:PORT/path`, without the token. */
function at(path: string): string {
  return `http://127.0.0.1:${observer.port}${path}`;
}

const bearer = (): Record<string, string> => ({ authorization: `Bearer ${observer.token}` });

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(at(path), { headers: bearer() });
  assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(at(path), {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** `<0.42.0>` → `0.42.0`, as the process endpoint takes it. */
function bare(pid: Pid): string {
  return String(pid).slice(1, -1);
}

interface SseEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

/** A client of /api/events: reads its events one at a time. */
class Sse {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly abort: AbortController,
  ) {}

  static async open(headers: Record<string, string> = {}): Promise<Sse> {
    const abort = new AbortController();
    const res = await fetch(at(`/api/events?token=${observer.token}`), { headers, signal: abort.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(res.body !== null);
    return new Sse(res.body.getReader(), abort);
  }

  /** The next event (comments skipped); fails after `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(': ');
          if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2));
        }
        const data = fields.get('data');
        if (data === undefined) continue;
        return { id: fields.get('id'), event: fields.get('event') ?? 'message', data: JSON.parse(data) };
      }
      const left = deadline - Date.now();
      assert.ok(left > 0, 'no SSE event in time');
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('no SSE event in time')), left);
        }),
      ]).finally(() => clearTimeout(timer));
      assert.ok(!chunk.done, 'the stream ended');
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  /** The next event named `name`, skipping others (at most `max`). */
  async nextOf(name: string, max = 50): Promise<SseEvent> {
    for (let i = 0; i < max; i++) {
      const e = await this.next();
      if (e.event === name) return e;
    }
    assert.fail(`no ${name} event among ${max}`);
  }

  close(): void {
    this.abort.abort();
  }
}

/** Waits, a millisecond at a time (at most `tries`), for `test` to hold. */
async function until(test: () => boolean, what: string, tries = 1000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (test()) return;
    await sleep(1);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('the runtime beneath: processInfo(pid, { extended: true }) and setLabel', () => {
  it('counts messages taken (receive, receiveNow, flush), names the initial function, shows the patterns and the queue', () =>
    run(async () => {
      const me = self();
      const pid = spawn(async function counted() {
        await receive([['a', _]]); // queued before it ran: taken from the mailbox
        await receive([['b', _]]); // handed straight to the waiting receive
        receiveNow([['c', _]]);
        flush(); // two more
        setLabel('counted_label');
        send(me, 'ready');
        await receive([on(['never', anyNumber], (m) => m), 'stop']);
      });
      send(pid, ['a', 1]);
      await until(() => processInfo(pid)?.status === 'waiting', 'the second receive');
      const waiting = processInfo(pid, { extended: true });
      assert.deepEqual(waiting?.waitingFor, [['b', _]]);
      assert.equal(waiting?.received, 1);
      send(pid, ['b', 1]);
      send(pid, ['c', 1]);
      send(pid, 'x');
      send(pid, 'y');
      await receive(['ready']);
      send(pid, 'queued');
      const info = processInfo(pid, { extended: true, messages: 5 });
      assert.ok(info !== undefined);
      assert.equal(info.received, 5);
      assert.equal(info.initialCall, 'counted');
      assert.equal(info.label, 'counted_label');
      assert.deepEqual(info.waitingFor, [['never', anyNumber], 'stop']);
      assert.deepEqual(info.messages, ['queued']);
      assert.deepEqual(processInfo(pid, { extended: true })?.messages, []);
      // The one-argument form is unchanged: process_info/1's seven items.
      assert.deepEqual(Object.keys(processInfo(pid) ?? {}).sort(), [
        'links',
        'messageQueueLen',
        'monitoredBy',
        'monitors',
        'registeredName',
        'status',
        'trapExit',
      ]);
      assert.equal(
        processInfo(
          spawn(() => undefined),
          { extended: true },
        )?.initialCall,
        '(anonymous)',
      );
      assert.throws(() => processInfo(pid, { extended: true, messages: -1 }), BadArgError);
      // @ts-expect-error extended must be true
      assert.throws(() => processInfo(pid, {}), BadArgError);
      // @ts-expect-error a label is a string
      assert.throws(() => setLabel(42), BadArgError);
      exit(pid, 'kill');
      assert.equal(processInfo(pid, { extended: true }), undefined);
      const server = await GenServer.start(worker, null);
      assert.equal(processInfo(server, { extended: true })?.label, 'gen_server');
      exit(server, 'kill');
    }));
});

describe('observer: the token', () => {
  it('is refused when missing or wrong (401, JSON), taken as ?token= or as a bearer', async () => {
    assert.match(observer.token, /^[0-9a-f]{32}$/);
    assert.equal(observer.url, `http://127.0.0.1:${observer.port}/?token=${observer.token}`);
    const wrong = 'f'.repeat(32) === observer.token ? 'e'.repeat(32) : 'f'.repeat(32);
    for (const [url, headers] of [
      [at('/api/snapshot'), {}],
      [at(`/api/snapshot?token=${wrong}`), {}],
      [at('/api/snapshot?token=short'), {}],
      [at('/api/snapshot'), { authorization: `Bearer ${wrong}` }],
      [at('/api/snapshot'), { authorization: observer.token }],
      [at('/'), {}],
      [at('/app.js'), {}],
      [at('/api/events'), {}],
    ] as const) {
      const res = await fetch(url, { headers });
      assert.equal(res.status, 401, url);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(typeof ((await res.json()) as { error?: unknown }).error, 'string');
    }
    const kill = await fetch(at('/api/kill'), { method: 'POST', body: JSON.stringify({ pid: '<0.1.0>' }) });
    assert.equal(kill.status, 401);
    await kill.body?.cancel();

    const byQuery = await fetch(at(`/api/snapshot?token=${observer.token}`));
    assert.equal(byQuery.status, 200);
    assert.ok(Array.isArray(((await byQuery.json()) as Snapshot).processes));
    const byBearer = await fetch(at('/api/snapshot'), { headers: bearer() });
    assert.equal(byBearer.status, 200);
    await byBearer.body?.cancel();
    const page = await fetch(observer.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /<html/i);
    const missing = await fetch(at(`/nope.js?token=${observer.token}`));
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  });
});

describe('observer: the snapshot', () => {
  it('lists 200 spawned processes, each row right: name, status, mailbox, received, links, monitors, patterns', () =>
    run(async () => {
      processFlag('trap_exit', true);
      const me = self();
      const pids: Pid[] = [];
      for (let i = 0; i < 200; i++) {
        pids.push(
          spawn(
            async function observed() {
              await receive([['stop']]);
            },
            i === 0 ? { name: 'observed_named' } : undefined,
          ),
        );
      }
      const [first, second, third] = pids as [Pid, Pid, Pid];
      send(second, ['hello', 1]);
      send(second, ['hello', 2]);
      const ref = monitor('process', third);
      const linked = spawnLink(async () => {
        processFlag('trap_exit', true);
        for (let i = 0; i < 3; i++) await receive([['n', anyNumber]]);
        await receive(['stop', ['ping', anyPid]]);
      });
      for (let i = 0; i < 3; i++) send(linked, ['n', i]);
      await until(() => processInfo(linked)?.status === 'waiting' && processInfo(first)?.status === 'waiting', 'start');
      try {
        const snap = await getJson<Snapshot>('/api/snapshot');
        const rows = new Map(snap.processes.map((r) => [r.pid, r]));
        assert.ok(snap.header.processCount >= 202, String(snap.header.processCount));
        assert.equal(snap.header.intervalMs, INTERVAL_MS);
        assert.equal(snap.header.node, process.version);
        for (const key of ['uptimeMs', 'elu', 'heapUsed', 'rss', 'gcCount', 'gcMs'] as const)
          assert.equal(typeof snap.header[key], 'number', key);
        for (const pid of pids) {
          const row = rows.get(String(pid));
          assert.ok(row !== undefined, `${pid} is listed`);
          assert.equal(row.status, 'waiting');
          assert.equal(row.initial, 'observed');
          assert.equal(row.waitingFor, '[{stop}]');
          assert.equal(row.behaviour, null);
          assert.equal(row.trapExit, false);
          assert.equal(row.received, 0);
        }
        assert.equal(rows.get(String(first))?.name, 'observed_named');
        assert.equal(rows.get(String(third))?.name, null);
        assert.equal(rows.get(String(second))?.mailbox, 2);
        assert.equal(rows.get(String(third))?.mailbox, 0);
        assert.deepEqual(rows.get(String(third))?.monitoredBy, [String(me)]);
        const mine = rows.get(String(me)) as ProcessRow;
        assert.ok(mine.monitors.includes(String(third)));
        assert.ok(mine.links.includes(String(linked)));
        assert.equal(mine.status, 'running');
        const other = rows.get(String(linked)) as ProcessRow;
        assert.deepEqual(other.links, [String(me)]);
        assert.equal(other.trapExit, true);
        assert.equal(other.received, 3);
        assert.equal(other.initial, '(anonymous)');
        assert.equal(other.waitingFor, '[stop,{ping,anyPid}]');
      } finally {
        for (const pid of pids) exit(pid, 'kill');
        exit(linked, 'kill');
        await receive([['DOWN', ref, 'process', third, _]]);
      }
    }));
});

describe('observer: the stream', () => {
  it('starts with a snapshot, then deltas: a killed process in gone, a new one in changed; a reconnect gets a snapshot', () =>
    run(async () => {
      const doomed = spawn(() => receive([['never']]));
      const sse = await Sse.open();
      let later: Pid | undefined;
      try {
        const first = await sse.next();
        assert.equal(first.event, 'snapshot');
        const snap = first.data as Snapshot;
        assert.equal(first.id, String(snap.seq));
        assert.ok(snap.processes.some((r) => r.pid === String(doomed)));
        exit(doomed, 'kill');
        later = spawn(async function newcomer() {
          await receive([['never']]);
        });
        // Within two intervals, the change is in a delta.
        let gone = false;
        let added: ProcessRow | undefined;
        let lastId = first.id;
        for (let i = 0; i < 2 && !(gone && added); i++) {
          const e = await sse.nextOf('delta');
          const delta = e.data as Delta;
          assert.equal(e.id, String(delta.seq));
          assert.ok(Number(e.id) > Number(lastId), 'ids grow');
          lastId = e.id;
          assert.equal(typeof delta.header.processCount, 'number');
          gone ||= delta.gone.includes(String(doomed));
          added ??= delta.changed.find((r) => r.pid === String(later));
        }
        assert.ok(gone, 'the killed process is gone');
        assert.equal(added?.initial, 'newcomer');
        sse.close();
        // The browser reconnects with the last id it saw: a full snapshot again.
        const again = await Sse.open({ 'last-event-id': String(lastId) });
        try {
          const e = await again.next();
          assert.equal(e.event, 'snapshot');
          const rows = (e.data as Snapshot).processes;
          assert.ok(rows.some((r) => r.pid === String(later)));
          assert.ok(!rows.some((r) => r.pid === String(doomed)));
        } finally {
          again.close();
        }
      } finally {
        sse.close();
        if (later !== undefined) exit(later, 'kill');
      }
    }));
});

type Held = { count: number };
const held: GenServer<Held, readonly [['get'], number], never, unknown, number> = {
  init: (count) => ['ok', { count }],
  handleCall: (_request, _from, state) => ['reply', state.count, state],
  async handleInfo(message, state) {
    // 'hold' keeps the server busy until 'release': what arrives meanwhile stays queued.
    if (message === 'hold') await receive(['release']);
    else if (Array.isArray(message) && message[0] === 'queued') state.count += message[1] as number;
    return ['noreply', state];
  },
};

describe('observer: a process', () => {
  it("of a GenServer: its state (getState) and its mailbox's messages; 404 for no such process", () =>
    run(async () => {
      const server = await GenServer.start(held, 1, { name: 'observed_server' });
      try {
        send(server, 'hold');
        send(server, ['queued', 10]);
        send(server, ['queued', 20]);
        // The detail reads the mailbox, then asks for the state; the server
        // answers once released, which it is when that request has queued.
        const asked = getJson<ProcessDetail>(`/api/process/${bare(server)}`);
        await until(() => (processInfo(server)?.messageQueueLen ?? 0) >= 3, 'the getState request');
        send(server, 'release');
        const detail = await asked;
        assert.equal(detail.pid, String(server));
        assert.equal(detail.name, 'observed_server');
        assert.equal(detail.behaviour, 'gen_server');
        assert.deepEqual(detail.messages.slice(0, 2), ['{queued,10}', '{queued,20}']);
        assert.equal(detail.state, '#{count => 31}');
        assert.deepEqual(detail.graph.nodes, [{ pid: String(server), name: 'observed_server' }]);
        // With the pid in angle brackets too, encoded.
        const again = await getJson<ProcessDetail>(`/api/process/${encodeURIComponent(String(server))}`);
        assert.deepEqual(again.messages, []);
        assert.equal(again.state, '#{count => 31}');
        const none = await fetch(at('/api/process/0.999999.0'), { headers: bearer() });
        assert.equal(none.status, 404);
        assert.deepEqual(await none.json(), { error: 'no such process' });
      } finally {
        exit(server, 'kill');
      }
    }));

  it('of a plain process: no state, its links and monitors two hops out', () =>
    run(async () => {
      processFlag('trap_exit', true);
      const me = self();
      const a = spawnLink(() => receive([['never']]));
      const b = spawn(async () => {
        monitor('process', me);
        await receive([['never']]);
      });
      await until(() => processInfo(b)?.status === 'waiting', 'b waiting');
      try {
        const detail = await getJson<ProcessDetail>(`/api/process/${bare(a)}`);
        assert.equal(detail.state, null);
        const nodes = detail.graph.nodes.map((n) => n.pid).sort();
        assert.deepEqual(nodes, [String(a), String(me), String(b)].sort());
        // A link has no direction: its ends in pid order.
        const edges = detail.graph.edges.map((e) =>
          e.kind === 'link' ? [e.from, e.to].sort().join(' link ') : `${e.from} monitor ${e.to}`,
        );
        assert.deepEqual(edges.sort(), [[String(me), String(a)].sort().join(' link '), `${b} monitor ${me}`].sort());
      } finally {
        exit(a, 'kill');
        exit(b, 'kill');
      }
    }));
});

const worker: GenServer<null, readonly [['ping'], 'pong'], never, unknown, null> = {
  init: () => ['ok', null],
  handleCall: (_request, _from, state) => ['reply', 'pong', state],
};

describe('observer: supervisors', () => {
  it('shows each tree, nested supervisors inside it, and a restarted child with its new pid', () =>
    run(async () => {
      const sup = await Supervisor.start(
        {
          strategy: 'one_for_one',
          children: [
            { id: 'a', start: () => GenServer.startLink(worker, null) },
            {
              id: 'inner',
              type: 'supervisor',
              start: () =>
                Supervisor.startLink({
                  strategy: 'one_for_all',
                  children: [{ id: 'b', start: () => GenServer.startLink(worker, null) }],
                }),
            },
          ],
        },
        { name: 'observed_sup', report: () => {} },
      );
      try {
        const treeOf = async (): Promise<SupervisorTree> => {
          const trees = await getJson<SupervisorTree[]>('/api/supervisors');
          const tree = trees.find((t) => t.pid === String(sup));
          assert.ok(tree !== undefined, 'the supervisor is a root');
          return tree;
        };
        const tree = await treeOf();
        assert.equal(tree.name, 'observed_sup');
        assert.equal(tree.strategy, 'one_for_one');
        const a = tree.children.find((c) => c.id === 'a');
        const inner = tree.children.find((c) => c.id === 'inner');
        assert.equal(tree.children.length, 2);
        assert.equal(a?.type, 'worker');
        assert.equal(inner?.type, 'supervisor');
        assert.equal(a?.restarts, 0);
        assert.deepEqual(
          inner?.children?.map((c) => c.id),
          ['b'],
        );
        assert.ok(!(await getJson<SupervisorTree[]>('/api/supervisors')).some((t) => t.pid === inner?.pid));

        const before = (await Supervisor.whichChildren(sup)).find((c) => c.id === 'a')?.pid as Pid;
        assert.equal(String(before), a?.pid);
        exit(before, 'kill');
        await until(() => !isAlive(before), 'the child to die');
        let restarted: SupervisorTree['children'][number] | undefined;
        for (let i = 0; i < 50; i++) {
          restarted = (await treeOf()).children.find((c) => c.id === 'a');
          if (restarted?.pid !== null && restarted?.pid !== a?.pid) break;
          await sleep(5);
        }
        assert.ok(restarted?.pid !== null && restarted?.pid !== a?.pid, 'a new pid');
        assert.equal(restarted?.restarts, 1);
      } finally {
        await Supervisor.stop(sup);
      }
    }));
});

describe('observer: kill', () => {
  it('kills with the reason given (kill by default), 404 for no such process, 400 for a bad body', () =>
    run(async () => {
      const victim = spawn(() => receive([['never']]));
      const other = spawn(() => receive([['never']]));
      const r1 = monitor('process', victim);
      const r2 = monitor('process', other);
      assert.deepEqual(await post('/api/kill', { pid: String(victim), reason: 'asked_to_go' }), {
        status: 200,
        body: { ok: true },
      });
      const [, , , , reason] = await receive([['DOWN', r1, 'process', victim, _]]);
      assert.equal(reason, 'asked_to_go');
      assert.equal((await post('/api/kill', { pid: bare(other) })).status, 200);
      const [, , , , killed] = await receive([['DOWN', r2, 'process', other, _]]);
      assert.equal(killed, 'killed');
      assert.deepEqual(await post('/api/kill', { pid: String(victim) }), {
        status: 404,
        body: { error: 'no such process' },
      });
      assert.equal((await post('/api/kill', { reason: 'x' })).status, 400);
      const get = await fetch(at('/api/kill'), { headers: bearer() });
      assert.equal(get.status, 405);
      await get.body?.cancel();
    }));
});

/** Two processes that play `rounds` of ping-pong once told 'go', a few ms apart. */
function pingPong(rounds: number): { pinger: Pid; ponger: Pid } {
  const ponger = spawn(async function ponger() {
    for (let i = 0; i < rounds; i++) {
      const [, from] = await receive([['ping', anyPid]]);
      send(from, 'pong');
    }
  });
  const pinger = spawn(async function pinger() {
    await receive(['go']);
    for (let i = 0; i < rounds; i++) {
      send(ponger, ['ping', self()]);
      await receive(['pong']);
      await sleep(1);
    }
  });
  return { pinger, ponger };
}

describe('observer: trace', () => {
  it("a ping-pong's sends and receives come over SSE, and the trace stops itself at maxMessages", () =>
    run(async () => {
      const { pinger, ponger } = pingPong(20);
      const sse = await Sse.open();
      try {
        assert.equal((await sse.next()).event, 'snapshot');
        const started = await post('/api/trace', {
          pids: [String(pinger), bare(ponger)],
          maxMessages: 12,
          maxPerSecond: 100_000,
        });
        assert.deepEqual(started, { status: 200, body: { ok: true } });
        assert.ok(traceInfo(pinger) !== undefined && traceInfo(ponger) !== undefined);
        send(pinger, 'go');
        const events: TraceEvent[] = [];
        let stopped: TraceStopped | undefined;
        for (let i = 0; i < 100 && stopped === undefined; i++) {
          const e = await sse.next();
          if (e.event === 'trace') events.push(...(e.data as TraceEvent[]));
          if (e.event === 'trace_stopped') stopped = e.data as TraceStopped;
        }
        assert.deepEqual(stopped, { reason: 'limit', count: 12 });
        assert.equal(events.length, 12);
        const [p, q] = [String(pinger), String(ponger)];
        const shown = events.map((e) => `${e.kind} ${e.from}>${e.to} ${e.message}`);
        // 'go' from this (untraced) process, then the rounds, each message's send and its receive.
        assert.deepEqual(shown.slice(0, 5), [
          `receive ?>${p} go`,
          `send ${p}>${q} {ping,${p}}`,
          `receive ${p}>${q} {ping,${p}}`,
          `send ${q}>${p} pong`,
          `receive ${q}>${p} pong`,
        ]);
        for (let i = 1; i < events.length; i++) assert.ok((events[i]?.t ?? 0) >= (events[i - 1]?.t ?? 0));
        // Switched off: the processes are not traced any more.
        await until(() => traceInfo(pinger) === undefined && traceInfo(ponger) === undefined, 'tracing off');
      } finally {
        sse.close();
        exit(pinger, 'kill');
        exit(ponger, 'kill');
      }
    }));

  it('stops itself at more than maxPerSecond, and when asked', () =>
    run(async () => {
      const { pinger, ponger } = pingPong(50);
      const sse = await Sse.open();
      try {
        await sse.next();
        await post('/api/trace', { pids: [String(pinger), String(ponger)], maxPerSecond: 5 });
        send(pinger, 'go');
        const stopped = (await sse.nextOf('trace_stopped')).data as TraceStopped;
        assert.deepEqual(stopped, { reason: 'rate', count: 5 });

        const idle = spawn(() => receive([['never']]));
        await post('/api/trace', { pids: [String(idle)] });
        assert.ok(traceInfo(idle) !== undefined);
        assert.deepEqual(await post('/api/trace/stop', {}), { status: 200, body: { ok: true } });
        assert.deepEqual((await sse.nextOf('trace_stopped')).data, { reason: 'stopped', count: 0 });
        assert.equal(traceInfo(idle), undefined);
        exit(idle, 'kill');
        assert.equal((await post('/api/trace', { pids: ['<0.999999.0>'] })).status, 404);
        assert.equal((await post('/api/trace', { pids: 'nope' })).status, 400);
        assert.equal((await post('/api/trace', { pids: [String(pinger)], maxMessages: 0 })).status, 400);
      } finally {
        sse.close();
        exit(pinger, 'kill');
        exit(ponger, 'kill');
      }
    }));
});

describe('observer: where it listens, and close()', () => {
  it('warns on stderr for a host that is not loopback; loopback hosts are quiet', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('localhost') && isLoopback('::1') && isLoopback('[::1]'));
    assert.ok(isLoopback('127.1.2.3') && isLoopback('::ffff:127.0.0.1'));
    assert.ok(!isLoopback('0.0.0.0') && !isLoopback('::') && !isLoopback('192.168.1.10') && !isLoopback('example.com'));
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((text: string) => {
      written.push(String(text));
      return true;
    }) as typeof process.stderr.write;
    try {
      assert.equal(warnIfExposed('127.0.0.1'), false);
      assert.equal(warnIfExposed('0.0.0.0'), true);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(written.length, 1);
    assert.match(written[0] ?? '', /0\.0\.0\.0.*not a loopback address/);
  });

  it('refuses bad options and a port in use, as a rejected promise', async () => {
    await assert.rejects(observe({ intervalMs: 0 }), BadArgError);
    await assert.rejects(observe({ port: -1 }), BadArgError);
    await assert.rejects(observe({ host: '' }), BadArgError);
    await assert.rejects(observe({ port: observer.port }), /EADDRINUSE/);
    const bad = await fetch(at('/api/process/%E0%A4%A'), { headers: bearer() });
    assert.equal(bad.status, 404);
    await bad.body?.cancel();
  });

  it('close() stops the server, the stream and the trace', () =>
    run(async () => {
      const servers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
      const before = servers();
      const own = await observe({ intervalMs: 50 });
      const idle = spawn(() => receive([['never']]));
      const abort = new AbortController();
      try {
        const res = await fetch(`http://127.0.0.1:${own.port}/api/events`, {
          headers: { authorization: `Bearer ${own.token}` },
          signal: abort.signal,
        });
        assert.equal(res.status, 200);
        const trace = await fetch(`http://127.0.0.1:${own.port}/api/trace?token=${own.token}`, {
          method: 'POST',
          body: JSON.stringify({ pids: [String(idle)] }),
        });
        assert.equal(trace.status, 200);
        await trace.body?.cancel();
        assert.equal(servers(), before + 1);
        const reader = res.body?.getReader();
        await own.close();
        // The stream ends: its reader comes to the end (or to the connection's).
        let ended = false;
        for (let i = 0; i < 100 && !ended; i++) {
          const chunk = await reader?.read().catch(() => ({ done: true }));
          ended = chunk === undefined || chunk.done;
        }
        assert.ok(ended, 'the stream ended');
        assert.equal(traceInfo(idle), undefined, 'the trace is off');
        await assert.rejects(fetch(`http://127.0.0.1:${own.port}/api/snapshot?token=${own.token}`));
        assert.equal(servers(), before);
        await own.close(); // twice is fine
      } finally {
        abort.abort();
        await own.close();
        exit(idle, 'kill');
      }
    }));

  it('leaves nothing running: a program that observed, followed the stream and traced exits by itself after close()', async () => {
    const runtime = new URL('../../src/runtime/index.ts', import.meta.url).href;
    const observer = new URL('../../src/observer/index.ts', import.meta.url).href;
    const script = `
const { receive, run, spawn, exit } = await import(${JSON.stringify(runtime)});
const { observe } = await import(${JSON.stringify(observer)});
await run(async () => {
  const o = await observe({ intervalMs: 20 });
  const idle = spawn(() => receive([['never']]));
  const auth = { authorization: 'Bearer ' + o.token };
  const res = await fetch('http://127.0.0.1:' + o.port + '/api/events', { headers: auth });
  const reader = res.body.getReader();
  await reader.read();
  await reader.read(); // a delta: the timers run
  const t = await fetch('http://127.0.0.1:' + o.port + '/api/trace', { method: 'POST', headers: auth, body: JSON.stringify({ pids: [String(idle)] }) });
  await t.json();
  await (await fetch('http://127.0.0.1:' + o.port + '/api/supervisors', { headers: auth })).json();
  await o.close();
  await reader.cancel().catch(() => {});
  exit(idle, 'kill');
  console.log('closed');
});
`;
    const { execFile } = await import('node:child_process');
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: new URL('../../', import.meta.url), timeout: 15_000 },
        (err, stdout, stderr) =>
          resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? null), stdout, stderr }),
      );
    });
    assert.equal(out.code, 0, `the program did not exit by itself: ${out.stderr}`);
    assert.equal(out.stdout, 'closed\n');
  });
});
