import assert from 'node:assert/strict';
import net from 'node:net';
import { describe } from 'node:test';
import {
  acceptHandshake,
  connectNode,
  decodeTermAt,
  type EpmdRegistration,
  EtfEncodeError,
  ExternalPid,
  ExternalRef,
  encodeTerm,
  FramedSocket,
  type HandshakeResult,
  nodes,
  RemotePid,
  registerNode,
  remoteName,
  startNode,
  stopNode,
} from '../../src/distribution/index.js';
import {
  _,
  anyPid,
  exit,
  link,
  monitor,
  type Pid,
  processFlag,
  receive,
  register,
  run,
  self,
  send,
  setLogger,
  spawn,
  unlink,
} from '../../src/runtime/index.js';
import { erlAvailable, type PrivateEpmd, startEpmd } from '../helpers/erlang-node.js';
import { skippable } from '../helpers/skippable.js';

/**
 * Our node against a peer driven by hand: our own handshake and framing
 * (tested against erl in handshake.test.ts) carrying control messages that
 * the test writes and reads byte for byte. This reaches what an OTP 25 node
 * does not send us with the flags we advertise (SEND_SENDER, the PAYLOAD_
 * and _TT forms), the link protocol's acknowledgements, the packets we
 * send, a malformed packet, and the queue of a connection being made.
 * Needs epmd (skipped, saying why, without Erlang).
 */

const skip = erlAvailable();
const COOKIE = 'beamish_control_test';
const TS = 'ts_ctl@127.0.0.1';
const PEER = 'peer_ctl@127.0.0.1';
const PEER_CREATION = 77;

interface Packet {
  readonly first: number;
  readonly control: readonly unknown[];
  readonly payload: unknown;
}

/** The other end: sends control messages as written, and keeps what arrives, decoded without hooks. */
class Peer {
  private readonly packets: Packet[] = [];
  private wake: () => void = () => undefined;
  closedWith: string | undefined;
  private readonly conn: FramedSocket;

  constructor(hs: HandshakeResult) {
    this.conn = new FramedSocket(hs.socket, {
      leftover: hs.leftover,
      onPacket: (p) => {
        const { term, end } = decodeTermAt(p, 1);
        const payload = end < p.length ? decodeTermAt(p, end).term : undefined;
        this.packets.push({ first: p[0] ?? -1, control: term as unknown[], payload });
        this.wake();
      },
      onClose: (reason) => {
        this.closedWith = reason;
        this.wake();
      },
    });
  }

  /** A pid of ours, as the wire names it. */
  static pid(id: number): ExternalPid {
    return new ExternalPid(PEER, id, 0, PEER_CREATION);
  }

  send(control: unknown, payload?: unknown): void {
    const parts = [Buffer.of(112), encodeTerm(control)];
    if (payload !== undefined) parts.push(encodeTerm(payload));
    this.conn.send(parts);
  }

  sendRaw(bytes: Buffer): void {
    this.conn.send(bytes);
  }

