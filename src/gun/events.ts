import net from 'node:net';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { type Headers, headerPairs } from './headers.js';
import type { ResolvedOptions, ResolvedWsOptions } from './options.js';

/**
 * The bridge from Node's and ws's events to messages: everything a socket or
 * a WebSocket says is handed to `post`, which the connection process points
 * at its own mailbox. Nothing here decides anything.
 */

/** Hands one event, with its data, to the connection process. */
export type Post = (event: string, data: unknown) => void;

/** Opens the TCP or TLS connection; posts 'connected', 'error', 'closed'. */
export function openSocket(cfg: ResolvedOptions, post: Post): net.Socket {
  const { host, port, transport, tlsOpts } = cfg;
  const socket =
    transport === 'tls'
      ? tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined, ...tlsOpts })
      : net.connect({ host, port });
  socket.setNoDelay(true);
  socket.once(transport === 'tls' ? 'secureConnect' : 'connect', () => post('connected', undefined));
  socket.on('error', (err) => post('error', err));
  socket.on('close', () => post('closed', undefined));
  return socket;
}

/**
 * Sends the upgrade request over `socket` through ws, and posts what follows:
 * 'ws_open' (with the response headers), 'ws_refused' ([status, headers,
 * body], once the body is read), 'ws_frame', 'ws_ping', 'ws_pong', 'error',
 * 'ws_close' ([code, reason]).
 */
export function openWebSocket(
  socket: net.Socket,
  cfg: ResolvedOptions,
  path: string,
  headers: Headers,
  opts: ResolvedWsOptions,
  post: Post,
): WebSocket {
  const { host, port, transport } = cfg;
  const offered = new Set(opts.protocols);
  const requestHeaders: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    if (name === 'sec-websocket-protocol') {
      for (const p of value.split(',')) if (p.trim() !== '') offered.add(p.trim());
      continue;
    }
    const prev = requestHeaders[name];
    requestHeaders[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  // We offer the subprotocols ourselves rather than through ws, because ws
  // fails a handshake in which the server chose none of them, and RFC 6455
  // allows that (Cowboy does it; Gun 2.4.1 accepts such an upgrade).
  if (offered.size > 0) requestHeaders['sec-websocket-protocol'] = [...offered].join(', ');
  const authority = net.isIPv6(host) ? `[${host}]` : host;
  const ws = new WebSocket(`${transport === 'tls' ? 'wss' : 'ws'}://${authority}:${port}${path}`, [], {
    // The connection is already open: ws writes its request on it.
    createConnection: () => socket,
    headers: requestHeaders,
    perMessageDeflate: opts.compress,
    followRedirects: false,
  });
  let responseHeaders: Headers = [];
  ws.on('upgrade', (res) => {
    responseHeaders = headerPairs(res.rawHeaders);
    // ws's checks run after this event. The server's choice is ours to
    // check: it must be one we offered, or none. Hidden from ws, which
    // knows of no offer and would refuse any choice.
    const chosen = res.headers['sec-websocket-protocol'];
    if (chosen === undefined) return;
    delete res.headers['sec-websocket-protocol'];
    if (!offered.has(chosen)) {
      post('error', new Error(`Server sent a subprotocol that was not offered: ${chosen}`));
      ws.terminate();
    }
  });
  ws.on('open', () => post('ws_open', responseHeaders));
  ws.on('unexpected-response', (_req, res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => post('ws_refused', [res.statusCode ?? 0, headerPairs(res.rawHeaders), Buffer.concat(chunks)]));
    res.on('error', (err) => post('error', err));
  });
  ws.on('message', (data, isBinary) =>
    post('ws_frame', isBinary ? ['binary', data as Buffer] : ['text', (data as Buffer).toString()]),
  );
  ws.on('ping', (data) => post('ws_ping', data));
  ws.on('pong', (data) => post('ws_pong', data));
  ws.on('error', (err) => post('error', err));
  ws.on('close', (code, reason) => post('ws_close', [code, reason.toString()]));
  return ws;
}
