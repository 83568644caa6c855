import assert from 'node:assert/strict';
import { describe } from 'node:test';
import {
  AliasTag,
  disconnectNode,
  ErlangList,
  listNodes,
  monitorNode,
  nodeOf,
  nodes,
  RemotePid,
  remoteName,
  startNode,
  stopNode,
} from '../../src/distribution/index.js';
import { CallError, type From, GenServer } from '../../src/otp/index.js';
import {
  _,
  anyPid,
  demonitor,
  exit,
  link,
  monitor,
  node,
  type Pid,
  processFlag,
  receive,
  register,
  run,
  self,
  send,
  spawn,
} from '../../src/runtime/index.js';
import { type ErlNode, erlAvailable, type PrivateEpmd, startEpmd, startErlNode } from '../helpers/erlang-node.js';
import { skippable } from '../helpers/skippable.js';

/**
 * A beamish node talking with a real `erl` node (OTP 25 here) through
 * startNode: both handshakes, net_adm:ping, messages by pid, by name and to
 * an alias both ways, links and monitors across with every kind of reason,
 * GenServer calls both ways, a wrong cookie, and the `noconnection` of a
 * node that is killed. Skipped, saying why, without Erlang.
 */

const skip = erlAvailable();
const COOKIE = 'beamish_node_test';
const ERL = 'erl_node@127.0.0.1';
const TS = 'ts_node@127.0.0.1';

/** `{Name, TS} ! Term` in Erlang's source: a report to one of our registered processes. */
const toUs = (name: string, term: string): string => `{${name}, '${TS}'} ! ${term}`;

/** An Erlang expression that fetches what we stored under `key` in erl's `store` process. */
const stored = (key: string): string =>
  `begin store ! {get, ${key}, self()}, receive {stored, V} -> V after 5000 -> exit(no_value) end end`;

