import type * as net from 'node:net';
import type * as tls from 'node:tls';
import {
  _,
  cancelTimer,
  demonitor,
  exit,
  isAlive,
  monitor,
  type Pid,
  type Ref,
  receive,
  receiveNow,
  self,
  send,
  sendAfter,
  spawn,
} from '../runtime/index.js';
import type { Dialect, StateName } from './dialects/index.js';
import type { WireFrame } from './frames.js';
import type { Headers } from './headers.js';
import {
  type ProtocolChoice,
  type ResolvedHttp2Options,
  type ResolvedHttpOptions,
  type ResolvedOptions,
  type ResolvedWsOptions,
  resolveWsOptions,
  type WsOptions,
} from './options.js';
import type { Command, IsFin, Protocol, ProtocolName, RequestOptions, Stream } from './protocols/protocol.js';
import * as registry from './protocols/registry.js';
import * as reasons from './reasons.js';
import { openSocket, type SocketEvent, type SocketSink } from './transport.js';

/**
 * The Gun connection process (the "Gun worker"), as Gun's `gun.erl`: a state
 * machine that owns the socket, the retry policy, the owner monitor and the
 * postponing of calls while not connected. What is said on the socket is the
 * protocol module's business (`protocols/`): the connection hands it socket
 * data and calls, and carries out the commands it answers with. What the
 * owner hears is the dialect's (`dialects/`).
 *
 * States, one handler each:
 * - `not_connected`: waiting to retry (`retryTimeout`; the first retry after
 *   a failure or a drop is immediate, as Gun's default retry_fun);
 * - `connecting`: TCP connect and TLS handshake, bounded by `connectTimeout`;
 * - `connected`: a protocol runs on the socket;
 * - `closing`: a graceful close is under way, bounded by `closingTimeout`.
 *
 * Every input is a message in this process's mailbox: calls from the public
 * functions (`$gun_call`), controls (`$gun_ctl`), socket events (`$gun_sock`,
 * tagged with the socket's generation so that a replaced socket's late
 * events are ignored), timers (`$gun_timer`) and the owner's DOWN. Calls are
 * simply not received while there is no connection to carry them: they wait
 * in the mailbox, in order (Erlang's selective receive doing Gun's postpone).
 */

/**
 * A call from the public API, as the connection process gets it
 * (`['$gun_call', call]`): what `get`, `request`, `wsUpgrade`, `data`,
 * `wsSend`, `updateFlow` and `cancel` send, already checked. Calls wait in
 * the mailbox while there is no connection to carry them. Exported because
 * a `ConnPid`'s message type names it; the functions are the way to send one.
 */
export type Call =
  | {
      /** A request: `get`, `post`, `request`, `headers`, ... */
      readonly kind: 'request';
      /** The stream's ref, made by the caller and returned to it. */
      readonly ref: Ref;
      /** Who gets the stream's messages: the caller, or `reqOpts.replyTo`. */
      readonly replyTo: Pid;
      /** The HTTP method, as given (`'GET'`). */
      readonly method: string;
      /** The request target (`'/index.html'`). */
      readonly path: string;
      /** The request's headers, lower-cased names. */
      readonly headers: Headers;
      /** Undefined: the body follows in `data` calls (`gun.headers`). */
      readonly body: Buffer | undefined;
      /** `replyTo` and `flow`. */
      readonly opts: RequestOptions;
    }
  | {
      /** `wsUpgrade`. */
      readonly kind: 'ws_upgrade';
      /** The upgrade's stream ref. */
      readonly ref: Ref;
      /** Undefined: the owner (the classic dialect's rule). */
      readonly replyTo: Pid | undefined;
      /** The path to upgrade (`'/websocket'`). */
      readonly path: string;
      /** Extra headers for the upgrade request. */
      readonly headers: Headers;
      /** This upgrade's options; undefined: the connection's `wsOpts`. */
      readonly wsOpts: WsOptions | undefined;
    }
  | {
      /** `data`: a piece of a request body. */
      readonly kind: 'data';
      /** The request's stream. */
      readonly ref: Ref;
      /** Who called, to tell of an error. */
      readonly caller: Pid;
      /** `'fin'` for the last piece. */
      readonly isFin: IsFin;
      /** The bytes. */
      readonly data: Buffer;
    }
  | {
      /** `wsSend`. */
      readonly kind: 'ws_send';
      /** The WebSocket's stream; undefined: the connection's one WebSocket (classic). */
      readonly ref: Ref | undefined;
      /** Who called, to tell of an error. */
      readonly caller: Pid;
      /** The frames, checked and encoded. */
      readonly frames: WireFrame[];
    }
  | {
      /** `updateFlow`. */
      readonly kind: 'update_flow';
      /** The stream; undefined: the connection's one WebSocket (classic). */
      readonly ref: Ref | undefined;
      /** Who called, to tell of an error. */
      readonly caller: Pid;
      /** How many more messages may come before reading pauses again. */
      readonly increment: number;
    }
  | {
      /** `cancel`. */
      readonly kind: 'cancel';
      /** The stream to cancel. */
      readonly ref: Ref;
      /** Who called, to tell of an error. */
      readonly caller: Pid;
    }
  | {
      /** `ping` (HTTP/2). */
      readonly kind: 'ping';
      /** Names the answer (`['gun_notify', pid, 'ping_ack', ref]`). */
      readonly ref: Ref;
      /** Who called: it gets the answer. */
      readonly caller: Pid;
    };

