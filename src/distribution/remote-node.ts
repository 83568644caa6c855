import {
  deliverLocal,
  deliverToAlias,
  deliverToName,
  demonitorFromRemote,
  disconnect,
  downFromRemote,
  ExternalProc,
  exitFromRemote,
  isEntangled,
  linkFromRemote,
  monitorFromRemote,
  proxyOf,
  RemoteName,
  RemotePid,
  RemoteRef,
  type RemoteSignals,
  senderPid,
  unlinkFromRemote,
} from '../runtime/external.js';
import { BadArgError, Pid, Ref } from '../runtime/index.js';
import type { Channel, Handshaken, PeerInfo } from './channel.js';
import type { TermCodec } from './codec.js';
import * as op from './control.js';
import { packetParts, withPassThrough } from './control.js';
import { decodeTermAt, type ExternalPid, type ExternalRef } from './etf/index.js';

/**
 * Another node, as this one sees it: the connection to it (none, being
 * made, or up), its pids and refs interned, and every link and monitor
 * between its processes and ours, so that losing the connection ends them
 * with `noconnection`, as Erlang does. It is the node-to-node layer: it
 * speaks control messages over a `Channel` and knows nothing of TCP.
 *
 * Outgoing: local processes' signals to its processes arrive through
 * `RemoteSignals` (the runtime calls these methods), are encoded at once
 * and sent, or queued while the connection is being made; the first one
 * to a node that is not connected dials it, as Erlang's auto-connect.
 * Incoming: each packet is a control message (and a payload), applied to
 * local processes through runtime/external.ts.
 */

/** What a RemoteNode needs of the local node. */
export interface NodeHost {
  /** Our node name. */
  readonly name: string;
  readonly codec: TermCodec;
  /** False once the local node has stopped: nothing dials any more. */
  readonly running: boolean;
  /** Starts dialing `remote`; ends in `remote.attach(...)` or `remote.dialFailed(...)`. */
  dial(remote: RemoteNode): void;
  /** The connection to `remote` is gone (or could not be made): node monitors hear `nodedown`. */
  nodeDown(remote: RemoteNode, reason: string): void;
  /** Where errors of connections are reported. */
  log(message: string): void;
}

/** A table of objects by key whose entries go when the object is collected. */
class Interned<V extends object> {
  private readonly table = new Map<string, WeakRef<V>>();
  private readonly forget = new FinalizationRegistry<string>((key) => {
    if (this.table.get(key)?.deref() === undefined) this.table.delete(key);
  });

  get(key: string): V | undefined {
    return this.table.get(key)?.deref();
  }

  set(key: string, value: V): void {
    this.table.set(key, new WeakRef(value));
    this.forget.register(value, key);
  }
}

/** How long a dial that the peer's own simultaneous attempt beat waits for that attempt, in ms. */
const SIMULTANEOUS_WAIT_MS = 7000;

export type ConnectionState = 'idle' | 'connecting' | 'up';

