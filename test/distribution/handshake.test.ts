import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CookieError, findCookie, randomCookie } from '../../src/distribution/cookie.js';
import { type EpmdRegistration, registerNode } from '../../src/distribution/epmd.js';
import {
  ADVERTISED_FLAGS,
  DFLAG_PUBLISHED,
  DFLAG_UNLINK_ID,
  flagNames,
  missingFlags,
  REQUIRED_FLAGS,
} from '../../src/distribution/flags.js';
import { type FramedCloseReason, FramedSocket } from '../../src/distribution/framed-socket.js';
import {
  type AcceptOptions,
  acceptHandshake,
  connectNode,
  digest,
  HandshakeError,
  type HandshakeResult,
  initiateHandshake,
} from '../../src/distribution/handshake.js';
import { parseNodeName, randomNodeName } from '../../src/distribution/node-name.js';
import { BadArgError } from '../../src/runtime/errors.js';
import { type ErlNode, erlAvailable, type PrivateEpmd, startEpmd, startErlNode } from '../helpers/erlang-node.js';
import { skippable } from '../helpers/skippable.js';

/**
 * The version 6 handshake and the framed connection: first between our two
 * sides over real loopback sockets (with every byte arriving on its own, a
 * silent peer, a version 5 peer, missing flags), then against real `erl`
 * nodes registered with a private epmd (skipped, saying why, without Erlang).
 */

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise's outcome, without an unhandled rejection while nobody awaits it yet. */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A server on 127.0.0.1 that hands each connection to `onSocket`. */
async function listen(onSocket: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function portOf(server: net.Server): number {
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

async function closeServer(server: net.Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Our acceptor behind a server; `result` settles with the first accepted handshake. */
async function acceptor(
  options: AcceptOptions,
): Promise<{ server: net.Server; result: Promise<Settled<HandshakeResult>> }> {
  let deliver: (r: Settled<HandshakeResult>) => void = () => undefined;
  const result = new Promise<Settled<HandshakeResult>>((r) => {
    deliver = r;
  });
  const server = await listen((socket) => {
    void settle(acceptHandshake(socket, options)).then(deliver);
  });
  return { server, result };
}

/** A proxy that forwards each byte in its own write, a turn of the event loop apart. */
async function byteByByteProxy(targetPort: number): Promise<net.Server> {
  return listen((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const trickle = (from: net.Socket, to: net.Socket): void => {
      let queue = Promise.resolve();
      from.on('data', (chunk: Buffer) => {
        queue = queue.then(async () => {
          for (const byte of chunk) {
            if (to.destroyed) return;
            to.write(Buffer.of(byte));
            await new Promise((r) => setImmediate(r));
          }
        });
      });
      from.on('close', () => void queue.then(() => to.destroy()));
      from.on('error', () => undefined);
    };
    trickle(client, upstream);
    trickle(upstream, client);
  });
}

const COOKIE = 'hs-test-cookie';

function ourOptions(name: string, extra: Partial<AcceptOptions> = {}) {
  return { name, cookie: COOKIE, creation: 0x1234abcd, timeoutMs: 2000, log: () => undefined, ...extra };
}

/** Collects a FramedSocket's packets and its close. */
function framed(hs: HandshakeResult, tickTimeMs = 60_000) {
  const packets: Buffer[] = [];
  let closeReason: FramedCloseReason | undefined;
  let onClosed: () => void = () => undefined;
  const closed = new Promise<FramedCloseReason>((resolve) => {
    onClosed = () => resolve(closeReason ?? 'disconnect');
  });
  const conn = new FramedSocket(hs.socket, {
    leftover: hs.leftover,
    tickTimeMs,
    onPacket: (packet) => packets.push(packet),
    onClose: (reason) => {
      closeReason = reason;
      onClosed();
    },
  });
  return { conn, packets, closed, reason: () => closeReason };
}

describe('handshake between our two sides', () => {
  it('completes over a connection that delivers one byte at a time, and the framed stream carries packets both ways', async () => {
    const { server, result } = await acceptor(ourOptions('acc@localhost'));
    const proxy = await byteByByteProxy(portOf(server));
    try {
      const socket = net.connect(portOf(proxy), '127.0.0.1');
      const initiated = await initiateHandshake(socket, {
        ...ourOptions('ini@localhost', { hidden: true }),
        peer: 'acc@localhost',
      });
      const accepted = await result;
      assert.ok(accepted.ok, String(!accepted.ok && accepted.error));
      assert.equal(initiated.peerName, 'acc@localhost');
      assert.equal(accepted.value.peerName, 'ini@localhost');
      assert.equal(initiated.peerCreation, 0x1234abcd);
      assert.equal(initiated.peerHidden, false);
      assert.equal(accepted.value.peerHidden, true);
      // Both sides settle on the same flags: ours without PUBLISHED, since the initiator is hidden.
      assert.equal(initiated.flags, ADVERTISED_FLAGS);
      assert.equal(accepted.value.flags, ADVERTISED_FLAGS);

      const a = framed(initiated);
      const b = framed(accepted.value);
      const big = Buffer.alloc(3000, 7); // 3000 turns of the event loop through the proxy
      a.conn.send(Buffer.from('one'));
      a.conn.send([Buffer.from('tw'), Buffer.alloc(0), Buffer.from('o')]);
      a.conn.send(big);
      a.conn.send(Buffer.alloc(0)); // a tick: never delivered as a packet
      b.conn.send(Buffer.from('back'));
      for (let i = 0; i < 400 && (b.packets.length < 3 || a.packets.length < 1); i++) await sleep(25);
      assert.deepEqual(
        b.packets.map((p) => (p.length > 10 ? `${p.length} bytes` : p.toString())),
        ['one', 'two', '3000 bytes'],
      );
      assert.ok(b.packets[2]?.equals(big));
      assert.deepEqual(a.packets.map(String), ['back']);
      a.conn.close();
      assert.equal(await a.closed, 'disconnect');
      assert.equal(await b.closed, 'connection_closed');
      assert.equal(a.conn.send(Buffer.from('late')), false);
    } finally {
      await closeServer(proxy);
      await closeServer(server);
    }
  });

  it('refuses a wrong cookie on both sides, logging what Erlang logs', async () => {
    const logs: string[] = [];
    const { server, result } = await acceptor(ourOptions('acc@localhost', { log: (m) => logs.push(m) }));
    try {
      const socket = net.connect(portOf(server), '127.0.0.1');
      const initiated = await settle(
        initiateHandshake(socket, { ...ourOptions('ini@localhost'), cookie: 'another-cookie', peer: 'acc@localhost' }),
      );
      const accepted = await result;
      assert.ok(!accepted.ok && accepted.error instanceof HandshakeError);
      assert.deepEqual([accepted.error.code, accepted.error.step], ['bad_cookie', 'recv_challenge_reply']);
      assert.deepEqual(logs, ['** Connection attempt from node ini@localhost rejected. Invalid challenge reply. **']);
      assert.ok(!initiated.ok && initiated.error instanceof HandshakeError);
      assert.deepEqual([initiated.error.code, initiated.error.step], ['bad_cookie', 'recv_challenge_ack']);
      assert.equal(socket.destroyed, true);
    } finally {
      await closeServer(server);
    }
  });

  it('refuses a peer that lacks a required flag, with not_allowed', async () => {
    const logs: string[] = [];
    const { server, result } = await acceptor(ourOptions('acc@localhost', { log: (m) => logs.push(m) }));
    try {
      const socket = net.connect(portOf(server), '127.0.0.1');
      const initiated = await settle(
        initiateHandshake(socket, {
          ...ourOptions('old@localhost'),
          flags: ADVERTISED_FLAGS & ~DFLAG_UNLINK_ID,
          peer: 'acc@localhost',
        }),
      );
      const accepted = await result;
      assert.ok(!accepted.ok && accepted.error instanceof HandshakeError);
      assert.equal(accepted.error.code, 'missing_flags');
      assert.match(accepted.error.message, /old@localhost cannot handle UNLINK_ID/);
      assert.match(
        logs[0] ?? '',
        /Connection attempt from node old@localhost rejected since it cannot handle UNLINK_ID/,
      );
      assert.ok(!initiated.ok && initiated.error instanceof HandshakeError);
      assert.deepEqual([initiated.error.code, initiated.error.step], ['not_allowed', 'recv_status']);
    } finally {
      await closeServer(server);
    }
  });

  it('refuses a version 5 initiator with not_allowed and a clear error', async () => {
    const { server, result } = await acceptor(ourOptions('acc@localhost'));
    try {
      const socket = net.connect(portOf(server), '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const closed = new Promise((r) => socket.on('close', r));
      // The old send_name: 'n', version 5, 32-bit flags, the name.
      const body = Buffer.concat([
        Buffer.from('n'),
        Buffer.from([0, 5]),
        Buffer.from([0, 0x03, 0x7f, 0xfd]),
        Buffer.from('r22@localhost'),
      ]);
      socket.write(Buffer.concat([Buffer.from([0, body.length]), body]));
      const accepted = await result;
      assert.ok(!accepted.ok && accepted.error instanceof HandshakeError);
      assert.equal(accepted.error.code, 'old_version');
      assert.equal(accepted.error.peer, 'r22@localhost');
      assert.match(accepted.error.message, /version 5 only/);
      await closed;
      assert.equal(Buffer.concat(received).toString('latin1'), '\0\x0csnot_allowed');
    } finally {
      await closeServer(server);
    }
  });

  it('refuses a version 5 acceptor with a clear error', async () => {
    const server = await listen((socket) => {
      socket.once('data', () => {
        const status = Buffer.from('sok');
        const challenge = Buffer.concat([
          Buffer.from('n'),
          Buffer.from([0, 5, 0, 0, 0, 0, 1, 2, 3, 4]),
          Buffer.from('r22@localhost'),
        ]);
        socket.write(
          Buffer.concat([Buffer.from([0, status.length]), status, Buffer.from([0, challenge.length]), challenge]),
        );
      });
      socket.on('error', () => undefined);
    });
    try {
      const socket = net.connect(portOf(server), '127.0.0.1');
      await assert.rejects(initiateHandshake(socket, { ...ourOptions('ini@localhost'), peer: 'r22@localhost' }), {
        name: 'HandshakeError',
        code: 'old_version',
        step: 'recv_challenge',
      });
    } finally {
      await closeServer(server);
    }
  });

  it('gives up on a silent peer after the step deadline, on either side', async () => {
    const silent: net.Socket[] = [];
    const server = await listen((socket) => silent.push(socket));
    try {
      const started = Date.now();
      const socket = net.connect(portOf(server), '127.0.0.1');
      await assert.rejects(
        initiateHandshake(socket, { ...ourOptions('ini@localhost'), timeoutMs: 200, peer: 'mute@localhost' }),
        {
          code: 'timeout',
          step: 'recv_status',
        },
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 190 && elapsed < 1500, `${elapsed} ms`);
      assert.equal(socket.destroyed, true);
    } finally {
      for (const s of silent) s.destroy();
      await closeServer(server);
    }
    const { server: acc, result } = await acceptor(ourOptions('acc@localhost', { timeoutMs: 200 }));
    const client = net.connect(portOf(acc), '127.0.0.1');
    client.on('error', () => undefined);
    try {
      const accepted = await result;
      assert.ok(!accepted.ok && accepted.error instanceof HandshakeError);
      assert.deepEqual([accepted.error.code, accepted.error.step], ['timeout', 'recv_name']);
    } finally {
      client.destroy();
      await closeServer(acc);
    }
  });

  it('computes the digest as the manual says: md5 of the cookie then the challenge in decimal', () => {
    const expected = createHash('md5').update('secret4294967295').digest();
    assert.ok(digest(0xffffffff, 'secret').equals(expected));
  });
});

describe('framed connection ticks', () => {
  /** A connected pair of our handshaken sockets. */
  async function pair(): Promise<{ a: HandshakeResult; b: HandshakeResult; server: net.Server }> {
    const { server, result } = await acceptor(ourOptions('acc@localhost'));
    const a = await initiateHandshake(net.connect(portOf(server), '127.0.0.1'), {
      ...ourOptions('ini@localhost'),
      peer: 'acc@localhost',
    });
    const b = await result;
    assert.ok(b.ok);
    return { a, b: b.value, server };
  }

  it('carries a 1 MiB packet between small ones, in order', async () => {
    const { a, b, server } = await pair();
    const x = framed(a);
    const y = framed(b);
    try {
      const big = Buffer.alloc(1 << 20);
      for (let i = 0; i < big.length; i++) big[i] = i % 251;
      for (let i = 0; i < 50; i++) x.conn.send(Buffer.from(`m${i}`));
      x.conn.send([big.subarray(0, 1000), big.subarray(1000)]);
      x.conn.send(Buffer.from('last'));
      for (let i = 0; i < 200 && y.packets.length < 52; i++) await sleep(10);
      assert.equal(y.packets.length, 52);
      assert.deepEqual(
        y.packets.slice(0, 50).map(String),
        Array.from({ length: 50 }, (_, i) => `m${i}`),
      );
      assert.ok(y.packets[50]?.equals(big));
      assert.equal(String(y.packets[51]), 'last');
    } finally {
      x.conn.close();
      await y.closed;
      await closeServer(server);
    }
  });

  it('keeps an idle connection up for several tick times', async () => {
    const { a, b, server } = await pair();
    const x = framed(a, 200);
    const y = framed(b, 200);
    try {
      await sleep(700);
      assert.deepEqual([x.reason(), y.reason()], [undefined, undefined]);
      assert.deepEqual([x.packets.length, y.packets.length], [0, 0]); // ticks are not packets
    } finally {
      x.conn.close();
      await y.closed;
      await closeServer(server);
    }
  });

  it('declares a silent peer down with net_tick_timeout, within about one tick time', async () => {
    const { a, b, server } = await pair();
    b.socket.resume(); // the peer reads (its TCP stack acknowledges) but never writes
    const x = framed(a, 200);
    const started = Date.now();
    try {
      assert.equal(await x.closed, 'net_tick_timeout');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 140 && elapsed < 1000, `${elapsed} ms`);
    } finally {
      b.socket.destroy();
      await closeServer(server);
    }
  });
});

describe('node names and cookies, what a handshake is given', () => {
  it('parses names as Erlang checks them: one @, alive of [A-Za-z0-9_-], dots make a long name', () => {
    assert.deepEqual(parseNodeName('ts@127.0.0.1'), {
      full: 'ts@127.0.0.1',
      alive: 'ts',
      host: '127.0.0.1',
      long: true,
    });
    assert.deepEqual(parseNodeName('a-B_9@localhost'), {
      full: 'a-B_9@localhost',
      alive: 'a-B_9',
      host: 'localhost',
      long: false,
    });
    for (const bad of [
      'ts',
      'a.b@localhost',
      'a+b@localhost',
      '@localhost',
      'ts@',
      'a@b@c',
      'ts@lo cal',
      `${'a'.repeat(250)}@localhost`,
    ]) {
      assert.throws(() => parseNodeName(bad), BadArgError, bad);
    }
  });

  it('makes random names and cookies of the expected shapes', () => {
    const names = new Set(Array.from({ length: 20 }, () => randomNodeName()));
    assert.equal(names.size, 20);
    for (const name of names) assert.match(name, /^beamish_[a-z0-9]{6}@127\.0\.0\.1$/);
    assert.match(randomNodeName('localhost', 'ts'), /^ts_[a-z0-9]{6}@localhost$/);
    assert.match(randomCookie(), /^[A-Z]{20}$/);
    assert.notEqual(randomCookie(), randomCookie());
  });

  describe('the cookie file', () => {
    let home: string;
    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'beamish-cookie-'));
    });
    after(async () => {
      await rm(home, { recursive: true, force: true });
    });
    async function freshHome(): Promise<string> {
      const dir = await mkdtemp(join(home, 'h-'));
      return dir;
    }

    it('uses a given cookie and touches no file', async () => {
      const dir = await freshHome();
      assert.equal(await findCookie({ cookie: 'given', home: dir }), 'given');
      assert.deepEqual(await readdir(dir), []);
      await assert.rejects(findCookie({ cookie: '' }), BadArgError);
    });

    it('creates ~/.erlang.cookie with 20 uppercase letters, mode 0400, and reads it back', async () => {
      const dir = await freshHome();
      const cookie = await findCookie({ home: dir, configDir: join(dir, 'none') });
      assert.match(cookie, /^[A-Z]{20}$/);
      const info = await stat(join(dir, '.erlang.cookie'));
      assert.equal(info.mode & 0o777, 0o400);
      assert.equal(await readFile(join(dir, '.erlang.cookie'), 'latin1'), cookie);
      assert.equal(await findCookie({ home: dir, configDir: join(dir, 'none') }), cookie);
    });

    it('reads the home file first, then the config directory, dropping trailing line ends', async () => {
      const dir = await freshHome();
      const configDir = join(dir, '.config', 'erlang');
      await mkdir(configDir, { recursive: true });
      await writeFile(join(configDir, '.erlang.cookie'), 'FROMCONFIG\n', { mode: 0o400 });
      assert.equal(await findCookie({ home: dir, configDir }), 'FROMCONFIG');
      await writeFile(join(dir, '.erlang.cookie'), 'FROM HOME\r\n', { mode: 0o600 });
      assert.equal(await findCookie({ home: dir, configDir }), 'FROM HOME');
    });

    it('refuses, in the words Erlang uses, a file others may read, bad characters and an empty file', async () => {
      const dir = await freshHome();
      const file = join(dir, '.erlang.cookie');
      await writeFile(file, 'OPEN', { mode: 0o644 });
      await chmod(file, 0o644);
      await assert.rejects(findCookie({ home: dir }), (err: unknown) => {
        assert.ok(err instanceof CookieError);
        assert.equal(err.code, 'not_owner_only');
        assert.match(err.message, /^Cookie file .* must be accessible by owner only/);
        return true;
      });
      await chmod(file, 0o600);
      await writeFile(file, 'TAB\tINSIDE');
      await assert.rejects(findCookie({ home: dir }), { code: 'bad_characters' });
      await writeFile(file, '\n');
      await assert.rejects(findCookie({ home: dir }), { code: 'too_short' });
    });
  });
});

