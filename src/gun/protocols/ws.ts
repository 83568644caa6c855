import type { Pid, Ref } from '../../runtime/index.js';
import type { IncomingFrame, WireFrame } from '../frames.js';
import type { Headers } from '../headers.js';
import type { ResolvedWsOptions } from '../options.js';
import * as reasons from '../reasons.js';
import type { Command, IsFin, Protocol, RequestOptions, Stream, WsHandshake } from './protocol.js';
import {
  type Callback,
  type Extensions,
  type PerMessageDeflate,
  type Receiver,
  type Sender,
  type SenderSocket,
  type SendOptions,
  wsLibrary,
} from './ws-library.js';

/**
 * The WebSocket protocol module, Gun's `gun_ws`: socket bytes and calls in,
 * commands out. Frames are parsed by ws's `Receiver` and written by ws's
 * `Sender` (with ws's `PerMessageDeflate` when the server accepted it); this
 * module decides what they mean for the connection: delivery to the stream's
 * reply-to process within its flow credit, automatic pongs, keepalive pings
 * and dead-peer detection, and the close handshake.
 *
 * Commands go to the `out` list of the call being made. permessage-deflate
 * works asynchronously in ws (zlib runs off the main thread), so what comes
 * of it (inflated messages, deflated frames, and whatever waited behind
 * them) arrives outside any call: those commands are gathered and handed to
 * `later` in one batch per turn, in the order they were made. A call made
 * before that batch was handed over takes it first, at the head of its own
 * `out`, so that order always holds.
 */

const ws = wsLibrary;

// -- the receiver's listeners, shared by every module ------------------------------

const OWNER: unique symbol = Symbol('beamish.gun.ws');
type OwnedReceiver = Receiver & { [OWNER]: Ws };

function receiverOnMessage(this: OwnedReceiver, data: Buffer, isBinary: boolean): void {
  this[OWNER].onMessage(data, isBinary);
}
function receiverOnPing(this: OwnedReceiver, data: Buffer): void {
  this[OWNER].onPing(data);
}
function receiverOnPong(this: OwnedReceiver, data: Buffer): void {
  this[OWNER].onPong(data);
}
function receiverOnConclude(this: OwnedReceiver, code: number, reason: Buffer): void {
  this[OWNER].onConclude(code, reason);
}
function receiverOnError(this: OwnedReceiver, err: Error): void {
  this[OWNER].onFailure(err);
}

// -- constants -----------------------------------------------------------------

/**
 * The largest message (all its fragments, after inflating) we accept; a
 * bigger one is refused with close code 1009. Gun 2.4.1 has no limit
 * (cow_ws takes any length up to 2^63 - 1, and ws_opts has no
 * max_frame_size); we keep the limit ws's own client has by default, 100
 * MiB, which this connection had while it was built on ws's WebSocket: a
 * server cannot make the client buffer gigabytes.
 */
export const MAX_MESSAGE_BYTES = 100 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);
const DEFLATE = 'permessage-deflate';
const PAUSE: Command = { type: 'active', active: false };
const RESUME: Command = { type: 'active', active: true };
const NORMAL = 'normal';
/** What a Sender's write callback gets when the write was dropped. */
const NOT_WRITTEN = new Error('the WebSocket connection is closed');
/** What `finishPending` holds when no close command waits. */
const NO_REASON = Symbol('none');

/** The close code RFC 6455 asks for when the server broke the protocol in the way `err` says. */
function closeCodeFor(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'WS_ERR_INVALID_UTF8':
      return 1007; // §8.1: invalid UTF-8 in a text message or a close reason
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return 1009; // a message too big to process
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      return 1008;
    default:
      if (typeof code === 'string') {
        // Any other ws error is a frame that breaks the framing rules; a zlib
        // error is data that does not inflate, which ws reports as 1007 too.
        if (code.startsWith('WS_ERR_')) return 1002;
        if (code.startsWith('Z_')) return 1007;
      }
      return 1011; // not the server's fault: ours
  }
}

// -- the module ----------------------------------------------------------------

