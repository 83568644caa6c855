import type { ConnectionOptions } from 'node:tls';
import { BadArgError } from '../runtime/errors.js';
import { Pid } from '../runtime/ids.js';
import { assertDelay, assertTimeout, describe } from '../runtime/validate.js';
import type { DialectName } from './dialects/dialect.js';
import { isToken } from './headers.js';

/** WebSocket options, given to `open` (defaults for every upgrade) or to one `wsUpgrade`. */
export interface WsOptions {
  /** Milliseconds between client pings; a ping left unanswered that long means a dead peer. Infinity: no pings. Default 5000 in the classic dialect, Infinity in gun2 (as Gun 2). */
  readonly keepalive?: number;
  /** Keep ping and pong frames from the owner. Default true. */
  readonly silencePings?: boolean;
  /** How long to wait for the peer's close frame after ours, in ms. Default 15000. */
  readonly closingTimeout?: number;
  /** Offer permessage-deflate. Default false. */
  readonly compress?: boolean;
  /** Subprotocols to offer (`sec-websocket-protocol`). */
  readonly protocols?: readonly string[];
  /** Frames the owner may be sent before reading pauses; `updateFlow` adds more. Default Infinity. */
  readonly flow?: number;
  /** Given to `wsUpgrade`: the process that gets the WebSocket's messages (gun2; default the caller). */
  readonly replyTo?: Pid;
}

/** HTTP/1.1 options, given to `open`. */
export interface HttpOptions {
  /** Milliseconds between keep-alive empty lines while idle (as Gun); Infinity: none. Default Infinity. */
  readonly keepalive?: number;
  /** How long a graceful close waits for running requests to finish, in ms. Default 15000. */
  readonly closingTimeout?: number;
  /** The HTTP version requests are sent with. Default 'HTTP/1.1'. */
  readonly version?: 'HTTP/1.1' | 'HTTP/1.0';
  /**
   * Most bytes a response's status line and header fields may take, the
   * final empty line included (Gun's `max_header_block_size`). Past it the
   * connection fails with `['connection_error', 'limit_reached', text]`.
   * Default 100000, as Gun.
   */
  readonly maxHeaderBlockSize?: number;
  /**
   * Most bytes a chunked body's trailer block may take (Gun's
   * `max_trailer_block_size`). Default 10000, as Gun.
   */
  readonly maxTrailerBlockSize?: number;
}

/**
 * HTTP/2 options, given to `open` (Gun's `http2_opts`). The windows and
 * limits are nghttp2's settings, sent to the server in our SETTINGS.
 */
export interface Http2Options {
  /** Milliseconds between PINGs (Gun's keepalive); Infinity: none. Default Infinity, as Gun 2. */
  readonly keepalive?: number;
  /**
   * Unacknowledged keepalive PINGs tolerated: past it the connection goes
   * down with `['error', ['connection_error', 'no_error', ...]]` (Gun's
   * keepalive_tolerance). Default Infinity: a silent peer is never detected, as in Gun.
   */
  readonly keepaliveTolerance?: number;
  /** How long a graceful close waits for running streams to finish, in ms. Default 15000. */
  readonly closingTimeout?: number;
  /** `['gun_notify', pid, 'settings_changed', settings]` after each SETTINGS from the server. Default false. */
  readonly notifySettingsChanged?: boolean;
  /** The flow of every request that does not say its own (`gun_data` messages). Default Infinity. */
  readonly flow?: number;
  /** Our connection window, in bytes. Default 8 MiB, as Gun (8000000 there: nghttp2 rounds nothing). */
  readonly initialConnectionWindowSize?: number;
  /** Our window per stream, in bytes (SETTINGS_INITIAL_WINDOW_SIZE). Default 8 MiB, as Gun. */
  readonly initialStreamWindowSize?: number;
  /** Streams the server may open toward us (pushes): SETTINGS_MAX_CONCURRENT_STREAMS. Default unlimited. */
  readonly maxConcurrentStreams?: number;
  /** The largest frame we accept (SETTINGS_MAX_FRAME_SIZE), 16384-16777215. Default 16384. */
  readonly maxFrameSizeReceived?: number;
  /** Most bytes a header block from the server may take, decoded (SETTINGS_MAX_HEADER_LIST_SIZE). Default 100000. */
  readonly maxHeaderListSize?: number;
}