export class RemoteNode implements RemoteSignals {
  /** `idle`: no connection; `connecting`: a handshake is under way; `up`: packets flow. */
  state: ConnectionState = 'idle';
  /** Whether our own dial is under way (for simultaneous connects). */
  dialing = false;
  /** Who the peer is, once a handshake has completed. */
  peer: PeerInfo | undefined = undefined;
  private channel: Channel | undefined = undefined;
  /** Packets sent while the connection is being made, in order. */
  private pending: Buffer[][] = [];
  /** Proxies of its processes that hold links or monitors with ours. */
  private readonly entangled = new Set<ExternalProc>();
  private pruneAt = 64;
  private readonly pids = new Interned<RemotePid>();
  private lastPid: RemotePid | undefined = undefined;
  private readonly refs = new Interned<RemoteRef>();
  private readonly names = new Map<string, RemoteName>();
  private unlinkId = 0;
  private waitTimer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly host: NodeHost,
    /** Its full node name. */
    readonly name: string,
    /** Our index for it: the first number of its pids as we print them. */
    readonly index: number,
  ) {}

  // --- its pids, refs and names ---------------------------------------

  /** The pid of one of its processes: the same object for the same process while anything holds it. */
  pid(ext: ExternalPid): RemotePid {
    // The pid of the last packet is most often the pid of this one (a
    // conversation): checked before the table, without making a key.
    const last = this.lastPid;
    if (
      last !== undefined &&
      last.serial === ext.id &&
      last.idSerial === ext.serial &&
      last.creation === ext.creation
    ) {
      return last;
    }
    const key = `${ext.id}.${ext.serial}.${ext.creation}`;
    let pid = this.pids.get(key);
    if (pid === undefined) {
      pid = new RemotePid(this.name, this.index, ext.id, ext.serial, ext.creation);
      new ExternalProc(pid, this);
      this.pids.set(key, pid);
    }
    this.lastPid = pid;
    return pid;
  }

  /** One of its refs, interned the same way. */
  ref(ext: ExternalRef): RemoteRef {
    const key = `${ext.creation}:${ext.ids.join('.')}`;
    let ref = this.refs.get(key);
    if (ref === undefined) {
      ref = new RemoteRef(this.name, this.index, ext.creation, ext.ids, this);
      this.refs.set(key, ref);
    }
    return ref;
  }

  /** Erlang's `{Name, Node}` for this node, as a destination. */
  registered(name: string): RemoteName {
    let dest = this.names.get(name);
    if (dest === undefined) {
      dest = new RemoteName(name, this.name);
      new ExternalProc(dest, this);
      this.names.set(name, dest);
    }
    return dest;
  }

  // --- the connection -----------------------------------------------------

  /** Dials unless connected or dialing already (for monitorNode, and the first signal). */
  connect(): void {
    if (this.state !== 'idle') return;
    this.state = 'connecting';
    if (!this.host.running) {
      queueMicrotask(() => this.failed('the local node is not running'));
      return;
    }
    this.host.dial(this);
  }

  /** A handshake completed (ours or theirs): packets flow, and what waited goes first. */
  attach(hs: Handshaken): void {
    if (this.waitTimer !== undefined) {
      clearTimeout(this.waitTimer);
      this.waitTimer = undefined;
    }
    if (this.channel !== undefined) {
      // The peer came back (it restarted, or replaced a connection it had
      // given up on): the old connection is over, and so is all it carried.
      const old = this.channel;
      this.channel = undefined;
      old.close();
      this.lost('connection_closed');
    }
    this.peer = hs.peer;
    const channel: Channel = hs.open({
      onPacket: (packet) => this.onPacket(packet),
      onClose: (reason, error) => {
        if (this.channel === channel) this.closed(reason, error);
      },
    });
    this.channel = channel;
    this.state = 'up';
    const pending = this.pending;
    this.pending = [];
    for (const parts of pending) channel.send(parts);
  }

  /** Our dial failed. A `nok` means the peer's own attempt wins: wait for it a while. */
  dialFailed(error: unknown): void {
    if (this.state !== 'connecting') return;
    const code = (error as { code?: unknown }).code;
    if (code === 'nok') {
      this.waitTimer = setTimeout(() => {
        this.waitTimer = undefined;
        if (this.state === 'connecting') this.failed(`${this.name}'s simultaneous connection did not come`);
      }, SIMULTANEOUS_WAIT_MS);
      this.waitTimer.unref();
      return;
    }
    this.failed(error instanceof Error ? error.message : String(error));
  }

  /** Closes the connection (stopNode, disconnect): links and monitors across end with `noconnection`. */
  disconnect(): void {
    const channel = this.channel;
    if (channel !== undefined) {
      this.channel = undefined;
      channel.close();
      this.lost('disconnect');
    } else if (this.state === 'connecting') {
      this.failed('disconnected');
    }
  }

  private failed(why: string): void {
    if (this.waitTimer !== undefined) {
      clearTimeout(this.waitTimer);
      this.waitTimer = undefined;
    }
    this.host.log(`** beamish: cannot connect to node ${this.name}: ${why} **`);
    this.lost('connection_failed');
  }

  private closed(reason: string, error: Error | undefined): void {
    this.channel = undefined;
    if (error !== undefined)
      this.host.log(`** beamish: connection to node ${this.name} went down: ${error.message} **`);
    this.lost(reason);
  }

  /** No connection any more: what waited is dropped, links and monitors across end. */
  private lost(reason: string): void {
    this.state = 'idle';
    this.pending = [];
    const proxies = [...this.entangled];
    this.entangled.clear();
    this.pruneAt = 64;
    disconnect(proxies);
    this.host.nodeDown(this, reason);
  }

  /** Sends a packet; `connect`: dial when not connected (sends, links, monitors, exit/2 do). */
  private transmit(parts: Buffer[], connect: boolean): void {
    const channel = this.channel;
    if (channel !== undefined) {
      channel.send(parts);
      return;
    }
    if (this.state === 'idle' && !connect) return;
    this.pending.push(parts);
    this.connect();
  }

  /** Keeps `proxy` for the `noconnection` of this connection; forgets, now and then, those that hold nothing. */
  private entangle(proxy: ExternalProc): void {
    this.entangled.add(proxy);
    if (this.entangled.size > this.pruneAt) {
      for (const p of this.entangled) if (!isEntangled(p)) this.entangled.delete(p);
      this.pruneAt = Math.max(64, this.entangled.size * 2);
    }
  }

  // --- signals from local processes (RemoteSignals) -----------------------

  send(to: ExternalProc, message: unknown): void {
    const codec = this.host.codec;
    const pid = to.pid;
    if (pid instanceof RemoteName) {
      const payload = codec.encodeMessage(message);
      this.transmit(packetParts(codec.encode([op.REG_SEND, senderPid(), '', pid.name]), payload), true);
      return;
    }
    const payload = codec.encodeMessage(message);
    // The head of a SEND to one pid never changes: made once per pid.
    let head = to.wire as Buffer | undefined;
    if (head === undefined) {
      head = withPassThrough(codec.encode([op.SEND, '', pid]));
      to.wire = head;
    }
    this.transmit([head, payload], true);
  }

  aliasSend(alias: RemoteRef, message: unknown): void {
    const codec = this.host.codec;
    const payload = codec.encodeMessage(message);
    this.transmit(packetParts(codec.encode([op.ALIAS_SEND, senderPid(), alias]), payload), true);
  }

  exit(to: ExternalProc, from: Pid, reason: unknown, viaLink: boolean): void {
    const pid = pidOnly(to, viaLink ? 'link' : 'exit');
    const control = this.host.codec.encodeSignal([viaLink ? op.EXIT : op.EXIT2, from, pid], reason);
    this.transmit(packetParts(control), true);
  }

  link(to: ExternalProc, from: Pid): void {
    const pid = pidOnly(to, 'link');
    this.transmit(packetParts(this.host.codec.encode([op.LINK, from, pid])), true);
    this.entangle(to);
  }

  unlink(to: ExternalProc, from: Pid): void {
    const id = ++this.unlinkId;
    this.transmit(packetParts(this.host.codec.encode([op.UNLINK_ID, id, from, to.pid])), false);
  }

  monitor(to: ExternalProc, from: Pid, ref: Ref): void {
    this.transmit(packetParts(this.host.codec.encode([op.MONITOR_P, from, target(to), ref])), true);
    this.entangle(to);
  }

  demonitor(to: ExternalProc, from: Pid, ref: Ref): void {
    this.transmit(packetParts(this.host.codec.encode([op.DEMONITOR_P, from, target(to), ref])), false);
  }

  down(watcher: ExternalProc, ref: Ref, watched: unknown, reason: unknown): void {
    // A local process monitored by name reports the name, as Erlang's.
    const from = Array.isArray(watched) ? watched[0] : watched;
    const control = this.host.codec.encodeSignal([op.MONITOR_P_EXIT, from, watcher.pid, ref], reason);
    this.transmit(packetParts(control), false);
  }

  // --- packets from the other node ----------------------------------------

  private onPacket(packet: Buffer): void {
    if (packet[0] !== op.PASS_THROUGH) {
      throw new Error(
        `a packet from ${this.name} starts with ${packet[0]}, not ${op.PASS_THROUGH} (pass through): beamish reads no distribution header`,
      );
    }
    const codec = this.host.codec;
    const { term: control, end } = decodeTermAt(packet, 1, codec.decodeOptions);
    const payload = end < packet.length ? decodeTermAt(packet, end, codec.decodeOptions).term : undefined;
    if (!Array.isArray(control) || typeof control[0] !== 'number') {
      throw new Error(`a packet from ${this.name} holds no control message`);
    }
    this.dispatch(control, payload);
  }

  /** Applies one control message (the manual's shapes; `_TT` forms read past their token). */
  private dispatch(c: readonly unknown[], payload: unknown): void {
    const codec = this.host.codec;
    switch (c[0]) {
      case op.SEND:
      case op.SEND_TT:
      case op.SEND_SENDER:
      case op.SEND_SENDER_TT:
        deliverLocal(pidAt(c, 2), codec.adoptGen(payload));
        return;
      case op.REG_SEND:
      case op.REG_SEND_TT:
        // A name nothing holds: dropped, as Erlang drops it (rex's
        // features_request and global's init_connect end here).
        deliverToName(atomAt(c, 3), codec.adoptGen(payload));
        return;
      case op.ALIAS_SEND:
      case op.ALIAS_SEND_TT:
        deliverToAlias(refAt(c, 2), codec.adoptGen(payload));
        return;
      case op.LINK: {
        const from = this.proxyAt(c, 1);
        const to = pidAt(c, 2);
        if (linkFromRemote(from, to)) this.entangle(from);
        else this.sendBack(op.EXIT, to, from.pid, 'noproc');
        return;
      }
      case op.UNLINK:
        unlinkFromRemote(this.proxyAt(c, 1), pidAt(c, 2));
        return;
      case op.UNLINK_ID: {
        const from = this.proxyAt(c, 2);
        const to = pidAt(c, 3);
        unlinkFromRemote(from, to);
        // Acknowledged before anything else goes to the sender, as the link protocol requires.
        this.transmit(packetParts(codec.encode([op.UNLINK_ID_ACK, c[1], to, from.pid])), false);
        return;
      }
      case op.UNLINK_ID_ACK:
        // Our unlink removed the link at once; nothing waits for the ack.
        return;
      case op.EXIT:
        exitFromRemote(this.proxyAt(c, 1), pidAt(c, 2), c[3], true);
        return;
      case op.EXIT_TT:
        exitFromRemote(this.proxyAt(c, 1), pidAt(c, 2), c[4], true);
        return;
      case op.PAYLOAD_EXIT:
      case op.PAYLOAD_EXIT_TT:
        exitFromRemote(this.proxyAt(c, 1), pidAt(c, 2), payload, true);
        return;
      case op.EXIT2:
        exitFromRemote(this.proxyAt(c, 1), pidAt(c, 2), c[3], false);
        return;
      case op.EXIT2_TT:
        exitFromRemote(this.proxyAt(c, 1), pidAt(c, 2), c[4], false);
        return;
      case op.PAYLOAD_EXIT2:
      case op.PAYLOAD_EXIT2_TT:
        exitFromRemote(this.proxyAt(c, 1), pidAt(c, 2), payload, false);
        return;
      case op.MONITOR_P: {
        const from = this.proxyAt(c, 1);
        const watched = c[2];
        const ref = refAt(c, 3);
        const local = typeof watched === 'string' ? watched : pidAt(c, 2);
        if (monitorFromRemote(from, local, ref)) this.entangle(from);
        else this.sendBack(op.MONITOR_P_EXIT, local, from.pid, 'noproc', ref);
        return;
      }
      case op.DEMONITOR_P:
        demonitorFromRemote(this.proxyAt(c, 1), refAt(c, 3));
        return;
      case op.MONITOR_P_EXIT:
        downFromRemote(pidAt(c, 2), refAt(c, 3), c[4]);
        return;
      case op.PAYLOAD_MONITOR_P_EXIT:
        downFromRemote(pidAt(c, 2), refAt(c, 3), payload);
        return;
      default:
        // NODE_LINK, GROUP_LEADER, and what our flags do not ask for
        // (SPAWN_REQUEST needs DFLAG_SPAWN): nothing to do.
        return;
    }
  }

  /** EXIT `{3, From, To, Reason}` or MONITOR_P_EXIT `{21, From, To, Ref, Reason}` answering a signal at once. */
  private sendBack(code: number, from: unknown, to: Pid, reason: unknown, ref?: Ref): void {
    const head = ref === undefined ? [code, from, to] : [code, from, to, ref];
    this.transmit(packetParts(this.host.codec.encodeSignal(head, reason)), false);
  }

  /** The proxy of the sender named at `c[i]`: a pid of this node. */
  private proxyAt(c: readonly unknown[], i: number): ExternalProc {
    const proxy = proxyOf(pidAt(c, i));
    if (proxy === undefined) throw new Error(`control message ${c[0]} from ${this.name} names a sender of ours`);
    return proxy;
  }
}

