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

/**
 * The module whose chunk the Receiver is taking now (see `feed`). Without
 * permessage-deflate the Receiver calls back before `_write` returns, so
 * one shared callback, which finds its module here, serves every module:
 * no closure per connection. With it, an inflate can call back later, and
 * such a module has a callback of its own.
 */
let feeding: Ws | undefined;

function receiverFedNow(err?: Error | null): void {
  (feeding as Ws).onFed(err);
}

/** What a Sender writes to: a socket, as far as it is concerned; each write becomes a `write` command. */
class SenderSink implements SenderSocket {
  /** Read by the Sender when a deflate finishes: true drops the frame. */
  destroyed = false;
  constructor(private readonly ws: Ws) {}
  cork(): void {}
  uncork(): void {}
  write(chunk: Buffer | string, cb?: Callback): boolean {
    return this.ws.written(chunk, cb);
  }
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
const CLOSING: Command = { type: 'closing' };
const RESUME: Command = { type: 'active', active: true };
const NORMAL = 'normal';
/** What a Sender's write callback gets when the write was dropped. */
const NOT_WRITTEN = new Error('the WebSocket connection is closed');
/** What `finishPending` holds when no close command waits. */
const NO_REASON = Symbol('none');
/** The extensions of a Receiver and Sender without permessage-deflate: one object for all (ws only reads them). */
const NO_EXTENSIONS: Extensions = Object.freeze({});
// The Sender's options for a data frame, one set for all (ws only reads them).
const TEXT: SendOptions = Object.freeze({ binary: false, compress: false, fin: true, mask: true });
const BINARY: SendOptions = Object.freeze({ binary: true, compress: false, fin: true, mask: true });
const TEXT_DEFLATE: SendOptions = Object.freeze({ binary: false, compress: true, fin: true, mask: true });
const BINARY_DEFLATE: SendOptions = Object.freeze({ binary: true, compress: true, fin: true, mask: true });

/**
 * Where commands made outside any call go (see the module's comment): a
 * function, or an object with `postCommands` (the connection process, which
 * then needs no closure per connection).
 */
export type Later =
  | ((commands: Command[]) => void)
  | {
      postCommands(commands: Command[]): void;
      /**
       * Writes `data` to the socket now, if there is one to write to
       * (false: none, use a `write` command): for a module whose every
       * byte comes in order from one writer (HTTP/2's nghttp2).
       */
      writeNow?(data: Buffer): boolean;
    };

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

/** The bits of `Ws.bits`. */
enum Bit {
  laterScheduled = 1 << 0,
  busy = 1 << 1,
  feeding = 1 << 2,
  inputDone = 1 << 3,
  closeSent = 1 << 4,
  closeWritten = 1 << 5,
  closeReceived = 1 << 6,
  finished = 1 << 7,
  gone = 1 << 8,
  cleanupPending = 1 << 9,
  paused = 1 << 10,
  silent = 1 << 11,
  pausedInPeriod = 1 << 12,
}

// -- the module ----------------------------------------------------------------

export class Ws implements Protocol {
  /** `'ws'`, on the prototype (below): a field would cost every connection 8 bytes. */
  declare readonly name: 'ws';
  private readonly stream: Stream;
  private readonly opts: ResolvedWsOptions;
  private readonly later: Later;
  private readonly receiver: Receiver;
  private readonly sender: Sender;
  private readonly deflate: PerMessageDeflate | undefined;
  /** What the Sender writes to: each write becomes a `write` command. */
  private readonly socket: SenderSink;
  /** The Receiver's callback: the shared one, or with permessage-deflate one of this module's own (see `feeding`). */
  private readonly fed: Callback;

  // The arrays below are made when first needed: most connections never
  // hold a frame back, never queue a chunk and never make a command outside
  // a call, and an empty array costs 32 bytes each.

  /** The `out` of the call being made; undefined outside any call. */
  private out: Command[] | undefined;
  /** Commands made outside any call, waiting to be handed to `later`. */
  private pendingLater: Command[] | undefined = undefined;

  // Receiving. The Receiver takes one chunk at a time: while an inflate is
  // running it has not finished with its chunk, and the chunks that come in
  // the meantime wait here, in order.
  private backlog: Buffer[] | undefined = undefined;
  private backlogAt = 0;

  // The close handshake (gun_ws's in = close, out = close).
  /** The reason of a close command that waits for our close frame to be written. */
  private finishPending: unknown = NO_REASON;

  // Flow control.
  private credit: number;
  /** Frames read past the credit, in order, from `heldAt` on; none is dropped. */
  private held: Array<IncomingFrame | undefined> | undefined = undefined;
  private heldAt = 0;

  /**
   * The module's thirteen yes-or-no states, one bit each (`Bit`), read and
   * written through the accessors below: one field rather than thirteen,
   * 96 bytes less per connection.
   */
  private bits = 0;

