import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  _,
  BadArgError,
  demonitor,
  exit,
  flush,
  isAlive,
  link,
  makeRef,
  monitor,
  NoProcError,
  node,
  type Pid,
  ProcessExit,
  processFlag,
  processInfo,
  receive,
  register,
  run,
  self,
  send,
  setLogger,
  sleep,
  spawn,
  spawnMonitor,
  unlink,
} from '../../src/runtime/index.js';

/** A process that waits forever (until a signal ends it). */
const idle = () => spawn(() => receive([]));

/** Waits for the DOWN of `pid` and returns its reason. */
async function downReason(pid: Pid): Promise<unknown> {
  const ref = monitor('process', pid);
  const [, , , , reason] = await receive([['DOWN', ref, 'process', _, _]]);
  return reason;
}

describe('links', () => {
  it('a linked process dying abnormally kills the other with the same reason', () =>
    run(async () => {
      const a = idle();
      const b = spawn(async () => {
        link(a);
        await receive([]);
      });
      await sleep(1);
      const down = downReason(b);
      exit(a, 'boom');
      assert.equal(await down, 'boom');
    }));

  it('a process killed takes its linked processes down with reason killed', () =>
    run(async () => {
      const a = spawn(async () => {
        await receive(['stop']);
      });
      const b = spawn(async () => {
        link(a);
        await receive([]);
      });
      await sleep(1);
      const down = downReason(b);
      exit(a, 'kill');
      assert.equal(await down, 'killed');
    }));

  it('a normal exit does not kill linked processes', () =>
    run(async () => {
      const c = spawn(async () => {
        await receive(['stop']);
      });
      const d = spawn(async () => {
        link(c);
        await receive([]);
      });
      await sleep(1);
      assert.equal(isAlive(d), true, 'd runs, linked to c');
      const cDown = downReason(c);
      const dDown = monitor('process', d);
      send(c, 'stop');
      // The event: c exited normally (its exit signal went to d with it).
      assert.equal(await cDown, 'normal');
      // Had c's exit taken d down, d's DOWN would carry c's reason, normal;
      // it carries the kill that comes only now.
      assert.equal(isAlive(d), true);
      exit(d, 'kill');
      assert.deepEqual(await receive([['DOWN', dDown, 'process', d, _]], 1000), [
        'DOWN',
        dDown,
        'process',
        d,
        'killed',
      ]);
    }));

  it('a process trapping exits gets [EXIT, pid, reason] messages instead, normal ones too', () =>
    run(async () => {
      processFlag('trap_exit', true);
      const a = spawn(() => sleep(1));
      link(a);
      assert.deepEqual(await receive([['EXIT', a, _]]), ['EXIT', a, 'normal']);
      const b = idle();
      link(b);
      exit(b, 'bad');
      assert.deepEqual(await receive([['EXIT', b, _]]), ['EXIT', b, 'bad']);
    }));

  it('linking to a dead pid gives noproc: a message when trapping, NoProcError otherwise', () =>
    run(async () => {
      const dead = spawn(() => undefined);
      await sleep(1);
      const trapping = await run(() => {
        processFlag('trap_exit', true);
        assert.equal(link(dead), true);
        return receive([['EXIT', dead, _]], 0);
      });
      assert.deepEqual(trapping, ['EXIT', dead, 'noproc']);
      // Uncaught, the NoProcError ends the process with reason 'noproc'.
      await assert.rejects(
        run(() => link(dead)),
        (e: unknown) => e instanceof NoProcError && e.reason === 'noproc' && e.pid === dead,
      );
      const [pid, ref] = spawnMonitor(() => link(dead));
      assert.deepEqual(await receive([['DOWN', ref, _, _, _]]), ['DOWN', ref, 'process', pid, 'noproc']);
    }));

  it('a caught NoProcError from link leaves the process alive, as catch link(Dead) in Erlang', () =>
    run(async () => {
      const dead = spawn(() => undefined);
      await sleep(1);
      const outcome = await run(async () => {
        let caught: unknown;
        try {
          link(dead);
        } catch (e) {
          caught = e;
        }
        assert.ok(caught instanceof NoProcError, `expected NoProcError, got ${String(caught)}`);
        assert.equal(isAlive(self()), true);
        send(self(), 'still here');
        return receive(['still here']);
      });
      assert.equal(outcome, 'still here');
    }));

  it('unlink removes the link both ways', () =>
    run(async () => {
      const a = idle();
      link(a);
      assert.deepEqual(processInfo(a)?.links, [self()]);
      unlink(a);
      assert.deepEqual(processInfo(a)?.links, []);
      exit(a, 'boom');
      await sleep(1);
      assert.equal(isAlive(self()), true);
    }));

  it('a long chain of links dies without overflowing the stack', () =>
    run(async () => {
      // Each new process links to the one before it.
      const chain: Pid[] = [];
      let prev: Pid | undefined;
      for (let i = 0; i < 20000; i++) {
        const p: Pid | undefined = prev;
        prev = spawn(async () => {
          if (p !== undefined) link(p);
          await receive([]);
        });
        chain.push(prev);
      }
      await sleep(5);
      exit(chain[0] as Pid, 'cascade');
      assert.equal(isAlive(chain[19999] as Pid), false);
    }));
});

