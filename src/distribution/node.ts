import * as net from 'node:net';
import {
  deliverLocal,
  RemoteName,
  RemotePid,
  RemoteRef,
  setNodeName,
  setRemoteNameResolver,
  stopProcess,
} from '../runtime/external.js';
import { BadArgError, type Pid, type Ref, node as runtimeNode, self } from '../runtime/index.js';
import { acceptTcp, dialTcp, type TcpSettings } from './channel.js';
import { AliasTag, type CodecHost, TermCodec } from './codec.js';
import { checkCookie, findCookie } from './cookie.js';
import { defaultEpmdPort, type EpmdRegistration, ensureEpmd, registerNode } from './epmd.js';
import type { ExternalPid, ExternalRef } from './etf/index.js';
import type { AcceptStatus } from './handshake.js';
import { startNetKernel } from './net-kernel.js';
import { parseNodeName, randomNodeName } from './node-name.js';
import { type NodeHost, RemoteNode } from './remote-node.js';

/**
 * A beamish node in an Erlang cluster: `startNode` makes this Node.js
 * process a distributed node (listening on TCP, registered with epmd,
 * `node()` its name), after which local processes talk to processes of
 * other nodes as to their own: `send`, `link`, `monitor`, `exit` and
 * `GenServer.call` take remote pids (and `remoteName(name, node)`, Erlang's
 * `{Name, Node}`), and the first signal to a node that is not connected
 * connects to it. One node per Node.js process, as one per BEAM.
 */

/** Options of {@link startNode}. */
export interface StartNodeOptions {
  /** The cookie (Erlang's `-setcookie`); default: `~/.erlang.cookie`, created as Erlang creates it. */
  readonly cookie?: string;
  /** A hidden node (Erlang's `-hidden`): Erlang lists it in `nodes(hidden)` and `global` leaves it alone. Default false. */
  readonly hidden?: boolean;
  /** Erlang's `net_ticktime`, in ms; default 60000. A peer silent for about this long is down (`net_tick_timeout`). */
  readonly netTickTimeMs?: number;
  /** epmd's port; default `ERL_EPMD_PORT`, else 4369. */
  readonly epmdPort?: number;
  /** Start `epmd -daemon` when none answers, as `erl` does; default true. */
  readonly startEpmd?: boolean;
  /** The address to accept connections on; default `'127.0.0.1'`. (`'0.0.0.0'` for other hosts.) */
  readonly listenHost?: string;
  /**
   * The TCP port to accept connections on, as the kernel's
   * `inet_dist_listen_min` / `inet_dist_listen_max`: a port (`4370`), or a
   * range `[min, max]` whose first free port is taken (a port in use is
   * skipped, as Erlang skips `eaddrinuse`; any other error stops there).
   * Default `0`: any free port the system hands out. When no port of the
   * range is free, `startNode` throws an error whose `code` is
   * `'EADDRINUSE'`.
   */
  readonly listenPort?: number | readonly [min: number, max: number];
  /** Where refused connections and lost ones are reported; default `console.error`. */
  readonly log?: (message: string) => void;
}

/** A started node. */
export interface NodeInfo {
  /** Its full name, `'beamish@127.0.0.1'`. */
  readonly name: string;
  /** Its creation, from epmd: it goes into every pid and ref it sends. */
  readonly creation: number;
  /** The TCP port it accepts connections on. */
  readonly port: number;
}

/** Which connected nodes {@link nodes} lists, as Erlang's `nodes/1`. */
export type NodesKind = 'visible' | 'hidden' | 'connected';

class LocalNode implements NodeHost, CodecHost {
  readonly codec: TermCodec;
  running = true;
  readonly remotes = new Map<string, RemoteNode>();
  private nextIndex = 1;
  /** monitorNode's monitors: node → process → how many times. */
  private readonly nodeMonitors = new Map<string, Map<Pid, number>>();
  /** Sockets whose handshake is under way, to drop when the node stops. */
  private readonly handshaking = new Set<net.Socket>();
  netKernel: Pid | undefined = undefined;

  constructor(
    readonly name: string,
    readonly creation: number,
    readonly port: number,
    private readonly settings: TcpSettings,
    private readonly server: net.Server,
    private readonly registration: EpmdRegistration,
  ) {
    this.codec = new TermCodec(this);
    server.on('connection', (socket) => this.accept(socket));
  }

  log(message: string): void {
    this.settings.log(message);
  }

  /** The entry for node `name`, made the first time it is named (which gives it its index). */
  remote(name: string): RemoteNode {
    let remote = this.remotes.get(name);
    if (remote === undefined) {
      remote = new RemoteNode(this, name, this.nextIndex++);
      this.remotes.set(name, remote);
    }
    return remote;
  }