/**
 * A control, as the connection process gets it (`['$gun_ctl', control]`):
 * what `shutdown`, `setOwner`, `info` and `streamInfo` send. Taken in every
 * state, connected or not. Exported because a `ConnPid`'s message type
 * names it; the functions are the way to send one.
 */
export type Control =
  | {
      /** `shutdown`: close gracefully, then exit. */
      readonly kind: 'shutdown';
    }
  | {
      /** `setOwner`. */
      readonly kind: 'set_owner';
      /** Who asked: only the owner may. */
      readonly from: Pid;
      /** The new owner. */
      readonly owner: Pid;
    }
  /** Gun's info/1 and stream_info/2 are calls: answered in turn, after what came before them. */
  | {
      /** `info`. */
      readonly kind: 'info';
      /** Who asked, to get the answer. */
      readonly from: Pid;
      /** Tags the answer (`['$gun_reply', tag, info]`). */
      readonly tag: Ref;
    }
  | {
      /** `streamInfo`. */
      readonly kind: 'stream_info';
      /** Who asked, to get the answer. */
      readonly from: Pid;
      /** Tags the answer. */
      readonly tag: Ref;
      /** The stream asked about. */
      readonly ref: Ref;
    };

/** The answer to an info or stream_info control. */
export type Reply = readonly ['$gun_reply', tag: Ref, answer: unknown];

/** What the public functions send a connection. */
export type ConnectionMessage = readonly ['$gun_call', Call] | readonly ['$gun_ctl', Control];

/** The state and the data only it has: one tagged union, no casts. */
type State =
  | { readonly name: 'not_connected' }
  | { readonly name: 'connecting'; readonly socket: net.Socket }
  | { readonly name: 'connected'; readonly socket: net.Socket; readonly protocol: Protocol }
  | { readonly name: 'closing'; readonly socket: net.Socket; readonly protocol: Protocol };

/** The states in which a protocol runs on the socket. */
type Connected = Extract<State, { name: 'connected' | 'closing' }>;

/**
 * Gun's status: is the owner still there, and is the connection to go on?
 * While `up`, the owner monitor is `Connection.ownerMonitor`.
 */
type Status =
  | { readonly name: 'up' }
  | { readonly name: 'shutdown' }
  | { readonly name: 'down'; readonly reason: unknown };
// The two that hold nothing of their own, shared by every connection.
const UP: Status = { name: 'up' };
const SHUTDOWN: Status = { name: 'shutdown' };

export interface ConnectionConfig extends Omit<ResolvedOptions, 'dialect'> {
  readonly owner: Pid;
  readonly dialect: Dialect;
}

/** What `gun.info` tells of a connection. */
export interface ConnectionInfo {
  /** The process that gets the connection's messages and whose death ends it. */
  readonly owner: Pid;
  /** The socket, while there is one. */
  readonly socket: net.Socket | undefined;
  /** `'tcp'` or `'tls'`. */
  readonly transport: 'tcp' | 'tls';
  /**
   * The state: `'connected'`, `'closing'`, or, waiting to retry,
   * `'not_connected'` (classic) or `'domain_lookup'` (gun2, as Gun 2
   * reports it). `info` waits while a connect is under way, as Gun's does.
   */
  readonly stateName: StateName;
  /** `'https'` over TLS, else `'http'`. */
  readonly originScheme: 'http' | 'https';
  /** The host given to `open`. */
  readonly originHost: string;
  /** The port given to `open`. */
  readonly originPort: number;
  /** Proxies between us and the origin: none, beamish has no tunnels yet. */
  readonly intermediaries: readonly never[];
  /** The protocol on the socket, while connected. */
  readonly protocol?: ProtocolName;
  /** The socket's local address, once it has one. */
  readonly sockIp?: string;
  /** The socket's local port, once it has one. */
  readonly sockPort?: number;
  /** The dialect the connection speaks: `'classic'` or `'gun2'`. */
  readonly dialect: Dialect['name'];
}

/** What `gun.streamInfo` tells of a stream. */
export interface StreamInfo {
  /** The stream's ref. */
  readonly ref: Ref;
  /** The process that gets its messages. */
  readonly replyTo: Pid;
  /** `'stopping'` once cancelled (HTTP: its response is still read) or once a close frame went either way (WebSocket). */
  readonly state: 'running' | 'stopping';
  /**
   * Proxies on its way. Gun has this key (and `tunnel`) only when there
   * are proxies; beamish has no tunnels yet, so neither is ever set.
   */
  readonly intermediaries?: readonly never[];
  /** Gun's tunnel info, with `intermediaries`: never set yet. */
  readonly tunnel?: never;
}

const CALLS = ['$gun_call', _] as const;
/** Calls that touch streams already open: taken while closing, as Gun does. */
const STREAM_CALLS = [
  ['$gun_call', { kind: 'data' }],
  ['$gun_call', { kind: 'update_flow' }],
  ['$gun_call', { kind: 'cancel' }],
] as const;
/**
 * Every call but ws_send: taken while an upgrade waits for its answer, so
 * that frames sent meanwhile wait for the WebSocket rather than fail (Gun
 * would answer them badstate).
 */
const CALLS_BUT_WS_SEND = [
  ['$gun_call', { kind: 'request' }],
  ['$gun_call', { kind: 'ws_upgrade' }],
  ...STREAM_CALLS,
] as const;
const CONTROLS = ['$gun_ctl', _] as const;
/**
 * The controls taken while a connect is under way: info and stream_info
 * wait for its end, as Gun's do (its connect blocks the state machine, so
 * a call is answered once connected, or once the attempt failed).
 */
