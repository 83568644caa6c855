import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  exit,
  isAlive,
  monitor,
  type Pid,
  processInfo,
  receive,
  run,
  selfSignal,
  send,
  spawn,
} from '../../src/runtime/index.js';
import { procOf } from '../../src/runtime/process.js';

/**
 * What a dead process's pid keeps alive: nothing but itself. A pid is kept
 * long after its process has died (in a message, a map of connections, a
 * closure); it must not keep the process record, its mailbox, or what its
 * signal's abort listeners hold (a connection's socket and buffers).
 */

// The test runner does not pass --expose-gc; this gives the same gc().
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Lets pending work settle, then collects twice. */
async function collect(): Promise<void> {
  // WeakRef targets read in this turn are kept until it ends.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
}

/** A process holding `held` through its signal and a queued message; it waits forever. */
function holder(held: unknown[]): Pid {
  const pid = spawn(async () => {
    selfSignal().addEventListener('abort', () => held.fill(0));
    await receive([['never']]);
  });
  send(pid, ['queued', held]);
  return pid;
}

const runtime = new URL('../../src/runtime/index.ts', import.meta.url).href;

/** Prints the heap bytes per process, alive and dead with its pid kept. */
const MEASURE = `
const { exit, receive, run, selfSignal, send, spawn } = await import(${JSON.stringify(runtime)});
const settle = () => new Promise((resolve) => setImmediate(resolve));
const heap = async () => { await settle(); gc(); gc(); return process.memoryUsage().heapUsed; };
const n = 20000;
await run(async () => {
  const pids = new Array(n);
  const before = await heap();
  for (let i = 0; i < n; i++) {
    const held = new Array(100).fill(i);
    pids[i] = spawn(async () => {
      selfSignal().addEventListener('abort', () => held.fill(0));
      await receive([['never']]);
    });
    send(pids[i], ['queued', held]);
  }
  const alive = await heap();
  for (const pid of pids) exit(pid, 'kill');
  const dead = await heap();
  console.log(JSON.stringify({ alive: (alive - before) / n, dead: (dead - before) / n, kept: pids.length }));
});
`;

describe('dead pids', () => {
  it('a dead process is freed while its pid is kept: record, mailbox and what its listeners held', () =>
    run(async () => {
      let held: unknown[] | undefined = new Array(1000).fill(1);
      const pid = holder(held);
      let queued: unknown[] | undefined = new Array(1000).fill(2);
      send(pid, ['also', queued]);
      await new Promise((resolve) => setImmediate(resolve));
      const record = new WeakRef(procOf(pid));
      const listenerHeld = new WeakRef(held);
      const message = new WeakRef(queued);
      held = undefined;
      queued = undefined;
      const ref = monitor('process', pid);
      exit(pid, 'kill');
      assert.deepEqual(await receive([['DOWN', ref, 'process', pid, 'killed']]), [
        'DOWN',
        ref,
        'process',
        pid,
        'killed',
      ]);
      await collect();
      assert.equal(record.deref(), undefined, 'the process record');
      assert.equal(listenerHeld.deref(), undefined, 'what its abort listener held');
      assert.equal(message.deref(), undefined, 'its queued messages');
      // The pid still answers as a dead process's.
      assert.equal(isAlive(pid), false);
      assert.equal(processInfo(pid), undefined);
      assert.equal(String(pid).startsWith('<0.'), true);
    }));

  it('a dead process costs tens of bytes while its pid is kept', () => {
    // Measured in a fresh Node: the test runner's own async bookkeeping
    // grows with every promise made and would blur the figure.
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', MEASURE],
      {
        cwd: fileURLToPath(new URL('../../', import.meta.url)),
        encoding: 'utf8',
      },
    );
    assert.equal(child.status, 0, child.stderr);
    const { alive, dead } = JSON.parse(child.stdout) as { alive: number; dead: number };
    // Alive, each held an array of 100 numbers, a signal and its listener.
    assert.ok(alive > 1000, `${alive.toFixed(0)} bytes each alive`);
    // Dead, a pid is an object of two fields (40 bytes without pointer
    // compression) and its slot in the array that keeps it (8).
    assert.ok(dead < 100, `${dead.toFixed(0)} bytes each dead`);
  });
});
