import type net from 'node:net';
import type { WebSocket } from 'ws';
import {
  _,
  cancelTimer,
  exit,
  isAlive,
  monitor,
  type Pid,
  type Ref,
  receive,
  receiveNow,
  self,
  selfSignal,
  send,
  sendAfter,
} from '../runtime/index.js';
import type { DialectWriter } from './dialect.js';
import { openSocket, openWebSocket, type Post } from './events.js';
import type { IncomingFrame, WireFrame } from './frames.js';
import type { Headers } from './headers.js';
import { type ResolvedOptions, type ResolvedWsOptions, resolveWsOptions } from './options.js';
import * as reasons from './reasons.js';

/**
 * The Gun connection process (the "Gun worker").
 *
 * It is an ordinary process: socket and WebSocket events become messages in
 * its own mailbox, tagged `$gun_sock` with the generation of the socket they
 * come from (events of a socket already replaced are ignored); the public
 * functions (`wsUpgrade`, `wsSend`, ...) send it `$gun_call` messages; its
 * timers are runtime timers. It answers with the owner-facing tuples its
 * dialect writes. Data flows one way: socket → this mailbox → owner's mailbox.
 *
 * While the connection is not up, `$gun_call` messages are simply not
 * received: they wait in the mailbox, in order, and run once it is up
 * (Erlang's selective receive doing the queueing).
 */

type State = 'connecting' | 'waiting' | 'up' | 'upgrading' | 'ws' | 'closing';

/** Calls from the public API; they wait in the mailbox while the connection is not up. */
export type Call =
  | ['$gun_call', 'ws_upgrade', [ref: Ref, path: string, headers: Headers, wsOpts: unknown]]
  | ['$gun_call', 'ws_send', [frames: WireFrame[]]]
  | ['$gun_call', 'update_flow', [increment: number]];

/** Controls, handled in every state. */
export type Control = ['$gun_ctl', 'shutdown', undefined];

interface Upgrade {
  readonly ref: Ref;
  readonly ws: WebSocket;
  readonly opts: ResolvedWsOptions;
}

export interface ConnectionConfig extends ResolvedOptions {
  readonly owner: Pid;
  readonly writer: DialectWriter;
}

const CALLS = ['$gun_call', _, _] as const;
const CONTROLS = ['$gun_ctl', _, _] as const;
const SOCKET_EVENTS = ['$gun_sock', _, _, _] as const;
const TIMERS = ['$gun_timer', _, _] as const;
const NONE = Symbol('none');

export function connectionProcess(cfg: ConnectionConfig): () => Promise<void> {
  return () => new Connection(cfg).run();
}

class Connection {
  private readonly me = self();
  private state: State = 'connecting';
  /** Generation of the current socket; events of older sockets are stale. */
  private gen = 0;
  private socket: net.Socket | undefined;
  private upgrade: Upgrade | undefined;
  private retriesLeft: number;
  private lastError: unknown;
  private connectTimer: Ref | undefined;
  /** What the process exits with once a close we started completes. */
  private exitReason: unknown = 'shutdown';
  /** A keepalive ping is out and nothing has come from the peer since. */
  private awaitingPong = false;
  /** Reading was paused (flow control) at some time since that ping. */
  private pausedSincePing = false;
  private lostReason: unknown;
  private credit = Infinity;
  /** The socket corked for the batch being handled, and the frames written since. */
  private corked: net.Socket | undefined;
  private corkedWrites = 0;
  /** Frames held back while the owner has no credit (flow control); none is dropped. */
  private held: IncomingFrame[] = [];
  private readonly ownerMonitor: Ref;
  private readonly withoutCalls: readonly unknown[];
  private readonly withCalls: readonly unknown[];

  constructor(private readonly cfg: ConnectionConfig) {
    this.retriesLeft = cfg.retry;
    this.ownerMonitor = monitor('process', cfg.owner);
    this.withoutCalls = [CONTROLS, SOCKET_EVENTS, TIMERS, ['DOWN', this.ownerMonitor, 'process', _, _]];
    this.withCalls = [...this.withoutCalls, CALLS];
    // Whatever ends this process, its sockets go with it.
    selfSignal().addEventListener('abort', () => {
      this.upgrade?.ws.terminate();
      this.socket?.destroy();
    });
  }

