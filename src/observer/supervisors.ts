import { getState, type SupervisorState } from '../otp/index.js';
import { Pid, processes, processInfo, run } from '../runtime/index.js';
import { pidText } from './print.js';
import type { SupervisorTree } from './types.js';

/**
 * Every supervision tree: each supervisor (a process beamish/otp labelled
 * `'supervisor'`) asked for its state (strategy and children, as
 * `whichChildren` lists them) with a short timeout, all at once; a
 * supervisor that is another's child is drawn inside its parent's tree,
 * the others are the roots. A child's `restarts` counts the new pids the
 * observer has seen under its id since it started.
 */

/** How long each supervisor gets to answer. */
const TIMEOUT_MS = 200;

type Child = SupervisorTree['children'][number];

/** The pid last seen under each child id, and the restarts seen, by `supervisor id`. */
export class RestartCounter {
  private seen = new Map<string, { pid: string; restarts: number }>();

  /** Records what `supervisor` has under `id` now; returns the restarts seen so far. */
  observe(supervisor: string, id: string, pid: string | null, keep: Map<string, { pid: string; restarts: number }>) {
    const key = `${supervisor} ${id}`;
    const entry = this.seen.get(key);
    let restarts = entry?.restarts ?? 0;
    let last = entry?.pid;
    if (pid !== null) {
      if (last !== undefined && last !== pid) restarts++;
      last = pid;
    }
    if (last !== undefined) keep.set(key, { pid: last, restarts });
    return restarts;
  }

  /** Keeps only the children of this round: supervisors that are gone are forgotten. */
  replace(keep: Map<string, { pid: string; restarts: number }>): void {
    this.seen = keep;
  }
}

/** The supervision trees of this node, roots first in pid order. */
export async function supervisorTrees(counter: RestartCounter): Promise<SupervisorTree[]> {
  const sups: Pid[] = [];
  for (const pid of processes()) {
    if (processInfo(pid, { extended: true })?.label === 'supervisor') sups.push(pid);
  }
  const states = await Promise.all(sups.map((sup) => stateOf(sup)));
  const keep = new Map<string, { pid: string; restarts: number }>();
  const trees = new Map<string, SupervisorTree>();
  for (let i = 0; i < sups.length; i++) {
    const sup = sups[i] as Pid;
    const state = states[i];
    if (state === undefined) continue;
    const me = pidText(sup);
    trees.set(me, {
      pid: me,
      name: processInfo(sup)?.registeredName ?? null,
      strategy: String(state.strategy),
      children: state.children.map((c): Child => {
        const id = c.id ?? 'undefined';
        const pid = c.pid instanceof Pid ? pidText(c.pid) : null;
        const restarts = c.id === undefined ? 0 : counter.observe(me, id, pid, keep);
        return { id, pid, type: c.type, restarts };
      }),
    });
  }
  counter.replace(keep);
  // Nest: a supervisor child takes its own tree's children; what is nested is no root.
  const nested = new Set<string>();
  const fill = (children: Child[], depth: number): void => {
    for (const child of children) {
      if (child.type !== 'supervisor' || child.pid === null) continue;
      const sub = trees.get(child.pid);
      if (sub === undefined) continue;
      nested.add(child.pid);
      // A tree is finite; the depth guard only stops a cycle that a race could show.
      if (depth < 32) {
        child.children = sub.children.map((c) => ({ ...c }));
        fill(child.children, depth + 1);
      }
    }
  };
  for (const tree of trees.values()) fill(tree.children, 0);
  return [...trees.values()].filter((t) => !nested.has(t.pid));
}

async function stateOf(sup: Pid): Promise<SupervisorState | undefined> {
  try {
    return await run(() => getState<SupervisorState>(sup, TIMEOUT_MS));
  } catch {
    return undefined;
  }
}