export class Ws implements Protocol {
  readonly name = 'ws';
  private readonly stream: Stream;
  private readonly opts: ResolvedWsOptions;
  private readonly later: (commands: Command[]) => void;
  private readonly receiver: Receiver;
  private readonly sender: Sender;
  private readonly deflate: PerMessageDeflate | undefined;
  /** What the Sender writes to: each write becomes a `write` command. */
  private readonly socket: SenderSocket;
  private readonly textOptions: SendOptions;
  private readonly binaryOptions: SendOptions;

  /** The `out` of the call being made; undefined outside any call. */
  private out: Command[] | undefined;
  /** Commands made outside any call, waiting to be handed to `later`. */
  private pendingLater: Command[] = [];
  private laterScheduled = false;

  // Receiving. The Receiver takes one chunk at a time: while an inflate is
  // running it has not finished with its chunk, and the chunks that come in
  // the meantime wait here, in order.
  private busy = false;
  private feeding = false;
  private backlog: Buffer[] = [];
  private backlogAt = 0;
  /** A close frame or a protocol error came in: what follows is not read. */
  private inputDone = false;

  // The close handshake (gun_ws's in = close, out = close).
  private closeSent = false;
  /** Our close frame has gone to the socket (it may wait behind a deflate). */
  private closeWritten = false;
  private closeReceived = false;
  /** The reason of a close command that waits for our close frame to be written. */
  private finishPending: unknown = NO_REASON;
  /** A close command was pushed: nothing more goes to or comes from the peer. */
  private finished = false;
  /** down() was called: the socket is gone. */
  private gone = false;
  /** zlib must be released once the inflate running when down() came finishes. */
  private cleanupPending = false;

  // Flow control.
  private credit: number;
  private paused = false;
  /** Frames read past the credit, in order, from `heldAt` on; none is dropped. */
  private held: Array<IncomingFrame | undefined> = [];
  private heldAt = 0;

  // Keepalive.
  /** A keepalive period began and nothing has come from the peer since. */
  private silent = false;
  /** Reading was paused by flow control at some time in this keepalive period. */
  private pausedInPeriod = false;

  constructor(handshake: WsHandshake, later: (commands: Command[]) => void) {
    this.stream = handshake.stream;
    this.opts = handshake.opts;
    this.later = later;
    this.credit = handshake.opts.flow;
    const deflate = handshake.deflate;
    this.deflate = deflate;
    const extensions: Extensions = deflate === undefined ? {} : { [DEFLATE]: deflate };
    this.socket = {
      destroyed: false,
      cork: noop,
      uncork: noop,
      write: (chunk, cb) => this.written(chunk, cb),
    };
    this.receiver = new ws.Receiver({ isServer: false, extensions, maxPayload: MAX_MESSAGE_BYTES });
    this.sender = new ws.Sender(this.socket, extensions);
    const compress = deflate !== undefined;
    this.textOptions = { binary: false, compress, fin: true, mask: true };
    this.binaryOptions = { binary: true, compress, fin: true, mask: true };
    // One set of listeners for every module (they find it through the
    // receiver), rather than five closures per connection.
    (this.receiver as OwnedReceiver)[OWNER] = this;
    this.receiver.on('message', receiverOnMessage);
    this.receiver.on('ping', receiverOnPing);
    this.receiver.on('pong', receiverOnPong);
    this.receiver.on('conclude', receiverOnConclude);
    // Errors come back through the write callback; this is only a safety net,
    // so that an 'error' event can never be thrown for want of a listener.
    this.receiver.on('error', receiverOnError);
  }

  // -- commands ----------------------------------------------------------------

  /** Starts a call: commands go to `out`, after any made before it outside a call. */
  private begin(out: Command[]): void {
    const pending = this.pendingLater;
    if (pending.length > 0) {
      for (let i = 0; i < pending.length; i++) out.push(pending[i] as Command);
      this.pendingLater = [];
    }
    this.out = out;
  }

  private emit(command: Command): void {
    const out = this.out;
    if (out !== undefined) {
      out.push(command);
      return;
    }
    this.pendingLater.push(command);
    if (!this.laterScheduled) {
      this.laterScheduled = true;
      queueMicrotask(this.flushLater);
    }
  }