  async run(): Promise<void> {
    this.connect();
    for (;;) {
      this.handle((await receive(this.patterns())) as unknown[]);
      // Then everything else already queued, in the same turn: one await per
      // batch rather than per message.
      let next = receiveNow(this.patterns(), NONE);
      if (next === NONE) continue;
      // A batch: its writes leave in as few packets as they can, the socket
      // corked until the batch is done (see write()). A lone message is not
      // worth a cork.
      const socket = this.state === 'ws' ? this.socket : undefined;
      socket?.cork();
      this.corked = socket;
      try {
        for (; next !== NONE; next = receiveNow(this.patterns(), NONE)) this.handle(next as unknown[]);
      } finally {
        this.corked = undefined;
        socket?.uncork();
      }
    }
  }

  /** What this state listens to: calls only while the connection can take them. */
  private patterns(): readonly unknown[] {
    return this.state === 'up' || this.state === 'ws' ? this.withCalls : this.withoutCalls;
  }

  private handle(msg: unknown[]): void {
    switch (msg[0]) {
      case '$gun_sock':
        if (msg[1] === this.gen) this.onSocketEvent(msg[2] as string, msg[3]);
        return;
      case '$gun_timer':
        if (msg[2] === this.gen) this.onTimer(msg[1] as string);
        return;
      case '$gun_ctl':
        this.shutdown('shutdown');
        return;
      case '$gun_call':
        try {
          this.onCall(msg as Call);
        } catch (err) {
          // The calls' arguments are checked before they are sent, so this
          // is a fault of ours: it must cost the owner one call, never the
          // connection (Gun's connection likewise outlives a bad call).
          this.tell(this.cfg.writer.error(this.me, undefined, ['internal_error', errorText(err)]));
        }
        return;
      case 'DOWN': {
        const reason = msg[4];
        this.shutdown(reason === 'normal' ? 'normal' : ['shutdown', ['owner_down', reason]]);
        return;
      }
    }
  }

  // -- to the owner --------------------------------------------------------

  private tell(messages: unknown[]): void {
    for (const m of messages) send(this.cfg.owner, m);
  }

  // -- transport ------------------------------------------------------------

  private connect(): void {
    const gen = ++this.gen;
    this.state = 'connecting';
    this.lastError = undefined;
    this.socket = openSocket(this.cfg, this.poster(gen));
    const { connectTimeout } = this.cfg;
    if (connectTimeout !== Infinity) {
      this.connectTimer = sendAfter(connectTimeout, this.me, ['$gun_timer', 'connect_timeout', gen]);
    }
  }

  /** Turns events of one socket generation into messages to this process. */
  private poster(gen: number): Post {
    const me = this.me;
    return (event, data) => {
      // Events can outlive the process (a socket closing after it died).
      if (isAlive(me)) send(me, ['$gun_sock', gen, event, data]);
    };
  }

  private onSocketEvent(event: string, data: unknown): void {
    switch (event) {
      case 'connected':
        if (this.state !== 'connecting') return;
        if (this.connectTimer !== undefined) cancelTimer(this.connectTimer);
        this.state = 'up';
        this.retriesLeft = this.cfg.retry;
        this.tell(this.cfg.writer.up(this.me));
        return;
      case 'error':
        // The first error is the cause; those after it are its echoes
        // (ws reports its own abort after ours, for one).
        this.lastError ??= data;
        return;
      case 'closed':
        this.onSocketClosed();
        return;
      default:
        this.onWsEvent(event, data);
    }
  }

  private onSocketClosed(): void {
    switch (this.state) {
      case 'connecting':
        this.connectFailed(reasons.connectFailure(this.lastError));
        return;
      case 'up':
        this.lost(lostText(this.lastError), false);
        return;
      // 'upgrading', 'ws' and 'closing': the WebSocket's own events tell what
      // happened (a refused answer may come in after the socket has closed).
    }
  }

  private onTimer(kind: string): void {
    if (kind === 'connect_timeout' && this.state === 'connecting') {
      this.gen++; // the socket's own events are stale now
      this.socket?.destroy();
      this.connectFailed('timeout');
    } else if (kind === 'retry' && this.state === 'waiting') {
      this.connect();
    } else if (kind === 'keepalive' && this.state === 'ws') {
      this.keepalive();
    } else if (kind === 'closing' && this.state === 'closing') {
      // The peer never answered our close: stop waiting.
      exit(this.exitReason);
    }
  }

