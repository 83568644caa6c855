import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import {
  CallError,
  type From,
  GenServer,
  getState,
  replaceState,
  StartError,
  statistics,
} from '../../src/otp/index.js';
import {
  _,
  configure,
  ErlangList,
  exit,
  flush,
  isAlive,
  monitor,
  nameAt,
  node,
  type Pid,
  ProcessExit,
  processFlag,
  receive,
  run,
  self,
  send,
  setLogger,
  spawn,
  whereis,
} from '../../src/runtime/index.js';

type CounterCalls = readonly [['get'], number] | readonly [['add', number], number];

const counter: GenServer<number, CounterCalls, ['reset'], unknown, number> = {
  name: 'counter',
  init: (start) => ['ok', start],
  handleCall(request, _from, n) {
    if (request[0] === 'get') return ['reply', n, n];
    return ['reply', n + request[1], n + request[1]];
  },
  handleCast: (_request, _n) => ['noreply', 0],
};

/** Runs `fn` with crash reports silenced (tests that crash servers on purpose). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const previous = setLogger({ crash() {} });
  try {
    return await fn();
  } finally {
    setLogger(previous);
  }
}

describe('GenServer', () => {
  it('start runs init before it returns; call replies with the typed reply; cast changes state', async () => {
    await run(async () => {
      const pid = await GenServer.start(counter, 5);
      const n: number = await GenServer.call(pid, ['get']);
      assert.equal(n, 5);
      assert.equal(await GenServer.call(pid, ['add', 3]), 8);
      GenServer.cast(pid, ['reset']);
      assert.equal(await GenServer.call(pid, ['get']), 0);
      await GenServer.stop(pid);
      assert.equal(isAlive(pid), false);
    });
  });

  it("[name, node()] is a server ref too, as Erlang's {Name, node()}; on an undistributed node, another node's name is {nodedown, Node} (gen.erl do_for_proc)", async () => {
    await run(async () => {
      const pid = await GenServer.start(counter, 4, { name: 'gs_at_node' });
      assert.equal(await GenServer.call<number>(['gs_at_node', node()], ['get']), 4);
      assert.equal(nameAt('gs_at_node', node()), pid);
      assert.equal(nameAt('gs_at_node', 'elsewhere@127.0.0.1'), undefined);
      await assert.rejects(GenServer.call(['gs_at_node', 'elsewhere@127.0.0.1'], ['get']), (e: unknown) => {
        return e instanceof CallError && isDeepStrictEqual(e.why, ['nodedown', 'elsewhere@127.0.0.1']);
      });
      await assert.rejects(GenServer.stop(['gs_at_node', 'elsewhere@127.0.0.1']), (e: unknown) => {
        return e instanceof CallError && isDeepStrictEqual(e.reason, ['nodedown', 'elsewhere@127.0.0.1']);
      });
      await GenServer.stop(['gs_at_node', node()]);
      assert.equal(isAlive(pid), false);
      assert.throws(() => nameAt('', node()), /nameAt: bad argument 'name'/);
    });
  });

  it('a server registered by name answers calls by name; the name is freed when it stops', async () => {
    await run(async () => {
      const pid = await GenServer.start(counter, 1, { name: 'gs_counter' });
      assert.equal(whereis('gs_counter'), pid);
      assert.equal(await GenServer.call<number>('gs_counter', ['get']), 1);
      await assert.rejects(GenServer.start(counter, 1, { name: 'gs_counter' }), (e: unknown) => {
        assert.ok(e instanceof StartError);
        assert.deepEqual(e.reason, ['already_started', pid]);
        return true;
      });
      await GenServer.stop('gs_counter');
      assert.equal(whereis('gs_counter'), undefined);
    });
  });

  it('gen_server manual: a call to a name nothing holds fails with noproc, and to a dead pid too', async () => {
    await run(async () => {
      await assert.rejects(GenServer.call('gs_nobody', ['get']), (e: unknown) => {
        assert.ok(e instanceof CallError);
        assert.equal(e.why, 'noproc');
        assert.deepEqual(e.reason, ['noproc', ['gen_server', 'call', new ErlangList(['gs_nobody', ['get'], 5000])]]);
        return true;
      });
      const pid = await GenServer.start(counter, 0);
      await GenServer.stop(pid);
      await assert.rejects(GenServer.call(pid, ['get']), (e: unknown) => e instanceof CallError && e.why === 'noproc');
      assert.deepEqual(flush(), [], 'no DOWN left behind');
    });
  });

  it('a server that dies during the call: the caller gets its exit reason', async () => {
    await run(async () => {
      const dying: GenServer<null, readonly [['die'], never]> = {
        init: () => ['ok', null],
        handleCall: () => ['stop', 'boom', null],
      };
      const pid = await GenServer.start(dying, undefined);
      await assert.rejects(GenServer.call(pid, ['die']), (e: unknown) => e instanceof CallError && e.why === 'boom');
      const crashing: GenServer<null, readonly [['crash'], never]> = {
        init: () => ['ok', null],
        handleCall: () => {
          throw new Error('handler failed');
        },
      };
      const pid2 = await GenServer.start(crashing, undefined);
      await quietly(() =>
        assert.rejects(GenServer.call(pid2, ['crash']), (e: unknown) => {
          assert.ok(e instanceof CallError);
          const why = e.why as [string, Error];
          assert.equal(why[0], 'error');
          assert.equal(why[1].message, 'handler failed');
          return true;
        }),
      );
    });
  });

  it("a call that times out leaves no stray reply in the caller's mailbox (OTP uses an alias)", async () => {
    await run(async () => {
      const slow: GenServer<null, readonly [['slow', number], 'done']> = {
        init: () => ['ok', null],
        async handleCall(request, _from, s) {
          await receive([], request[1], null);
          return ['reply', 'done', s];
        },
      };
      const pid = await GenServer.start(slow, undefined);
      await assert.rejects(GenServer.call(pid, ['slow', 80], 20), (e: unknown) => {
        assert.ok(e instanceof CallError);
        assert.equal(e.why, 'timeout');
        assert.deepEqual(e.reason, ['timeout', ['gen_server', 'call', new ErlangList([pid, ['slow', 80], 20])]]);
        return true;
      });
      // The server replies 60 ms later; the reply must be dropped.
      await receive([], 120, null);
      assert.deepEqual(flush(), []);
      assert.equal(await GenServer.call(pid, ['slow', 0]), 'done', 'the server is still fine');
      await GenServer.stop(pid);
    });
  });

  it('gen_server: a call to itself raises calling_self instead of deadlocking', async () => {
    await run(async () => {
      const me = self();
      const selfish: GenServer<null, readonly [['self'], unknown]> = {
        init: () => ['ok', null],
        async handleCall(_req, _from, s) {
          try {
            await GenServer.call(self(), ['self']);
          } catch (e) {
            return ['reply', (e as CallError).why, s];
          }
          return ['reply', 'no error', s];
        },
      };
      const pid = await GenServer.start(selfish, undefined);
      assert.equal(await GenServer.call(pid, ['self']), 'calling_self');
      assert.equal(me, self());
      await GenServer.stop(pid);
    });
  });

  it("an uncaught CallError makes the caller exit with Erlang's reason {noproc, {gen_server, call, ...}}", async () => {
    await run(async () => {
      const caller = spawn(async () => {
        await GenServer.call('gs_missing', 'hello', 100);
      });
      const ref = monitor('process', caller);
      const [, , , , reason] = await receive([['DOWN', ref, _, _, _]], 500);
      assert.deepEqual(reason, ['noproc', ['gen_server', 'call', new ErlangList(['gs_missing', 'hello', 100])]]);
    });
  });

  it('reply(from, value) answers later, from another process (a deferred reply)', async () => {
    await run(async () => {
      const deferred: GenServer<null, readonly [['later'], string]> = {
        init: () => ['ok', null],
        handleCall(_req, from, s) {
          spawn(async () => {
            await receive([], 10, null);
            GenServer.reply(from, 'from a helper');
          });
          return ['noreply', s];
        },
      };
      const pid = await GenServer.start(deferred, undefined);
      assert.equal(await GenServer.call(pid, ['later'], 1000), 'from a helper');
      await GenServer.stop(pid);
    });
  });

  it("handleInfo gets other messages; a timeout action sends it 'timeout' when nothing arrives", async () => {
    await run(async () => {
      const me = self();
      const ticker: GenServer<number, readonly [['count'], number], never, 'poke'> = {
        init: () => ['ok', 0, 20],
        handleCall: (_r, _f, n) => ['reply', n, n],
        handleInfo(message, n) {
          send(me, ['info', message]);
          return ['noreply', n + 1];
        },
      };
      const pid = await GenServer.start(ticker, undefined);
      assert.deepEqual(await receive([['info', _]], 500), ['info', 'timeout']);
      send(pid, 'poke');
      assert.deepEqual(await receive([['info', _]], 500), ['info', 'poke']);
      assert.equal(await GenServer.call(pid, ['count']), 2);
      await GenServer.stop(pid);
    });
  });

  it("['continue', c] runs handleContinue before any message, as OTP 21's handle_continue", async () => {
    await run(async () => {
      const cont: GenServer<string[], readonly [['log'], string[]]> = {
        init: () => ['ok', ['init'], ['continue', 'setup']],
        handleContinue: (c, log) => ['noreply', [...log, `continue:${String(c)}`]],
        handleCall: (_r, _f, log) => ['reply', log, log],
      };
      const pid = await GenServer.start(cont, undefined);
      assert.deepEqual(await GenServer.call(pid, ['log']), ['init', 'continue:setup']);
      await GenServer.stop(pid);
    });
  });

  it('init results: stop and ignore fail start with StartError; a throwing init gives its crash reason', async () => {
    await run(async () => {
      await assert.rejects(
        GenServer.start({ init: () => ['stop', 'no_config'] }, undefined),
        (e: unknown) => e instanceof StartError && e.reason === 'no_config',
      );
      await assert.rejects(
        GenServer.start({ init: () => 'ignore' }, undefined),
        (e: unknown) => e instanceof StartError && e.reason === 'ignore',
      );
      await quietly(() =>
        assert.rejects(
          GenServer.start(
            {
              init: () => {
                throw new Error('bad init');
              },
            },
            undefined,
          ),
          (e: unknown) => e instanceof StartError && Array.isArray(e.reason) && e.reason[0] === 'error',
        ),
      );
      await assert.rejects(
        GenServer.start({ init: () => ['okay', 1] as never }, undefined),
        (e: unknown) => e instanceof StartError && Array.isArray(e.reason) && e.reason[0] === 'bad_return_value',
      );
    });
  });

  it("terminate runs on stop, on a stop result, on a crash, and on the parent's exit when trapping exits", async () => {
    await run(async () => {
      const me = self();
      const spec: GenServer<string, readonly [unknown, unknown], 'crash' | 'stop', unknown, boolean> = {
        init(trap) {
          if (trap === true) processFlag('trap_exit', true);
          return ['ok', 'state'];
        },
        handleCast(request, s) {
          if (request === 'crash') throw new Error('cast crashed');
          return ['stop', 'asked', s];
        },
        terminate(reason, s) {
          send(me, ['terminated', reason, s]);
        },
      };
      const a = await GenServer.start(spec, false);
      await GenServer.stop(a, 'bye');
      assert.deepEqual(await receive([['terminated', _, _]], 200), ['terminated', 'bye', 'state']);

      const b = await GenServer.start(spec, false);
      GenServer.cast(b, 'stop');
      assert.deepEqual(await receive([['terminated', _, _]], 200), ['terminated', 'asked', 'state']);

      const c = await GenServer.start(spec, false);
      await quietly(async () => {
        GenServer.cast(c, 'crash');
        const [, reason] = await receive([['terminated', _, _]], 200);
        assert.equal((reason as [string, Error])[1].message, 'cast crashed');
      });

      // A parent that exits: the linked server traps exits, so it runs terminate.
      const parent = spawn(async () => {
        await GenServer.startLink(spec, true);
        send(me, 'started');
        await receive(['never']);
      });
      await receive(['started'], 500);
      exit(parent, 'parent_gone');
      assert.deepEqual(await receive([['terminated', _, _]], 200), ['terminated', 'parent_gone', 'state']);
    });
  });

  it('gen_server manual: terminate is not called when the server is killed, nor when a link ends a server that does not trap exits', async () => {
    await run(async () => {
      const me = self();
      // Recorded without the runtime: a dead process's sends are refused.
      const terminated: unknown[] = [];
      const spec: GenServer<null> = {
        init: () => ['ok', null],
        terminate(reason) {
          terminated.push(reason);
        },
      };
      const killed = await GenServer.start(spec, undefined);
      const ref = monitor('process', killed);
      exit(killed, 'kill');
      assert.deepEqual(await receive([['DOWN', ref, _, _, _]], 500), ['DOWN', ref, 'process', killed, 'killed']);
      const parent = spawn(async () => {
        await GenServer.startLink(spec, undefined);
        send(me, 'started');
        await receive(['never']);
      });
      await receive(['started'], 500);
      exit(parent, 'parent_gone');
      await receive([], 50, null);
      assert.deepEqual(terminated, []);
    });
  });

  it('stop with a timeout kills a server whose terminate hangs, and fails with timeout', async () => {
    await run(async () => {
      const stuck: GenServer<null> = {
        init: () => ['ok', null],
        terminate: () => receive(['never']),
      };
      const pid = await GenServer.start(stuck, undefined);
      await assert.rejects(
        GenServer.stop(pid, 'normal', 30),
        (e: unknown) => e instanceof CallError && e.why === 'timeout',
      );
      await receive([], 10, null);
      assert.equal(isAlive(pid), false);
    });
  });

  it('sys: getState, replaceState and statistics look into a running server', async () => {
    await run(async () => {
      const pid = await GenServer.start(counter, 7);
      assert.equal(await getState<number>(pid), 7);
      assert.equal(await replaceState<number>(pid, (n) => n * 2), 14);
      assert.equal(await GenServer.call(pid, ['get']), 14);
      GenServer.cast(pid, ['reset']);
      const stats = await statistics(pid);
      assert.equal(stats.messagesIn, 2);
      assert.equal(stats.messagesOut, 1);
      assert.ok(stats.startTime instanceof Date);
      await GenServer.stop(pid);
    });
  });

  it('a bad return value crashes the server with [bad_return_value, value]', async () => {
    await run(async () => {
      const bad: GenServer<null, readonly [['x'], unknown]> = {
        init: () => ['ok', null],
        handleCall: () => ['replied', 1] as never,
      };
      const pid = await GenServer.start(bad, undefined);
      await assert.rejects(GenServer.call(pid, ['x']), (e: unknown) => {
        assert.ok(e instanceof CallError);
        assert.deepEqual(e.why, ['bad_return_value', ['replied', 1]]);
        return true;
      });
    });
  });

  it('misuse is refused at the call with a clear error', async () => {
    await run(async () => {
      await assert.rejects(GenServer.start(null as never, undefined), /expected an object/);
      await assert.rejects(GenServer.start({} as never, undefined), /init function/);
      await assert.rejects(GenServer.call(42 as never, 'x'), /expected a pid, a registered name or \[name, node\]/);
      await assert.rejects(GenServer.call('x', 'y', -1), /timeoutMs/);
      await assert.rejects(GenServer.start(counter, 0, { name: '' }), /opts.name/);
      assert.throws(() => GenServer.cast({} as never, 'x'), /expected a pid, a registered name or \[name, node\]/);
    });
  });

  it("casts to a dead server or an unregistered name are dropped, as Erlang's cast", async () => {
    await run(async () => {
      assert.doesNotThrow(() => GenServer.cast('gs_nobody_home', 'x'));
      const pid = await GenServer.start(counter, 0);
      await GenServer.stop(pid);
      assert.doesNotThrow(() => GenServer.cast(pid, ['reset']));
    });
  });

  it('typed pids: call infers the reply type from the request', async () => {
    await run(async () => {
      const pid = await GenServer.start(counter, 2);
      const got: number = await GenServer.call(pid, ['add', 1]);
      assert.equal(got, 3);
      // Never called: only the type checker looks at it.
      // @ts-expect-error not a request this server takes
      const wrong = (): Promise<unknown> => GenServer.call(pid, ['mul', 2]);
      assert.equal(typeof wrong, 'function');
      await GenServer.stop(pid);
      const from: From<number> | undefined = undefined;
      assert.equal(from, undefined);
      const p: Pid = pid;
      assert.ok(p);
    });
  });
});

/**
 * GenServer.stop is OTP 25's gen_server:stop/3, that is gen:stop and
 * proc_lib:stop/3: `sys:terminate`, then `receive {'DOWN', Mref, _, _,
 * Reason} -> ok; {'DOWN', Mref, _, _, Reason2} -> exit(Reason2)`, where the
 * bound `Reason` matches by value. Every failure exits with a plain reason
 * (`noproc`, `timeout`, the reason the server died with), checked in erl:
 * `catch gen_server:stop(DeadPid)` is `{'EXIT', noproc}`.
 */