  private readonly flushLater = (): void => {
    this.laterScheduled = false;
    if (this.pendingLater.length === 0) return;
    const batch = this.pendingLater;
    this.pendingLater = [];
    this.later(batch);
  };

  /** The Sender writes: a frame, or the header and the payload of one. Nothing once the protocol is done. */
  private written(chunk: Buffer | string, cb: Callback | undefined): boolean {
    const dropped = this.gone || this.finished;
    if (!dropped) this.emit({ type: 'write', data: chunk });
    if (cb !== undefined) cb(dropped ? NOT_WRITTEN : undefined);
    return true;
  }

  private deliverNow(frame: IncomingFrame): void {
    this.emit({ type: 'deliver', stream: this.stream, event: ['ws', frame] });
  }

  // -- receiving ---------------------------------------------------------------

  handle(data: Buffer, out: Command[]): void {
    this.begin(out);
    try {
      if (this.inputDone || this.finished) return;
      // Anything at all from the peer shows it is alive, as a pong would.
      this.silent = false;
      if (this.busy || this.backlogAt < this.backlog.length) {
        this.backlog.push(data);
        this.pump();
      } else {
        this.feed(data);
      }
    } finally {
      this.out = undefined;
    }
  }

  /**
   * Gives the Receiver one chunk. Through `_write`, Writable's hook, rather
   * than `write`: a protocol error then comes back at once in the callback
   * (`write` would emit it on a later tick), and no Writable bookkeeping is
   * paid per chunk. What Writable would have done for us, keeping chunks
   * while an inflate runs, `backlog` does.
   */
  private feed(chunk: Buffer): void {
    this.busy = true;
    this.feeding = true;
    try {
      this.receiver._write(chunk, 'buffer', this.onFed);
    } catch (err) {
      // ws does not throw on bad input; should it ever, the server must
      // still not bring the connection process down.
      this.busy = false;
      this.onFailure(err);
    } finally {
      this.feeding = false;
    }
  }

  /** Feeds waiting chunks while the Receiver takes them at once. */
  private pump(): void {
    const backlog = this.backlog;
    while (!this.busy && this.backlogAt < backlog.length && !this.inputDone && !this.finished) {
      const chunk = backlog[this.backlogAt] as Buffer;
      backlog[this.backlogAt++] = EMPTY;
      this.feed(chunk);
    }
    if (this.backlogAt >= backlog.length || this.inputDone || this.finished) {
      this.backlog = [];
      this.backlogAt = 0;
    }
  }

  private readonly onFed = (err?: Error | null): void => {
    this.busy = false;
    if (this.gone) {
      if (this.cleanupPending) {
        this.cleanupPending = false;
        this.deflate?.cleanup();
      }
      return;
    }
    if (err) {
      this.onFailure(err);
      return;
    }
    // At once (inside feed): feed's caller goes on. Later (an inflate done): go on here.
    if (!this.feeding) this.pump();
  };

  onMessage(data: Buffer, isBinary: boolean): void {
    if (this.finished) return;
    this.deliver(isBinary ? ['binary', data] : ['text', data.toString()]);
  }

  onPing(data: Buffer): void {
    if (this.finished) return;
    if (!this.opts.silencePings) this.deliver(data.length === 0 ? 'ping' : ['ping', data]);
    // Answered whatever the owner is told (gun_ws's dispatch), but not after
    // our close: nothing follows a close frame.
    if (!this.closeSent) this.sender.pong(data, true);
  }

  onPong(data: Buffer): void {
    if (this.finished || this.opts.silencePings) return;
    this.deliver(data.length === 0 ? 'pong' : ['pong', data]);
  }

  /** The server's close frame (code 1005: it had no code). */
  onConclude(code: number, reason: Buffer): void {
    if (this.finished) return;
    this.inputDone = true;
    this.closeReceived = true;
    // Frames held back by flow control first, then the close: all of them,
    // in order, whatever the credit.
    this.releaseAll();
    this.deliverNow(code === 1005 ? 'close' : ['close', code, reason.toString()]);
    // Our answer echoes the server's code (RFC 6455 §5.5.1); gun_ws answers 1000.
    if (!this.closeSent) this.sendClose(code === 1005 ? undefined : code, undefined);
    this.finish(NORMAL);
  }

