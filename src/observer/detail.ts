import { getState } from '../otp/index.js';
import { type Pid, type ProcessInfo, processes, processInfo, run } from '../runtime/index.js';
import { pidText, shortTerm } from './print.js';
import { rowOf } from './snapshot.js';
import type { ProcessDetail, ProcessRow } from './types.js';

/**
 * One process looked into: its row, its state (a GenServer's or
 * GenStatem's, through `getState`, given 100 ms), its first queued
 * messages, and the processes around it (links and monitors, two hops).
 */

/** How long a behaviour's process gets to answer `getState`. */
const STATE_TIMEOUT_MS = 100;
/** Queued messages shown. */
const MESSAGES = 20;
/** The longest a printed message or state may be. */
const MESSAGE_CHARS = 1000;
const STATE_CHARS = 20_000;
/** The graph stops growing here: a supervisor of 10,000 children is linked to them all. */
const GRAPH_NODES = 100;

/**
 * The pid that `text` names among the live processes (`'0.42.0'` or
 * `'<0.42.0>'`), or undefined.
 */
export function findPid(text: string): Pid | undefined {
  const m = /^<?0\.(\d+)\.0>?$/.exec(text.trim());
  if (m === null) return undefined;
  const serial = Number(m[1]);
  for (const pid of processes()) if (pid.serial === serial) return pid;
  return undefined;
}

/**
 * The detail of `pid`, or undefined if it is not alive. `before` is its
 * row in the observer's last collection, for `receivedDelta`. Runs its
 * `getState` in a process of its own, which the observer's caller
 * (the observer's own process) spawns.
 */
export async function processDetail(pid: Pid, before: ProcessRow | undefined): Promise<ProcessDetail | undefined> {
  const info = processInfo(pid, { extended: true, messages: MESSAGES });
  if (info === undefined) return undefined;
  const row = rowOf(pid, info, before);
  let state: string | null = null;
  if (row.behaviour === 'gen_server' || row.behaviour === 'gen_statem') {
    try {
      state = shortTerm(await run(() => getState(pid, STATE_TIMEOUT_MS)), STATE_CHARS);
    } catch {
      // Busy for longer than the timeout, or gone meanwhile: no state to show.
      state = null;
    }
  }
  return {
    ...row,
    state,
    messages: info.messages.map((m) => shortTerm(m, MESSAGE_CHARS)),
    graph: graphOf(pid),
  };
}

/** The links and monitors around `center`, two hops out. */
export function graphOf(center: Pid): ProcessDetail['graph'] {
  const nodes = new Map<Pid, string | null>();
  const edges: ProcessDetail['graph']['edges'] = [];
  const seenLinks = new Set<string>();
  let frontier: Pid[] = [center];
  const infos = new Map<Pid, ProcessInfo | undefined>();
  const infoOf = (pid: Pid): ProcessInfo | undefined => {
    if (!infos.has(pid)) infos.set(pid, processInfo(pid));
    return infos.get(pid);
  };
  nodes.set(center, infoOf(center)?.registeredName ?? null);
  for (let hop = 0; hop < 2; hop++) {
    const next: Pid[] = [];
    for (const pid of frontier) {
      const info = infoOf(pid);
      if (info === undefined) continue;
      for (const other of [...info.links, ...info.monitors.map((m) => m.pid), ...info.monitoredBy]) {
        if (nodes.has(other) || nodes.size >= GRAPH_NODES) continue;
        nodes.set(other, infoOf(other)?.registeredName ?? null);
        next.push(other);
      }
    }
    frontier = next;
  }
  // Every link and monitor between two processes of the graph, once each.
  for (const pid of nodes.keys()) {
    const info = infoOf(pid);
    if (info === undefined) continue;
    const me = pidText(pid);
    for (const other of info.links) {
      if (!nodes.has(other)) continue;
      const them = pidText(other);
      const key = me < them ? `${me} ${them}` : `${them} ${me}`;
      if (seenLinks.has(key)) continue;
      seenLinks.add(key);
      edges.push({ from: me, to: them, kind: 'link' });
    }
    for (const m of info.monitors) {
      if (nodes.has(m.pid)) edges.push({ from: me, to: pidText(m.pid), kind: 'monitor' });
    }
  }
  return { nodes: [...nodes].map(([pid, name]) => ({ pid: pidText(pid), name })), edges };
}
