// The observer's page: plain JS, no framework, no build step. It reads its
// token from its own URL (?token=), sends it as `authorization: Bearer` on
// every fetch and as ?token= on the EventSource, keeps the process table from
// the SSE snapshot and deltas, and draws the links graph, the supervision
// trees and the trace's sequence diagram as hand-made SVG.

const token = new URLSearchParams(location.search).get('token') ?? '';
const SVG_NS = 'http://www.w3.org/2000/svg';
/** The sequence diagram keeps at most this many trace events (the newest). */
const TRACE_LIMIT = 500;
/** The process table shows at most this many rows (sorted and filtered first). */
const TABLE_LIMIT = 1000;

const state = {
  /** @type {Map<string, any>} pid → ProcessRow */
  rows: new Map(),
  header: null,
  intervalMs: 1000,
  /** The seq of the last snapshot or delta taken. */
  seq: 0,
  /** pid → the seq of the snapshot or delta that first listed it (data-first-seq on its row). */
  firstSeq: new Map(),
  sort: { key: 'pid', dir: 1 },
  filter: '',
  tab: 'processes',
  /** The pid the Process tab shows, '<0.42.0>'. */
  detailPid: null,
  detail: null,
  trace: { events: [], running: false, pids: [] },
  /** Supervision trees: 'sup pid/child id' → { pid, restartedAt } as last drawn, to mark restarts. */
  supPids: new Map(),
  supSeen: new Map(),
};

// -- small helpers --------------------------------------------------------------------

function $(testid) {
  const found = document.querySelector(`[data-testid="${testid}"]`);
  if (!found) throw new Error(`no element ${testid}`);
  return found;
}

/** An HTML element: h('td', { class: 'num' }, 'text', child). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  el.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** An SVG element, as h. */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  el.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

/** '<0.42.0>' → '0.42.0', as the URLs write pids. */
function pidParam(pid) {
  return pid.replace(/^<|>$/g, '');
}

/** '0.42.0', '<0.42.0>' → '<0.42.0>'; anything else → null. */
function normalizePid(text) {
  const m = /^<?(\d+\.\d+\.\d+)>?$/.exec(text.trim());
  return m ? `<${m[1]}>` : null;
}

/** A pid typed by the user, or a registered name, → '<0.42.0>', or null. */
function resolvePid(text) {
  const pid = normalizePid(text);
  if (pid) return pid;
  for (const row of state.rows.values()) if (row.name === text.trim()) return row.pid;
  return null;
}

function pidParts(pid) {
  return pid.replace(/[<>]/g, '').split('.').map(Number);
}