describe('exit signals', () => {
  it("exit(pid, 'kill') cannot be trapped and ends the target with killed; links see killed", () =>
    run(async () => {
      const target = spawn(async () => {
        processFlag('trap_exit', true);
        await receive([]);
      });
      const watcher = await run(async () => {
        processFlag('trap_exit', true);
        await sleep(1);
        link(target);
        exit(target, 'kill');
        return receive([['EXIT', target, _]]);
      });
      assert.deepEqual(watcher, ['EXIT', target, 'killed']);
    }));

  it('a process exiting with reason kill passes kill on through links as an ordinary, trappable reason', () =>
    run(async () => {
      processFlag('trap_exit', true);
      const a = spawn(() => exit('kill'));
      link(a);
      assert.deepEqual(await receive([['EXIT', a, _]]), ['EXIT', a, 'kill']);
      const b = spawn(async () => {
        await receive(['go']);
        exit('kill');
      });
      const c = spawn(async () => {
        link(b);
        await receive([]);
      });
      await sleep(1);
      const down = downReason(c);
      send(b, 'go');
      assert.equal(await down, 'kill');
    }));

  it("exit(pid, 'normal') is ignored by a target that does not trap exits", () =>
    run(async () => {
      const a = idle();
      exit(a, 'normal');
      await sleep(1);
      assert.equal(isAlive(a), true);
      exit(a, 'kill');
    }));

  it("exit(self(), 'normal') ends the caller", async () => {
    await assert.rejects(
      run(() => exit(self(), 'normal')),
      (e: unknown) => e instanceof ProcessExit && e.reason === 'normal',
    );
  });

  it("a trapping target gets ['EXIT', from, reason] from exit/2, normal included", () =>
    run(async () => {
      const me = self();
      const target = spawn(async () => {
        processFlag('trap_exit', true);
        const first = await receive([['EXIT', _, _]]);
        const second = await receive([['EXIT', _, _]]);
        send(me, ['got', first, second]);
      });
      await sleep(1);
      exit(target, 'normal');
      exit(target, 'custom');
      const [, first, second] = await receive([['got', _, _]]);
      assert.deepEqual(first, ['EXIT', me, 'normal']);
      assert.deepEqual(second, ['EXIT', me, 'custom']);
    }));

  it('processFlag returns the old value and refuses unknown flags', () =>
    run(async () => {
      assert.equal(processFlag('trap_exit', true), false);
      assert.equal(processFlag('trap_exit', false), true);
      // @ts-expect-error unknown flag
      assert.throws(() => processFlag('priority', true), BadArgError);
      // @ts-expect-error value must be a boolean
      assert.throws(() => processFlag('trap_exit', 1), /boolean/);
    }));
});