/** Options of one request. */
export interface RequestOpts {
  /** The process that gets the stream's messages; default the caller. */
  readonly replyTo?: Pid;
  /** gun_data messages allowed before reading pauses; `updateFlow` adds more. Default Infinity. */
  readonly flow?: number;
}

/**
 * The options of `open` (Gun's `opts()` map): transport and TLS, connect
 * timeout and retries, the WebSocket and HTTP defaults, the dialect, the
 * owner. Every one is optional; a bad one throws BadArgError at `open`.
 *
 * ```ts
 * const conn = gun.open('example.org', 443, {
 *   retry: 0, // do not reconnect
 *   dialect: 'gun2',
 *   wsOpts: { keepalive: 30_000 },
 * });
 * // Erlang: gun:open("example.org", 443, #{retry => 0, ws_opts => #{keepalive => 30000}})
 * ```
 */
export interface OpenOptions {
  /** `'tls'` by default for port 443, else `'tcp'`. */
  readonly transport?: 'tcp' | 'tls';
  /** TLS options (`ca`, `cert`, `key`, `servername`, ...); certificates are verified by default. */
  readonly tlsOpts?: ConnectionOptions;
  /** Milliseconds a connection attempt may take. Default Infinity. */
  readonly connectTimeout?: number;
  /** Reconnection attempts after a failure or a drop; 0 disables reconnecting. Default 5. */
  readonly retry?: number;
  /** Milliseconds between attempts; the first attempt after a drop is immediate. Default 5000. */
  readonly retryTimeout?: number;
  /** Defaults for every `wsUpgrade` on this connection. */
  readonly wsOpts?: WsOptions;
  /** HTTP/1.1 options. */
  readonly httpOpts?: HttpOptions;
  /**
   * The protocols to speak, in order of preference (Gun's `protocols`).
   * Over TLS they are offered by ALPN (default `['http2', 'http']`: h2, else
   * HTTP/1.1); over TCP the first is spoken, `['http2']` being HTTP/2 with
   * prior knowledge (default `['http']`).
   */
  readonly protocols?: readonly ProtocolChoice[];
  /** HTTP/2 options. */
  readonly http2Opts?: Http2Options;
  /** Message shapes: `'classic'` (the default, the seed chapter's) or `'gun2'` (Gun 2.x's). */
  readonly dialect?: DialectName;
  /** The process that gets the messages; default the caller. */
  readonly owner?: Pid;
}

export interface ResolvedWsOptions {
  readonly keepalive: number;
  readonly silencePings: boolean;
  readonly closingTimeout: number;
  readonly compress: boolean;
  readonly protocols: readonly string[];
  readonly flow: number;
}

/** A protocol `open` may speak on the socket: `'http'` (HTTP/1.1) or `'http2'`. */
export type ProtocolChoice = 'http' | 'http2';

export interface ResolvedHttp2Options {
  readonly keepalive: number;
  readonly keepaliveTolerance: number;
  readonly closingTimeout: number;
  readonly notifySettingsChanged: boolean;
  readonly flow: number;
  readonly initialConnectionWindowSize: number;
  readonly initialStreamWindowSize: number;
  readonly maxConcurrentStreams: number;
  readonly maxFrameSizeReceived: number;
  readonly maxHeaderListSize: number;
}

export interface ResolvedHttpOptions {
  readonly keepalive: number;
  readonly closingTimeout: number;
  readonly version: 'HTTP/1.1' | 'HTTP/1.0';
  readonly maxHeaderBlockSize: number;
  readonly maxTrailerBlockSize: number;
}

/** Gun's defaults for the HTTP/1.1 block limits (gun_http.erl). */
export const MAX_HEADER_BLOCK_SIZE = 100_000;
export const MAX_TRAILER_BLOCK_SIZE = 10_000;

export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'tls';
  readonly tlsOpts: ConnectionOptions;
  readonly connectTimeout: number;
  readonly retry: number;
  readonly retryTimeout: number;
  readonly wsOpts: ResolvedWsOptions;
  readonly httpOpts: ResolvedHttpOptions;
  readonly protocols: readonly ProtocolChoice[];
  readonly http2Opts: ResolvedHttp2Options;
  readonly dialect: DialectName;
}

/** Gun's WebSocket defaults, with the 'classic' dialect's keepalive (the dialects say theirs). */
export const WS_DEFAULTS: ResolvedWsOptions = {
  // The seed promises automatic pings, so 'classic' pings by default.
  keepalive: 5000,
  silencePings: true,
  closingTimeout: 15000,
  compress: false,
  protocols: [],
  flow: Infinity,
};