  remotePid(pid: ExternalPid): RemotePid {
    return this.remote(pid.node).pid(pid);
  }

  remoteRef(ref: ExternalRef): RemoteRef {
    return this.remote(ref.node).ref(ref);
  }

  dial(remote: RemoteNode): void {
    remote.dialing = true;
    dialTcp(remote.name, this.settings).then(
      (hs) => {
        remote.dialing = false;
        // Stopped meanwhile, or the peer's own connection came first.
        if (!this.running || remote.state !== 'connecting') hs.abandon();
        else remote.attach(hs);
      },
      (error: unknown) => {
        remote.dialing = false;
        remote.dialFailed(error);
      },
    );
  }

  private accept(socket: net.Socket): void {
    if (!this.running) {
      socket.destroy();
      return;
    }
    this.handshaking.add(socket);
    acceptTcp(socket, this.settings, (peer) => this.acceptStatus(peer)).then(
      (hs) => {
        this.handshaking.delete(socket);
        if (!this.running) hs.abandon();
        else this.remote(hs.peer.name).attach(hs);
      },
      () => {
        // Refused (a wrong cookie, say): the handshake logged it as Erlang does.
        this.handshaking.delete(socket);
      },
    );
  }

  /**
   * Our answer to a node that connects (the manual's send_status):
   * `alive` when a connection to it is up (it says whether to replace it);
   * when we are dialing it at the same time, the greater name's attempt
   * wins, compared as Erlang compares the atoms.
   */
  private acceptStatus(peer: string): AcceptStatus {
    const remote = this.remotes.get(peer);
    if (remote === undefined) return 'ok';
    if (remote.state === 'up') return 'alive';
    if (remote.dialing) return this.name > peer ? 'nok' : 'ok_simultaneous';
    return 'ok';
  }

  nodeDown(remote: RemoteNode, _reason: string): void {
    const watchers = this.nodeMonitors.get(remote.name);
    if (watchers === undefined) return;
    this.nodeMonitors.delete(remote.name);
    for (const [pid, count] of watchers) {
      for (let i = 0; i < count; i++) deliverLocal(pid, ['nodedown', remote.name]);
    }
  }

  monitorNode(watcher: Pid, name: string, on: boolean): void {
    let watchers = this.nodeMonitors.get(name);
    if (!on) {
      const count = watchers?.get(watcher);
      if (count === undefined) return;
      if (count > 1) watchers?.set(watcher, count - 1);
      else watchers?.delete(watcher);
      return;
    }
    if (watchers === undefined) {
      watchers = new Map();
      this.nodeMonitors.set(name, watchers);
    }
    watchers.set(watcher, (watchers.get(watcher) ?? 0) + 1);
    // Erlang connects to monitor a node; a node that cannot be reached is down at once.
    this.remote(name).connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const socket of this.handshaking) socket.destroy();
    this.handshaking.clear();
    for (const remote of this.remotes.values()) remote.disconnect();
    if (this.netKernel !== undefined) stopProcess(this.netKernel, 'kill');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.registration.close();
  }
}

let current: LocalNode | undefined;
let starting = false;

/**
 * Makes this Node.js process an Erlang node named `name` (a random
 * `beamish_xxxxxx@127.0.0.1` when omitted): it listens on `listenPort` (an
 * ephemeral port by default), registers with epmd, and from then on
 * accepts connections from other nodes and connects to them on demand.
 * `node()` returns `name`.
 * A `net_kernel` process answers `net_adm:ping`.
 *
 * Throws BadArgError for a bad name or option, or when a node is running
 * already; EpmdError when epmd refuses the name or cannot be reached;
 * CookieError when the cookie file is unusable; an error with `code`
 * `'EADDRINUSE'` when no port of `listenPort` is free.
 *
 * @example
 * ```ts
 * // Erlang: erl -name beamish@127.0.0.1 -setcookie secret
 * const me = await startNode('beamish@127.0.0.1', { cookie: 'secret' });
 * me.name; // 'beamish@127.0.0.1', what node() now returns
 * // Erlang: ... -kernel inet_dist_listen_min 4370 inet_dist_listen_max 4380
 * // startNode('beamish@127.0.0.1', { cookie: 'secret', listenPort: [4370, 4380] })
 * // Then, from erl -name erl@127.0.0.1 -setcookie secret:
 * //   (erl@127.0.0.1)1> net_adm:ping('beamish@127.0.0.1').
 * //   pong
 * ```
 */
