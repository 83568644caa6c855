import type { Socket } from 'node:net';
import { BadArgError } from '../runtime/errors.js';

/**
 * A distribution connection after the handshake: every packet has a 4-byte
 * big-endian length, and an empty packet is a tick. This class does the
 * framing and the ticking; what the packets hold is for its user. (Without
 * DFLAG_DIST_HDR_ATOM_CACHE, which beamish does not advertise, each packet
 * from an OTP 25 node is the byte 112, "pass through", then the control
 * message and the optional payload, each a term starting with 131; packets
 * we send must have the same shape.)
 *
 * Ticking is `dist_util`'s (OTP 25), with `net_ticktime` T (default 60 s):
 * every T/4 it looks at the connection. If nothing at all arrived during the
 * last four of those intervals, the peer is declared down with reason
 * `'net_tick_timeout'` (so a silent peer goes down between about 3T/4 and
 * 5T/4 after it fell silent, 45 to 75 s by default). If we wrote nothing
 * during the interval and nothing waits in the socket's buffer, it sends a
 * tick; it also sends one when nothing arrived, as Erlang does toward
 * hidden nodes, since a peer may only tick back. Both ends should use the
 * same tick time: a peer with a shorter one may declare us down.
 *
 * Packets sent in the same turn of the event loop go out together, in one
 * socket write at the next `process.nextTick`: each is copied, with its
 * length, into a 64 KiB slab (a new slab when one is full), so a burst of
 * small messages costs one write and no allocation per packet. A packet of
 * 16 KiB or more is written as its own parts instead, after the slab, not
 * copied. Nagle is off, as with Erlang's default `dist_nodelay`.
 */

/**
 * Why the connection went down, in Erlang's words (net_kernel's
 * `nodedown_reason`): the peer stopped answering (`net_tick_timeout`), the
 * connection closed or failed (`connection_closed`), or we closed it
 * (`disconnect`).
 */
export type FramedCloseReason = 'net_tick_timeout' | 'connection_closed' | 'disconnect';

/** The connection's handlers and settings. */
export interface FramedSocketOptions {
  /** Called with each packet that is not a tick, in order. A handler that throws takes the connection down (`disconnect`, with the error). */
  readonly onPacket: (packet: Buffer) => void;
  /** Called once when the connection is down; `error` is the socket's error or a handler's, when there was one. */
  readonly onClose: (reason: FramedCloseReason, error?: Error) => void;
  /** Bytes read past the handshake (`HandshakeResult.leftover`): they are the stream's start. */
  readonly leftover?: Buffer;
  /** Erlang's `net_ticktime`, in ms; default 60000. Ticks go every quarter of it. */
  readonly tickTimeMs?: number;
}

/** Ticks per net_ticktime (`TickIntensity` in dist_util / net_kernel). */
const TICK_INTENSITY = 4;
const TICK = Buffer.alloc(4);
/** The size of the slabs packets are copied into. */
const SLAB_SIZE = 64 * 1024;
/** Packets this large are written as they are, not copied into a slab. */
const COPY_LIMIT = 16 * 1024;

/**
 * A framed distribution connection over a socket that finished its handshake.
 *
 * @example
 * ```ts
 * const hs = await connectNode('erl@127.0.0.1', { name: 'beamish@127.0.0.1', cookie: 'secret', creation: 1 });
 * const conn = new FramedSocket(hs.socket, {
 *   leftover: hs.leftover,
 *   onPacket: (packet) => console.log(decodeTermAt(packet, 1).term), // the control message, after the byte 112
 *   onClose: (reason) => console.log('nodedown', reason), // 'net_tick_timeout', say
 * });
 * // {echo, 'erl@127.0.0.1'} ! hi, by hand: pass-through byte, REG_SEND control message, payload.
 * const from = new ExternalPid('beamish@127.0.0.1', 1, 0, 1);
 * conn.send([Buffer.of(112), encodeTerm([6, from, '', 'echo']), encodeTerm('hi')]);
 * ```
 */
export class FramedSocket {
  /** Erlang's `net_ticktime` for this connection, in ms. */
  readonly tickTimeMs: number;
  private readonly onPacket: (packet: Buffer) => void;
  private readonly onClose: (reason: FramedCloseReason, error?: Error) => void;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the packet being read, once its header is in; -1 before. */
  private need = -1;
  private readSinceTick = false;
  private wroteSinceTick = false;
  private silentTicks = 0;
  /** The slab being filled; bytes before `slabStart` have been written out. */
  private slab: Buffer = Buffer.allocUnsafe(0);
  private slabStart = 0;
  private slabUsed = 0;
  private flushScheduled = false;
  private down = false;
  private readonly ticker: NodeJS.Timeout;

  constructor(
    /** The socket, as the handshake left it (paused). */
    readonly socket: Socket,
    options: FramedSocketOptions,
  ) {
    if (typeof options !== 'object' || options === null) {
      throw new BadArgError('FramedSocket', 'options', 'expected { onPacket, onClose }');
    }
    if (typeof options.onPacket !== 'function')
      throw new BadArgError('FramedSocket', 'options.onPacket', 'expected a function');
    if (typeof options.onClose !== 'function')
      throw new BadArgError('FramedSocket', 'options.onClose', 'expected a function');
    const tickTimeMs = options.tickTimeMs ?? 60_000;
    if (!Number.isFinite(tickTimeMs) || tickTimeMs < 4) {
      throw new BadArgError(
        'FramedSocket',
        'options.tickTimeMs',
        `expected a number of ms of at least 4, got ${String(tickTimeMs)}`,
      );
    }
    this.tickTimeMs = tickTimeMs;
    this.onPacket = options.onPacket;
    this.onClose = options.onClose;
    socket.setNoDelay(true);
    socket.on('data', this.socketOnData);
    socket.on('end', this.socketOnEnd);
    socket.on('close', this.socketOnEnd);
    socket.on('error', this.socketOnError);
    this.ticker = setInterval(this.onTickTimer, tickTimeMs / TICK_INTENSITY);
    this.ticker.unref(); // the socket keeps the process alive, not its ticker
    const leftover = options.leftover;
    // The handlers run after the constructor has returned, never inside it.
    queueMicrotask(() => {
      if (this.down) return;
      if (leftover !== undefined && leftover.length > 0) this.socketOnData(leftover);
      if (!this.down) socket.resume();
    });
  }