  /** The server broke the protocol (or ws failed on what it sent): close with the code RFC 6455 asks for. */
  onFailure(err: unknown): void {
    if (this.finished || this.gone) return;
    this.inputDone = true;
    if (!this.closeSent) this.sendClose(closeCodeFor(err), undefined);
    // The reason a lost connection had when this was ws's WebSocket.
    this.finish(['closed', reasons.errorText(err)]);
  }

  // -- flow control ------------------------------------------------------------

  /**
   * Gives the owner a frame within its credit. Past the credit, reading
   * pauses; frames the Receiver had already read are held, in order, until
   * `updateFlow` gives more credit.
   */
  private deliver(frame: IncomingFrame): void {
    if (this.credit === Infinity) {
      this.deliverNow(frame);
    } else if (this.credit <= 0 || this.heldAt < this.held.length) {
      this.held.push(frame);
    } else {
      this.deliverNow(frame);
      if (--this.credit <= 0) this.pause();
    }
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.pausedInPeriod = true;
    this.emit(PAUSE);
  }

  /** Delivers every held frame, in order, whatever the credit: the connection is ending. */
  private releaseAll(): void {
    const held = this.held;
    for (let i = this.heldAt; i < held.length; i++) this.deliverNow(held[i] as IncomingFrame);
    this.held = [];
    this.heldAt = 0;
  }

  updateFlow(ref: Ref, caller: Pid, increment: number, out: Command[]): void {
    this.begin(out);
    try {
      if (!this.mine(ref, caller)) return;
      if (this.credit === Infinity || this.finished) return;
      this.credit += increment;
      const held = this.held;
      while (this.credit > 0 && this.heldAt < held.length) {
        const frame = held[this.heldAt] as IncomingFrame;
        held[this.heldAt++] = undefined;
        this.deliverNow(frame);
        this.credit--;
      }
      if (this.heldAt >= held.length) {
        this.held = [];
        this.heldAt = 0;
      } else if (this.heldAt >= 1024 && this.heldAt * 2 >= held.length) {
        // Released in small steps: drop the spent head now and then (amortized O(1)).
        this.held = held.slice(this.heldAt);
        this.heldAt = 0;
      }
      if (this.credit > 0 && this.paused) {
        this.paused = false;
        this.emit(RESUME);
      }
    } finally {
      this.out = undefined;
    }
  }

  // -- keepalive ---------------------------------------------------------------

  /**
   * Every keepalive period: ping the server, and call it dead if nothing at
   * all (a pong, a frame, any byte) came from it during the whole last
   * period while we were reading. A reader paused for flow control hears
   * nothing, however alive the peer (its pong sits unread behind the frames
   * the owner has not asked for), so a period with a pause in it never
   * counts, and no ping is sent while paused. After our close frame the
   * closing timeout is the connection's.
   */
  keepalive(out: Command[]): void {
    this.begin(out);
    try {
      if (this.finished || this.closeSent) return;
      if (this.silent && !this.pausedInPeriod) {
        this.finish(reasons.PEER_DEAD);
        return;
      }
      this.silent = true;
      this.pausedInPeriod = this.paused;
      if (!this.paused) this.sender.ping(EMPTY, true);
    } finally {
      this.out = undefined;
    }
  }

  // -- sending -----------------------------------------------------------------

  wsSend(ref: Ref, caller: Pid, frames: readonly WireFrame[], out: Command[]): void {
    this.begin(out);
    try {
      if (!this.mine(ref, caller)) return;
      // Nothing follows a close frame, ours or theirs.
      if (this.finished || this.closeSent) return;
      for (const frame of frames) {
        switch (frame.kind) {
          case 'text':
            this.sender.send(frame.data, this.textOptions);
            break;
          case 'binary':
            this.sender.send(frame.data, this.binaryOptions);
            break;
          case 'ping':
            this.sender.ping(frame.data, true);
            break;
          case 'pong':
            this.sender.pong(frame.data, true);
            break;
          case 'close':
            this.sendClose(frame.code, frame.reason);
            return;
        }
      }
    } finally {
      this.out = undefined;
    }
  }