describe('handshake with a real erl node', () => {
  const { it, before, after } = skippable(erlAvailable());
  let epmd: PrivateEpmd;
  const nodes: ErlNode[] = [];
  const registrations: EpmdRegistration[] = [];
  const servers: net.Server[] = [];
  const connections: FramedSocket[] = [];

  before(async () => {
    epmd = await startEpmd();
  });
  after(async () => {
    for (const c of connections) c.close();
    for (const n of nodes) await n.stop();
    for (const r of registrations) await r.close();
    for (const s of servers) await closeServer(s);
    await epmd?.stop();
  });

  async function erl(options: { cookie?: string; netTicktime?: number } = {}): Promise<ErlNode> {
    const node = await startErlNode({
      name: randomNodeName('localhost', 'erl'),
      cookie: options.cookie ?? COOKIE,
      epmdPort: epmd.port,
      netTicktime: options.netTicktime,
    });
    nodes.push(node);
    return node;
  }

  /** A name of ours registered with the private epmd, with a server behind it. */
  async function ourNode(options: Partial<AcceptOptions> = {}) {
    const name = randomNodeName('localhost', 'ts');
    const logs: string[] = [];
    const accepted: Array<Promise<Settled<HandshakeResult>>> = [];
    const server = await listen((socket) => {
      accepted.push(
        settle(acceptHandshake(socket, { ...ourOptions(name), creation, log: (m) => logs.push(m), ...options })),
      );
    });
    servers.push(server);
    const registration = await registerNode(name.split('@')[0] ?? '', portOf(server), { port: epmd.port });
    registrations.push(registration);
    const creation = registration.creation;
    return { name, creation, logs, accepted };
  }

  function dial(peer: ErlNode, name: string, creation: number, extra: { cookie?: string; hidden?: boolean } = {}) {
    return connectNode(peer.name, { ...ourOptions(name), creation, epmd: { port: epmd.port }, ...extra });
  }

  it('a cookie file we create is the one erl reads from the same home', async () => {
    const home = await mkdtemp(join(tmpdir(), 'beamish-erlhome-'));
    try {
      const cookie = await findCookie({ home, configDir: join(home, 'none') });
      const node = await startErlNode({ name: randomNodeName('localhost', 'erl'), home, epmdPort: epmd.port });
      nodes.push(node);
      assert.equal(await node.eval('erlang:get_cookie()'), `'${cookie}'`);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('we connect to erl: it sees us in nodes(), and we see its mandatory flags', async () => {
    const node = await erl();
    const us = await ourNode();
    const hs = await dial(node, us.name, us.creation);
    const conn = framed(hs);
    connections.push(conn.conn);
    assert.equal(hs.peerName, node.name);
    assert.deepEqual(missingFlags(hs.peerFlags, REQUIRED_FLAGS), []);
    assert.ok(flagNames(hs.flags).includes('PUBLISHED'));
    assert.equal(hs.peerCreation, Number(await node.eval('erlang:system_info(creation)')));
    assert.equal(await node.eval('nodes()'), `[${us.name}]`);
    // Right after the handshake Erlang sends its first messages (to rex, to global): packets arrive.
    for (let i = 0; i < 100 && conn.packets.length === 0; i++) await sleep(20);
    assert.ok(conn.packets.length > 0);
    conn.conn.close();
    await conn.closed;
  });

  it('packets are whole distribution messages both ways: the greetings from erl decode, and our REG_SEND reaches a registered process', async () => {
    const etf = await import('../../src/distribution/etf/index.js');
    const node = await erl();
    const us = await ourNode();
    const conn = framed(await dial(node, us.name, us.creation));
    connections.push(conn.conn);
    // Erlang greets a new connection with messages to rex and global_name_server.
    for (let i = 0; i < 100 && conn.packets.length < 2; i++) await sleep(20);
    const greetings = conn.packets.map((packet) => {
      assert.equal(packet[0], 112); // pass through: no distribution header
      const control = etf.decodeTermAt(packet, 1);
      const payload = etf.decodeTermAt(packet, control.end);
      assert.equal(payload.end, packet.length);
      return control.term;
    });
    // Two processes send them: their order may vary.
    assert.deepEqual(greetings.map((c) => (Array.isArray(c) ? `${c[0]} ${c[3]}` : c)).sort(), [
      '6 global_name_server',
      '6 rex',
    ]);
    const received = node.eval('begin register(inbox, self()), receive M -> M after 5000 -> timeout end end');
    for (let i = 0; i < 100 && (await node.eval('whereis(inbox)')) === 'undefined'; i++) await sleep(20);
    const from = new etf.ExternalPid(us.name, 1, 0, us.creation);
    conn.conn.send([Buffer.of(112), etf.encodeTerm([6, from, '', 'inbox']), etf.encodeTerm(['hello', 42])]);
    assert.equal(await received, '{hello,42}');
    conn.conn.close();
    await conn.closed;
  });

  it('a hidden node of ours shows in nodes(hidden), not nodes()', async () => {
    const node = await erl();
    const us = await ourNode();
    const hs = await dial(node, us.name, us.creation, { hidden: true });
    const conn = framed(hs);
    connections.push(conn.conn);
    assert.equal(hs.flags & DFLAG_PUBLISHED, 0n);
    assert.equal(await node.eval('{nodes(), nodes(hidden)}'), `{[],[${us.name}]}`);
    conn.conn.close();
    await conn.closed;
  });

  it('erl connects to us: net_kernel:connect_node returns true', async () => {
    const node = await erl();
    const us = await ourNode();
    assert.equal(await node.eval(`net_kernel:connect_node('${us.name}')`), 'true');
    const accepted = await us.accepted[0];
    assert.ok(accepted?.ok, String(accepted && !accepted.ok && accepted.error));
    const conn = framed(accepted.value);
    connections.push(conn.conn);
    assert.equal(accepted.value.peerName, node.name);
    assert.equal(accepted.value.peerHidden, false);
    assert.equal(await node.eval('nodes()'), `[${us.name}]`);
    conn.conn.close();
    await conn.closed;
  });

  it('a wrong cookie is refused both ways: erl answers false, we get bad_cookie', async () => {
    const node = await erl({ cookie: 'not-the-same' });
    const us = await ourNode();
    // erl dials us.
    assert.equal(await node.eval(`net_kernel:connect_node('${us.name}')`), 'false');
    const accepted = await us.accepted[0];
    assert.ok(accepted && !accepted.ok && accepted.error instanceof HandshakeError);
    assert.equal(accepted.error.code, 'bad_cookie');
    assert.deepEqual(us.logs, [`** Connection attempt from node ${node.name} rejected. Invalid challenge reply. **`]);
    // We dial erl.
    await assert.rejects(dial(node, us.name, us.creation), {
      name: 'HandshakeError',
      code: 'bad_cookie',
      step: 'recv_challenge_ack',
    });
    assert.equal(await node.eval('nodes(connected)'), '[]');
  });

  it('ticks keep an idle connection up past net_ticktime (1 s) on both sides', async () => {
    const node = await erl({ netTicktime: 1 });
    assert.equal(await node.eval('net_kernel:get_net_ticktime()'), '1');
    const us = await ourNode();
    const conn = framed(await dial(node, us.name, us.creation), 1000);
    connections.push(conn.conn);
    await sleep(2000); // twice net_ticktime: without ticks erl drops us after about one
    assert.equal(conn.reason(), undefined);
    assert.equal(await node.eval('nodes()'), `[${us.name}]`);
    conn.conn.close();
    await conn.closed;
  });

  it('a stopped erl node is declared down with net_tick_timeout', async () => {
    const node = await erl({ netTicktime: 1 });
    const us = await ourNode();
    const conn = framed(await dial(node, us.name, us.creation), 1000);
    connections.push(conn.conn);
    await sleep(300); // a few packets and ticks first
    assert.equal(conn.reason(), undefined);
    node.process.kill('SIGSTOP');
    const started = Date.now();
    try {
      const reason = await Promise.race([conn.closed, sleep(4000).then(() => 'still up')]);
      const elapsed = Date.now() - started;
      assert.equal(reason, 'net_tick_timeout');
      assert.ok(elapsed >= 500 && elapsed < 2500, `${elapsed} ms`);
    } finally {
      await node.stop(); // SIGCONT, then SIGKILL
    }
  });
});
