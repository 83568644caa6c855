import type { ConnectionOptions } from 'node:tls';
import { BadArgError } from '../runtime/errors.js';
import { Pid } from '../runtime/ids.js';
import { assertDelay, assertTimeout, describe } from '../runtime/validate.js';
import { isToken } from './headers.js';

/** Which message shapes the owner gets (see docs/gun.md). */
export type Dialect = 'classic';

/** WebSocket options, given to `open` (defaults for every upgrade) or to one `wsUpgrade`. */
export interface WsOptions {
  /** Milliseconds between client pings; a ping left unanswered that long means a dead peer. Infinity: no pings. Default 5000. */
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
}

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
  /** Message shapes: `'classic'` (the default, the seed chapter's). */
  readonly dialect?: Dialect;
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

export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'tls';
  readonly tlsOpts: ConnectionOptions;
  readonly connectTimeout: number;
  readonly retry: number;
  readonly retryTimeout: number;
  readonly wsOpts: ResolvedWsOptions;
  readonly dialect: Dialect;
}

/** Gun's WebSocket defaults for the 'classic' dialect. */
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
  'dialect',
  'owner',
]);
const WS_KEYS = new Set(['keepalive', 'silencePings', 'closingTimeout', 'compress', 'protocols', 'flow']);

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
  const flow = o.flow ?? base.flow;
  if (typeof flow !== 'number' || !(flow === Infinity || (Number.isInteger(flow) && flow > 0))) {
    throw new BadArgError(
      fn,
      `${name}.flow`,
      `expected a whole number of frames > 0 or Infinity, got ${describe(flow)}`,
    );
  }
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

/** Validates `open`'s arguments and fills in Gun's defaults. */
export function resolveOptions(
  host: unknown,
  port: unknown,
  opts: unknown,
): ResolvedOptions & { owner: Pid | undefined } {
  const fn = 'open';
  if (typeof host !== 'string' || host.length === 0)
    throw new BadArgError(fn, 'host', `expected a host name or address, got ${describe(host)}`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BadArgError(fn, 'port', `expected a port number 1-65535, got ${describe(port)}`);
  }
  const o = opts === undefined ? {} : assertObject(fn, 'opts', opts, OPEN_KEYS);
  const dialect = o.dialect ?? 'classic';
  if (dialect !== 'classic') {
    throw new BadArgError(
      fn,
      'opts.dialect',
      `expected 'classic' (the 'gun2' dialect is not available yet), got ${describe(dialect)}`,
    );
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
  if (o.owner !== undefined && !(o.owner instanceof Pid)) {
    throw new BadArgError(fn, 'opts.owner', `expected a pid, got ${describe(o.owner)}`);
  }
  return {
    host,
    port,
    transport,
    tlsOpts: tlsOpts as ConnectionOptions,
    connectTimeout: duration(fn, 'opts.connectTimeout', o.connectTimeout, Infinity),
    retry,
    retryTimeout: duration(fn, 'opts.retryTimeout', o.retryTimeout, 5000, false),
    wsOpts: resolveWsOptions(fn, 'opts.wsOpts', o.wsOpts, WS_DEFAULTS),
    dialect,
    owner: o.owner as Pid | undefined,
  };
}