const OPEN_KEYS = new Set([
  'transport',
  'tlsOpts',
  'connectTimeout',
  'retry',
  'retryTimeout',
  'wsOpts',
  'httpOpts',
  'protocols',
  'http2Opts',
  'dialect',
  'owner',
]);
const WS_KEYS = new Set(['keepalive', 'silencePings', 'closingTimeout', 'compress', 'protocols', 'flow', 'replyTo']);
const HTTP_KEYS = new Set(['keepalive', 'closingTimeout', 'version', 'maxHeaderBlockSize', 'maxTrailerBlockSize']);
const HTTP2_KEYS = new Set([
  'keepalive',
  'keepaliveTolerance',
  'closingTimeout',
  'notifySettingsChanged',
  'flow',
  'initialConnectionWindowSize',
  'initialStreamWindowSize',
  'maxConcurrentStreams',
  'maxFrameSizeReceived',
  'maxHeaderListSize',
]);
const REQUEST_KEYS = new Set(['replyTo', 'flow']);

function assertObject(fn: string, name: string, value: unknown, keys: Set<string>): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadArgError(fn, name, `expected an options object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.has(key)) throw new BadArgError(fn, `${name}.${key}`, `unknown option (known: ${[...keys].join(', ')})`);
  }
  return value as Record<string, unknown>;
}

/** A duration in ms, checked as the runtime checks its timeouts (>= 0, Infinity when `infinite`). */
function duration(fn: string, name: string, value: unknown, fallback: number, infinite = true): number {
  if (value === undefined) return fallback;
  if (infinite) assertTimeout(fn, name, value);
  else assertDelay(fn, name, value);
  return value;
}

function flag(fn: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new BadArgError(fn, name, `expected a boolean, got ${describe(value)}`);
  return value;
}

/** A flow credit: a whole number > 0, or Infinity. */
function credit(fn: string, name: string, value: unknown, what: string): number {
  if (typeof value !== 'number' || !(value === Infinity || (Number.isInteger(value) && value > 0))) {
    throw new BadArgError(fn, name, `expected a whole number of ${what} > 0 or Infinity, got ${describe(value)}`);
  }
  return value;
}

function pid(fn: string, name: string, value: unknown): Pid {
  if (!(value instanceof Pid)) throw new BadArgError(fn, name, `expected a pid, got ${describe(value)}`);
  return value;
}

/** Validates WebSocket options over `base`; names the bad option in the error. */
export function resolveWsOptions(fn: string, name: string, value: unknown, base: ResolvedWsOptions): ResolvedWsOptions {
  if (value === undefined) return base;
  const o = assertObject(fn, name, value, WS_KEYS);
  const protocols = o.protocols ?? base.protocols;
  if (!Array.isArray(protocols) || !protocols.every(isToken)) {
    throw new BadArgError(fn, `${name}.protocols`, 'expected an array of subprotocol names (HTTP tokens)');
  }
  // Offering a name twice means nothing, and ws refuses it from inside the connection.
  const twice = protocols.find((p, i) => protocols.indexOf(p) !== i);
  if (twice !== undefined) throw new BadArgError(fn, `${name}.protocols`, `subprotocol '${twice}' is listed twice`);
  const flow = credit(fn, `${name}.flow`, o.flow ?? base.flow, 'frames');
  if (o.replyTo !== undefined) pid(fn, `${name}.replyTo`, o.replyTo);
  const keepalive = duration(fn, `${name}.keepalive`, o.keepalive, base.keepalive);
  if (keepalive === 0)
    throw new BadArgError(fn, `${name}.keepalive`, 'expected a number of milliseconds > 0 or Infinity');
  return {
    keepalive,
    silencePings: flag(fn, `${name}.silencePings`, o.silencePings, base.silencePings),
    closingTimeout: duration(fn, `${name}.closingTimeout`, o.closingTimeout, base.closingTimeout, false),
    compress: flag(fn, `${name}.compress`, o.compress, base.compress),
    protocols,
    flow,
  };
}

/** `replyTo` names who gets one upgrade's messages: an option of `wsUpgrade`, not of `open`. */
function noReplyTo(wsOpts: unknown): unknown {
  if (typeof wsOpts === 'object' && wsOpts !== null && 'replyTo' in wsOpts) {
    throw new BadArgError(
      'open',
      'opts.wsOpts.replyTo',
      "replyTo is an option of wsUpgrade (one upgrade's messages), not of open",
    );
  }
  return wsOpts;
}

/** Validates HTTP options over Gun's defaults. */
function resolveHttpOptions(fn: string, name: string, value: unknown): ResolvedHttpOptions {
  const o = value === undefined ? {} : assertObject(fn, name, value, HTTP_KEYS);
  const version = o.version ?? 'HTTP/1.1';
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') {
    throw new BadArgError(fn, `${name}.version`, `expected 'HTTP/1.1' or 'HTTP/1.0', got ${describe(version)}`);
  }
  const keepalive = duration(fn, `${name}.keepalive`, o.keepalive, Infinity);
  if (keepalive === 0)
    throw new BadArgError(fn, `${name}.keepalive`, 'expected a number of milliseconds > 0 or Infinity');
  return {
    keepalive,
    closingTimeout: duration(fn, `${name}.closingTimeout`, o.closingTimeout, 15000, false),
    version,
    maxHeaderBlockSize: byteLimit(fn, `${name}.maxHeaderBlockSize`, o.maxHeaderBlockSize, MAX_HEADER_BLOCK_SIZE),
    maxTrailerBlockSize: byteLimit(fn, `${name}.maxTrailerBlockSize`, o.maxTrailerBlockSize, MAX_TRAILER_BLOCK_SIZE),
  };
}

/** Validates HTTP/2 options over Gun's defaults. */
function resolveHttp2Options(fn: string, name: string, value: unknown): ResolvedHttp2Options {
  const o = value === undefined ? {} : assertObject(fn, name, value, HTTP2_KEYS);
  const keepalive = duration(fn, `${name}.keepalive`, o.keepalive, Infinity);
  if (keepalive === 0)
    throw new BadArgError(fn, `${name}.keepalive`, 'expected a number of milliseconds > 0 or Infinity');
  const tolerance = o.keepaliveTolerance ?? Infinity;
  if (typeof tolerance !== 'number' || !(tolerance === Infinity || (Number.isInteger(tolerance) && tolerance >= 0))) {
    throw new BadArgError(
      fn,
      `${name}.keepaliveTolerance`,
      `expected a whole number of pings >= 0 or Infinity, got ${describe(tolerance)}`,
    );
  }
  return {
    keepalive,
    keepaliveTolerance: tolerance,
    closingTimeout: duration(fn, `${name}.closingTimeout`, o.closingTimeout, 15000, false),
    notifySettingsChanged: flag(fn, `${name}.notifySettingsChanged`, o.notifySettingsChanged, false),
    flow: credit(fn, `${name}.flow`, o.flow ?? Infinity, 'data messages'),
    initialConnectionWindowSize: range(
      fn,
      `${name}.initialConnectionWindowSize`,
      o.initialConnectionWindowSize,
      8_000_000,
      65_535,
      2 ** 31 - 1,
    ),
    initialStreamWindowSize: range(
      fn,
      `${name}.initialStreamWindowSize`,
      o.initialStreamWindowSize,
      8_000_000,
      0,
      2 ** 31 - 1,
    ),
    maxConcurrentStreams: range(
      fn,
      `${name}.maxConcurrentStreams`,
      o.maxConcurrentStreams,
      2 ** 32 - 1,
      0,
      2 ** 32 - 1,
    ),
    maxFrameSizeReceived: range(fn, `${name}.maxFrameSizeReceived`, o.maxFrameSizeReceived, 16_384, 16_384, 16_777_215),
    maxHeaderListSize: range(
      fn,
      `${name}.maxHeaderListSize`,
      o.maxHeaderListSize,
      MAX_HEADER_BLOCK_SIZE,
      1,
      2 ** 32 - 1,
    ),
  };
}

/** A whole number within [min, max] (an HTTP/2 setting's range). */
function range(fn: string, name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new BadArgError(fn, name, `expected a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** `open`'s protocols: a non-empty list of 'http' and 'http2', each at most once. */
function resolveProtocols(fn: string, value: unknown, transport: 'tcp' | 'tls'): readonly ProtocolChoice[] {
  if (value === undefined) return transport === 'tls' ? TLS_PROTOCOLS : TCP_PROTOCOLS;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((p) => p === 'http' || p === 'http2') ||
    new Set(value).size !== value.length
  ) {
    throw new BadArgError(
      fn,
      'opts.protocols',
      `expected a list of 'http' and 'http2' (each once, in order of preference), got ${describe(value)}`,
    );
  }
  return Object.freeze([...value]) as readonly ProtocolChoice[];
}

