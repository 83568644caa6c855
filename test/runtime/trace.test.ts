import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  _,
  BadArgError,
  exit,
  flush,
  link,
  type Pid,
  receive,
  register,
  run,
  self,
  send,
  spawn,
  trace,
  traceCall,
  traceInfo,
  unlink,
} from '../../src/runtime/index.js';

/** Waits until `pid` has started and sits in a receive. */
const idle = (): Promise<unknown> => receive([], 10, null);

describe('trace (erlang:trace/3)', () => {
  it("'send' and 'receive': one trace message per send and per arrival, to the caller as tracer", async () => {
    await run(async () => {
      const me = self();
      const echo = spawn(async () => {
        const [, from, m] = await receive([['echo', _, _]]);
        send(from as Pid, ['echoed', m]);
      });
      await idle();
      assert.equal(trace(echo, true, ['send', 'receive']), 1);
      send(echo, ['echo', me, 'hi']);
      assert.deepEqual(await receive([['echoed', _]], 500), ['echoed', 'hi']);
      assert.deepEqual(await receive([['trace', echo, 'receive', _]], 500), [
        'trace',
        echo,
        'receive',
        ['echo', me, 'hi'],
      ]);
      assert.deepEqual(await receive([['trace', echo, 'send', _, _]], 500), [
        'trace',
        echo,
        'send',
        ['echoed', 'hi'],
        me,
      ]);
    });
  });

  it("'procs': spawn, link, getting_linked, register, unlink and exit, in Erlang's shapes", async () => {
    await run(async () => {
      const parent = spawn(async function parentLoop() {
        await receive(['go']);
        const child = spawn(function childLoop() {
          return receive(['stop']);
        });
        link(child);
        register('traced_parent', self());
        unlink(child);
        send(child, 'stop');
        exit('bye');
      });
      await idle();
      trace(parent, true, ['procs']);
      send(parent, 'go');
      const events: unknown[] = [];
      for (let i = 0; i < 5; i++)
        events.push(
          await receive(
            [
              ['trace', parent, _, _],
              ['trace', parent, _, _, _],
            ],
            500,
          ),
        );
      const child = (events[0] as unknown[])[3];
      assert.deepEqual(events, [
        ['trace', parent, 'spawn', child, 'childLoop'],
        ['trace', parent, 'link', child],
        ['trace', parent, 'register', 'traced_parent'],
        ['trace', parent, 'unlink', child],
        ['trace', parent, 'exit', 'bye'],
      ]);
    });
  });

  it("'set_on_spawn': a child inherits the flags and reports 'spawned' with its parent", async () => {
    await run(async () => {
      const parent = spawn(async () => {
        await receive(['go']);
        spawn(function inherited() {
          send(self(), 'to-myself');
        });
      });
      await idle();
      trace(parent, true, ['procs', 'receive', 'set_on_spawn']);
      send(parent, 'go');
      const [, , , child] = await receive([['trace', parent, 'spawn', _, _]], 500);
      assert.deepEqual(await receive([['trace', child, 'spawned', _, _]], 500), [
        'trace',
        child,
        'spawned',
        parent,
        'inherited',
      ]);
      assert.deepEqual(await receive([['trace', child, 'receive', _]], 500), ['trace', child, 'receive', 'to-myself']);
      assert.deepEqual(await receive([['trace', child, 'exit', _]], 500), ['trace', child, 'exit', 'normal']);
    });
  });

  it('a send to a dead pid is traced as send_to_non_existing_process', async () => {
    await run(async () => {
      const dead = spawn(() => undefined);
      await idle();
      const sender = spawn(async () => {
        await receive(['go']);
        send(dead, 'into-the-void');
      });
      await idle();
      trace(sender, true, ['send']);
      send(sender, 'go');
      assert.deepEqual(await receive([['trace', sender, _, _, _]], 500), [
        'trace',
        sender,
        'send_to_non_existing_process',
        'into-the-void',
        dead,
      ]);
    });
  });

  it("'call': traceCall reports only while the flag is on; trace(pid, false, ...) turns it off", async () => {
    await run(async () => {
      const me = self();
      const p = spawn(async () => {
        for (;;) {
          const m = await receive([_]);
          traceCall(['handled', m]);
          send(me, ['done', m]);
        }
      });
      await idle();
      trace(p, true, ['call']);
      assert.deepEqual(traceInfo(p), { flags: ['call'], tracer: me });
      send(p, 1);
      assert.deepEqual(await receive([['trace', p, 'call', _]], 500), ['trace', p, 'call', ['handled', 1]]);
      await receive([['done', 1]], 500);
      trace(p, false, ['all']);
      assert.equal(traceInfo(p), undefined);
      send(p, 2);
      await receive([['done', 2]], 500);
      assert.deepEqual(flush(), [], 'no trace message once tracing is off');
      exit(p, 'kill');
    });
  });

  it('a tracer traced for receive does not trace its own trace messages; tracing ends when the tracer dies', async () => {
    await run(async () => {
      const me = self();
      const p = spawn(() => receive(['stop']));
      const tracer = spawn(async () => {
        for (;;) send(me, ['got', await receive([_])]);
      });
      await idle();
      trace(tracer, true, ['receive'], { tracer });
      trace(p, true, ['receive'], { tracer });
      send(p, 'hello');
      assert.deepEqual(await receive([['got', _]], 500), ['got', ['trace', p, 'receive', 'hello']]);
      assert.deepEqual(await receive([], 30, 'quiet'), 'quiet');
      exit(tracer, 'kill');
      await idle();
      send(p, 'stop');
      await idle();
      assert.deepEqual(flush(), []);
    });
  });

  it('misuse is refused with BadArgError', async () => {
    await run(async () => {
      const dead = spawn(() => undefined);
      await idle();
      assert.throws(() => trace(self(), true, ['sends' as never]), BadArgError);
      assert.throws(() => trace(self(), true, ['toString' as never]), BadArgError);
      assert.throws(() => trace(self(), 'yes' as never, ['send']), BadArgError);
      assert.throws(() => trace(dead, true, ['send']), /not alive/);
      assert.throws(() => trace(self(), true, ['send'], { tracer: dead }), /tracer .* is not alive/);
      assert.throws(() => trace('name' as never, true, ['send']), BadArgError);
    });
  });
});