  /**
   * A connection attempt failed: retry, or give up. As in Gun, the first
   * retry after a failure is immediate and the next ones wait retryTimeout.
   */
  private connectFailed(reason: unknown): void {
    if (this.retriesLeft <= 0) exit(['shutdown', reason]);
    const first = this.retriesLeft === this.cfg.retry;
    this.retriesLeft--;
    this.state = 'waiting';
    this.socket = undefined;
    sendAfter(first ? 0 : this.cfg.retryTimeout, this.me, ['$gun_timer', 'retry', this.gen]);
  }

  /** An established connection was lost: tell the owner, then reconnect at once (or exit). */
  private lost(reason: unknown, clean: boolean): void {
    const refs = this.upgrade === undefined ? [] : [this.upgrade.ref];
    this.upgrade = undefined;
    this.socket?.destroy();
    this.socket = undefined;
    this.tell(this.cfg.writer.down(this.me, reason, refs));
    if (this.cfg.retry <= 0) exit(clean ? 'normal' : ['shutdown', reason]);
    // The first attempt after a drop is immediate; it counts as one retry.
    this.retriesLeft = this.cfg.retry - 1;
    this.connect();
  }

  // -- calls ----------------------------------------------------------------

  private onCall([, kind, args]: Call): void {
    switch (kind) {
      case 'ws_upgrade': {
        const [ref, path, headers, wsOpts] = args;
        if (this.state === 'ws') {
          this.tell(this.cfg.writer.error(this.me, ref, reasons.ALREADY_UPGRADED));
          return;
        }
        this.startUpgrade(ref, path, headers, resolveWsOptions('wsUpgrade', 'wsOpts', wsOpts, this.cfg.wsOpts));
        return;
      }
      case 'ws_send': {
        const up = this.upgrade;
        if (this.state !== 'ws' || up === undefined) {
          this.tell(this.cfg.writer.error(this.me, undefined, reasons.NOT_UPGRADED));
          return;
        }
        for (const frame of args[0]) {
          this.write(up.ws, frame);
          if (frame.kind === 'close') {
            // A close from us: a clean end, and no reconnect (the seed's rule).
            this.startClosing('shutdown');
            return;
          }
        }
        return;
      }
      case 'update_flow': {
        this.credit += args[0];
        const up = this.upgrade;
        if (up === undefined) return;
        while (this.credit > 0 && this.held.length > 0) this.give(up, this.held.shift() as IncomingFrame);
        if (this.credit > 0) up.ws.resume();
        return;
      }
    }
  }

  private write(ws: WebSocket, frame: WireFrame): void {
    // A cork held over thousands of frames makes one huge writev that costs
    // more than it saves: let the frames out every few dozen.
    if (this.corked !== undefined && ++this.corkedWrites % 32 === 0) {
      this.corked.uncork();
      this.corked.cork();
    }
    switch (frame.kind) {
      case 'text':
        ws.send(frame.data, { binary: false });
        return;
      case 'binary':
        ws.send(frame.data, { binary: true });
        return;
      case 'ping':
        ws.ping(frame.data);
        return;
      case 'pong':
        ws.pong(frame.data);
        return;
      case 'close':
        ws.close(frame.code, frame.reason);
        return;
    }
  }

  // -- WebSocket ------------------------------------------------------------

  private startUpgrade(ref: Ref, path: string, headers: Headers, opts: ResolvedWsOptions): void {
    const ws = openWebSocket(this.socket as net.Socket, this.cfg, path, headers, opts, this.poster(this.gen));
    this.upgrade = { ref, ws, opts };
    this.state = 'upgrading';
  }

  private onWsEvent(event: string, data: unknown): void {
    const up = this.upgrade;
    if (up === undefined) return;
    // Anything from the peer shows it is alive, as a pong would.
    this.awaitingPong = false;
    switch (event) {
      case 'ws_open':
        if (this.state !== 'upgrading') return;
        this.state = 'ws';
        this.credit = up.opts.flow;
        this.held = [];
        this.lostReason = undefined;
        if (up.opts.keepalive !== Infinity)
          sendAfter(up.opts.keepalive, this.me, ['$gun_timer', 'keepalive', this.gen]);
        this.tell(this.cfg.writer.upgraded(this.me, up.ref, data as Headers));
        return;
      case 'ws_refused': {
        if (this.state !== 'upgrading') return;
        const [status, headers, body] = data as [number, Headers, Buffer];
        this.upgrade = undefined;
        this.socket?.destroy();
        this.tell(this.cfg.writer.refused(this.me, up.ref, status, headers, body));
        // ws's HTTP client does not keep the connection after a response, so
        // open a new one at once for the owner's next try. Not a loss: no message.
        this.connect();
        return;
      }
      case 'ws_frame':
        this.deliver(up, data as IncomingFrame);
        return;
      case 'ws_ping':
        if (!up.opts.silencePings) this.deliver(up, controlFrame('ping', data as Buffer));
        return;
      case 'ws_pong':
        if (!up.opts.silencePings) this.deliver(up, controlFrame('pong', data as Buffer));
        return;
      case 'ws_close':
        this.onWsClose(up, data as [number, string]);
        return;
    }
  }