const CONNECTING_CONTROLS = [
  ['$gun_ctl', { kind: 'shutdown' }],
  ['$gun_ctl', { kind: 'set_owner' }],
] as const;
const SOCKET_EVENTS = ['$gun_sock', _, _] as const;
const TIMERS = ['$gun_timer', _, _] as const;
/**
 * The owner's DOWN, whatever its ref: `handle` takes only the current
 * owner monitor's and drops any other (a monitor's DOWN can only be the
 * owner's: the connection monitors nothing else; an old owner's is flushed
 * by setOwner's demonitor). With the ref out of the patterns, every
 * connection shares the same pattern lists, one per state, below, instead
 * of building its own.
 */
const DOWN = ['DOWN', _, 'process', _, _] as const;
const NONE = Symbol('none');

/** The patterns of each state's receive (see `patterns`), shared by every connection. */
const BASE = [CONTROLS, SOCKET_EVENTS, TIMERS, DOWN] as const;
const PATTERNS = {
  not_connected: BASE,
  connecting: [...CONNECTING_CONTROLS, SOCKET_EVENTS, TIMERS, DOWN],
  connected: [...BASE, CALLS],
  upgrading: [...BASE, ...CALLS_BUT_WS_SEND],
  // Gun: with retry 0 new streams are refused at once ('closing');
  // otherwise they wait for the reconnect. Open streams go on.
  closingRefusing: [...BASE, CALLS],
  closing: [...BASE, ...STREAM_CALLS],
} as const;

/**
 * What a connection keeps of its options: the resolved options `open`
 * made, less the owner and the dialect, in one object of one shape. Often
 * many connections are opened with the same options (a pool, a fan-out to
 * one server): consecutive ones share one Settings (see `settingsOf`), so
 * that each costs a pointer rather than the options objects `open` made
 * for it (about 0.5 KB each).
 */
class Settings {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly transport: 'tcp' | 'tls',
    readonly tlsOpts: tls.ConnectionOptions,
    readonly connectTimeout: number,
    readonly retry: number,
    readonly retryTimeout: number,
    readonly wsOpts: ResolvedWsOptions,
    readonly httpOpts: ResolvedHttpOptions,
    readonly protocols: readonly ProtocolChoice[],
    readonly http2Opts: ResolvedHttp2Options,
    /** ALPN names for `protocols`, offered over TLS. */
    readonly alpn: readonly string[],
  ) {}
}

/** The last Settings made, held weakly: it goes with the last connection that uses it. */
let lastSettings: WeakRef<Settings> | undefined;

/** `cfg`'s Settings: the last one made when it says the same, else a new one. */
function settingsOf(cfg: Omit<ResolvedOptions, 'dialect'>): Settings {
  const last = lastSettings?.deref();
  if (
    last !== undefined &&
    last.host === cfg.host &&
    last.port === cfg.port &&
    last.transport === cfg.transport &&
    sameTlsOpts(last.tlsOpts, cfg.tlsOpts) &&
    last.connectTimeout === cfg.connectTimeout &&
    last.retry === cfg.retry &&
    last.retryTimeout === cfg.retryTimeout &&
    sameWsOpts(last.wsOpts, cfg.wsOpts) &&
    sameHttpOpts(last.httpOpts, cfg.httpOpts) &&
    sameList(last.protocols, cfg.protocols) &&
    sameHttp2Opts(last.http2Opts, cfg.http2Opts)
  ) {
    return last;
  }
  const made = new Settings(
    cfg.host,
    cfg.port,
    cfg.transport,
    // No TLS options (the rule for plain TCP): one shared empty object.
    isEmpty(cfg.tlsOpts) ? NO_TLS_OPTS : cfg.tlsOpts,
    cfg.connectTimeout,
    cfg.retry,
    cfg.retryTimeout,
    last !== undefined && sameWsOpts(last.wsOpts, cfg.wsOpts) ? last.wsOpts : cfg.wsOpts,
    last !== undefined && sameHttpOpts(last.httpOpts, cfg.httpOpts) ? last.httpOpts : cfg.httpOpts,
    cfg.protocols,
    last !== undefined && sameHttp2Opts(last.http2Opts, cfg.http2Opts) ? last.http2Opts : cfg.http2Opts,
    cfg.protocols.map((p) => registry.ALPN[p]),
  );
  lastSettings = new WeakRef(made);
  return made;
}

const NO_TLS_OPTS: tls.ConnectionOptions = Object.freeze({});

function isEmpty(o: object): boolean {
  for (const _key in o) return false;
  return Object.getOwnPropertySymbols(o).length === 0;
}

/** The same TLS options: the same object (they are the caller's, passed on as given), or none at all. */
function sameTlsOpts(a: tls.ConnectionOptions, b: tls.ConnectionOptions): boolean {
  return a === b || (a === NO_TLS_OPTS && isEmpty(b));
}