describe('monitors', () => {
  it('a monitor delivers [DOWN, ref, process, pid, reason] when the process dies', () =>
    run(async () => {
      const a = idle();
      const ref = monitor('process', a);
      exit(a, 'gone');
      assert.deepEqual(await receive([['DOWN', ref, _, _, _]]), ['DOWN', ref, 'process', a, 'gone']);
    }));

  it('monitoring a dead pid or a free name gives DOWN noproc at once', () =>
    run(async () => {
      const dead = spawn(() => undefined);
      await sleep(1);
      const ref = monitor('process', dead);
      assert.deepEqual(await receive([['DOWN', ref, _, _, _]], 0), ['DOWN', ref, 'process', dead, 'noproc']);
      const ref2 = monitor('process', 'nobody_here');
      // As Erlang's {'DOWN', Ref, process, {nobody_here, nonode@nohost}, noproc}.
      assert.deepEqual(await receive([['DOWN', ref2, _, _, _]], 0), [
        'DOWN',
        ref2,
        'process',
        ['nobody_here', 'nonode@nohost'],
        'noproc',
      ]);
    }));

  it('a monitor by registered name reports [name, node()] in its DOWN, a pid monitor the pid', () =>
    run(async () => {
      assert.equal(node(), 'nonode@nohost');
      const a = idle();
      register('monitored_by_name', a);
      const byName = monitor('process', 'monitored_by_name');
      const byPid = monitor('process', a);
      const dropped = monitor('process', 'monitored_by_name');
      assert.equal(demonitor(dropped), true);
      exit(a, 'bye');
      assert.deepEqual(await receive([['DOWN', byName, _, _, _]]), [
        'DOWN',
        byName,
        'process',
        ['monitored_by_name', node()],
        'bye',
      ]);
      assert.deepEqual(await receive([['DOWN', byPid, _, _, _]]), ['DOWN', byPid, 'process', a, 'bye']);
      assert.deepEqual(flush(), []);
    }));

  it('demonitor stops the DOWN; with flush it also removes one already queued', () =>
    run(async () => {
      const a = idle();
      const ref = monitor('process', a);
      assert.equal(demonitor(ref), true);
      exit(a, 'x');
      await sleep(1);
      assert.deepEqual(flush(), []);
      const b = idle();
      const ref2 = monitor('process', b);
      exit(b, 'y');
      assert.equal(demonitor(ref2, { flush: true }), true);
      assert.deepEqual(flush(), []);
      // @ts-expect-error not a ref
      assert.throws(() => demonitor('ref'), BadArgError);
    }));

  it('demonitor returns true even after the monitor fired; { info: true } tells whether it was removed', () =>
    run(async () => {
      // As Erlang's demonitor/1,2: true unless [info] is given.
      const a = idle();
      const fired = monitor('process', a);
      exit(a, 'x');
      const plain: true = demonitor(fired);
      assert.equal(plain, true);
      assert.equal(demonitor(fired, { info: true }), false);
      assert.deepEqual(await receive([['DOWN', fired, _, _, _]], 0), ['DOWN', fired, 'process', a, 'x']);
      assert.equal(demonitor(makeRef()), true);
      assert.equal(demonitor(makeRef(), { info: true }), false);
      const b = idle();
      assert.equal(demonitor(monitor('process', b), { info: true }), true);
      // [flush, info]: true if the monitor was removed; false if it had fired, and its DOWN is gone.
      assert.equal(demonitor(monitor('process', b), { flush: true, info: true }), true);
      const gone = monitor('process', b);
      exit(b, 'y');
      assert.equal(demonitor(gone, { flush: true, info: true }), false);
      assert.deepEqual(flush(), []);
    }));

  it('many monitors on one process each fire once', () =>
    run(async () => {
      const a = idle();
      const refs = Array.from({ length: 10 }, () => monitor('process', a));
      exit(a, 'kill');
      for (const ref of refs) {
        assert.deepEqual(await receive([['DOWN', ref, _, _, _]], 0), ['DOWN', ref, 'process', a, 'killed']);
      }
      assert.deepEqual(flush(), []);
    }));

  it('spawnMonitor returns [pid, ref] with the monitor in place before the child runs', () =>
    run(async () => {
      const previous = setLogger({ crash() {} });
      try {
        const [pid, ref] = spawnMonitor(() => {
          throw new Error('at once');
        });
        const [, , , , reason] = await receive([['DOWN', ref, 'process', pid, _]]);
        assert.equal((reason as [string, Error])[0], 'error');
      } finally {
        setLogger(previous);
      }
    }));

  it('misuse of monitor is refused with BadArgError', () =>
    run(async () => {
      // @ts-expect-error only 'process' monitors exist
      assert.throws(() => monitor('port', self()), BadArgError);
      // @ts-expect-error the target must be a pid or a name
      assert.throws(() => monitor('process', 42), /pid or a registered name/);
      // @ts-expect-error link needs a pid
      assert.throws(() => link('x'), BadArgError);
    }));
});