describe('a beamish node in an Erlang cluster', () => {
  const { it, before, after } = skippable(skip);
  let epmd: PrivateEpmd | undefined;
  let erl: ErlNode;
  const logs: string[] = [];

  /** Stores `value` in erl's `store` under `key`, waiting for its ack (the message crosses the connection). */
  async function put(key: string, value: unknown): Promise<void> {
    send(remoteName('store', ERL), ['put', key, value, self()]);
    await receive([['put_ok', key]], 5000);
  }

  before(async () => {
    epmd = await startEpmd();
    erl = await startErlNode({ name: ERL, cookie: COOKIE, epmdPort: epmd.port });
    await startNode(TS, { cookie: COOKIE, epmdPort: epmd.port, log: (m) => logs.push(m) });
    await erl.eval(
      `register(store, spawn(fun() -> Loop = fun L(S) -> receive {put, K, V, F} -> F ! {put_ok, K}, L(S#{K => V}); {get, K, F} -> F ! {stored, maps:get(K, S, undefined)}, L(S) end end, Loop(#{}) end))`,
    );
    await erl.eval(
      `register(echo, spawn(fun Loop() -> receive {From, M} -> From ! {echo, M, self(), pid_to_list(self()), pid_to_list(From)}, Loop() end end))`,
    );
  });

  after(async () => {
    // Each one stopped even when one before it fails.
    try {
      await stopNode();
    } finally {
      try {
        await erl?.stop();
      } finally {
        await epmd?.stop();
      }
    }
  });

  it('starts: registered with epmd, node() is its name, and a handshake works each way (erl dials, then we dial)', async () => {
    assert.equal(node(), TS);
    const names = await listNodes({ port: epmd?.port });
    assert.ok(names.some((n) => n.name === 'ts_node'));

    // erl dials us: net_adm:ping is a gen call to our net_kernel that must answer yes.
    assert.equal(await erl.eval(`net_adm:ping('${TS}')`), 'pong');
    assert.deepEqual(nodes(), [ERL]);
    assert.equal(await erl.eval('nodes()'), `['${TS}']`);

    // erl drops the connection; our first message to it dials it.
    await erl.eval(`erlang:disconnect_node('${TS}')`);
    for (let i = 0; i < 100 && nodes().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(nodes(), []);
    await run(async () => {
      send(remoteName('echo', ERL), [self(), 'redial']);
      const [, m] = await receive([['echo', _, _, _, _]], 5000);
      assert.equal(m, 'redial');
    });
    assert.deepEqual(nodes(), [ERL]);
  });

  it('sends by pid and by registered name both ways, and to an alias; pids print as Erlang prints them', async () => {
    await run(async () => {
      register('t_send', self());
      // By name to erl; erl answers by pid (ours, as it came).
      send(remoteName('echo', ERL), [self(), ['hello', 1]]);
      const [, m1, echo, echoText, meText] = await receive([['echo', _, anyPid, _, _]], 5000);
      assert.deepEqual(m1, ['hello', 1]);
      assert.ok(echo instanceof RemotePid);
      assert.equal(nodeOf(echo), ERL);
      // Erlang shows its pid as <0.N.S> locally; we show it with our index of erl's node.
      const local = charlistText(echoText);
      const match = /^<0\.(\d+)\.(\d+)>$/.exec(local);
      assert.ok(match, local);
      assert.match(String(echo), new RegExp(`^<[1-9]\\d*\\.${match[1]}\\.${match[2]}>$`));
      // erl shows our pid with its index of our node, our serial, and 0.
      assert.match(charlistText(meText), new RegExp(`^<[1-9]\\d*\\.${self().serial}\\.0>$`));

      // By pid to erl; the same process comes back as the same object.
      send(echo, [self(), 'again']);
      const [, m2, echo2] = await receive([['echo', _, anyPid, _, _]], 5000);
      assert.equal(m2, 'again');
      assert.equal(echo2, echo);

      // From erl by name, with terms of every common kind.
      await erl.eval(`${toUs('t_send', '{from_erl, 42, 2.5, <<"bin">>, "str", [a, b], #{k => v}, make_ref()}')}`);
      const got = await receive([['from_erl', _, _, _, _, _, _, _]], 5000);
      assert.equal(got[1], 42);
      assert.equal(got[2], 2.5);
      assert.deepEqual(got[3], Buffer.from('bin'));
      assert.deepEqual(got[4], new ErlangList([115, 116, 114]));
      assert.deepEqual(got[5], new ErlangList(['a', 'b']));
      assert.deepEqual(got[6], new Map([['k', 'v']]));
      assert.match(String(got[7]), /^#Ref<[1-9]\d*\.\d+\.\d+\.\d+>$/);

      // To an alias of an erl process: ALIAS_SEND.
      await erl.eval(
        `spawn(fun() -> A = alias(), ${toUs('t_send', '{alias, A}')}, receive {via_alias, X} -> ${toUs('t_send', '{alias_got, X}')} after 5000 -> ok end end)`,
      );
      const [, alias] = await receive([['alias', _]], 5000);
      send(alias as never, ['via_alias', 7]);
      assert.deepEqual(await receive([['alias_got', 7]], 5000), ['alias_got', 7]);
    });
  });

  it('links across: erl hears our normal and abnormal exits; erl exit(P, kill) kills ours (killed)', async () => {
    await run(async () => {
      register('t_link', self());
      for (const [how, reason, erlReason] of [
        ['returns', 'normal', 'normal'],
        ['exits', ['shutdown', 'bye'], '{shutdown,bye}'],
      ] as const) {
        const child = spawn(async () => {
          await receive(['go']);
          if (how === 'exits') exit(reason);
        });
        await put('child', child);
        await erl.eval(
          `spawn(fun() -> process_flag(trap_exit, true), link(${stored('child')}), ${toUs('t_link', 'linked')}, receive X -> ${toUs('t_link', '{got, X}')} after 5000 -> ok end end)`,
        );
        await receive(['linked'], 5000);
        send(child, 'go');
        const [, signal] = await receive([['got', _]], 5000);
        assert.deepEqual(signal, ['EXIT', child, reason], erlReason);
      }

      // exit(Pid, kill) from erl: ours dies `killed`, which cannot be trapped.
      const victim = spawn(async () => {
        processFlag('trap_exit', true);
        await receive(['never']);
      });
      const ref = monitor('process', victim);
      await put('victim', victim);
      await erl.eval(`exit(${stored('victim')}, kill)`);
      assert.deepEqual(await receive([['DOWN', ref, _, _, _]], 5000), ['DOWN', ref, 'process', victim, 'killed']);
    });
  });

  it('links across: ours hear erl exits (trapped and not), and our exit(remotePid, kill) kills an erl process', async () => {
    await run(async () => {
      register('t_link2', self());
      processFlag('trap_exit', true);
      const spawnErl = async (body: string): Promise<Pid> => {
        await erl.eval(`${toUs('t_link2', `{erl_pid, spawn(fun() -> ${body} end)}`)}`);
        const [, pid] = await receive([['erl_pid', anyPid]], 5000);
        return pid;
      };
      for (const [erlExit, reason] of [
        ['ok', 'normal'],
        ['exit({bad, thing})', ['bad', 'thing']],
      ] as const) {
        const pid = await spawnErl(`receive die -> ${erlExit} end`);
        link(pid);
        send(pid, 'die');
        assert.deepEqual(await receive([['EXIT', pid, _]], 5000), ['EXIT', pid, reason]);
      }

      // Not trapping: an abnormal exit across a link kills ours with that reason.
      const erlPid = await spawnErl(`receive die -> exit(boom) end`);
      const linked = spawn(async () => {
        link(erlPid);
        send(erlPid, 'die');
        await receive(['never']);
      });
      const ref = monitor('process', linked);
      assert.deepEqual(await receive([['DOWN', ref, _, _, _]], 5000), ['DOWN', ref, 'process', linked, 'boom']);

      // Our exit(remotePid, 'kill'): killed there, as our monitor of it says.
      const target = await spawnErl(`process_flag(trap_exit, true), receive after infinity -> ok end`);
      const watch = monitor('process', target);
      exit(target, 'kill');
      assert.deepEqual(await receive([['DOWN', watch, _, _, _]], 5000), ['DOWN', watch, 'process', target, 'killed']);
    });
  });

  it('monitors across: DOWN with normal, a reason, noproc and by name; demonitor takes it back; erl monitors ours', async () => {
    await run(async () => {
      register('t_mon', self());
      const spawnErl = async (body: string): Promise<Pid> => {
        await erl.eval(`${toUs('t_mon', `{erl_pid, spawn(fun() -> ${body} end)}`)}`);
        const [, pid] = await receive([['erl_pid', anyPid]], 5000);
        return pid;
      };
      for (const [erlExit, reason] of [
        ['ok', 'normal'],
        ['exit({error, [1, 2]})', ['error', new ErlangList([1, 2])]],
      ] as const) {
        const pid = await spawnErl(`receive die -> ${erlExit} end`);
        const ref = monitor('process', pid);
        send(pid, 'die');
        assert.deepEqual(await receive([['DOWN', ref, _, _, _]], 5000), ['DOWN', ref, 'process', pid, reason]);
      }

      // A dead erl process: noproc.
      const gone = await spawnErl('ok');
      await new Promise((r) => setTimeout(r, 50));
      const late = monitor('process', gone);
      assert.deepEqual(await receive([['DOWN', late, _, _, _]], 5000), ['DOWN', late, 'process', gone, 'noproc']);

      // By name: the DOWN names [name, node].
      await erl.eval(`register(named_victim, spawn(fun() -> receive die -> exit(bye) end end))`);
      const byName = monitor('process', ['named_victim', ERL]);
      send(remoteName('named_victim', ERL), 'die');
      assert.deepEqual(await receive([['DOWN', byName, _, _, _]], 5000), [
        'DOWN',
        byName,
        'process',
        ['named_victim', ERL],
        'bye',
      ]);
      const noName = monitor('process', ['nobody_here', ERL]);
      assert.deepEqual(await receive([['DOWN', noName, _, _, _]], 5000), [
        'DOWN',
        noName,
        'process',
        ['nobody_here', ERL],
        'noproc',
      ]);

      // demonitor: erl no longer lists us among the process's monitors.
      const kept = await spawnErl('receive after infinity -> ok end');
      await put('kept', kept);
      const off = monitor('process', kept);
      // A round trip through erl's store: our MONITOR_P is there before erl's shell asks.
      await put('sync', 1);
      assert.match(
        await erl.eval(`process_info(${stored('kept')}, monitored_by)`),
        /^\{monitored_by,\[<\d+\.\d+\.\d+>\]\}$/,
      );
      demonitor(off);
      await put('sync', 2);
      assert.equal(await erl.eval(`process_info(${stored('kept')}, monitored_by)`), '{monitored_by,[]}');

      // erl monitors ours: it hears the reason.
      const ours = spawn(async () => {
        await receive(['go']);
        exit(['oops', 3]);
      });
      await put('ours', ours);
      await erl.eval(
        `spawn(fun() -> R = monitor(process, ${stored('ours')}), ${toUs('t_mon', 'monitoring')}, receive {'DOWN', R, process, P, Why} -> ${toUs('t_mon', '{down, P, Why}')} after 5000 -> ok end end)`,
      );
      await receive(['monitoring'], 5000);
      send(ours, 'go');
      assert.deepEqual(await receive([['down', _, _]], 5000), ['down', ours, ['oops', 3]]);
    });
  });

  it('GenServer calls both ways: gen_server:call from erl (by name, by pid, noproc) and GenServer.call to erl', async () => {
    const froms: From[] = [];
    const counter: GenServer<number, readonly [unknown, number], never, unknown, number> = {
      init: (n: number) => ['ok', n],
      handleCall: (req, from, n) => {
        froms.push(from);
        if (Array.isArray(req) && req[0] === 'add') return ['reply', n + (req[1] as number), n + (req[1] as number)];
        return ['reply', n, n];
      },
    };
    const server = await GenServer.start(counter, 10, { name: 'counter' });
    try {
      assert.equal(await erl.eval(`gen_server:call({counter, '${TS}'}, get)`), '10');
      assert.equal(await erl.eval(`gen_server:call({counter, '${TS}'}, {add, 5})`), '15');
      // The From an OTP 25 caller sends: its pid and [alias | Ref].
      assert.ok(froms[0]?.[0] instanceof RemotePid);
      assert.ok(froms[0]?.[1] instanceof AliasTag);
      await run(() => put('counter_pid', server));
      assert.equal(await erl.eval(`gen_server:call(${stored('counter_pid')}, get)`), '15');
      assert.match(
        await erl.eval(`catch gen_server:call({nobody, '${TS}'}, get, 2000)`),
        /^\{'EXIT',\{noproc,\{gen_server,call,/,
      );
    } finally {
      await GenServer.stop(server);
    }

    // Ours to erl's net_kernel, a gen_server: by name and by pid; a name nothing holds is noproc.
    await run(async () => {
      register('t_call', self());
      assert.equal(await GenServer.call(remoteName('net_kernel', ERL), ['is_auth', TS]), 'yes');
      // Erlang's {Name, Node} as a server ref: [name, node].
      assert.equal(await GenServer.call(['net_kernel', ERL], ['is_auth', TS]), 'yes');
      await erl.eval(toUs('t_call', `{kernel, whereis(net_kernel)}`));
      const [, kernel] = await receive([['kernel', anyPid]], 5000);
      assert.equal(await GenServer.call(kernel, ['is_auth', TS], 5000), 'yes');
      await assert.rejects(GenServer.call(remoteName('nobody_there', ERL), 'get', 5000), (e: unknown) => {
        return e instanceof CallError && e.why === 'noproc';
      });
    });
  });

  it('refuses a wrong cookie both ways, and logs it', async () => {
    await erl.eval(`erlang:disconnect_node('${TS}')`);
    for (let i = 0; i < 100 && nodes().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await erl.eval(`erlang:set_cookie('${TS}', wrong_cookie)`);
    try {
      logs.length = 0;
      // erl dials us with the wrong cookie: we refuse, as Erlang logs it.
      assert.equal(await erl.eval(`net_adm:ping('${TS}')`), 'pang');
      assert.ok(
        logs.some((l) => l.includes(`Connection attempt from node ${ERL} rejected. Invalid challenge reply.`)),
        logs.join('\n'),
      );
      const erlSaid = (): string => erl.output.join('\n');
      // We dial erl: it refuses; a monitor across says noconnection, and we log why.
      logs.length = 0;
      await run(async () => {
        const ref = monitor('process', ['echo', ERL]);
        assert.deepEqual(await receive([['DOWN', ref, _, _, _]], 10_000), [
          'DOWN',
          ref,
          'process',
          ['echo', ERL],
          'noconnection',
        ]);
      });
      assert.ok(
        logs.some((l) => l.includes(`cannot connect to node ${ERL}`) && l.includes('cookie')),
        logs.join('\n'),
      );
      // And erl logged our attempt as refused.
      for (let i = 0; i < 100 && !erlSaid().includes('Invalid challenge reply'); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.match(
        erlSaid(),
        new RegExp(`Connection attempt from node '${TS}' rejected\\. Invalid challenge reply\\.`),
      );
      assert.deepEqual(nodes(), []);
    } finally {
      await erl.eval(`erlang:set_cookie('${TS}', '${COOKIE}')`);
    }
    assert.equal(await erl.eval(`net_adm:ping('${TS}')`), 'pong');
  });

  it('a killed erl node: links and monitors across end with noconnection, monitorNode says nodedown', async () => {
    const other = 'erl_other@127.0.0.1';
    const erl2 = await startErlNode({ name: other, cookie: COOKIE, epmdPort: epmd?.port ?? 0 });
    try {
      await run(async () => {
        register('t_nc', self());
        processFlag('trap_exit', true);
        await erl2.eval(toUs('t_nc', `{erl_pid, spawn(fun() -> receive after infinity -> ok end end)}`));
        const [, pid] = await receive([['erl_pid', anyPid]], 5000);
        link(pid);
        const ref = monitor('process', pid);
        monitorNode(other, true);
        assert.ok(nodes().includes(other));
        const monitored = spawn(async () => {
          link(pid);
          await receive(['never']);
        });
        const watch = monitor('process', monitored);
        await new Promise((r) => setTimeout(r, 50)); // the LINK of `monitored` is on its way
        await erl2.stop();
        assert.deepEqual(await receive([['EXIT', pid, _]], 5000), ['EXIT', pid, 'noconnection']);
        assert.deepEqual(await receive([['DOWN', ref, _, _, _]], 5000), ['DOWN', ref, 'process', pid, 'noconnection']);
        assert.deepEqual(await receive([['nodedown', other]], 5000), ['nodedown', other]);
        assert.deepEqual(await receive([['DOWN', watch, _, _, _]], 5000), [
          'DOWN',
          watch,
          'process',
          monitored,
          'noconnection',
        ]);
        assert.ok(!nodes().includes(other));
        // A node that is not there: nodedown at once.
        monitorNode('nowhere@127.0.0.1', true);
        assert.deepEqual(await receive([['nodedown', 'nowhere@127.0.0.1']], 5000), ['nodedown', 'nowhere@127.0.0.1']);
      });
    } finally {
      await erl2.stop();
    }
    // disconnectNode, and the other node's entry forgets nothing it should not.
    assert.equal(disconnectNode(other), false);
  });
});

/** An Erlang string (a list of character codes) as text. */
function charlistText(value: unknown): string {
  assert.ok(value instanceof ErlangList, `expected a charlist, got ${String(value)}`);
  return String.fromCodePoint(...(value.items as number[]));
}