/** Gun's default protocols: ALPN h2 then http/1.1 over TLS; HTTP/1.1 over TCP. */
const TLS_PROTOCOLS: readonly ProtocolChoice[] = Object.freeze(['http2', 'http'] as const);
const TCP_PROTOCOLS: readonly ProtocolChoice[] = Object.freeze(['http'] as const);

/** A size in bytes: a whole number > 0 (a block always ends with an empty line: at least 2 bytes). */
function byteLimit(fn: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 2) {
    throw new BadArgError(fn, name, `expected a whole number of bytes >= 2, got ${describe(value)}`);
  }
  return value;
}

/** Validates a request's options (`reqOpts`). */
export function resolveRequestOptions(
  fn: string,
  value: unknown,
): { replyTo: Pid | undefined; flow: number | undefined } {
  if (value === undefined) return { replyTo: undefined, flow: undefined };
  const o = assertObject(fn, 'reqOpts', value, REQUEST_KEYS);
  return {
    replyTo: o.replyTo === undefined ? undefined : pid(fn, 'reqOpts.replyTo', o.replyTo),
    // Unset: the connection's default (HTTP/2's http2Opts.flow; none over HTTP/1.1).
    flow: o.flow === undefined ? undefined : credit(fn, 'reqOpts.flow', o.flow, 'data messages'),
  };
}