  private flag(bit: Bit): boolean {
    return (this.bits & bit) !== 0;
  }
  private setFlag(bit: Bit, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  /** A hand-over to `later` is queued (a microtask). */
  private get laterScheduled(): boolean {
    return this.flag(Bit.laterScheduled);
  }
  private set laterScheduled(on: boolean) {
    this.setFlag(Bit.laterScheduled, on);
  }
  /** The Receiver has not finished with the chunk it was given (an inflate runs). */
  private get busy(): boolean {
    return this.flag(Bit.busy);
  }
  private set busy(on: boolean) {
    this.setFlag(Bit.busy, on);
  }
  /** Inside `feed`: the Receiver calling back now is calling back at once. */
  private get feeding(): boolean {
    return this.flag(Bit.feeding);
  }
  private set feeding(on: boolean) {
    this.setFlag(Bit.feeding, on);
  }
  /** A close frame or a protocol error came in: what follows is not read. */
  private get inputDone(): boolean {
    return this.flag(Bit.inputDone);
  }
  private set inputDone(on: boolean) {
    this.setFlag(Bit.inputDone, on);
  }
  /** Our close frame was sent (to the Sender). */
  private get closeSent(): boolean {
    return this.flag(Bit.closeSent);
  }
  private set closeSent(on: boolean) {
    this.setFlag(Bit.closeSent, on);
  }
  /** Our close frame has gone to the socket (it may wait behind a deflate). */
  private get closeWritten(): boolean {
    return this.flag(Bit.closeWritten);
  }
  private set closeWritten(on: boolean) {
    this.setFlag(Bit.closeWritten, on);
  }
  /** The server's close frame came. */
  private get closeReceived(): boolean {
    return this.flag(Bit.closeReceived);
  }
  private set closeReceived(on: boolean) {
    this.setFlag(Bit.closeReceived, on);
  }
  /** A close command was pushed: nothing more goes to or comes from the peer. */
  private get finished(): boolean {
    return this.flag(Bit.finished);
  }
  private set finished(on: boolean) {
    this.setFlag(Bit.finished, on);
  }
  /** down() was called: the socket is gone. */
  private get gone(): boolean {
    return this.flag(Bit.gone);
  }
  private set gone(on: boolean) {
    this.setFlag(Bit.gone, on);
  }
  /** zlib must be released once the inflate running when down() came finishes. */
  private get cleanupPending(): boolean {
    return this.flag(Bit.cleanupPending);
  }
  private set cleanupPending(on: boolean) {
    this.setFlag(Bit.cleanupPending, on);
  }
  /** Reading is paused by flow control. */
  private get paused(): boolean {
    return this.flag(Bit.paused);
  }
  private set paused(on: boolean) {
    this.setFlag(Bit.paused, on);
  }
  /** A keepalive period began and nothing has come from the peer since. */
  private get silent(): boolean {
    return this.flag(Bit.silent);
  }
  private set silent(on: boolean) {
    this.setFlag(Bit.silent, on);
  }
  /** Reading was paused by flow control at some time in this keepalive period. */
  private get pausedInPeriod(): boolean {
    return this.flag(Bit.pausedInPeriod);
  }
  private set pausedInPeriod(on: boolean) {
    this.setFlag(Bit.pausedInPeriod, on);
  }

  constructor(handshake: WsHandshake, later: Later) {
    this.stream = handshake.stream;
    this.opts = handshake.opts;
    this.later = later;
    this.credit = handshake.opts.flow;
    const deflate = handshake.deflate;
    this.deflate = deflate;
    const extensions: Extensions = deflate === undefined ? NO_EXTENSIONS : { [DEFLATE]: deflate };
    this.socket = new SenderSink(this);
    this.fed = deflate === undefined ? receiverFedNow : (err) => this.onFed(err);
    this.receiver = new ws.Receiver({ isServer: false, extensions, maxPayload: MAX_MESSAGE_BYTES });
    this.sender = new ws.Sender(this.socket, extensions);
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
    if (pending !== undefined) {
      for (let i = 0; i < pending.length; i++) out.push(pending[i] as Command);
      this.pendingLater = undefined;
    }
    this.out = out;
  }

  private emit(command: Command): void {
    const out = this.out;
    if (out !== undefined) {
      out.push(command);
      return;
    }
    if (this.pendingLater === undefined) this.pendingLater = [command];
    else this.pendingLater.push(command);
    if (!this.laterScheduled) {
      this.laterScheduled = true;
      // A closure per batch rather than one kept by every module: commands
      // outside a call come only of permessage-deflate, which few use.
      const flushLater = (): void => this.handOver();
      queueMicrotask(flushLater);
    }
  }

  /** Hands the commands made outside any call to `later`, in one batch. */
  private handOver(): void {
    this.laterScheduled = false;
    const batch = this.pendingLater;
    if (batch === undefined) return;
    this.pendingLater = undefined;
    const later = this.later;
    if (typeof later === 'function') later(batch);
    else later.postCommands(batch);
  }

  /**
   * The Sender writes (through SenderSink): a frame, or the header and the
   * payload of one. Nothing once the protocol is done.
   */
  written(chunk: Buffer | string, cb: Callback | undefined): boolean {
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
      if (this.busy || this.backlog !== undefined) {
        if (this.backlog === undefined) this.backlog = [data];
        else this.backlog.push(data);
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
    const outer = feeding;
    feeding = this;
    try {
      this.receiver._write(chunk, 'buffer', this.fed);
    } catch (err) {
      // ws does not throw on bad input; should it ever, the server must
      // still not bring the connection process down.
      this.busy = false;
      this.onFailure(err);
    } finally {
      this.feeding = false;
      feeding = outer;
    }
  }

  /** Feeds waiting chunks while the Receiver takes them at once. */
  private pump(): void {
    const backlog = this.backlog;
    if (backlog === undefined) return;
    while (!this.busy && this.backlogAt < backlog.length && !this.inputDone && !this.finished) {
      const chunk = backlog[this.backlogAt] as Buffer;
      backlog[this.backlogAt++] = EMPTY;
      this.feed(chunk);
    }
    if (this.backlogAt >= backlog.length || this.inputDone || this.finished) {
      this.backlog = undefined;
      this.backlogAt = 0;
    }
  }

  /** The Receiver is done with a chunk (at once, or once an inflate has run); `err` when it broke the protocol. */
  onFed(err?: Error | null): void {
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
  }

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
    } else if (this.credit <= 0 || this.held !== undefined) {
      if (this.held === undefined) this.held = [frame];
      else this.held.push(frame);
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
    if (held === undefined) return;
    for (let i = this.heldAt; i < held.length; i++) this.deliverNow(held[i] as IncomingFrame);
    this.held = undefined;
    this.heldAt = 0;
  }

  updateFlow(ref: Ref, caller: Pid, increment: number, out: Command[]): void {
    this.begin(out);
    try {
      if (!this.mine(ref, caller)) return;
      if (this.credit === Infinity || this.finished) return;
      this.credit += increment;
      const held = this.held;
      while (held !== undefined && this.credit > 0 && this.heldAt < held.length) {
        const frame = held[this.heldAt] as IncomingFrame;
        held[this.heldAt++] = undefined;
        this.deliverNow(frame);
        this.credit--;
      }
      if (held === undefined) {
        // Nothing was held.
      } else if (this.heldAt >= held.length) {
        this.held = undefined;
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
            this.sender.send(frame.data, this.deflate === undefined ? TEXT : TEXT_DEFLATE);
            break;
          case 'binary':
            this.sender.send(frame.data, this.deflate === undefined ? BINARY : BINARY_DEFLATE);
            break;
          case 'ping':
            this.sender.ping(frame.data, true);
            break;
          case 'pong':
            this.sender.pong(frame.data, true);
            break;
          case 'close':
            this.sendClose(frame.code, frame.reason);
            // A graceful close, bounded by closingTimeout (Gun's ws_send
            // answers {closing, Timeout}).
            this.emit(CLOSING);
            return;
        }
      }
    } finally {
      this.out = undefined;
    }
  }