function comparePids(a, b) {
  const x = pidParts(a);
  const y = pidParts(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

function processHref(pid) {
  return `#process/${pidParam(pid)}`;
}

function fmtInt(n) {
  return Number(n).toLocaleString('en-US');
}

function fmtBytes(n) {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024).toFixed(0)} kB`;
}

function fmtMs(ms) {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

function fmtUptime(ms) {
  const total = Math.floor(ms / 1000);
  const d = Math.floor(total / 86400);
  const hh = Math.floor((total % 86400) / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  if (d > 0) return `${d}d ${hh}h ${mm}m`;
  if (hh > 0) return `${hh}h ${mm}m ${ss}s`;
  if (mm > 0) return `${mm}m ${ss}s`;
  return `${ss}s`;
}

function cut(text, max) {
  return text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}

/** The name to show for a pid: its registered name when the table knows one. */
function labelOf(pid) {
  const row = state.rows.get(pid);
  return row?.name ?? null;
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** A call to the observer's API, with the token; relative, so a proxy prefix works. */
async function api(path, body) {
  const init = { headers: { authorization: `Bearer ${token}` } };
  if (body !== undefined) {
    init.method = 'POST';
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json?.error ?? `${res.status} ${res.statusText}`);
  return json;
}

/** Runs fn after the current batch of events, once per frame at most. */
function scheduler(fn) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
}

// -- the header and the connection ------------------------------------------------------

function renderHeader() {
  const hd = state.header;
  if (!hd) return;
  $('hdr-uptime').textContent = fmtUptime(hd.uptimeMs);
  $('hdr-processes').textContent = fmtInt(hd.processCount);
  const elu = $('hdr-elu');
  elu.textContent = `${(hd.elu * 100).toFixed(1)} %`;
  elu.dataset.level = hd.elu > 0.9 ? 'bad' : hd.elu > 0.6 ? 'warn' : 'ok';
  $('hdr-delay').textContent = `${fmtMs(hd.loopDelayMs.mean)} / ${fmtMs(hd.loopDelayMs.max)}`;
  $('hdr-memory').textContent = `${fmtBytes(hd.heapUsed)} / ${fmtBytes(hd.rss)}`;
  $('hdr-gc').textContent = `${fmtInt(hd.gcCount)} · ${fmtMs(hd.gcMs)}`;
  $('hdr-node').textContent = hd.node;
}

function setConn(kind, text) {
  const el = $('conn-status');
  el.dataset.state = kind;
  el.textContent = text;
}

function connect() {
  const es = new EventSource(`api/events?token=${encodeURIComponent(token)}`);
  es.addEventListener('open', () => setConn('live', 'live'));
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) {
      setConn('closed', 'disconnected: reload with the URL observe() printed');
    } else setConn('connecting', 'reconnecting…');
  });
  es.addEventListener('snapshot', (e) => {
    const snap = JSON.parse(e.data);
    state.rows = new Map(snap.processes.map((row) => [row.pid, row]));
    for (const pid of state.firstSeq.keys()) if (!state.rows.has(pid)) state.firstSeq.delete(pid);
    for (const pid of state.rows.keys()) if (!state.firstSeq.has(pid)) state.firstSeq.set(pid, snap.seq);
    takeSeq(snap.seq);
    takeHeader(snap.header);
    onProcessesChanged();
  });
  es.addEventListener('delta', (e) => {
    const delta = JSON.parse(e.data);
    for (const pid of delta.gone) {
      state.rows.delete(pid);
      state.firstSeq.delete(pid);
    }
    for (const row of delta.changed) {
      state.rows.set(row.pid, row);
      if (!state.firstSeq.has(row.pid)) state.firstSeq.set(row.pid, delta.seq);
    }
    takeSeq(delta.seq);
    takeHeader(delta.header);
    onProcessesChanged();
  });
  es.addEventListener('trace', (e) => {
    // While this page replaces a running trace, what comes is the old one's last events.
    if (state.trace.replacing) return;
    const events = JSON.parse(e.data);
    const all = state.trace.events;
    all.push(...events);
    if (all.length > TRACE_LIMIT) all.splice(0, all.length - TRACE_LIMIT);
    if (!state.trace.running) {
      state.trace.running = true;
      updateTraceControls();
    }
    scheduleTrace();
  });
  es.addEventListener('trace_stopped', (e) => {
    const info = JSON.parse(e.data);
    if (state.trace.replacing) {
      // The end of the trace this page's new one replaced.
      state.trace.replacing = false;
      return;
    }
    state.trace.running = false;
    const why = { limit: 'the message limit was reached', rate: 'the rate limit was exceeded', stopped: 'stopped' };
    $('trace-status').textContent =
      `Trace off (${why[info.reason] ?? info.reason}) after ${fmtInt(info.count)} messages. ` +
      `The diagram keeps the last ${TRACE_LIMIT} events.`;
    $('trace-status').dataset.state = 'stopped';
    updateTraceControls();
  });
}

/** The stream's sequence number, on the page (data-seq) for whoever checks what it shows when. */
function takeSeq(seq) {
  state.seq = seq;
  document.body.dataset.seq = String(seq);
}

function takeHeader(header) {
  state.header = header;
  if (header.intervalMs && header.intervalMs !== state.intervalMs) {
    state.intervalMs = header.intervalMs;
    restartPolling();
  }
  renderHeader();
}

function onProcessesChanged() {
  // A hidden table is drawn when its tab opens (route).
  if (state.tab === 'processes') scheduleTable();
}

// -- Processes ----------------------------------------------------------------------------

const STATUS_ORDER = { running: 0, waiting: 1, exiting: 2 };

function sortValue(row, key) {
  switch (key) {
    case 'name':
      return (row.name ?? row.initial ?? '').toLowerCase();
    case 'status':
      return STATUS_ORDER[row.status] ?? 9;
    case 'links':
      return row.links.length;
    case 'monitors':
    case 'monitoredBy':
      return row[key].length;
    case 'trapExit':
      return row.trapExit ? 1 : 0;
    case 'waitingFor':
      return row.waitingFor ?? '';
    default:
      return row[key];
  }
}

function compareRows(a, b) {
  const { key, dir } = state.sort;
  if (key === 'pid') return dir * comparePids(a.pid, b.pid);
  const x = sortValue(a, key);
  const y = sortValue(b, key);
  const c = x < y ? -1 : x > y ? 1 : 0;
  return c !== 0 ? dir * c : comparePids(a.pid, b.pid);
}

function matchesFilter(row, needle) {
  if (!needle) return true;
  const hay = [row.pid, row.name, row.initial, row.status, row.behaviour, row.waitingFor];
  return hay.some((v) => typeof v === 'string' && v.toLowerCase().includes(needle));
}

/** tr elements by pid, reused across renders so that rows do not flicker or lose clicks. */
const trs = new Map();

/** The table's columns, in order (data-col of each cell). */
const COLUMNS = [
  'pid',
  'name',
  'status',
  'mailbox',
  'received',
  'receivedDelta',
  'links',
  'monitors',
  'monitoredBy',
  'trapExit',
  'waitingFor',
];
const NUMERIC = ['mailbox', 'received', 'receivedDelta', 'links', 'monitors', 'monitoredBy'];

function makeRow(pid) {
  const tr = h('tr', { 'data-testid': 'process-row', 'data-pid': pid, 'data-first-seq': state.firstSeq.get(pid) });
  const link = h('a', { href: processHref(pid), 'data-testid': 'pid-link' }, pid);
  tr.append(h('td', { class: 'pid', 'data-col': 'pid' }, link));
  for (const col of COLUMNS.slice(1))
    tr.append(h('td', { 'data-col': col, class: NUMERIC.includes(col) ? 'num' : null }));
  return tr;
}

function fillRow(tr, row) {
  const c = tr.cells;
  const nameCell = c[1];
  nameCell.replaceChildren(h('span', { class: row.name ? 'muted' : null }, row.initial));
  if (row.name) nameCell.prepend(h('strong', {}, row.name), ' ');
  if (row.behaviour) nameCell.append(h('span', { class: 'tag' }, row.behaviour));
  c[2].replaceChildren(h('span', { class: `status status-${row.status}` }, row.status));
  c[3].textContent = fmtInt(row.mailbox);
  c[3].dataset.level = row.mailbox >= 1000 ? 'bad' : row.mailbox >= 10 ? 'warn' : '';
  c[4].textContent = fmtInt(row.received);
  c[5].textContent = fmtInt(row.receivedDelta);
  c[6].textContent = String(row.links.length);
  c[6].title = row.links.join(' ');
  c[7].textContent = String(row.monitors.length);
  c[7].title = row.monitors.join(' ');
  c[8].textContent = String(row.monitoredBy.length);
  c[8].title = row.monitoredBy.join(' ');
  c[9].textContent = row.trapExit ? 'yes' : '';
  c[10].textContent = row.waitingFor ? cut(row.waitingFor, 60) : '';
  c[10].title = row.waitingFor ?? '';
  c[10].className = 'code';
}

function renderTable() {
  const needle = state.filter.trim().toLowerCase();
  const all = [...state.rows.values()];
  const shown = all.filter((row) => matchesFilter(row, needle)).sort(compareRows);
  const visible = shown.slice(0, TABLE_LIMIT);
  const tbody = $('process-rows');
  const keep = new Set();
  let at = tbody.firstElementChild;
  for (const row of visible) {
    keep.add(row.pid);
    let tr = trs.get(row.pid);
    if (!tr) {
      tr = makeRow(row.pid);
      trs.set(row.pid, tr);
    }
    if (tr.row !== row) {
      fillRow(tr, row);
      tr.row = row;
    }
    if (tr === at) at = at.nextElementSibling;
    else tbody.insertBefore(tr, at);
  }
  for (const [pid, tr] of trs) {
    if (keep.has(pid)) continue;
    tr.remove();
    if (!state.rows.has(pid)) trs.delete(pid);
  }
  let count = `${fmtInt(shown.length)} of ${fmtInt(all.length)} processes`;
  if (shown.length > visible.length) count += ` (the first ${fmtInt(TABLE_LIMIT)} shown)`;
  $('process-count').textContent = count;
}

const scheduleTable = scheduler(renderTable);

function setupTable() {
  for (const button of document.querySelectorAll('th button[data-sort]')) {
    button.addEventListener('click', () => {
      const key = button.dataset.sort;
      const numeric = NUMERIC.includes(key) || key === 'trapExit';
      if (state.sort.key === key) state.sort.dir = -state.sort.dir;
      else state.sort = { key, dir: numeric ? -1 : 1 };
      for (const th of document.querySelectorAll('th[aria-sort]')) {
        const k = th.querySelector('button')?.dataset.sort;
        th.setAttribute('aria-sort', k !== key ? 'none' : state.sort.dir > 0 ? 'ascending' : 'descending');
      }
      renderTable();
    });
  }
  $('process-filter').addEventListener('input', (e) => {
    state.filter = e.target.value;
    renderTable();
  });
}

// -- Process ------------------------------------------------------------------------------

function pidLink(pid) {
  const name = labelOf(pid);
  return h('a', { href: processHref(pid), class: 'pid' }, pid, name ? h('span', { class: 'muted' }, ` ${name}`) : null);
}

function pidList(pids) {
  if (pids.length === 0) return h('span', { class: 'muted' }, 'none');
  const span = h('span', { class: 'pids' });
  for (const pid of pids) {
    if (span.firstChild) span.append(' ');
    span.append(pidLink(pid));
  }
  return span;
}

function fact(term, ...value) {
  return [h('dt', {}, term), h('dd', {}, ...value)];
}

async function loadDetail() {
  const pid = state.detailPid;
  if (!pid) return;
  try {
    const detail = await api(`api/process/${encodeURIComponent(pidParam(pid))}`);
    if (state.detailPid !== pid) return;
    state.detail = detail;
    renderDetail(detail, null);
  } catch (error) {
    if (state.detailPid !== pid) return;
    const gone = error instanceof ApiError && error.status === 404;
    // An exited process does not come back: no need to ask again.
    if (gone) stopPolling();
    renderDetail(
      state.detail?.pid === pid ? state.detail : null,
      gone ? `${pid} has exited (no such process).` : error.message,
    );
  }
}

function renderDetail(detail, problem) {
  const err = $('detail-error');
  err.hidden = !problem;
  err.textContent = problem ?? '';
  $('detail-empty').hidden = Boolean(detail || problem);
  const box = $('detail');
  box.hidden = !detail;
  box.classList.toggle('gone', Boolean(problem));
  if (!detail) return;
  $('detail-pid').textContent = detail.pid;
  $('detail-title').textContent = [detail.name, detail.initial, detail.behaviour].filter(Boolean).join(' · ');
  $('detail-facts').replaceChildren(
    ...fact('Status', h('span', { class: `status status-${detail.status}` }, detail.status)),
    ...fact('Registered name', detail.name ?? h('span', { class: 'muted' }, 'none')),
    ...fact('Initial call', detail.initial),
    ...fact('Behaviour', detail.behaviour ?? h('span', { class: 'muted' }, 'none')),
    ...fact('Mailbox', fmtInt(detail.mailbox)),
    ...fact('Received', `${fmtInt(detail.received)} (${fmtInt(detail.receivedDelta)} in the last interval)`),
    ...fact('Trap exit', detail.trapExit ? 'yes' : 'no'),
    ...fact('Waiting for', detail.waitingFor ? h('code', {}, detail.waitingFor) : h('span', { class: 'muted' }, '–')),
  );
  const facts = $('detail-facts');
  facts.append(
    h('dt', {}, 'Links'),
    h('dd', { 'data-testid': 'detail-links' }, pidList(detail.links)),
    h('dt', {}, 'Monitors'),
    h('dd', { 'data-testid': 'detail-monitors' }, pidList(detail.monitors)),
    h('dt', {}, 'Monitored by'),
    h('dd', { 'data-testid': 'detail-monitored-by' }, pidList(detail.monitoredBy)),
  );
  const st = $('detail-state');
  const stateful = detail.behaviour === 'gen_server' || detail.behaviour === 'gen_statem';
  st.textContent = detail.state ?? (stateful ? '(no answer within 100 ms)' : '(not a GenServer or GenStatem)');
  st.classList.toggle('muted', detail.state === null);
  $('detail-mailbox-count').textContent =
    detail.mailbox > detail.messages.length
      ? `(the first ${detail.messages.length} of ${fmtInt(detail.mailbox)})`
      : `(${detail.messages.length})`;
  const list = $('detail-messages');
  list.replaceChildren(...detail.messages.map((m) => h('li', {}, h('code', {}, m))));
  if (detail.messages.length === 0) list.append(h('li', { class: 'muted empty' }, 'empty'));
  $('detail-graph').replaceChildren(drawGraph(detail));
}

/** The links and monitors graph: the process in the middle, one hop on a ring, two hops outside it. */
function drawGraph(detail) {
  const { nodes, edges } = detail.graph;
  const center = detail.pid;
  const adj = new Map(nodes.map((n) => [n.pid, new Set()]));
  if (!adj.has(center)) adj.set(center, new Set());
  for (const e of edges) {
    if (!adj.has(e.from)) adj.set(e.from, new Set());
    if (!adj.has(e.to)) adj.set(e.to, new Set());
    adj.get(e.from).add(e.to);
    adj.get(e.to).add(e.from);
  }
  const hop = new Map([[center, 0]]);
  const parent = new Map();
  const queue = [center];
  while (queue.length > 0) {
    const p = queue.shift();
    for (const q of [...adj.get(p)].sort(comparePids)) {
      if (hop.has(q)) continue;
      hop.set(q, hop.get(p) + 1);
      parent.set(q, p);
      queue.push(q);
    }
  }
  const oneHopAncestor = (q) => {
    let at = q;
    while ((hop.get(at) ?? 0) > 1) at = parent.get(at);
    return at;
  };
  const ring1 = [...hop].filter(([, d]) => d === 1).map(([p]) => p);
  const ring2 = [...hop].filter(([, d]) => d >= 2).map(([p]) => p);
  const many = ring1.length + ring2.length > 24;
  // Ellipses rather than circles: the panel is wider than tall, and pids are wide labels.
  const r1 = 75;
  const r2 = 140;
  const W = 540;
  const H = 2 * (ring2.length > 0 ? r2 : r1) + 90;
  const cx = W / 2;
  const cy = H / 2 - 6;
  const pos = new Map([[center, [cx, cy]]]);
  const angle = new Map();
  ring1.forEach((p, i) => {
    const a = (2 * Math.PI * i) / ring1.length;
    angle.set(p, a);
    pos.set(p, [cx + r1 * 1.5 * Math.cos(a), cy + r1 * Math.sin(a)]);
  });
  // Each one-hop node's own neighbours fan out behind it, within its share of the circle.
  const sector = Math.min(Math.PI, (2 * Math.PI * 0.8) / Math.max(1, ring1.length));
  for (const p of ring1) {
    const kids = ring2.filter((q) => oneHopAncestor(q) === p);
    kids.forEach((q, j) => {
      const a = (angle.get(p) ?? 0) + sector * ((j + 0.5) / kids.length - 0.5);
      pos.set(q, [cx + r2 * 1.55 * Math.cos(a), cy + r2 * Math.sin(a)]);
    });
  }
  // The drawing's bounds: the nodes, their labels under them, and the curves' room.
  const xs = [...pos.values()].map(([x]) => x);
  const ys = [...pos.values()].map(([, y]) => y);
  const left = Math.max(0, Math.min(...xs) - 60);
  const right = Math.min(W, Math.max(...xs) + 60);
  const top = Math.max(0, Math.min(...ys) - (pos.size > 2 ? 60 : 30));
  const bottom = Math.min(H, Math.max(...ys) + (pos.size === 1 ? 70 : 50));
  const svg = s('svg', {
    viewBox: `${left} ${top} ${right - left} ${bottom - top}`,
    width: right - left,
    height: bottom - top,
    role: 'img',
    'aria-label': `links and monitors of ${center}`,
    'data-testid': 'graph-svg',
  });
  svg.append(
    s(
      'defs',
      {},
      s(
        'marker',
        { id: 'mon-arrow', viewBox: '0 0 10 10', refX: 19, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'monitor-head' }),
      ),
    ),
  );
  for (const e of edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    svg.append(
      s(
        'path',
        {
          d: edgePath(a, b, [cx, cy], e.kind === 'monitor'),
          class: `edge ${e.kind}`,
          'marker-end': e.kind === 'monitor' ? 'url(#mon-arrow)' : null,
          'data-testid': 'graph-edge',
          'data-kind': e.kind,
          'data-from': e.from,
          'data-to': e.to,
        },
        s('title', {}, `${e.from} ${e.kind === 'link' ? 'linked to' : 'monitors'} ${e.to}`),
      ),
    );
  }
  const names = new Map(nodes.map((n) => [n.pid, n.name]));
  for (const [pid, [x, y]] of pos) {
    const name = names.get(pid) ?? labelOf(pid);
    const isCenter = pid === center;
    const g = s(
      'a',
      {
        href: processHref(pid),
        class: `node${isCenter ? ' center' : ''}`,
        'data-testid': 'graph-node',
        'data-pid': pid,
      },
      s('title', {}, name ? `${pid} ${name}` : pid),
      s('circle', { cx: x, cy: y, r: isCenter ? 11 : 8 }),
    );
    if (!many || isCenter || hop.get(pid) === 1) {
      g.append(s('text', { x, y: y + (isCenter ? 26 : 21), 'text-anchor': 'middle' }, pid));
      if (name)
        g.append(s('text', { x, y: y + (isCenter ? 38 : 33), 'text-anchor': 'middle', class: 'name' }, cut(name, 22)));
    }
    svg.append(g);
  }
  if (pos.size === 1) {
    svg.append(s('text', { x: cx, y: cy + 56, 'text-anchor': 'middle', class: 'muted' }, 'no links, no monitors'));
  }
  return svg;
}

/**
 * A straight edge, or a curve: for a monitor (so that it does not hide a link
 * between the same two processes) and for an edge that would cross the middle
 * node without touching it.
 */
function edgePath(a, b, c, bend) {
  const [x1, y1] = a;
  const [x2, y2] = b;
  const dx = x2 - x1;
  const dy = y2 - y1;
  const len = Math.hypot(dx, dy) || 1;
  const touchesCenter = (x1 === c[0] && y1 === c[1]) || (x2 === c[0] && y2 === c[1]);
  // The distance from the middle node to the segment.
  const u = Math.max(0, Math.min(1, ((c[0] - x1) * dx + (c[1] - y1) * dy) / (len * len)));
  const crosses = !touchesCenter && Math.hypot(x1 + u * dx - c[0], y1 + u * dy - c[1]) < 26;
  if (!bend && !crosses) return `M${x1},${y1} L${x2},${y2}`;
  let nx = -dy / len;
  let ny = dx / len;
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  // Bend away from the middle.
  if ((mx + nx - c[0]) ** 2 + (my + ny - c[1]) ** 2 < (mx - nx - c[0]) ** 2 + (my - ny - c[1]) ** 2) {
    nx = -nx;
    ny = -ny;
  }
  const k = crosses ? 70 : 16;
  return `M${x1},${y1} Q${mx + nx * k},${my + ny * k} ${x2},${y2}`;
}

async function kill(event) {
  event.preventDefault();
  const pid = state.detailPid;
  if (!pid) return;
  const reason = $('kill-reason').value.trim() || 'kill';
  const result = $('kill-result');
  if (!confirm(`Kill ${pid} with exit reason ${reason}?`)) {
    result.textContent = 'Cancelled.';
    return;
  }
  try {
    await api('api/kill', { pid, reason });
    result.textContent = `Sent exit(${pid}, ${reason}).`;
  } catch (error) {
    result.textContent = `Kill failed: ${error.message}`;
  }
  loadDetail();
}

function setupDetail() {
  $('kill-form').addEventListener('submit', kill);
  $('process-open').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = e.target.elements.pid.value;
    const pid = resolvePid(text);
    if (pid) location.hash = processHref(pid);
    else renderDetail(null, `${text}: not a pid (<0.42.0>) nor a registered name the table shows.`);
  });
  $('trace-this').addEventListener('click', () => {
    const pid = state.detailPid;
    if (!pid) return;
    const input = $('trace-pids');
    const pids = input.value.split(/[\s,]+/).filter(Boolean);
    if (!pids.includes(pid)) pids.push(pid);
    input.value = pids.join(' ');
    location.hash = '#trace';
  });
}

// -- Supervision trees --------------------------------------------------------------------

async function loadSupervisors() {
  try {
    const trees = await api('api/supervisors');
    renderSupervisors(trees);
    $('sup-status').textContent =
      trees.length === 0
        ? 'No supervisors are running.'
        : `${trees.length} supervisor${trees.length === 1 ? '' : 's'}; refreshed every ${fmtMs(state.intervalMs)}.`;
  } catch (error) {
    $('sup-status').textContent = `Could not read the supervisors: ${error.message}`;
  }
}

function renderSupervisors(trees) {
  const byPid = new Map(trees.map((t) => [t.pid, t]));
  const nested = new Set();
  const collect = (children) => {
    for (const c of children) {
      if (c.pid && c.type === 'supervisor') nested.add(c.pid);
      if (c.children) collect(c.children);
    }
  };
  for (const t of trees) collect(t.children);
  const roots = trees.filter((t) => !nested.has(t.pid)).sort((a, b) => comparePids(a.pid, b.pid));
  const box = $('sup-trees');
  state.supSeen = new Map();
  box.replaceChildren(...roots.map((t) => drawTree(t, byPid)));
  // Only the children drawn now are remembered: those of supervisors gone are forgotten.
  state.supPids = state.supSeen;
}

/** How long a restarted child stays marked in its tree. */
const RESTART_MARK_MS = 5000;
const BOX_W = 176;
const BOX_H = 40;
const COL_W = 220;
const ROW_H = 50;

/** One supervisor's tree, left to right: the supervisor, then its children, leaves one per row. */
function drawTree(tree, byPid) {
  const root = {
    id: tree.name ?? 'supervisor',
    pid: tree.pid,
    type: 'supervisor',
    strategy: tree.strategy,
    key: tree.pid,
    children: [],
  };
  const build = (node, children, seen) => {
    for (const c of children) {
      const sub = c.children ?? (c.pid && byPid.get(c.pid)?.children) ?? [];
      const kid = {
        id: c.id,
        pid: c.pid,
        type: c.type,
        restarts: c.restarts,
        strategy: c.pid ? byPid.get(c.pid)?.strategy : undefined,
        key: `${node.key}/${c.id}`,
        children: [],
      };
      node.children.push(kid);
      if (!seen.has(c.pid)) build(kid, sub, new Set([...seen, c.pid]));
    }
  };
  build(root, tree.children, new Set([tree.pid]));
  let leaves = 0;
  let depth = 0;
  const place = (node, d) => {
    depth = Math.max(depth, d);
    node.x = 12 + d * COL_W;
    if (node.children.length === 0) {
      node.y = 12 + leaves * ROW_H;
      leaves++;
      return;
    }
    for (const c of node.children) place(c, d + 1);
    node.y = (node.children[0].y + node.children[node.children.length - 1].y) / 2;
  };
  place(root, 0);
  const W = 24 + depth * COL_W + BOX_W;
  const H = 24 + Math.max(1, leaves) * ROW_H - (ROW_H - BOX_H);
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: 'img',
    'aria-label': `tree of ${tree.pid}`,
  });
  const edges = s('g', { class: 'tree-edges' });
  const nodes = s('g', {});
  const walk = (node) => {
    for (const c of node.children) {
      const x1 = node.x + BOX_W;
      const y1 = node.y + BOX_H / 2;
      const x2 = c.x;
      const y2 = c.y + BOX_H / 2;
      const mid = x1 + (x2 - x1) / 2;
      edges.append(s('path', { d: `M${x1},${y1} H${mid} V${y2} H${x2}` }));
      walk(c);
    }
    nodes.append(drawTreeNode(node, node === root));
  };
  walk(root);
  svg.append(edges, nodes);
  return h(
    'figure',
    { class: 'tree', 'data-testid': 'sup-tree', 'data-pid': tree.pid },
    h(
      'figcaption',
      {},
      h('a', { href: processHref(tree.pid), class: 'pid' }, tree.pid),
      ' ',
      tree.name ? h('strong', {}, tree.name) : null,
      h('span', { class: 'muted' }, ` · ${tree.strategy} · ${countChildren(tree.children)} children`),
    ),
    h('div', { class: 'tree-scroll' }, svg),
  );
}

function countChildren(children) {
  return children.reduce((n, c) => n + 1 + (c.children ? countChildren(c.children) : 0), 0);
}

function drawTreeNode(node, isRoot) {
  // A child whose pid changed is marked for a few seconds: long enough to be seen at any interval.
  const previous = state.supPids.get(node.key);
  const now = Date.now();
  let restartedAt = previous?.restartedAt ?? -Infinity;
  if (previous !== undefined && previous.pid !== node.pid && node.pid !== null) restartedAt = now;
  const restarted = now - restartedAt < RESTART_MARK_MS;
  state.supSeen.set(node.key, { pid: node.pid, restartedAt });
  const cls = ['tree-node', node.type, node.pid === null ? 'down' : '', restarted ? 'restarted' : '']
    .filter(Boolean)
    .join(' ');
  const g = s('g', {
    class: cls,
    'data-testid': 'sup-node',
    'data-id': node.id,
    'data-pid': node.pid ?? '',
    'data-type': node.type,
  });
  const title = isRoot ? `${node.pid} (${node.strategy})` : `${node.id}: ${node.pid ?? 'not running'} (${node.type})`;
  g.append(
    s('title', {}, title),
    s('rect', { x: node.x, y: node.y, width: BOX_W, height: BOX_H, rx: node.type === 'supervisor' ? 10 : 3 }),
    s('text', { x: node.x + 8, y: node.y + 16, class: 'tree-id' }, cut(String(node.id), 24)),
  );
  const line2 = node.pid ? s('a', { href: processHref(node.pid) }, s('tspan', { class: 'tree-pid' }, node.pid)) : null;
  const text2 = s('text', { x: node.x + 8, y: node.y + 32 });
  if (line2) text2.append(line2);
  else text2.append(s('tspan', { class: 'tree-down' }, 'not running'));
  if (node.strategy && !isRoot) text2.append(s('tspan', { class: 'tree-meta' }, `  ${node.strategy}`));
  g.append(text2);
  if (node.restarts) {
    g.append(
      s(
        'text',
        { x: node.x + BOX_W - 8, y: node.y + 16, 'text-anchor': 'end', class: 'tree-restarts' },
        `↻ ${node.restarts}`,
      ),
    );
  }
  return g;
}

// -- Trace ----------------------------------------------------------------------------------

function updateTraceControls() {
  // Start stays enabled while a trace runs: a new trace replaces the running one.
  $('trace-stop').disabled = !state.trace.running;
}

async function startTrace(event) {
  event.preventDefault();
  const form = event.target;
  const words = form.elements.pids.value.split(/[\s,]+/).filter(Boolean);
  const pids = [];
  const unknown = [];
  for (const w of words) {
    const pid = resolvePid(w);
    if (pid) pids.push(pid);
    else unknown.push(w);
  }
  const status = $('trace-status');
  if (unknown.length > 0 || pids.length === 0) {
    status.textContent =
      pids.length === 0 && unknown.length === 0
        ? 'Give the pids to trace.'
        : `Not a pid nor a known name: ${unknown.join(', ')}`;
    status.dataset.state = 'error';
    return;
  }
  const maxMessages = Math.floor(Number(form.elements.maxMessages.value)) || 1000;
  const maxPerSecond = Math.floor(Number(form.elements.maxPerSecond.value)) || 100;
  // The new trace's events may come (on the stream) before the answer to the POST does:
  // the diagram is cleared first. A running trace is replaced: its end is expected, and ignored.
  state.trace = { events: [], running: false, pids, replacing: state.trace.running };
  renderTrace();
  try {
    await api('api/trace', { pids, maxMessages, maxPerSecond });
    state.trace.running = true;
    status.textContent = `Tracing ${pids.join(' ')}: at most ${fmtInt(maxMessages)} messages, ${fmtInt(maxPerSecond)} per second.`;
    status.dataset.state = 'running';
    updateTraceControls();
    renderTrace();
  } catch (error) {
    state.trace.replacing = false;
    status.textContent = `Could not start the trace: ${error.message}`;
    status.dataset.state = 'error';
  }
}

async function stopTrace() {
  state.trace.replacing = false;
  try {
    await api('api/trace/stop', {});
  } catch (error) {
    $('trace-status').textContent = `Could not stop the trace: ${error.message}`;
  }
}

const LANE_W = 170;
const LANE_X0 = 90;
const TRACE_ROW = 24;
const HEAD_H = 44;

/**
 * The rows of the diagram: one per message. A send is an arrow from the
 * sender's lifeline to the receiver's; the receive of the same message (same
 * from, to and text, in order) fills its head in. A receive whose send was not
 * traced is an arrow of its own, dashed.
 */
function traceRows(events) {
  const rows = [];
  const pending = new Map();
  for (const e of events) {
    const key = `${e.to}\u0000${e.message}`;
    const known = normalizePid(e.from) !== null;
    if (e.kind === 'send') {
      const row = { from: e.from, to: e.to, message: e.message, t: e.t, sent: true, received: false };
      rows.push(row);
      const q = pending.get(key);
      if (q) q.push(row);
      else pending.set(key, [row]);
    } else {
      // The tracer names the sender when it saw the send ('?' when it did not).
      const q = pending.get(key) ?? [];
      const i = q.findIndex((row) => !known || row.from === e.from);
      const sent = i >= 0 ? q.splice(i, 1)[0] : undefined;
      if (sent) {
        sent.received = true;
        sent.tReceived = e.t;
      } else {
        rows.push({ from: known ? e.from : null, to: e.to, message: e.message, t: e.t, sent: false, received: true });
      }
    }
  }
  return rows;
}

function renderTrace() {
  const rows = traceRows(state.trace.events);
  const lanes = [];
  const add = (pid) => {
    if (!lanes.includes(pid)) lanes.push(pid);
  };
  for (const pid of state.trace.pids) add(pid);
  for (const r of rows) {
    if (r.from !== null) add(r.from);
    add(r.to);
  }
  const x = (pid) => LANE_X0 + lanes.indexOf(pid) * LANE_W;
  const W = LANE_X0 + Math.max(1, lanes.length) * LANE_W;
  const H = 16 + rows.length * TRACE_ROW;

  const head = s('svg', { width: W, height: HEAD_H, class: 'seq-head-svg', 'aria-hidden': 'true' });
  for (const pid of lanes) {
    const name = labelOf(pid);
    head.append(
      s(
        'g',
        {
          class: `lane-head${state.trace.pids.includes(pid) ? ' traced' : ''}`,
          'data-testid': 'trace-lifeline',
          'data-pid': pid,
        },
        s('rect', { x: x(pid) - 62, y: 4, width: 124, height: name ? 36 : 26, rx: 4 }),
        s('text', { x: x(pid), y: 21, 'text-anchor': 'middle' }, pid),
        name ? s('text', { x: x(pid), y: 34, 'text-anchor': 'middle', class: 'name' }, cut(name, 18)) : null,
      ),
    );
  }

  const body = s('svg', {
    width: W,
    height: Math.max(H, 40),
    role: 'img',
    'aria-label': `sequence diagram of ${rows.length} messages`,
    'data-testid': 'trace-svg',
  });
  body.append(
    s(
      'defs',
      {},
      s(
        'marker',
        { id: 'seq-full', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'head-full' }),
      ),
      s(
        'marker',
        { id: 'seq-open', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto' },
        s('path', { d: 'M0,0 L10,5 L0,10', class: 'head-open' }),
      ),
    ),
  );
  for (const pid of lanes) {
    body.append(s('line', { x1: x(pid), y1: 0, x2: x(pid), y2: Math.max(H, 40), class: 'lifeline' }));
  }
  rows.forEach((r, i) => {
    const y = 20 + i * TRACE_ROW;
    const x2 = x(r.to);
    // A receive from a sender the trace did not see: a short arrow into the receiver.
    const x1 = r.from === null ? x2 - 34 : x(r.from);
    const kind = r.sent ? (r.received ? 'delivered' : 'sent') : 'received';
    const title = `+${r.t.toFixed(1)} ms  ${r.from ?? '(sender not traced)'} → ${r.to}\n${r.message}${r.sent && r.received ? `\nreceived at +${r.tReceived.toFixed(1)} ms` : ''}${r.sent && !r.received ? '\n(no receive traced yet)' : ''}`;
    const g = s(
      'g',
      {
        class: `arrow ${kind}`,
        'data-testid': 'trace-arrow',
        'data-from': r.from ?? '?',
        'data-to': r.to,
        'data-kind': kind,
      },
      s('title', {}, title),
      s('text', { x: 6, y: y + 4, class: 't' }, `+${r.t < 1000 ? r.t.toFixed(1) : fmtInt(Math.round(r.t))}`),
    );
    if (x1 === x2) {
      g.append(
        s('path', {
          d: `M${x1},${y - 6} h28 v12 h-28`,
          fill: 'none',
          'marker-end': r.received ? 'url(#seq-full)' : 'url(#seq-open)',
        }),
        s('text', { x: x1 + 34, y: y + 4, class: 'msg' }, cut(r.message, 24)),
      );
    } else {
      const dir = x2 > x1 ? 1 : -1;
      g.append(
        s('line', {
          x1: x1 + dir * 3,
          y1: y,
          x2: x2 - dir * 3,
          y2: y,
          'marker-end': r.received ? 'url(#seq-full)' : 'url(#seq-open)',
        }),
      );
      if (r.from === null) {
        g.append(s('text', { x: x2 + 8, y: y + 4, class: 'msg' }, `? ${cut(r.message, 24)}`));
      } else {
        const room = Math.max(8, Math.floor((Math.abs(x2 - x1) - 16) / 6.6));
        g.append(
          s('text', { x: (x1 + x2) / 2, y: y - 5, 'text-anchor': 'middle', class: 'msg' }, cut(r.message, room)),
        );
      }
    }
    body.append(g);
  });
  if (rows.length === 0) {
    body.append(
      s(
        'text',
        { x: 12, y: 26, class: 'muted' },
        state.trace.running ? 'Waiting for messages…' : 'No messages traced. Give pids and press Start.',
      ),
    );
  }
  const scroller = $('trace-view');
  const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 30;
  $('trace-lifelines').replaceChildren(head);
  $('trace-diagram').replaceChildren(body);
  $('trace-view').dataset.count = String(rows.length);
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}

const scheduleTrace = scheduler(() => {
  if (state.tab === 'trace') renderTrace();
});

function setupTrace() {
  $('trace-form').addEventListener('submit', startTrace);
  $('trace-stop').addEventListener('click', stopTrace);
  $('trace-clear').addEventListener('click', () => {
    state.trace.events = [];
    renderTrace();
  });
}

// -- tabs and polling -----------------------------------------------------------------------

let pollTimer = null;
let polling = false;

/** Refetches what the open tab shows (the process, the trees) every interval, one request at a time. */
function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

function restartPolling() {
  stopPolling();
  const load = state.tab === 'process' ? loadDetail : state.tab === 'supervisors' ? loadSupervisors : null;
  if (!load) return;
  const tick = async () => {
    if (polling) return;
    polling = true;
    try {
      await load();
    } finally {
      polling = false;
    }
  };
  tick();
  pollTimer = setInterval(tick, state.intervalMs);
}

function route() {
  const hash = location.hash.replace(/^#/, '');
  const [tab, arg] = hash.split('/');
  const tabs = ['processes', 'process', 'supervisors', 'trace'];
  state.tab = tabs.includes(tab) ? tab : 'processes';
  if (state.tab === 'process' && arg) {
    const pid = normalizePid(decodeURIComponent(arg));
    if (pid !== state.detailPid) {
      state.detailPid = pid;
      $('detail-pid').textContent = pid ?? '';
      $('kill-result').textContent = '';
      $('process-pid-input').value = pid ?? '';
    }
  }
  for (const name of tabs) {
    const selected = name === state.tab;
    const button = $(`tab-${name}`);
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${name}`).hidden = !selected;
  }
  if (state.tab === 'processes') renderTable();
  if (state.tab === 'trace') renderTrace();
  if (state.tab === 'process' && !state.detailPid) renderDetail(null, null);
  restartPolling();
}

function setupTabs() {
  const buttons = [...document.querySelectorAll('[role="tab"]')];
  for (const button of buttons) {
    button.addEventListener('click', () => {
      const tab = button.dataset.tab;
      location.hash = tab === 'process' && state.detailPid ? processHref(state.detailPid) : `#${tab}`;
    });
    button.addEventListener('keydown', (e) => {
      const i = buttons.indexOf(button);
      const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
      if (next === null) return;
      const target = buttons[(next + buttons.length) % buttons.length];
      target.focus();
      target.click();
    });
  }
  window.addEventListener('hashchange', route);
}

setupTabs();
setupTable();
setupDetail();
setupTrace();
updateTraceControls();
route();
connect();