  private sendClose(code: number | undefined, reason: Buffer | undefined): void {
    this.closeSent = true;
    this.sender.close(code, reason, true, this.onCloseWritten);
  }

  /** Our close frame is out (the Sender may have held it behind a deflate). */
  private readonly onCloseWritten = (err?: Error | null): void => {
    if (err) return; // the socket went first
    this.closeWritten = true;
    const reason = this.finishPending;
    if (reason !== NO_REASON) {
      this.finishPending = NO_REASON;
      this.finish(reason);
    }
  };

  // -- ending ------------------------------------------------------------------

  /**
   * The protocol is done: held frames go to the owner, then the close
   * command, once (after our close frame when one is on its way, so that the
   * socket is not closed under it).
   */
  private finish(reason: unknown): void {
    if (this.finished) return;
    if (this.closeSent && !this.closeWritten) {
      this.finishPending = reason;
      return;
    }
    this.finished = true;
    this.releaseAll();
    this.emit({ type: 'close', reason });
  }

  closing(_reason: unknown, out: Command[]): void {
    this.begin(out);
    try {
      // gun_ws:closing/4: 1001 for shutdown and owner_down; nothing if a close was sent.
      if (this.finished || this.closeSent) return;
      this.sendClose(1001, undefined);
    } finally {
      this.out = undefined;
    }
  }

  down(out: Command[]): Stream[] {
    this.begin(out);
    try {
      if (!this.gone) {
        this.gone = true;
        this.releaseAll();
        this.finished = true;
        this.inputDone = true;
        this.backlog = [];
        this.backlogAt = 0;
        // A deflate still running finds the socket gone and drops its frame.
        this.socket.destroyed = true;
        // zlib's inflate must not be closed under a running inflate: wait for it.
        if (this.busy) this.cleanupPending = true;
        else this.deflate?.cleanup();
      }
      // Gun's gun_ws:down/1: the WebSocket's stream is always reported, a
      // completed close too (`['gun_down', pid, 'ws', 'normal', [ref]]`).
      return [this.stream];
    } finally {
      this.out = undefined;
    }
  }

  // -- calls that make no sense here -------------------------------------------

  /** Is `ref` this connection's stream? If not, the caller is told. */
  private mine(ref: Ref, caller: Pid): boolean {
    if (ref === this.stream.ref) return true;
    this.emit({ type: 'error', to: caller, ref, reason: reasons.STREAM_NOT_FOUND });
    return false;
  }

  /** gun.erl, connected_ws_only: HTTP calls get a badstate gun_error without a stream ref. */
  private wsOnly(to: Pid, out: Command[]): void {
    this.begin(out);
    this.emit({ type: 'error', to, ref: undefined, reason: reasons.WS_ONLY });
    this.out = undefined;
  }

  request(
    stream: Stream,
    _method: string,
    _path: string,
    _headers: Headers,
    _body: Buffer | undefined,
    _opts: RequestOptions,
    out: Command[],
  ): void {
    this.wsOnly(stream.replyTo, out);
  }

  data(_ref: Ref, caller: Pid, _isFin: IsFin, _data: Buffer, out: Command[]): void {
    this.wsOnly(caller, out);
  }

  cancel(_ref: Ref, caller: Pid, out: Command[]): void {
    this.wsOnly(caller, out);
  }

  wsUpgrade(stream: Stream, _path: string, _headers: Headers, _opts: ResolvedWsOptions, out: Command[]): void {
    this.wsOnly(stream.replyTo, out);
  }

  streamInfo(ref: Ref): { readonly stream: Stream; readonly state: 'running' | 'stopping' } | undefined {
    if (ref !== this.stream.ref) return undefined;
    return { stream: this.stream, state: this.closeSent || this.closeReceived ? 'stopping' : 'running' };
  }

  has(ref: Ref): boolean {
    return ref === this.stream.ref;
  }
}

function noop(): void {}