describe('GenServer.stop: proc_lib:stop (OTP 25)', () => {
  it("proc_lib:stop: the DOWN's Reason is matched by value, so stop(server, ['shutdown', 'bye']) returns under configure({ messages: 'clone' })", async () => {
    await run(async () => {
      const previous = configure({ messages: 'clone' });
      try {
        const terminated: unknown[] = [];
        const spec: GenServer<null> = {
          init: () => ['ok', null],
          terminate: (reason) => {
            terminated.push(reason);
          },
        };
        for (const reason of [['shutdown', 'bye'], { why: ['bye', 1] }]) {
          const pid = await GenServer.start(spec, undefined);
          const ref = monitor('process', pid);
          await GenServer.stop(pid, reason);
          const [, , , , exited] = await receive([['DOWN', ref, _, _, _]], 1000);
          assert.deepEqual(exited, reason);
          assert.notEqual(exited, reason, 'the reason came back as a copy, not the same object');
        }
        assert.deepEqual(terminated, [['shutdown', 'bye'], { why: ['bye', 1] }]);
      } finally {
        configure(previous);
      }
    });
  });

  it("proc_lib:stop: stopping a dead server, or a name nothing holds, exits with plain noproc (erl: {'EXIT', noproc})", async () => {
    await run(async () => {
      const pid = await GenServer.start(counter, 0);
      await GenServer.stop(pid);
      for (const server of [pid, 'gs_stop_nobody']) {
        await assert.rejects(GenServer.stop(server, ['shutdown', 'bye'], 100), (e: unknown) => {
          assert.ok(e instanceof CallError);
          assert.equal(e.why, 'noproc');
          assert.equal(e.reason, 'noproc');
          return true;
        });
      }
      assert.deepEqual(flush(), [], 'no DOWN left behind');
      // Uncaught, the stopper exits with noproc itself, as in Erlang.
      const stopper = spawn(() => GenServer.stop(pid));
      const ref = monitor('process', stopper);
      const [, , , , reason] = await receive([['DOWN', ref, _, _, _]], 1000);
      assert.equal(reason, 'noproc');
    });
  });

  it('proc_lib:stop: a server whose terminate fails exits the stopper with that plain reason; a timeout with plain timeout; a server stopping itself with {calling_self, {sys, terminate, [...]}}', async () => {
    await quietly(() =>
      run(async () => {
        const failing: GenServer<null> = {
          init: () => ['ok', null],
          terminate: () => {
            throw new ProcessExit('terminate_crashed');
          },
        };
        const pid = await GenServer.start(failing, undefined);
        await assert.rejects(GenServer.stop(pid, ['shutdown', 'bye']), (e: unknown) => {
          assert.ok(e instanceof CallError);
          assert.equal(e.why, 'terminate_crashed');
          assert.equal(e.reason, 'terminate_crashed');
          return true;
        });
        const stuck: GenServer<null> = { init: () => ['ok', null], terminate: () => receive(['never']) };
        const slow = await GenServer.start(stuck, undefined);
        await assert.rejects(GenServer.stop(slow, 'normal', 20), (e: unknown) => {
          assert.ok(e instanceof CallError);
          assert.equal(e.reason, 'timeout');
          return true;
        });
        const selfish: GenServer<null, readonly [['stop_self'], unknown]> = {
          init: () => ['ok', null],
          async handleCall(_request, _from, s) {
            try {
              await GenServer.stop(self());
              return ['reply', 'stopped', s];
            } catch (e) {
              return ['reply', (e as CallError).reason, s];
            }
          },
        };
        const me = await GenServer.start(selfish, undefined);
        assert.deepEqual(await GenServer.call(me, ['stop_self']), [
          'calling_self',
          ['sys', 'terminate', new ErlangList([me, 'normal', Infinity])],
        ]);
        await GenServer.stop(me);
      }),
    );
  });
});
