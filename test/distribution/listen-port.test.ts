import assert from 'node:assert/strict';
import net from 'node:net';
import { describe } from 'node:test';
import { listNodes, lookupNode, nodes, startNode, stopNode } from '../../src/distribution/index.js';
import { BadArgError, node } from '../../src/runtime/index.js';
import {
  type ErlNode,
  erlAvailable,
  freePort,
  type PrivateEpmd,
  startEpmd,
  startErlNode,
} from '../helpers/erlang-node.js';
import { skippable } from '../helpers/skippable.js';

/**
 * startNode's `listenPort`, Erlang's `inet_dist_listen_min` /
 * `inet_dist_listen_max` (inet_tcp_dist.erl: gen_listen takes the range,
 * do_listen tries its ports in order and skips one that is `eaddrinuse`):
 * the port epmd reports is the one chosen, a range skips a port in use, an
 * erl node connects to it, and bad values are refused. Real sockets, a
 * private epmd and a real `erl`; skipped, saying why, without Erlang.
 */

const skip = erlAvailable();
const COOKIE = 'beamish_listen_port_test';
const ERL = 'erl_lp@127.0.0.1';
const TS = 'ts_lp@127.0.0.1';

/** Listens on 127.0.0.1:`port`; rejects (EADDRINUSE) when it is taken. */
async function occupy(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

function release(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Two consecutive ports, the first held by a server of ours (a port in use),
 * the second free a moment ago. Picked below the kernel's ephemeral range
 * (32768-60999 here), where no client socket lands: inside it, a machine
 * busy with connections (the soak, say) rarely leaves two free in a row.
 */
async function takenThenFree(): Promise<{ taken: number; free: number; blocker: net.Server }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    let blocker: net.Server | undefined;
    try {
      blocker = await occupy(port);
      await release(await occupy(port + 1));
      return { taken: port, free: port + 1, blocker };
    } catch {
      if (blocker !== undefined) await release(blocker);
    }
  }
  throw new Error('found no two consecutive free ports in 50 attempts');
}

describe('startNode listenPort, as inet_dist_listen_min/max', () => {
  const { it, before, after } = skippable(skip);
  let epmd: PrivateEpmd | undefined;
  let erl: ErlNode | undefined;
  const logs: string[] = [];

  before(async () => {
    epmd = await startEpmd();
    erl = await startErlNode({ name: ERL, cookie: COOKIE, epmdPort: epmd.port });
  });

  after(async () => {
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

  /** Starts our node with `listenPort`, checks the port epmd hands out and that erl connects to it, and stops it. */
  async function startAndConnect(listenPort: number | readonly [number, number], expected: number): Promise<void> {
    const info = await startNode(TS, { cookie: COOKIE, epmdPort: epmd?.port, listenPort, log: (m) => logs.push(m) });
    try {
      assert.equal(info.port, expected);
      const registered = await lookupNode('ts_lp', { port: epmd?.port });
      assert.equal(registered?.port, expected, 'the port epmd reports');
      // erl asks epmd for our port and connects to it.
      assert.equal(await erl?.eval(`net_adm:ping('${TS}')`), 'pong');
      assert.deepEqual(nodes(), [ERL]);
      // And erl's own epmd client reports it.
      assert.equal(
        await erl?.eval(`begin {ok, Names} = net_adm:names(), proplists:get_value("ts_lp", Names) end`),
        String(expected),
      );
    } finally {
      await stopNode();
    }
  }

  it('inet_tcp_dist.erl gen_listen: listenPort: N listens on N, epmd reports N, and erl connects', async () => {
    const port = await freePort();
    await startAndConnect(port, port);
  });

  it('inet_tcp_dist.erl do_listen: listenPort: [min, max] skips a port in use (eaddrinuse) and takes the next free one', async () => {
    const { taken, free, blocker } = await takenThenFree();
    try {
      await startAndConnect([taken, free], free);
    } finally {
      await release(blocker);
    }
  });

  it('inet_tcp_dist.erl do_listen: every port of the range in use fails with EADDRINUSE, and leaves no node started', async () => {
    const { taken, blocker } = await takenThenFree();
    try {
      // (A node that did start, wrongly, is stopped in the finally.)
      for (const listenPort of [taken, [taken, taken] as const]) {
        await assert.rejects(startNode(TS, { cookie: COOKIE, epmdPort: epmd?.port, listenPort }), (error: unknown) => {
          assert.equal((error as { code?: unknown }).code, 'EADDRINUSE', String(error));
          assert.match(String(error), new RegExp(`${taken}`));
          return true;
        });
        assert.equal(node(), 'nonode@nohost');
        assert.ok(!(await listNodes({ port: epmd?.port })).some((n) => n.name === 'ts_lp'));
      }
    } finally {
      await stopNode();
      await release(blocker);
    }
    // And the node starts once the port is free.
    await startAndConnect(taken, taken);
  });

  it('bad listenPort values: BadArgError naming options.listenPort, before anything starts', async () => {
    const bad: unknown[] = [
      -1,
      65536,
      1.5,
      Number.NaN,
      '4370',
      [4371, 4370],
      [0, 10],
      [4370],
      [4370, 4371, 4372],
      null,
    ];
    for (const listenPort of bad) {
      await stopNode(); // a node that did start, wrongly, for the value before
      await assert.rejects(
        startNode(TS, { cookie: COOKIE, epmdPort: epmd?.port, listenPort: listenPort as number }),
        (error: unknown) => {
          assert.ok(error instanceof BadArgError, `${String(listenPort)}: ${String(error)}`);
          assert.equal(error.fn, 'startNode');
          assert.equal(error.argument, 'options.listenPort');
          return true;
        },
        String(listenPort),
      );
      assert.equal(node(), 'nonode@nohost');
    }
  });
});
