import type { Socket } from 'node:net';
import type { EpmdOptions } from './epmd.js';
import { FramedSocket } from './framed-socket.js';
import { type AcceptStatus, acceptHandshake, connectNode, type HandshakeResult } from './handshake.js';

/**
 * The seam between the node-to-node layer (control messages, remote pids,
 * links and monitors across: remote-node.ts) and the transport that carries
 * its packets. The node layer only sends whole packets on a `Channel` and
 * hears whole packets and the close through `ChannelHandlers`; TCP with
 * Erlang's handshake and 4-byte framing (this file, with framed-socket.ts
 * and handshake.ts) is one transport, and a MessagePort between worker
 * threads could be another.
 */

/** A connection to one peer node that carries whole packets both ways. */
export interface Channel {
  /**
   * Sends one packet made of `parts` (written one after the other, not
   * copied together). Returns false, sending nothing, once the channel is down.
   */
  send(parts: readonly Buffer[]): boolean;
  /** Closes the channel after what was sent has gone out; `onClose` follows. */
  close(): void;
}

/** What the node layer hears from a channel. */
export interface ChannelHandlers {
  /** Each packet, in order (never a tick). Throwing takes the channel down. */
  onPacket(packet: Buffer): void;
  /** Once, when the channel is down, with Erlang's reason (`connection_closed`, `net_tick_timeout`, `disconnect`). */
  onClose(reason: string, error?: Error): void;
}

/** Who is at the other end, as the handshake found out. */
export interface PeerInfo {
  /** Its full node name. */
  readonly name: string;
  /** The flags in use on the connection (ours and the peer's). */
  readonly flags: bigint;
  /** Its creation: it goes into its pids and references. */
  readonly creation: number;
  /** Whether it is a hidden node. */
  readonly hidden: boolean;
}

/** A peer that has passed the handshake; `open` starts the channel, `abandon` drops it. */
export interface Handshaken {
  readonly peer: PeerInfo;
  open(handlers: ChannelHandlers): Channel;
  abandon(): void;
}

/** What both TCP sides need: our name, cookie, creation and settings. */
export interface TcpSettings {
  readonly name: string;
  readonly cookie: string;
  readonly creation: number;
  readonly hidden: boolean;
  /** Erlang's net_ticktime, in ms. */
  readonly tickTimeMs: number;
  /** Where epmd listens (for dialing). */
  readonly epmd: EpmdOptions;
  /** Where refusals are reported. */
  readonly log: (message: string) => void;
}

function handshaken(hs: HandshakeResult, tickTimeMs: number): Handshaken {
  return {
    peer: { name: hs.peerName, flags: hs.flags, creation: hs.peerCreation, hidden: hs.peerHidden },
    open(handlers) {
      // A FramedSocket is a Channel as it is; its handlers are ours.
      return new FramedSocket(hs.socket, {
        leftover: hs.leftover,
        tickTimeMs,
        onPacket: (packet) => handlers.onPacket(packet),
        onClose: (reason, error) => handlers.onClose(reason, error),
      });
    },
    abandon() {
      hs.socket.destroy();
    },
  };
}

/**
 * Dials `peer` over TCP: epmd lookup, connect, the initiator's handshake.
 *
 * @example
 * const hs = await dialTcp('erl@127.0.0.1', settings);
 * const channel = hs.open({ onPacket, onClose });
 */
export async function dialTcp(peer: string, settings: TcpSettings): Promise<Handshaken> {
  const hs = await connectNode(peer, {
    name: settings.name,
    cookie: settings.cookie,
    creation: settings.creation,
    hidden: settings.hidden,
    log: settings.log,
    epmd: settings.epmd,
  });
  return handshaken(hs, settings.tickTimeMs);
}

/**
 * Runs the acceptor's handshake on a socket our server accepted; `status`
 * answers the peer's name (simultaneous connects, a connection already up).
 *
 * @example
 * net.createServer(async (socket) => { const hs = await acceptTcp(socket, settings, () => 'ok'); hs.open(handlers); });
 */
export async function acceptTcp(
  socket: Socket,
  settings: TcpSettings,
  status: (peer: string) => AcceptStatus,
): Promise<Handshaken> {
  const hs = await acceptHandshake(socket, {
    name: settings.name,
    cookie: settings.cookie,
    creation: settings.creation,
    hidden: settings.hidden,
    log: settings.log,
    status,
  });
  return handshaken(hs, settings.tickTimeMs);
}
