import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  _,
  BadArgError,
  type CrashReport,
  exit,
  flush,
  isAlive,
  ProcessExit,
  processFlag,
  receive,
  run,
  self,
  selfSignal,
  send,
  setLogger,
  sleep,
  spawn,
  spawnLink,
  spawnMonitor,
} from '../../src/runtime/index.js';

/** Collects crash reports while `fn` runs. */
async function withCrashes<T>(fn: (reports: CrashReport[]) => Promise<T>): Promise<T> {
  const reports: CrashReport[] = [];
  const previous = setLogger({ crash: (r) => reports.push(r) });
  try {
    return await fn(reports);
  } finally {
    setLogger(previous);
  }
}

describe('processes', () => {
  it('spawn returns a pid at once; the process runs after spawn returns', () =>
    run(async () => {
      const me = self();
      let ran = false;
      const pid = spawn(() => {
        ran = true;
        send(me, ['started', self()]);
      });
      assert.equal(ran, false);
      assert.deepEqual(await receive([['started', _]]), ['started', pid]);
    }));

  it('a process that returns exits normal', () =>
    run(async () => {
      const [pid, ref] = spawnMonitor(async () => 'done');
      assert.deepEqual(await receive([['DOWN', ref, _, _, _]]), ['DOWN', ref, 'process', pid, 'normal']);
      assert.equal(isAlive(pid), false);
    }));

  it('a process that throws exits with [error, err] and is reported once to the logger', () =>
    withCrashes(async (reports) =>
      run(async () => {
        const boom = new Error('boom');
        const [pid, ref] = spawnMonitor(async () => {
          await sleep(1);
          throw boom;
        });
        const [, , , , reason] = await receive([['DOWN', ref, 'process', pid, _]]);
        assert.deepEqual(reason, ['error', boom]);
        assert.equal((reason as [string, Error])[1].stack, boom.stack);
        assert.equal(reports.length, 1);
        assert.equal(reports[0]?.pid, pid);
        assert.equal(reports[0]?.error, boom);
      }),
    ));

  it('exit(reason) ends the process with that reason and is not reported as a crash', () =>
    withCrashes(async (reports) =>
      run(async () => {
        const [pid, ref] = spawnMonitor(() => exit(['shutdown', 'bye']));
        const down = await receive([['DOWN', ref, 'process', pid, _]]);
        assert.deepEqual(down[4], ['shutdown', 'bye']);
        assert.equal(reports.length, 0);
      }),
    ));

  it('a logger that throws does not take the runtime down', () =>
    run(async () => {
      const previous = setLogger({
        crash() {
          throw new Error('logger broke');
        },
      });
      const errors: unknown[] = [];
      const origError = console.error;
      console.error = (...args: unknown[]) => errors.push(args);
      try {
        const [pid, ref] = spawnMonitor(() => {
          throw new Error('crash');
        });
        await receive([['DOWN', ref, 'process', pid, _]]);
        assert.ok(errors.length >= 1);
      } finally {
        console.error = origError;
        setLogger(previous);
      }
    }));

  it('setLogger refuses a bad logger with BadArgError, keeping the one in force', () => {
    const mine = { crash() {} };
    const previous = setLogger(mine);
    try {
      for (const bad of [null, {}, { crash: 'no' }, 'console']) {
        assert.throws(
          // @ts-expect-error not a Logger
          () => setLogger(bad),
          (e: unknown) => e instanceof BadArgError && e.fn === 'setLogger' && e.argument === 'logger',
        );
      }
    } finally {
      assert.equal(setLogger(previous), mine);
    }
  });

  it('no unhandled rejection escapes from crashing processes', async () => {
    const seen: unknown[] = [];
    const onUnhandled = (e: unknown) => seen.push(e);
    process.on('unhandledRejection', onUnhandled);
    const previous = setLogger({ crash() {} });
    try {
      await run(async () => {
        const refs = [
          spawnMonitor(async () => {
            throw new Error('async');
          })[1],
          spawnMonitor(() => {
            throw new Error('sync');
          })[1],
          spawnMonitor(() => Promise.reject(new Error('rejected')))[1],
        ];
        for (const ref of refs) await receive([['DOWN', ref, _, _, _]]);
        await sleep(5);
      });
    } finally {
      process.off('unhandledRejection', onUnhandled);
      setLogger(previous);
    }
    assert.deepEqual(seen, []);
  });

  it('a dead process: messages to it are dropped, its next receive and send throw ProcessExit', () =>
    run(async () => {
      const me = self();
      const unwound: unknown[] = [];
      let release: () => void = () => undefined;
      const busy = new Promise<void>((r) => {
        release = r;
      });
      const pid = spawn(async () => {
        // Busy elsewhere (not in receive) when the kill lands.
        await busy;
        try {
          await receive([_]);
        } catch (err) {
          unwound.push(err instanceof ProcessExit ? err.reason : err);
        }
        try {
          send(me, 'from the dead');
        } catch (err) {
          unwound.push(err instanceof ProcessExit ? err.reason : err);
        }
      });
      await sleep(1);
      exit(pid, 'kill');
      assert.equal(isAlive(pid), false);
      send(pid, 'dropped'); // does not throw
      release();
      await sleep(5);
      assert.deepEqual(unwound, ['killed', 'killed']);
      assert.deepEqual(flush(), []);
    }));

  it("a process's AbortSignal aborts when it dies", () =>
    run(async () => {
      const me = self();
      const pid = spawn(async () => {
        const signal = selfSignal();
        send(me, ['signal', signal]);
        await receive([]);
      });
      const [, signal] = await receive([['signal', _]]);
      const s = signal as AbortSignal;
      assert.equal(s.aborted, false);
      exit(pid, 'stop');
      assert.equal(s.aborted, true);
      assert.ok(s.reason instanceof ProcessExit);
      assert.equal((s.reason as ProcessExit).reason, 'stop');
    }));

  it('abort listeners on selfSignal() run as the dying process; what they throw goes to the crash logger', () =>
    withCrashes((reports) =>
      run(async () => {
        const me = self();
        const ran: Array<[string, unknown]> = [];
        const pid = spawn(async () => {
          const signal = selfSignal();
          signal.addEventListener('abort', () => {
            ran.push(['listener', self()]);
            throw new Error('listener boom');
          });
          signal.onabort = () => {
            ran.push(['onabort', self()]);
            throw new Error('onabort boom');
          };
          signal.addEventListener('abort', {
            handleEvent() {
              ran.push(['object', self()]);
            },
          });
          const removed = () => ran.push(['removed', self()]);
          signal.addEventListener('abort', removed);
          signal.removeEventListener('abort', removed);
          send(me, 'armed');
          await receive([]);
        });
        await receive(['armed']);
        exit(pid, 'kill');
        assert.deepEqual(ran, [
          ['listener', pid],
          ['onabort', pid],
          ['object', pid],
        ]);
        assert.equal(self(), me);
        assert.deepEqual(
          reports.map((r) => [r.pid, (r.error as Error).message, r.reason]),
          [
            [pid, 'listener boom', 'killed'],
            [pid, 'onabort boom', 'killed'],
          ],
        );
        await sleep(5);
      }),
    ));

  it('a throwing abort listener on selfSignal() does not crash Node', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const dir = join(root, '.tmp', `abort-listener-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      const file = join(dir, 'throwing-listener.ts');
      writeFileSync(
        file,
        [
          "import { exit, receive, selfSignal, sleep, spawn } from '../../src/runtime/index.js';",
          'const pid = spawn(async () => {',
          "  selfSignal().addEventListener('abort', () => {",
          "    throw new Error('listener boom');",
          '  });',
          '  await receive([]);',
          '});',
          'await sleep(5);',
          "exit(pid, 'kill');",
          'await sleep(20);',
          "console.log('node survived');",
        ].join('\n'),
      );
      const child = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout.trim(), 'node survived');
      assert.match(child.stderr, /Error in process <0\.\d+\.0>[\s\S]*listener boom/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('spawnLink links before the child runs', () =>
    run(async () => {
      processFlag('trap_exit', true);
      const pid = spawnLink(() => exit('early'));
      assert.deepEqual(await receive([['EXIT', pid, _]]), ['EXIT', pid, 'early']);
    }));

  it('run resolves with the result, rejects with the error, or with ProcessExit when killed', async () => {
    assert.equal(await run(() => 42), 42);
    const previous = setLogger({ crash() {} });
    try {
      await assert.rejects(
        run(() => {
          throw new Error('inner');
        }),
        /inner/,
      );
    } finally {
      setLogger(previous);
    }
    await assert.rejects(
      run(async () => {
        exit(self(), 'kill');
      }),
      (e: unknown) => e instanceof ProcessExit && e.reason === 'killed',
    );
  });

  it('misuse of spawn is refused with BadArgError', () => {
    // @ts-expect-error not a function
    assert.throws(() => spawn(42), BadArgError);
    // @ts-expect-error not a function
    assert.throws(() => spawnLink('x'), /expected a function/);
    // @ts-expect-error options must be an object
    assert.throws(() => spawn(() => 1, 5), /opts/);
  });
});

describe('the shell process', () => {
  it('top-level code acts as one implicit process that can send to itself and receive', async () => {
    const me = self();
    assert.equal(self(), me);
    send(me, ['hello', 'shell']);
    assert.deepEqual(await receive([['hello', _]]), ['hello', 'shell']);
    flush();
  });

  it('a killed shell throws ProcessExit once, then a fresh shell takes over', async () => {
    const before = self();
    assert.throws(
      () => exit(before, 'kill'),
      (e: unknown) => e instanceof ProcessExit && e.reason === 'killed',
    );
    assert.equal(isAlive(before), false);
    const after = self();
    assert.notEqual(after, before);
    assert.equal(isAlive(after), true);
    send(after, 'works');
    assert.equal(await receive(['works'], 0), 'works');
  });
});