  /** The first packet (oldest first) whose operation is `op`, taken out; waits up to `timeoutMs`. */
  async take(op: number, timeoutMs = 5000): Promise<Packet> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.packets.findIndex((p) => p.control[0] === op);
      if (i >= 0) return this.packets.splice(i, 1)[0] as Packet;
      if (Date.now() > deadline) throw new Error(`no control message ${op} in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  async closed(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.closedWith === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closedWith ?? 'still open';
  }

  close(): void {
    this.conn.close();
  }
}

describe('control messages between our node and a peer driven by hand', () => {
  const { it, before, after } = skippable(skip);
  let epmd: PrivateEpmd | undefined;
  let creation = 0;
  let peer: Peer;
  const logs: string[] = [];
  const me = (pid: Pid): ExternalPid => new ExternalPid(TS, pid.serial, 0, creation);

  before(async () => {
    epmd = await startEpmd();
    ({ creation } = await startNode(TS, { cookie: COOKIE, epmdPort: epmd.port, log: (m) => logs.push(m) }));
    const hs = await connectNode(TS, {
      name: PEER,
      cookie: COOKIE,
      creation: PEER_CREATION,
      hidden: true,
      epmd: { port: epmd.port },
    });
    peer = new Peer(hs);
  });

  after(async () => {
    peer?.close();
    try {
      await stopNode();
    } finally {
      await epmd?.stop();
    }
  });

  it('packets we send are 112 then the control tuple and the payload; a hidden peer is in nodes("hidden")', async () => {
    for (let i = 0; i < 100 && !nodes('hidden').includes(PEER); i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(nodes('hidden'), [PEER]);
    assert.deepEqual(nodes(), []);
    await run(async () => {
      register('t_hello', self());
      peer.send([6, Peer.pid(1), '', 't_hello'], ['hello', Peer.pid(1)]);
      const [, from] = await receive([['hello', anyPid]], 5000);
      assert.ok(from instanceof RemotePid);
      assert.equal(String(from).replace(/^<\d+/, '<N'), '<N.1.0>');
      send(from, ['hi', self()]);
      const packet = await peer.take(2);
      assert.equal(packet.first, 112);
      assert.deepEqual(packet.control, [2, '', Peer.pid(1)]);
      assert.deepEqual(packet.payload, ['hi', me(self())]);
    });
  });

  it('reads SEND_SENDER and the _TT forms of SEND and REG_SEND, in order', async () => {
    await run(async () => {
      register('t_tt', self());
      // Our pid has gone out once, so it comes back as ours.
      send(remoteNameOfPeer('sink'), ['pid', self()]);
      await peer.take(6);
      peer.send([22, Peer.pid(2), me(self())], 'm1');
      peer.send([12, '', me(self()), 'token'], 'm2');
      peer.send([16, Peer.pid(2), '', 't_tt', 'token'], 'm3');
      peer.send([23, Peer.pid(2), me(self()), 'token'], 'm4');
      for (const m of ['m1', 'm2', 'm3', 'm4']) assert.equal(await receive([_], 5000), m);
    });
  });

  it('PAYLOAD_EXIT through a link, PAYLOAD_EXIT2 kill, PAYLOAD_MONITOR_P_EXIT; an EXIT with no link is ignored', async () => {
    await run(async () => {
      processFlag('trap_exit', true);
      send(remoteNameOfPeer('sink'), ['pid', self()]);
      await peer.take(6);
      const remote = await pidOfPeer(3);
      const big = Buffer.alloc(2048, 7);
      peer.send([1, Peer.pid(3), me(self())]);
      peer.send([24, Peer.pid(3), me(self())], ['big', big]);
      assert.deepEqual(await receive([['EXIT', remote, _]], 5000), ['EXIT', remote, ['big', big]]);
      // The link is gone with its exit: the next one is ignored (the marker after it arrives first).
      peer.send([24, Peer.pid(3), me(self())], 'again');
      peer.send([2, '', me(self())], 'marker');
      assert.equal(await receive([_], 5000), 'marker');

      // Our monitor of a peer process: its MONITOR_P carries our ref, which comes back as the same object.
      const ref = monitor('process', remote);
      const mon = await peer.take(19);
      assert.deepEqual(mon.control.slice(0, 3), [19, me(self()), Peer.pid(3)]);
      assert.ok(mon.control[3] instanceof ExternalRef);
      peer.send([28, Peer.pid(3), me(self()), mon.control[3]], 'gone');
      assert.deepEqual(await receive([['DOWN', ref, _, _, _]], 5000), ['DOWN', ref, 'process', remote, 'gone']);
    });
    // PAYLOAD_EXIT2 with kill: killed, though it traps exits.
    await run(async () => {
      const victim = spawn(async () => {
        processFlag('trap_exit', true);
        await receive(['never']);
      });
      send(remoteNameOfPeer('sink'), ['pid', victim]);
      await peer.take(6);
      const watch = monitor('process', victim);
      peer.send([26, Peer.pid(4), me(victim)], 'kill');
      assert.deepEqual(await receive([['DOWN', watch, _, _, _]], 5000), ['DOWN', watch, 'process', victim, 'killed']);
    });
  });

  it('the link protocol: UNLINK_ID is acknowledged; our unlink sends one; a dead process answers LINK and MONITOR_P with noproc', async () => {
    await run(async () => {
      processFlag('trap_exit', true);
      send(remoteNameOfPeer('sink'), ['pid', self()]);
      await peer.take(6);
      const remote = await pidOfPeer(5);
      peer.send([1, Peer.pid(5), me(self())]);
      peer.send([35, 7, Peer.pid(5), me(self())]);
      assert.deepEqual((await peer.take(36)).control, [36, 7, me(self()), Peer.pid(5)]);
      peer.send([3, Peer.pid(5), me(self()), 'boom']);
      peer.send([2, '', me(self())], 'marker');
      assert.equal(await receive([_], 5000), 'marker');

      link(remote);
      assert.deepEqual((await peer.take(1)).control, [1, me(self()), Peer.pid(5)]);
      unlink(remote);
      const un = await peer.take(35);
      assert.equal(typeof un.control[1], 'number');
      assert.deepEqual(un.control.slice(2), [me(self()), Peer.pid(5)]);
    });

    const dead = spawn(async () => undefined);
    await run(async () => {
      send(remoteNameOfPeer('sink'), ['pid', dead]);
      await peer.take(6);
    });
    peer.send([1, Peer.pid(6), me(dead)]);
    assert.deepEqual((await peer.take(3)).control, [3, me(dead), Peer.pid(6), 'noproc']);
    const peerRef = new ExternalRef(PEER, PEER_CREATION, [1, 2, 3]);
    peer.send([19, Peer.pid(6), me(dead), peerRef]);
    assert.deepEqual((await peer.take(21)).control, [21, me(dead), Peer.pid(6), peerRef, 'noproc']);
    peer.send([19, Peer.pid(6), 'no_such_name', peerRef]);
    assert.deepEqual((await peer.take(21)).control, [21, 'no_such_name', Peer.pid(6), peerRef, 'noproc']);
  });

  it('a dying process takes back its monitors (DEMONITOR_P) and sends EXIT on its links, a JS error as text', async () => {
    const remote = await run(() => pidOfPeer(8));
    const watcher = spawn(async () => {
      monitor('process', remote);
      await receive(['stop']);
    });
    const mon = await peer.take(19);
    send(watcher, 'stop');
    const demon = await peer.take(20);
    assert.deepEqual(demon.control, [20, me(watcher), Peer.pid(8), mon.control[3]]);

    const crashes: unknown[] = [];
    const oldLogger = setLogger({ crash: (report) => crashes.push(report.error) });
    const crasher = spawn(async () => {
      link(remote);
      await receive(['crash']);
      throw new Error('boom');
    });
    await peer.take(1);
    send(crasher, 'crash');
    const exitSignal = await peer.take(3);
    setLogger(oldLogger);
    assert.equal(crashes.length, 1);
    assert.deepEqual(exitSignal.control, [3, me(crasher), Peer.pid(8), ['error', Buffer.from('Error: boom')]]);

    // A monitor from the peer on a local name reports the name when the process dies.
    const named = spawn(async () => {
      await receive(['bye']);
      exit('bye');
    });
    register('t_named', named);
    const peerRef = new ExternalRef(PEER, PEER_CREATION, [4, 5, 6]);
    peer.send([19, Peer.pid(8), 't_named', peerRef]);
    // From the peer too, so it arrives after the MONITOR_P.
    peer.send([6, Peer.pid(8), '', 't_named'], 'bye');
    assert.deepEqual((await peer.take(21)).control, [21, 't_named', Peer.pid(8), peerRef, 'bye']);
  });

  it('messages sent while we dial go in order once connected; a message with no Erlang form throws at the send', async () => {
    const name = 'acceptor_ctl';
    const full = `${name}@127.0.0.1`;
    let accepted: Peer | undefined;
    const server = net.createServer((socket) => {
      void acceptHandshake(socket, { name: full, cookie: COOKIE, creation: 9 }).then((hs) => {
        accepted = new Peer(hs);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    let registration: EpmdRegistration | undefined;
    try {
      registration = await registerNode(name, port, { port: epmd?.port });
      const sink = remoteName('sink', full);
      await run(async () => {
        for (let i = 0; i < 50; i++) send(sink, ['n', i]);
        assert.throws(() => send(sink, ['f', () => 1]), EtfEncodeError);
      });
      for (let i = 0; i < 100 && accepted === undefined; i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(accepted !== undefined, 'our node dialed the acceptor');
      for (let i = 0; i < 50; i++) {
        const packet: Packet = await accepted.take(6);
        assert.equal(packet.control[3], 'sink');
        assert.deepEqual(packet.payload, ['n', i]);
      }
    } finally {
      accepted?.close();
      await registration?.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('a packet that is not pass-through takes the connection down, logged; links across get noconnection', async () => {
    await run(async () => {
      processFlag('trap_exit', true);
      const remote = await pidOfPeer(9);
      link(remote);
      await peer.take(1);
      logs.length = 0;
      peer.sendRaw(encodeTerm(['not', 'a', 'control', 'message']));
      assert.deepEqual(await receive([['EXIT', remote, _]], 5000), ['EXIT', remote, 'noconnection']);
      assert.ok(
        logs.some((l) => l.includes(`connection to node ${PEER} went down`) && l.includes('pass through')),
        logs.join('\n'),
      );
    });
    assert.equal(await peer.closed(), 'connection_closed');
  });

  /** `{Name, PEER}`: the peer's registered name, as a destination. */
  function remoteNameOfPeer(name: string): Pid {
    return remoteName(name, PEER);
  }

  /** The pid `id` of the peer as our node knows it: the peer sends it to us in a message. */
  async function pidOfPeer(id: number): Promise<Pid> {
    const box = `t_box_${id}`;
    register(box, self());
    peer.send([6, Peer.pid(id), '', box], ['yours', Peer.pid(id)]);
    const [, pid] = await receive([['yours', anyPid]], 5000);
    return pid;
  }
});