function sameWsOpts(a: ResolvedWsOptions, b: ResolvedWsOptions): boolean {
  return (
    a === b ||
    (a.keepalive === b.keepalive &&
      a.silencePings === b.silencePings &&
      a.closingTimeout === b.closingTimeout &&
      a.compress === b.compress &&
      a.flow === b.flow &&
      a.protocols.length === b.protocols.length &&
      a.protocols.every((p, i) => p === b.protocols[i]))
  );
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

function sameHttp2Opts(a: ResolvedHttp2Options, b: ResolvedHttp2Options): boolean {
  if (a === b) return true;
  for (const key of Object.keys(a) as (keyof ResolvedHttp2Options)[]) if (a[key] !== b[key]) return false;
  return true;
}

function sameHttpOpts(a: ResolvedHttpOptions, b: ResolvedHttpOptions): boolean {
  return (
    a === b ||
    (a.keepalive === b.keepalive &&
      a.closingTimeout === b.closingTimeout &&
      a.version === b.version &&
      a.maxHeaderBlockSize === b.maxHeaderBlockSize &&
      a.maxTrailerBlockSize === b.maxTrailerBlockSize)
  );
}

/** What the API needs to know of a connection to check a call: its dialect and its owner. */
export interface ConnectionHandle {
  readonly dialect: Dialect;
  readonly currentOwner: Pid;
}

/**
 * Gun connections by pid, for the API's checks. While the process lives,
 * the handle is the connection itself; once it has exited, a two-field
 * record, so that a dead connection's pid, which callers may keep for
 * long, holds neither its socket nor its options.
 */
const connections = new WeakMap<Pid, ConnectionHandle>();

/** The connection behind `pid`, if it is one (alive or not). */
export function connectionOf(pid: unknown): ConnectionHandle | undefined {
  return typeof pid === 'object' && pid !== null ? connections.get(pid as Pid) : undefined;
}

/** Starts a connection process; returns its pid at once. */
export function startConnection(cfg: ConnectionConfig): Pid<ConnectionMessage> {
  const conn = new Connection(settingsOf(cfg), cfg.owner, cfg.dialect);
  const pid = spawn<ConnectionMessage>(() => conn.run());
  // Known at once, so that calls made before the process runs are checked.
  connections.set(pid, conn);
  return pid;
}

export class Connection implements ConnectionHandle, SocketSink {
  /** This process; set when it starts running. */
  private me!: Pid;
  readonly dialect: Dialect;
  private owner: Pid;
  private state: State = { name: 'not_connected' };
  private status: Status = UP;
  /** The monitor on the owner while the status is up; made when the process starts running (it is the process's own). */
  private ownerMonitor: Ref | undefined;
  /** Generation of the current socket; events and timers of older ones are stale. */
  private gen = 0;
  /** Retries left; reset on every (re)connection, as in Gun. */
  private retries: number;
  private lastError: Error | undefined;
  private connectTimer: Ref | undefined;
  private keepaliveTimer: Ref | undefined;
  /** Batches of commands posted to the mailbox and not carried out yet (this socket's). */
  private postedBatches = 0;
  /** The patterns of the receive the process waits in (see postCommands). */
  private waitingWith: readonly unknown[] = PATTERNS.not_connected;
  /** The socket corked for this turn's writes, and the writes since. */
  private corked: net.Socket | undefined;
  private corkedWrites = 0;

  constructor(
    private readonly cfg: Settings,
    owner: Pid,
    dialect: Dialect,
  ) {
    this.dialect = dialect;
    this.owner = owner;
    this.retries = cfg.retry;
  }

  async run(): Promise<void> {
    this.me = self();
    this.ownerMonitor = monitor('process', this.owner);
    try {
      this.connect();
      // The loop that waits is kept small: an idle connection waits in it,
      // and its suspended frame (every local and temporary) is kept as long.
      for (;;) {
        this.waitingWith = this.patterns();
        this.handleAll((await receive(this.waitingWith)) as readonly unknown[]);
      }
    } finally {
      // Whatever ends this process (an exit of its own, a kill while it
      // waits in receive), its socket goes with it. A finally costs nothing,
      // where a listener on the process's AbortSignal costs a controller and
      // a closure per connection.
      this.socket()?.destroy();
      connections.set(this.me, { dialect: this.dialect, currentOwner: this.owner });
    }
  }

  /**
   * Handles `first`, then everything else already queued, in the same turn:
   * one await per batch rather than per message.
   */
  private handleAll(first: readonly unknown[]): void {
    this.handle(first);
    for (let next = receiveNow(this.patterns(), NONE); next !== NONE; next = receiveNow(this.patterns(), NONE)) {
      this.handle(next as readonly unknown[]);
    }
  }

  // -- what each state listens to -------------------------------------------

  /**
   * The patterns of the receive for the current state: calls only while the
   * connection can carry them. Shared lists, one per state (PATTERNS).
   */
  private patterns(): readonly unknown[] {
    switch (this.state.name) {
      case 'connected':
        return this.state.protocol.awaitingUpgrade() ? PATTERNS.upgrading : PATTERNS.connected;
      case 'connecting':
        return PATTERNS.connecting;
      case 'closing':
        return this.cfg.retry === 0 ? PATTERNS.closingRefusing : PATTERNS.closing;
      default:
        return PATTERNS.not_connected;
    }
  }

  /**
   * Every message goes to the handler of the state the connection is in,
   * as gun.erl's state functions take their events; what every state
   * handles alike is `common` (gun.erl's handle_common). A socket event or
   * timer of an older socket generation is stale and dropped.
   */
  private handle(msg: readonly unknown[]): void {
    const state = this.state;
    switch (state.name) {
      case 'not_connected':
        this.notConnectedState(msg);
        return;
      case 'connecting':
        this.connectingState(state, msg);
        return;
      case 'connected':
        this.connectedState(state, msg);
        return;
      case 'closing':
        this.closingState(state, msg);
        return;
    }
  }

  /** not_connected: the retry timer; calls wait in the mailbox (they are not received here). */
  private notConnectedState(msg: readonly unknown[]): void {
    if (msg[0] === '$gun_timer') {
      if (msg[1] === 'retry' && msg[2] === this.gen) this.connect();
      return;
    }
    if (msg[0] === '$gun_sock') return; // a closed socket's last events
    this.common(msg);
  }

  /** connecting: the TCP connect and TLS handshake, bounded by connectTimeout. */
  private connectingState(state: Extract<State, { name: 'connecting' }>, msg: readonly unknown[]): void {
    switch (msg[0]) {
      case '$gun_sock': {
        if (msg[1] !== this.gen) return;
        const event = msg[2] as SocketEvent;
        if (event.type === 'connected') this.connected(state.socket);
        else if (event.type === 'error') this.lastError ??= event.error;
        else if (event.type === 'closed') this.connectFailed(reasons.socketError(this.lastError));
        return;
      }
      case '$gun_timer':
        if (msg[1] === 'connect_timeout' && msg[2] === this.gen) {
          state.socket.destroy();
          this.connectFailed('timeout');
        }
        return;
      default:
        this.common(msg);
    }
  }

  /** connected: a protocol runs on the socket; calls are carried out. */
  private connectedState(state: Extract<State, { name: 'connected' }>, msg: readonly unknown[]): void {
    switch (msg[0]) {
      case '$gun_sock':
        if (msg[1] === this.gen) this.onSocket(state, msg[2] as SocketEvent);
        return;
      case '$gun_timer':
        if (msg[1] === 'keepalive' && msg[2] === this.gen) {
          this.keepaliveTimer = undefined;
          this.run1((out) => state.protocol.keepalive(out));
          this.armKeepalive(state.protocol.keepaliveInterval());
        }
        return;
      case '$gun_call':
        this.callSafely(state, msg[1] as Call);
        return;
      default:
        this.common(msg);
    }
  }

  /**
   * closing: a graceful close under way, bounded by closingTimeout. Calls on
   * open streams go on; new streams wait for the next connection, or, with
   * `retry` 0, are refused at once (those are only received then: see
   * `patterns`), as Gun's closing state does.
   */
  private closingState(state: Extract<State, { name: 'closing' }>, msg: readonly unknown[]): void {
    switch (msg[0]) {
      case '$gun_sock':
        if (msg[1] === this.gen) this.onSocket(state, msg[2] as SocketEvent);
        return;
      case '$gun_timer':
        // The peer never finished the close: stop waiting (Gun's closing_timeout).
        if (msg[1] === 'closing' && msg[2] === this.gen) this.disconnect(closingReason(this.status));
        return;
      case '$gun_call': {
        const call = msg[1] as Call;
        if (call.kind === 'request' || call.kind === 'ws_upgrade' || call.kind === 'ws_send') {
          const to = call.kind === 'ws_send' ? call.caller : (call.replyTo ?? this.owner);
          send(to, this.dialect.error(this.me, call.ref, 'closing'));
          return;
        }
        this.callSafely(state, call);
        return;
      }
      default:
        this.common(msg);
    }
  }

  /** What every state handles alike (gun.erl's handle_common): controls and the owner's death. */
  private common(msg: readonly unknown[]): void {
    switch (msg[0]) {
      case '$gun_ctl':
        this.onControl(msg[1] as Control);
        return;
      case 'DOWN':
        // The owner monitor's; any other is stale (see DOWN) and dropped.
        if (this.status.name === 'up' && msg[1] === this.ownerMonitor) this.onOwnerDown(msg[4]);
        return;
    }
  }

  /**
   * A call, carried out by the protocol. The calls' arguments are checked
   * before they are sent, so a throw here is a fault of ours: it must cost
   * the caller one call, never the connection (Gun's connection likewise
   * outlives a bad call).
   */
  private callSafely(state: Connected, call: Call): void {
    try {
      this.onCall(state, call);
    } catch (err) {
      const caller = 'caller' in call ? call.caller : (call.replyTo ?? this.owner);
      send(caller, this.dialect.error(this.me, call.ref, ['internal_error', reasons.errorText(err)]));
    }
  }

  // -- not_connected and connecting ------------------------------------------

  private connect(): void {
    const gen = ++this.gen;
    this.postedBatches = 0;
    this.lastError = undefined;
    const socket = openSocket(this.cfg, this, gen);
    this.state = { name: 'connecting', socket };
    if (this.cfg.connectTimeout !== Infinity) {
      this.connectTimer = sendAfter(this.cfg.connectTimeout, this.me, ['$gun_timer', 'connect_timeout', gen]);
    }
  }

  /** Hands an event of socket generation `gen` to this process (the transport calls it). */
  post(gen: number, event: SocketEvent): void {
    // Events can outlive the process (a socket closing after it died).
    if (isAlive(this.me)) send(this.me, ['$gun_sock', gen, event]);
  }

  /** Commands the WebSocket module made outside any call (protocols/ws.ts's `later`). */
  /** A write for the current socket, now (protocols/ws.ts's `Later.writeNow`). */
  writeNow(data: Buffer): boolean {
    const state = this.state;
    if (state.name !== 'connected' && state.name !== 'closing') return false;
    this.write(state.socket, data);
    return true;
  }

  /**
   * Commands a protocol made outside any call. Those that only tell
   * (deliveries, errors, notifications, writes) are carried out at once when
   * no earlier batch waits in the mailbox, so that order holds: a response
   * node:http2 reports on the next tick reaches its process without
   * another turn of this one. Any other batch (a close, a pause) is posted
   * and carried out in turn.
   */
  postCommands(commands: Command[]): void {
    const state = this.state;
    if (
      this.postedBatches === 0 &&
      (state.name === 'connected' || state.name === 'closing') &&
      isAlive(this.me) &&
      commands.every(onlyTells)
    ) {
      this.carryOut(commands);
      // What the process waits for may have changed meanwhile (an upgrade
      // answered: wsSend calls may now be taken): a turn to look again.
      if (this.patterns() === this.waitingWith) return;
      commands = [];
    }
    this.postedBatches++;
    this.post(this.gen, { type: 'commands', commands });
  }

  /**
   * No connection: give up when no retry is left, else try again, at once
   * the first time after a failure or a drop, then every retryTimeout
   * (Gun's default_retry_fun).
   */
  private notConnected(reason: unknown): void {
    this.state = { name: 'not_connected' };
    if (this.retries <= 0) exit(reason === 'normal' ? 'normal' : ['shutdown', reason]);
    const timeout = this.retries === this.cfg.retry ? 0 : this.cfg.retryTimeout;
    this.retries--;
    sendAfter(timeout, this.me, ['$gun_timer', 'retry', this.gen]);
  }

  private connected(socket: net.Socket): void {
    if (this.connectTimer !== undefined) cancelTimer(this.connectTimer);
    this.connectTimer = undefined;
    this.retries = this.cfg.retry;
    const { cfg } = this;
    // Over TLS, what ALPN chose; over TCP, the first of `protocols` (Gun's rule).
    const name =
      cfg.transport === 'tls'
        ? registry.fromAlpn((socket as tls.TLSSocket).alpnProtocol, cfg.protocols)
        : (cfg.protocols[0] ?? 'http');
    const protocol = registry.start(name, {
      host: cfg.host,
      port: cfg.port,
      transport: cfg.transport,
      httpOpts: cfg.httpOpts,
      http2Opts: cfg.http2Opts,
      subprotocolHeaderOffers: this.dialect.subprotocolHeaderOffers,
      later: this,
    });
    this.state = { name: 'connected', socket, protocol };
    this.tell(this.dialect.up(this.me, this.owner, protocol.name));
    this.armKeepalive(protocol.keepaliveInterval());
  }

  // -- socket events ----------------------------------------------------------

  /** What the socket says while a protocol runs on it (connected or closing). */
  private onSocket(state: Connected, event: SocketEvent): void {
    switch (event.type) {
      case 'error':
        // The first error is the cause; those after it are its echoes.
        this.lastError ??= event.error;
        return;
      case 'closed':
        this.disconnect(this.lastError === undefined ? 'closed' : ['error', reasons.socketError(this.lastError)]);
        return;
      case 'data': {
        const out: Command[] = [];
        state.protocol.handle(event.data, out);
        this.carryOut(out);
        return;
      }
      case 'commands':
        this.postedBatches--;
        this.carryOut(event.commands);
        return;
      case 'connected':
        return; // not after the connect
    }
  }

  private connectFailed(reason: unknown): void {
    if (this.connectTimer !== undefined) cancelTimer(this.connectTimer);
    this.connectTimer = undefined;
    this.gen++; // the failed socket's late events are stale now
    this.postedBatches = 0;
    this.notConnected(reason);
  }

  // -- commands from the protocol ---------------------------------------------

  /** Runs one protocol call and carries out what it answers. */
  private run1(call: (out: Command[]) => void): void {
    const out: Command[] = [];
    call(out);
    this.carryOut(out);
  }

  private carryOut(commands: readonly Command[]): void {
    for (const cmd of commands) {
      const state = this.state;
      if (state.name !== 'connected' && state.name !== 'closing') return;
      switch (cmd.type) {
        case 'write':
          this.write(state.socket, cmd.data);
          break;
        case 'deliver':
          send(cmd.stream.replyTo, this.dialect.stream(this.me, cmd.stream, cmd.event));
          break;
        case 'error':
          send(cmd.to ?? this.owner, this.dialect.error(this.me, cmd.ref, cmd.reason));
          break;
        case 'notify':
          send(cmd.to ?? this.owner, this.dialect.notify(this.me, cmd.kind, cmd.value));
          break;
        case 'active':
          if (cmd.active) state.socket.resume();
          else state.socket.pause();
          break;
        case 'switch': {
          // HTTP/1.1 → WebSocket: the socket now speaks the new protocol,
          // starting with the bytes already read past the 101.
          const protocol = registry.switchTo(cmd.protocol, cmd.handshake, this);
          this.state = { ...state, protocol };
          this.armKeepalive(protocol.keepaliveInterval());
          if (cmd.rest.length > 0) this.run1((out) => protocol.handle(cmd.rest, out));
          break;
        }
        case 'closing':
          this.enterClosing();
          break;
        case 'close':
          this.disconnect(cmd.reason);
          return;
      }
    }
  }

  /**
   * Writes for the socket, corked per turn: the first write of a turn corks
   * the socket and the end of the turn (process.nextTick) uncorks it, so
   * what one turn writes (a batch of frames, pipelined requests) leaves in
   * one writev rather than one write each. A cork held over thousands of
   * writes makes one huge writev that costs more than it saves: every 64
   * writes, let them out.
   */
  private write(socket: net.Socket, data: Buffer | string): void {
    if (this.corked !== socket) {
      socket.cork();
      this.corked = socket;
      this.corkedWrites = 0;
      process.nextTick(uncorkTurn, this, socket);
    } else if (++this.corkedWrites % 64 === 0) {
      socket.uncork();
      socket.cork();
    }
    socket.write(data);
  }

  /**
   * Closes the socket without losing what was written to it: a WebSocket
   * close frame answering the server's, say, written this turn, is still
   * corked or queued in Node. Those bytes leave first (end, then destroy
   * once they are out, or after 5 s if the peer stops reading); with
   * nothing queued, the socket is destroyed at once.
   */
  private closeSocket(socket: net.Socket): void {
    if (this.corked === socket) this.uncork(socket);
    if (socket.writable && socket.writableLength > 0) {
      socket.end();
      socket.once('finish', destroySocket);
      socket.setTimeout(5000, destroySocket);
    } else {
      socket.destroy();
    }
  }

  /** The end of a turn: what it wrote goes out (see write). */
  uncork(socket: net.Socket): void {
    if (this.corked === socket) this.corked = undefined;
    socket.uncork();
  }

  // -- calls ----------------------------------------------------------------

  private onCall(state: Connected, call: Call): void {
    const { protocol } = state;
    switch (call.kind) {
      case 'request': {
        const stream: Stream = { ref: call.ref, replyTo: call.replyTo, upgrade: false };
        this.run1((out) => protocol.request(stream, call.method, call.path, call.headers, call.body, call.opts, out));
        return;
      }
      case 'ws_upgrade': {
        const replyTo = call.replyTo ?? this.owner;
        const stream: Stream = { ref: call.ref, replyTo, upgrade: true };
        const opts = resolveWsOptions('wsUpgrade', 'wsOpts', call.wsOpts, this.cfg.wsOpts);
        this.run1((out) => protocol.wsUpgrade(stream, call.path, call.headers, opts, out));
        return;
      }
      case 'data':
        this.run1((out) => protocol.data(call.ref, call.caller, call.isFin, call.data, out));
        return;
      case 'cancel':
        this.run1((out) => protocol.cancel(call.ref, call.caller, out));
        return;
      case 'update_flow': {
        const ref = call.ref ?? protocol.wsRef();
        if (ref === undefined) return; // classic, before any upgrade: nothing to give credit to
        this.run1((out) => protocol.updateFlow(ref, call.caller, call.increment, out));
        return;
      }
      case 'ws_send': {
        const ref = call.ref ?? protocol.wsRef();
        if (ref === undefined) {
          // The classic dialect's wsSend names no stream: before an upgrade,
          // the seed's badstate. With a ref, the protocol answers (HTTP/1.1
          // with Gun's connection-level badstate).
          send(call.caller, this.dialect.error(this.me, undefined, reasons.NOT_UPGRADED));
          return;
        }
        this.run1((out) => protocol.wsSend(ref, call.caller, call.frames, out));
        // A close frame that closes the connection (the ws module answered
        // `closing`, as Gun's ws_send answers {closing, Timeout}): in the
        // classic dialect that ends it for good, as shutdown does.
        if (state.name === 'connected' && this.state.name === 'closing' && this.dialect.clientCloseEnds) {
          this.setStatus(SHUTDOWN);
        }
        return;
      }
      case 'ping':
        if (protocol.ping === undefined) {
          send(call.caller, this.dialect.error(this.me, call.ref, reasons.PING_NOT_SUPPORTED));
          return;
        }
        this.run1((out) => protocol.ping?.(call.ref, call.caller, out));
        return;
    }
  }

  // -- controls and the owner ---------------------------------------------------

  private onControl(ctl: Control): void {
    switch (ctl.kind) {
      case 'shutdown':
        this.shutdown();
        return;
      case 'set_owner':
        this.setOwner(ctl.from, ctl.owner);
        return;
      case 'info':
        send(ctl.from, ['$gun_reply', ctl.tag, this.info()]);
        return;
      case 'stream_info':
        send(ctl.from, ['$gun_reply', ctl.tag, this.streamInfo(ctl.ref)]);
        return;
    }
  }

  /** Gun's set_owner: the owner hands the connection over; not while it is shutting down. */
  private setOwner(from: Pid, owner: Pid): void {
    if (from !== this.owner) return; // checked at the call; the owner changed in between
    if (this.status.name !== 'up') {
      send(from, this.dialect.error(this.me, undefined, reasons.OWNER_WHILE_CLOSING));
      return;
    }
    demonitor(this.ownerMonitor as Ref, { flush: true });
    this.owner = owner;
    this.ownerMonitor = monitor('process', owner);
  }

  /** Gun's shutdown: close gracefully, never reconnect, exit 'shutdown'. */
  private shutdown(): void {
    const state = this.state;
    if (state.name === 'not_connected' || state.name === 'connecting') {
      if (state.name === 'connecting') state.socket.destroy();
      exit('shutdown');
    }
    if (state.name === 'closing') {
      if (this.status.name === 'up') this.setStatus(SHUTDOWN);
      return;
    }
    this.setStatus(SHUTDOWN);
    this.closing('shutdown');
  }

  /** The owner died: close gracefully, then exit as Gun's owner_down says. */
  private onOwnerDown(reason: unknown): void {
    const state = this.state;
    if (state.name === 'not_connected' || state.name === 'connecting') {
      if (state.name === 'connecting') state.socket.destroy();
      exit(ownerDownReason(reason));
    }
    this.ownerMonitor = undefined; // it fired
    this.status = { name: 'down', reason };
    if (state.name !== 'closing') this.closing('owner_down');
  }

  private setStatus(status: Status): void {
    if (this.status.name === 'up') demonitor(this.ownerMonitor as Ref, { flush: true });
    this.ownerMonitor = undefined;
    this.status = status;
  }

  /** Starts a graceful close: the protocol says goodbye, and we wait at most closingTimeout. */
  private closing(reason: unknown): void {
    const state = this.state;
    if (state.name !== 'connected') return;
    this.enterClosing();
    this.run1((out) => state.protocol.closing(reason, out));
  }

  private enterClosing(): void {
    const state = this.state;
    if (state.name !== 'connected') return;
    this.state = { name: 'closing', socket: state.socket, protocol: state.protocol };
    this.cancelKeepalive();
    sendAfter(state.protocol.closingTimeout(), this.me, ['$gun_timer', 'closing', this.gen]);
  }

  // -- going down --------------------------------------------------------------

  /**
   * The connection is over (Gun's disconnect): the socket closes; then the
   * process exits if it was shutting down or its owner is gone, else the
   * owner hears of it (with the streams that were cut off) and we reconnect.
   */
  private disconnect(reason: unknown): void {
    const state = this.state;
    if (state.name !== 'connected' && state.name !== 'closing') return;
    this.closeSocket(state.socket);
    this.gen++; // the closed socket's late events are stale now
    this.postedBatches = 0;
    this.cancelKeepalive();
    this.state = { name: 'not_connected' };
    const out: Command[] = [];
    const killed = state.protocol.down(reason, out);
    // The last deliveries (a body that ended with the connection, each
    // stream cut off told why, before the owner hears of the connection);
    // writes and the like mean nothing now.
    for (const cmd of out) {
      if (cmd.type === 'deliver') send(cmd.stream.replyTo, this.dialect.stream(this.me, cmd.stream, cmd.event));
    }
    // Shutting down, or the owner gone: that was the end (no gun_down, as Gun).
    const { status } = this;
    if (status.name === 'shutdown') exit('shutdown');
    if (status.name === 'down') exit(ownerDownReason(status.reason));
    this.tell(this.dialect.down(this.me, this.owner, state.protocol.name, reason, killed));
    this.retries = this.cfg.retry;
    this.notConnected(reason);
  }

  // -- keepalive ------------------------------------------------------------------

  private armKeepalive(interval: number): void {
    this.cancelKeepalive();
    if (interval !== Infinity) {
      this.keepaliveTimer = sendAfter(interval, this.me, ['$gun_timer', 'keepalive', this.gen]);
    }
  }

  private cancelKeepalive(): void {
    if (this.keepaliveTimer !== undefined) cancelTimer(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
  }

  // -- to others ------------------------------------------------------------------

  private tell(messages: readonly (readonly [Pid, unknown])[]): void {
    for (const [to, message] of messages) send(to, message);
  }

  private socket(): net.Socket | undefined {
    return this.state.name === 'not_connected' ? undefined : this.state.socket;
  }

  // -- introspection ------------------------------------------------------------

  /** Gun's info/1. */
  private info(): ConnectionInfo {
    const state = this.state;
    const socket = this.socket();
    const address = socket?.address();
    const tls = this.cfg.transport === 'tls';
    return {
      owner: this.owner,
      socket,
      transport: this.cfg.transport,
      stateName: this.dialect.stateName(state.name),
      originScheme: tls ? 'https' : 'http',
      originHost: this.cfg.host,
      originPort: this.cfg.port,
      intermediaries: [],
      ...(state.name === 'connected' || state.name === 'closing' ? { protocol: state.protocol.name } : {}),
      ...(address !== undefined && 'port' in address ? { sockIp: address.address, sockPort: address.port } : {}),
      dialect: this.dialect.name,
    };
  }

  /** Gun's stream_info/2: `['ok', info | undefined]`, or `['error', 'not_connected']`. */
  private streamInfo(ref: Ref): readonly ['ok', StreamInfo | undefined] | readonly ['error', 'not_connected'] {
    const state = this.state;
    if (state.name !== 'connected' && state.name !== 'closing') return ['error', 'not_connected'];
    const known = state.protocol.streamInfo(ref);
    if (known === undefined) return ['ok', undefined];
    return ['ok', { ref, replyTo: known.stream.replyTo, state: known.state }];
  }

  /** The current owner (for the API's checks). */
  get currentOwner(): Pid {
    return this.owner;
  }
}

/** A command that only tells someone something, or writes: carried out outside a turn (see postCommands). */
function onlyTells(cmd: Command): boolean {
  return cmd.type === 'deliver' || cmd.type === 'error' || cmd.type === 'notify' || cmd.type === 'write';
}

function destroySocket(this: net.Socket): void {
  this.destroy();
}

function uncorkTurn(conn: Connection, socket: net.Socket): void {
  conn.uncork(socket);
}

/** Gun's closing_timeout reason, by status. */
function closingReason(status: Status): unknown {
  if (status.name === 'shutdown') return 'shutdown';
  if (status.name === 'down') return 'owner_down';
  return 'normal';
}

/** Gun's owner_down/2: the exit reason once the owner is gone. */
function ownerDownReason(reason: unknown): unknown {
  if (reason === 'normal' || reason === 'shutdown') return reason;
  if (Array.isArray(reason) && reason[0] === 'shutdown') return reason;
  return ['shutdown', ['owner_down', reason]];
}