export async function startNode(name?: string, options: StartNodeOptions = {}): Promise<NodeInfo> {
  if (current !== undefined || starting) {
    throw new BadArgError('startNode', 'name', `node ${current?.name ?? '(starting)'} is running: stopNode() first`);
  }
  const nodeName = parseNodeName(name ?? randomNodeName(), 'startNode', 'name');
  if (typeof options !== 'object' || options === null) {
    throw new BadArgError('startNode', 'options', 'expected an options object');
  }
  const tickTimeMs = options.netTickTimeMs ?? 60_000;
  if (!Number.isFinite(tickTimeMs) || tickTimeMs < 4) {
    throw new BadArgError('startNode', 'options.netTickTimeMs', `expected ms >= 4, got ${String(tickTimeMs)}`);
  }
  const epmdPort = options.epmdPort ?? defaultEpmdPort();
  const log = options.log ?? ((message: string) => console.error(message));
  if (typeof log !== 'function') throw new BadArgError('startNode', 'options.log', 'expected a function');
  const listenHost = options.listenHost ?? '127.0.0.1';
  const ports = listenPorts(options.listenPort);
  starting = true;
  try {
    const cookie =
      options.cookie !== undefined ? checkCookie(options.cookie, 'startNode', 'options.cookie') : await findCookie();
    if (options.startEpmd !== false) await ensureEpmd({ port: epmdPort });
    const server = net.createServer();
    await listenInRange(server, listenHost, ports);
    const address = server.address() as net.AddressInfo;
    let registration: EpmdRegistration;
    try {
      registration = await registerNode(nodeName.alive, address.port, { port: epmdPort });
    } catch (error) {
      server.close();
      throw error;
    }
    const settings: TcpSettings = {
      name: nodeName.full,
      cookie,
      creation: registration.creation,
      hidden: options.hidden === true,
      tickTimeMs,
      epmd: { port: epmdPort },
      log,
    };
    const local = new LocalNode(nodeName.full, registration.creation, address.port, settings, server, registration);
    current = local;
    setNodeName(local.name);
    setRemoteNameResolver((registered, at) => nameOn(local, registered, at));
    local.netKernel = startNetKernel();
    return { name: local.name, creation: local.creation, port: local.port };
  } finally {
    starting = false;
  }
}

/**
 * The ports `listenPort` allows, `[first, last]`, as the kernel's
 * `{inet_dist_listen_min, inet_dist_listen_max}` (`[0, 0]`: any); throws
 * BadArgError for anything else. Unlike Erlang, which fails to listen on a
 * range whose min is above its max, that is refused here, at the call.
 */
function listenPorts(value: unknown): readonly [number, number] {
  if (value === undefined) return [0, 0];
  const isPort = (n: unknown, min: number): n is number =>
    Number.isInteger(n) && (n as number) >= min && (n as number) <= 65535;
  if (isPort(value, 0)) return [value, value];
  if (Array.isArray(value) && value.length === 2) {
    const [min, max]: unknown[] = value;
    if (isPort(min, 1) && isPort(max, 1) && min <= max) return [min, max];
  }
  throw new BadArgError(
    'startNode',
    'options.listenPort',
    `expected a port 0-65535 (0: any free port) or a range [min, max] of ports 1-65535 with min <= max, got ${show(value)}`,
  );
}

function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/**
 * Listens on the first port of `[first, last]` that is free, as
 * inet_tcp_dist's do_listen: a port in use (EADDRINUSE) is skipped, any
 * other error ends it. When every port is in use, the error says which
 * ones (a single port: Node's own error).
 */
async function listenInRange(
  server: net.Server,
  host: string,
  [first, last]: readonly [number, number],
): Promise<void> {
  for (let port = first; ; port++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE') throw error;
      if (port >= last) {
        if (first === last) throw error;
        const exhausted: NodeJS.ErrnoException = new Error(
          `startNode: every port of ${first}-${last} on ${host} is in use`,
          { cause: error },
        );
        exhausted.code = code;
        throw exhausted;
      }
    }
  }
}

/**
 * Stops the node: every connection closes (links and monitors across end
 * with `noconnection`, node monitors get `nodedown`), the name leaves epmd,
 * and `node()` is `'nonode@nohost'` again. Does nothing when no node runs.
 *
 * @example
 * ```ts
 * await stopNode(); // Erlang: net_kernel:stop()
 * node(); // 'nonode@nohost'
 * ```
 */
export async function stopNode(): Promise<void> {
  const local = current;
  if (local === undefined) return;
  current = undefined;
  setRemoteNameResolver(undefined);
  try {
    await local.stop();
  } finally {
    setNodeName('nonode@nohost');
  }
}

function nameOn(local: LocalNode, name: string, at: string): RemoteName {
  parseNodeName(at, 'remoteName', 'node');
  if (typeof name !== 'string' || name === '')
    throw new BadArgError('remoteName', 'name', 'expected a registered name');
  if (at === local.name) {
    throw new BadArgError('remoteName', 'node', `${at} is this node: send to '${name}' itself`);
  }
  return local.remote(at).registered(name);
}

