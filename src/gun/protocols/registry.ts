import type { ResolvedHttp2Options, ResolvedHttpOptions } from '../options.js';
import { Http1 } from './http1.js';
import { Http2 } from './http2.js';
import type { Protocol, WsHandshake } from './protocol.js';
import { type Later, Ws } from './ws.js';

/**
 * The protocol modules by name, Gun's `gun_protocols`: the connection
 * names none of them. `open`'s `protocols` and the ALPN result pick the
 * one a socket starts with (`start`); a 101 over HTTP/1.1 hands the socket
 * to WebSocket (`switchTo`), as gun.erl switches to gun_ws.
 */

/** What a protocol module may be built from: the connection's settings and where its late commands go. */
export interface ProtocolContext {
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'tls';
  readonly httpOpts: ResolvedHttpOptions;
  readonly http2Opts: ResolvedHttp2Options;
  /** See Dialect.subprotocolHeaderOffers. */
  readonly subprotocolHeaderOffers: boolean;
  readonly later: Later;
}

/** The protocols a socket can start with. */
export type StartName = 'http' | 'http2';

const STARTERS: Readonly<Record<StartName, (ctx: ProtocolContext) => Protocol>> = {
  http: (ctx) =>
    new Http1({
      host: ctx.host,
      port: ctx.port,
      transport: ctx.transport,
      version: ctx.httpOpts.version,
      maxHeaderBlockSize: ctx.httpOpts.maxHeaderBlockSize,
      maxTrailerBlockSize: ctx.httpOpts.maxTrailerBlockSize,
      subprotocolHeaderOffers: ctx.subprotocolHeaderOffers,
      timing: ctx.httpOpts,
    }),
  http2: (ctx) =>
    new Http2(
      {
        host: ctx.host,
        port: ctx.port,
        transport: ctx.transport,
        opts: ctx.http2Opts,
        subprotocolHeaderOffers: ctx.subprotocolHeaderOffers,
      },
      ctx.later,
    ),
};

/** The module for a fresh socket speaking `name`. */
export function start(name: StartName, ctx: ProtocolContext): Protocol {
  return STARTERS[name](ctx);
}

/** The module a `switch` command hands the socket to (WebSocket after a 101). */
export function switchTo(_name: 'ws', handshake: WsHandshake, later: Later): Protocol {
  return new Ws(handshake, later);
}

/** ALPN's name for each protocol (RFC 7301's registry), in `open`'s order of preference. */
export const ALPN: Readonly<Record<StartName, string>> = { http: 'http/1.1', http2: 'h2' };

/** The protocol a TLS socket speaks after ALPN: h2 if the server chose it, else HTTP/1.1 (Gun's rule: no ALPN is HTTP/1.1). */
export function fromAlpn(alpn: string | false | null | undefined, offered: readonly StartName[]): StartName {
  return alpn === 'h2' && offered.includes('http2') ? 'http2' : 'http';
}