  private sendClose(code: number | undefined, reason: Buffer | undefined): void {
    this.closeSent = true;
    // Once per connection: the closure is made here, not kept by every module.
    this.sender.close(code, reason, true, (err) => this.onCloseWritten(err));
  }

  /** Our close frame is out (the Sender may have held it behind a deflate). */
  private onCloseWritten(err?: Error | null): void {
    if (err) return; // the socket went first
    this.closeWritten = true;
    const reason = this.finishPending;
    if (reason !== NO_REASON) {
      this.finishPending = NO_REASON;
      this.finish(reason);
    }
  }

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

  down(_reason: unknown, out: Command[]): Stream[] {
    this.begin(out);
    try {
      if (!this.gone) {
        this.gone = true;
        this.releaseAll();
        this.finished = true;
        this.inputDone = true;
        this.backlog = undefined;
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

  keepaliveInterval(): number {
    return this.opts.keepalive;
  }

  closingTimeout(): number {
    return this.opts.closingTimeout;
  }

  /** The upgrade is done: nothing waits here. */
  awaitingUpgrade(): boolean {
    return false;
  }

  wsRef(): Ref | undefined {
    return this.stream.ref;
  }

  streamInfo(ref: Ref): { readonly stream: Stream; readonly state: 'running' | 'stopping' } | undefined {
    if (ref !== this.stream.ref) return undefined;
    return { stream: this.stream, state: this.closeSent || this.closeReceived ? 'stopping' : 'running' };
  }

  has(ref: Ref): boolean {
    return ref === this.stream.ref;
  }
}

Object.defineProperty(Ws.prototype, 'name', { value: 'ws', enumerable: true });