/**
 * Validates `open`'s arguments and fills in Gun's defaults; `wsDefaults`
 * gives each dialect's WebSocket defaults (undefined: no such dialect).
 */
export function resolveOptions(
  host: unknown,
  port: unknown,
  opts: unknown,
  wsDefaults: (dialect: DialectName) => ResolvedWsOptions,
): ResolvedOptions & { owner: Pid | undefined } {
  const fn = 'open';
  if (typeof host !== 'string' || host.length === 0)
    throw new BadArgError(fn, 'host', `expected a host name or address, got ${describe(host)}`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BadArgError(fn, 'port', `expected a port number 1-65535, got ${describe(port)}`);
  }
  const o = opts === undefined ? {} : assertObject(fn, 'opts', opts, OPEN_KEYS);
  const dialect = o.dialect ?? 'classic';
  if (dialect !== 'classic' && dialect !== 'gun2') {
    throw new BadArgError(fn, 'opts.dialect', `expected 'classic' or 'gun2', got ${describe(dialect)}`);
  }
  const transport = o.transport ?? (port === 443 ? 'tls' : 'tcp');
  if (transport !== 'tcp' && transport !== 'tls') {
    throw new BadArgError(fn, 'opts.transport', `expected 'tcp' or 'tls', got ${describe(transport)}`);
  }
  const tlsOpts = o.tlsOpts ?? {};
  if (typeof tlsOpts !== 'object' || tlsOpts === null || Array.isArray(tlsOpts)) {
    throw new BadArgError(fn, 'opts.tlsOpts', `expected TLS options (an object), got ${describe(tlsOpts)}`);
  }
  const retry = o.retry ?? 5;
  if (typeof retry !== 'number' || !(retry === Infinity || (Number.isInteger(retry) && retry >= 0))) {
    throw new BadArgError(fn, 'opts.retry', `expected a whole number of attempts >= 0, got ${describe(retry)}`);
  }
  return {
    host,
    port,
    transport,
    tlsOpts: tlsOpts as ConnectionOptions,
    connectTimeout: duration(fn, 'opts.connectTimeout', o.connectTimeout, Infinity),
    retry,
    retryTimeout: duration(fn, 'opts.retryTimeout', o.retryTimeout, 5000, false),
    wsOpts: resolveWsOptions(fn, 'opts.wsOpts', noReplyTo(o.wsOpts), wsDefaults(dialect)),
    httpOpts: resolveHttpOptions(fn, 'opts.httpOpts', o.httpOpts),
    protocols: resolveProtocols(fn, o.protocols, transport),
    http2Opts: resolveHttp2Options(fn, 'opts.http2Opts', o.http2Opts),
    dialect,
    owner: o.owner === undefined ? undefined : pid(fn, 'opts.owner', o.owner),
  };
}