  /** Whether the connection is down. */
  get closed(): boolean {
    return this.down;
  }

  /**
   * Sends one packet: a Buffer, or the parts of one packet (a control
   * message and its payload, say), which go out without being copied
   * together. Returns false, sending nothing, once the connection is down.
   * An empty packet is a tick.
   *
   * @example
   * ```ts
   * conn.send([Buffer.of(112), encodeTerm([6, from, '', 'echo']), encodeTerm('hi')]); // one packet, three parts
   * conn.send(Buffer.alloc(0)); // a tick
   * ```
   */
  send(packet: Buffer | readonly Buffer[]): boolean {
    const parts = Buffer.isBuffer(packet) ? [packet] : packet;
    let length = 0;
    if (Array.isArray(parts)) {
      for (const part of parts) {
        if (!Buffer.isBuffer(part)) {
          length = -1;
          break;
        }
        length += part.length;
      }
    }
    if (!Array.isArray(parts) || length < 0) {
      throw new BadArgError('FramedSocket.send', 'packet', 'expected a Buffer or an array of Buffers');
    }
    if (this.down) return false;
    if (length > 0xffffffff)
      throw new BadArgError('FramedSocket.send', 'packet', 'a packet holds at most 4 GiB - 1 bytes');
    if (length >= COPY_LIMIT) {
      // Big: what the slab holds goes first, then the packet's own parts.
      this.flush();
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32BE(length);
      this.socket.cork();
      this.socket.write(head);
      for (const part of parts) if (part.length > 0) this.socket.write(part);
      this.socket.uncork();
    } else {
      if (this.slab.length - this.slabUsed < 4 + length) {
        this.flush();
        this.slab = Buffer.allocUnsafe(SLAB_SIZE);
        this.slabStart = 0;
        this.slabUsed = 0;
      }
      const slab = this.slab;
      let at = this.slabUsed;
      slab.writeUInt32BE(length, at);
      at += 4;
      for (const part of parts) {
        part.copy(slab, at);
        at += part.length;
      }
      this.slabUsed = at;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        process.nextTick(this.flushOnTick);
      }
    }
    this.wroteSinceTick = true;
    return true;
  }

  /** Closes the connection after what was sent has gone out; `onClose` gets `'disconnect'`. */
  close(): void {
    this.goDown('disconnect', undefined, false);
  }

  /** Writes what the slab holds that is not written yet; the slab goes on filling after it. */
  private flush(): void {
    if (this.slabUsed === this.slabStart) return;
    // A view, not a copy: the bytes it covers are never written again.
    this.socket.write(this.slab.subarray(this.slabStart, this.slabUsed));
    this.slabStart = this.slabUsed;
  }

  private readonly flushOnTick = (): void => {
    this.flushScheduled = false;
    if (!this.down) this.flush();
  };

  private readonly socketOnData = (chunk: Buffer): void => {
    this.readSinceTick = true;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.down) {
      if (this.need < 0) {
        if (this.buffered < 4) return;
        this.need = this.take(4).readUInt32BE(0);
      }
      if (this.buffered < this.need) return;
      const packet = this.take(this.need);
      this.need = -1;
      if (packet.length === 0) continue; // a tick: it counted as something read
      try {
        this.onPacket(packet);
      } catch (err) {
        this.goDown('disconnect', err instanceof Error ? err : new Error(String(err)), true);
      }
    }
  };

  /** Takes `n` buffered bytes, copying only when they span chunks. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      if (chunk === undefined) break;
      const used = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    return out;
  }

  private readonly socketOnEnd = (): void => {
    this.goDown('connection_closed', undefined, true);
  };

  private readonly socketOnError = (err: Error): void => {
    this.goDown('connection_closed', err, true);
  };

  private readonly onTickTimer = (): void => {
    if (this.down) return;
    const heard = this.readSinceTick;
    this.readSinceTick = false;
    if (heard) {
      this.silentTicks = 0;
    } else if (++this.silentTicks >= TICK_INTENSITY) {
      this.goDown('net_tick_timeout', undefined, true);
      return;
    }
    const idle = !this.wroteSinceTick && this.socket.writableLength === 0;
    this.wroteSinceTick = false;
    if (idle || !heard) this.socket.write(TICK);
  };

  private goDown(reason: FramedCloseReason, error: Error | undefined, now: boolean): void {
    if (this.down) return;
    this.down = true;
    clearInterval(this.ticker);
    this.socket.off('data', this.socketOnData);
    this.socket.off('end', this.socketOnEnd);
    this.socket.off('close', this.socketOnEnd);
    this.socket.off('error', this.socketOnError);
    this.socket.on('error', () => undefined); // late errors of a socket we let go of
    if (now) this.socket.destroy();
    else {
      this.flush();
      this.socket.destroySoon(); // flushes what was sent, then closes
    }
    this.chunks.length = 0;
    this.buffered = 0;
    this.onClose(reason, error);
  }
}