function pidAt(c: readonly unknown[], i: number): Pid {
  const v = c[i];
  if (!(v instanceof Pid)) throw new Error(`control message ${String(c[0])}: element ${i} is not a pid`);
  return v;
}

function refAt(c: readonly unknown[], i: number): Ref {
  const v = c[i];
  if (!(v instanceof Ref)) throw new Error(`control message ${String(c[0])}: element ${i} is not a reference`);
  return v;
}

function atomAt(c: readonly unknown[], i: number): string {
  const v = c[i];
  if (typeof v !== 'string') throw new Error(`control message ${String(c[0])}: element ${i} is not an atom`);
  return v;
}

/** What MONITOR_P and DEMONITOR_P name: the pid, or the name for `{Name, Node}`. */
function target(proxy: ExternalProc): unknown {
  return proxy.pid instanceof RemoteName ? proxy.pid.name : proxy.pid;
}

/** Links and exit signals go to pids only: Erlang's `link({Name, Node})` and `exit({Name, Node}, R)` are badarg. */
function pidOnly(proxy: ExternalProc, fn: string): Pid {
  const pid = proxy.pid;
  if (pid instanceof RemoteName) {
    throw new BadArgError(fn, 'pid', `${pid} is a name on another node: ${fn} takes a pid (as in Erlang)`);
  }
  return pid;
}
