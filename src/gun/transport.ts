import net from 'node:net';
import tls from 'node:tls';
import type { Command } from './protocols/protocol.js';

/**
 * The TCP or TLS socket of a connection, and the bridge from its events to
 * messages: everything the socket says is handed to `post`, which the
 * connection process points at its own mailbox, as one typed union. Nothing
 * here decides anything.
 */
export type SocketEvent =
  /** TCP connected, and TLS handshaken when it is TLS. */
  | { readonly type: 'connected' }
  | { readonly type: 'data'; readonly data: Buffer }
  | { readonly type: 'error'; readonly error: Error }
  /** The socket is closed; nothing more will come from it. */
  | { readonly type: 'closed' }
  /** Commands a protocol module produced outside any call (see protocol.ts). */
  | { readonly type: 'commands'; readonly commands: Command[] };

export type Post = (event: SocketEvent) => void;

export interface TransportOptions {
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'tls';
  readonly tlsOpts: tls.ConnectionOptions;
}

/** Opens the socket; its events go to `post`. */
export function openSocket(cfg: TransportOptions, post: Post): net.Socket {
  const { host, port, transport, tlsOpts } = cfg;
  const socket =
    transport === 'tls'
      ? tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined, ...tlsOpts })
      : net.connect({ host, port });
  socket.setNoDelay(true);
  socket.once(transport === 'tls' ? 'secureConnect' : 'connect', () => post({ type: 'connected' }));
  socket.on('data', (data: Buffer) => post({ type: 'data', data }));
  socket.on('error', (error) => post({ type: 'error', error }));
  socket.on('close', () => post({ type: 'closed' }));
  return socket;
}

/** Writes what a protocol module asked for. */
export function write(socket: net.Socket, data: Buffer | string): void {
  socket.write(data);
}
