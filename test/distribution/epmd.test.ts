import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { EpmdError, ensureEpmd, listNodes, lookupNode, registerNode } from '../../src/distribution/epmd.js';
import { randomNodeName } from '../../src/distribution/node-name.js';
import { BadArgError } from '../../src/runtime/errors.js';
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
 * The epmd client against a real epmd (a private one per file, on a free
 * port, stopped after) and a real `erl` registered with it. Skipped, saying
 * why, when Erlang is not installed.
 */
const skip = erlAvailable();

function aliveName(): string {
  return randomNodeName('localhost', 'beamish').split('@')[0] ?? '';
}

/** Polls `check` every 20 ms until it returns true, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('epmd client, real epmd', () => {
  const { it, before, after } = skippable(skip);
  let epmd: PrivateEpmd;
  before(async () => {
    epmd = await startEpmd();
  });
  after(async () => {
    await epmd?.stop();
  });

  it('registers a name that lookup and names then report, until the registration is closed', async () => {
    const name = aliveName();
    const reg = await registerNode(name, 40123, { port: epmd.port });
    try {
      assert.equal(reg.name, name);
      assert.ok(Number.isInteger(reg.creation) && reg.creation > 0 && reg.creation <= 0xffffffff, String(reg.creation));
      const info = await lookupNode(name, { port: epmd.port });
      assert.ok(info);
      assert.deepEqual(
        { name: info.name, port: info.port, nodeType: info.nodeType, protocol: info.protocol },
        { name, port: 40123, nodeType: 77, protocol: 0 },
      );
      assert.deepEqual([info.highestVersion, info.lowestVersion], [6, 6]);
      assert.deepEqual(
        (await listNodes({ port: epmd.port })).filter((n) => n.name === name),
        [{ name, port: 40123 }],
      );
    } finally {
      await reg.close();
    }
    // epmd drops the name when it sees the connection close.
    assert.ok(await eventually(async () => (await lookupNode(name, { port: epmd.port })) === undefined, 2000));
  });

  it('hands out another creation when a name registers again', async () => {
    const name = aliveName();
    const first = await registerNode(name, 40124, { port: epmd.port });
    await first.close();
    assert.ok(await eventually(async () => (await lookupNode(name, { port: epmd.port })) === undefined, 2000));
    const second = await registerNode(name, 40124, { port: epmd.port });
    await second.close();
    assert.notEqual(second.creation, first.creation);
  });

  it('answers undefined for a name nobody registered', async () => {
    assert.equal(await lookupNode(aliveName(), { port: epmd.port }), undefined);
  });

  it('refuses a name that is taken, by us or by a real erl node', async () => {
    const name = aliveName();
    const reg = await registerNode(name, 40125, { port: epmd.port });
    try {
      await assert.rejects(registerNode(name, 40126, { port: epmd.port }), (err: unknown) => {
        assert.ok(err instanceof EpmdError);
        assert.equal(err.code, 'name_taken');
        assert.match(err.message, new RegExp(`refused to register '${name}'`));
        return true;
      });
    } finally {
      await reg.close();
    }
    let erl: ErlNode | undefined;
    try {
      erl = await startErlNode({ name: `${aliveName()}@localhost`, cookie: 'epmdtest', epmdPort: epmd.port });
      const erlAlive = erl.name.split('@')[0] ?? '';
      await assert.rejects(registerNode(erlAlive, 40127, { port: epmd.port }), { code: 'name_taken' });
    } finally {
      await erl?.stop();
    }
  });

  it('registers so that a real Erlang node sees the name and port (net_adm:names)', async () => {
    const name = aliveName();
    const reg = await registerNode(name, 40128, { port: epmd.port });
    let erl: ErlNode | undefined;
    try {
      erl = await startErlNode({ name: `${aliveName()}@localhost`, cookie: 'epmdtest', epmdPort: epmd.port });
      const found = await erl.eval(`lists:keyfind("${name}", 1, element(2, net_adm:names()))`);
      assert.equal(found, `{[${[...Buffer.from(name)].join(',')}],40128}`);
    } finally {
      await erl?.stop();
      await reg.close();
    }
  });

  it('ensureEpmd finds a running epmd and leaves it be', async () => {
    assert.equal(await ensureEpmd({ port: epmd.port }), false);
  });

  it('ensureEpmd starts `epmd -daemon` where none runs', async () => {
    const port = await freePort();
    try {
      assert.equal(await ensureEpmd({ port }), true);
      assert.deepEqual(await listNodes({ port }), []);
    } finally {
      spawnSync('epmd', ['-port', String(port), '-kill'], { stdio: 'ignore', timeout: 5000 });
    }
    assert.ok(
      await eventually(async () => {
        try {
          await listNodes({ port });
          return false;
        } catch (err) {
          return err instanceof EpmdError && err.code === 'epmd_not_running';
        }
      }, 2000),
      'the daemon the test started is gone',
    );
  });
});

describe('epmd client, no epmd', () => {
  it('says epmd is not running, and how to start it, for every request', async () => {
    const port = await freePort();
    const expected = {
      name: 'EpmdError',
      code: 'epmd_not_running',
      message: `epmd is not running on 127.0.0.1:${port}; start it with \`epmd -port ${port} -daemon\``,
    };
    await assert.rejects(registerNode('beamish', 4000, { port }), expected);
    await assert.rejects(lookupNode('beamish', { port }), expected);
    await assert.rejects(listNodes({ port }), expected);
  });

  it('refuses bad arguments at the call, before any connection', () => {
    assert.throws(() => lookupNode('a@b'), BadArgError);
    assert.throws(() => listNodes({ timeoutMs: -1 }), BadArgError);
    assert.throws(() => registerNode('a@b', 4000), BadArgError);
    assert.throws(() => registerNode('', 4000), BadArgError);
    assert.throws(() => registerNode('a', 0), BadArgError);
    assert.throws(() => registerNode('a', 4000, { port: 70000 }), BadArgError);
  });
});