/**
 * Erlang's `{Name, Node}`: the process registered as `name` on node `at`, as
 * a destination that `send`, `monitor` and `GenServer.call` take where they
 * take a pid (`monitor('process', [name, node])` works too). Sending to it
 * connects to the node when needed; a name nothing holds there drops the
 * message, as in Erlang. Needs a running node.
 *
 * @example
 * ```ts
 * send(remoteName('echo', 'erl@127.0.0.1'), [self(), 'hi']); // {echo, 'erl@127.0.0.1'} ! {self(), hi}
 * await GenServer.call(remoteName('net_kernel', 'erl@127.0.0.1'), ['is_auth', node()]); // 'yes'
 * // Erlang: gen_server:call({net_kernel, 'erl@127.0.0.1'}, {is_auth, node()})
 * ```
 */
export function remoteName(name: string, at: string): RemoteName {
  const local = current;
  if (local === undefined) {
    throw new BadArgError('remoteName', 'node', 'this node is not distributed: startNode() first');
  }
  return nameOn(local, name, at);
}

/**
 * The nodes this one is connected to, as Erlang's `nodes/0,1`: visible ones
 * by default, `'hidden'` ones, or all `'connected'`.
 *
 * @example
 * ```ts
 * nodes(); // ['erl@127.0.0.1'], as Erlang's nodes()
 * nodes('connected'); // hidden ones too, as nodes(connected)
 * ```
 */
export function nodes(kind: NodesKind = 'visible'): string[] {
  if (kind !== 'visible' && kind !== 'hidden' && kind !== 'connected') {
    throw new BadArgError('nodes', 'kind', `expected 'visible', 'hidden' or 'connected', got ${String(kind)}`);
  }
  const local = current;
  if (local === undefined) return [];
  const out: string[] = [];
  for (const remote of local.remotes.values()) {
    if (remote.state !== 'up') continue;
    const hidden = remote.peer?.hidden === true;
    if (kind === 'connected' || (kind === 'hidden') === hidden) out.push(remote.name);
  }
  return out;
}

/**
 * Erlang's `monitor_node(Node, Flag)` for the running process: with `true`,
 * `['nodedown', node]` arrives when the connection to `node` goes down, or
 * at once when it cannot be made (it connects if needed); each call is one
 * more monitor. `false` takes one back. Throws BadArgError when this node is
 * not distributed (Erlang raises `notalive`).
 *
 * @example
 * ```ts
 * monitorNode('erl@127.0.0.1', true); // Erlang: monitor_node('erl@127.0.0.1', true)
 * await receive([['nodedown', 'erl@127.0.0.1']]); // receive {nodedown, 'erl@127.0.0.1'} -> ... end
 * ```
 */
export function monitorNode(name: string, flag: boolean): true {
  parseNodeName(name, 'monitorNode', 'node');
  if (typeof flag !== 'boolean')
    throw new BadArgError('monitorNode', 'flag', `expected a boolean, got ${String(flag)}`);
  const local = current;
  if (local === undefined) {
    throw new BadArgError('monitorNode', 'node', 'this node is not distributed (Erlang: notalive): startNode() first');
  }
  const me = self();
  if (name !== local.name) local.monitorNode(me, name, flag);
  return true;
}

/**
 * Closes the connection to `name`, as `erlang:disconnect_node/1`: links and
 * monitors across end with `noconnection`. Returns whether a connection
 * was there (or being made).
 *
 * @example
 * ```ts
 * disconnectNode('erl@127.0.0.1'); // true; Erlang: erlang:disconnect_node('erl@127.0.0.1')
 * nodes(); // []
 * ```
 */
export function disconnectNode(name: string): boolean {
  parseNodeName(name, 'disconnectNode', 'node');
  const remote = current?.remotes.get(name);
  if (remote === undefined || remote.state === 'idle') return false;
  remote.disconnect();
  return true;
}

/**
 * The node a pid, ref or `remoteName` belongs to, as Erlang's `node/1`:
 * `node()` for local ones.
 *
 * @example
 * ```ts
 * nodeOf(self()); // node(), as Erlang's node(self())
 * nodeOf(remoteName('echo', 'erl@127.0.0.1')); // 'erl@127.0.0.1'
 * const [, from] = await receive([['hello', anyPid]]); // from a process on erl@127.0.0.1
 * nodeOf(from); // 'erl@127.0.0.1', as node(From)
 * ```
 */
export function nodeOf(id: Pid | Ref): string {
  if (id instanceof RemotePid || id instanceof RemoteRef || id instanceof RemoteName) return id.node;
  if (id instanceof AliasTag) return id.alias.node;
  return runtimeNode();
}
