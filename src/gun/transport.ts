import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Command } from './protocols/protocol.js';

/**
 * The TCP or TLS socket of a connection, and the bridge from its events to
 * messages: everything the socket says is handed to its sink's `post`,
 * which the connection process points at its own mailbox, as one typed
 * union. Nothing here decides anything.
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

/**
 * Where a socket's events go: `post(gen, event)`, with the generation the
 * socket was opened with (the connection process, which posts them to its
 * own mailbox and tells a replaced socket's late events by it).
 */
export interface SocketSink {
  post(gen: number, event: SocketEvent): void;
}

export interface TransportOptions {
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'tls';
  readonly tlsOpts: tls.ConnectionOptions;
  /** ALPN protocol names to offer over TLS, in order (`tlsOpts.ALPNProtocols` wins). */
  readonly alpn?: readonly string[];
}

/**
 * Where a socket's events go, kept on the socket so that its listeners can
 * be shared: the sink and the generation, two properties rather than a
 * closure and its context per socket (72 bytes less).
 */
const SINK: unique symbol = Symbol('beamish.gun.sink');
const GEN: unique symbol = Symbol('beamish.gun.gen');
type PostingSocket = net.Socket & { [SINK]: SocketSink; [GEN]: number };

// One set of listeners for every socket (ws's style: named for source and
// event), rather than four closures per connection.
function socketOnConnect(this: PostingSocket): void {
  this[SINK].post(this[GEN], CONNECTED);
}
function socketOnData(this: PostingSocket, data: Buffer): void {
  this[SINK].post(this[GEN], { type: 'data', data });
}
function socketOnError(this: PostingSocket, error: Error): void {
  this[SINK].post(this[GEN], { type: 'error', error });
}
function socketOnClose(this: PostingSocket): void {
  this[SINK].post(this[GEN], CLOSED);
}
const CONNECTED: SocketEvent = { type: 'connected' };
const CLOSED: SocketEvent = { type: 'closed' };

/** Opens the socket; its events go to `sink.post(gen, event)`. */
export function openSocket(cfg: TransportOptions, sink: SocketSink, gen: number): net.Socket {
  const { host, port, transport, tlsOpts, alpn } = cfg;
  const socket = (
    transport === 'tls'
      ? tls.connect({
          host,
          port,
          servername: net.isIP(host) === 0 ? host : undefined,
          ...(alpn !== undefined && alpn.length > 0 ? { ALPNProtocols: [...alpn] } : {}),
          ...tlsOpts,
        })
      : net.connect({ host, port })
  ) as PostingSocket;
  socket[SINK] = sink;
  socket[GEN] = gen;
  socket.setNoDelay(true);
  socket.once(transport === 'tls' ? 'secureConnect' : 'connect', socketOnConnect);
  socket.on('data', socketOnData);
  socket.on('error', socketOnError);
  socket.on('close', socketOnClose);
  return socket;
}