  /**
   * Gives the owner a frame, within its flow credit. Past the credit, reading
   * pauses; frames ws had already read are held here, in order, until
   * `updateFlow` gives more credit.
   */
  private deliver(up: Upgrade, frame: IncomingFrame): void {
    if (this.credit === Infinity) {
      this.tell(this.cfg.writer.frame(this.me, up.ref, frame));
      return;
    }
    if (this.credit <= 0 || this.held.length > 0) this.held.push(frame);
    else this.give(up, frame);
  }

  /** Sends a frame within the credit, pausing reading when the credit runs out. */
  private give(up: Upgrade, frame: IncomingFrame): void {
    this.tell(this.cfg.writer.frame(this.me, up.ref, frame));
    if (--this.credit <= 0) {
      up.ws.pause();
      this.pausedSincePing = true;
    }
  }

  private onWsClose(up: Upgrade, [code, reason]: [number, string]): void {
    // The connection is over: frames held back by flow control go to the
    // owner now, in order, rather than being lost with it.
    for (const frame of this.held.splice(0)) this.tell(this.cfg.writer.frame(this.me, up.ref, frame));
    // 1006: the connection dropped with no close frame; 1005: a close frame with no code.
    if (code !== 1006)
      this.tell(this.cfg.writer.frame(this.me, up.ref, code === 1005 ? 'close' : ['close', code, reason]));
    if (this.state === 'closing') exit(this.exitReason);
    if (this.state === 'upgrading') {
      // The handshake itself failed (bad answer, socket gone).
      this.upgrade = undefined;
      this.lost(lostText(this.lastError), false);
      return;
    }
    const why = this.lostReason ?? (code === 1006 ? lostText(this.lastError) : reasons.CLOSED_BY_PEER);
    this.lost(why, code !== 1006);
  }

  /**
   * Every keepalive period: ping the peer, and call it dead if nothing at
   * all (a pong, a frame, a ping) came from it during the whole last period
   * while we were reading. A reader paused for flow control hears nothing,
   * however alive the peer (its pong sits unread behind the frames the owner
   * has not asked for), so a period with a pause in it never counts.
   */
  private keepalive(): void {
    const up = this.upgrade as Upgrade;
    if (this.awaitingPong && !this.pausedSincePing) {
      // Silence for a whole keepalive period: the peer is gone, even if TCP has not noticed.
      this.lostReason = reasons.PEER_DEAD;
      up.ws.terminate();
      return;
    }
    this.awaitingPong = true;
    this.pausedSincePing = this.credit <= 0;
    if (!this.pausedSincePing) up.ws.ping();
    sendAfter(up.opts.keepalive, this.me, ['$gun_timer', 'keepalive', this.gen]);
  }

  // -- ending ---------------------------------------------------------------

  /** Ends the connection gracefully, then exits with `reason`. */
  private shutdown(reason: unknown): void {
    if (this.state === 'ws') {
      (this.upgrade as Upgrade).ws.close(1001);
      this.startClosing(reason);
    } else if (this.state !== 'closing') {
      exit(reason);
    }
  }

  /** Waits for the peer's close frame, at most closingTimeout, then exits with `reason`. */
  private startClosing(reason: unknown): void {
    this.state = 'closing';
    this.exitReason = reason;
    const timeout = (this.upgrade as Upgrade).opts.closingTimeout;
    sendAfter(timeout, this.me, ['$gun_timer', 'closing', this.gen]);
  }
}

function controlFrame(kind: 'ping' | 'pong', data: Buffer): IncomingFrame {
  return data.length === 0 ? kind : [kind, data];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function lostText(err: unknown): unknown {
  return err === undefined ? reasons.CONNECTION_LOST : ['closed', errorText(err)];
}
