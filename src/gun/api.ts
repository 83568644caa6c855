import { BadArgError } from '../runtime/errors.js';
import { makeRef, type Pid } from '../runtime/ids.js';
import { self } from '../runtime/info.js';
import { send } from '../runtime/send.js';
import { exit } from '../runtime/signals.js';
import { spawn } from '../runtime/spawn.js';
import { describe } from '../runtime/validate.js';
import { type Call, type Control, connectionProcess } from './connection.js';
import { classic } from './dialect.js';
import { type OutgoingFrame, toWireFrames } from './frames.js';
import { codePoint, type HeadersInput, headerSubprotocols, normalizeHeaders } from './headers.js';
import { type OpenOptions, resolveOptions, resolveWsOptions, WS_DEFAULTS, type WsOptions } from './options.js';

/**
 * Gun's functions. Like Gun's, they do not wait for the connection: they
 * check their arguments (a bad one throws BadArgError at the call, it never
 * reaches or crashes the connection) and send the connection process a
 * message. What happens next arrives in the owner's mailbox.
 */

/** Pids of Gun connections, so calls on any other pid fail clearly. */
const connections = new WeakSet<Pid>();

/** A Gun connection's pid. */
export type ConnPid = Pid<Call | Control>;

function connection(fn: string, pid: unknown): ConnPid {
  if (!connections.has(pid as Pid)) {
    throw new BadArgError(fn, 'pid', `expected the pid of a Gun connection (from open), got ${describe(pid)}`);
  }
  return pid as ConnPid;
}

/**
 * Opens a connection to `host:port` and returns its pid at once; it connects
 * in the background. The caller (or `opts.owner`) owns it: gets its messages,
 * and when the owner dies the connection closes and exits.
 */
export function open(host: string, port: number, opts?: OpenOptions): ConnPid {
  const { owner, ...cfg } = resolveOptions(host, port, opts);
  const pid: ConnPid = spawn(connectionProcess({ ...cfg, owner: owner ?? self(), writer: classic }));
  connections.add(pid);
  return pid;
}

/**
 * Asks to upgrade the connection to WebSocket on `path`. Gun fills in every
 * header the upgrade needs; `headers` adds more (a subprotocol, cookies,
 * auth). The answer arrives as `['gun_ws_upgrade', pid, 'ok']` or
 * `['gun_ws_upgrade', pid, 'error', isFin, status, headers]`. Called while
 * the connection is down, it waits until it is back up.
 */
export function wsUpgrade(pid: ConnPid, path: string, headers?: HeadersInput, wsOpts?: WsOptions): void {
  const conn = connection('wsUpgrade', pid);
  checkPath('wsUpgrade', path);
  const pairs = normalizeHeaders('wsUpgrade', headers);
  // Subprotocols come from `wsOpts.protocols` and from `sec-websocket-protocol`
  // (Gun itself sends both). Within each, a name that is not a token or is
  // given twice is refused here; a name in both is legal, and the connection
  // offers it once (events.ts merges the two lists).
  headerSubprotocols('wsUpgrade', pairs);
  // Checked here so a bad option fails at the call; the connection merges it with its defaults.
  resolveWsOptions('wsUpgrade', 'wsOpts', wsOpts, WS_DEFAULTS);

  send(conn, ['$gun_call', 'ws_upgrade', [makeRef(), path, pairs, wsOpts]]);
}

/**
 * A request target in origin-form (RFC 9112 §3.2.1): `absolute-path [ "?"
 * query ]`, of RFC 3986 characters: unreserved, sub-delims, `:`, `@`, `/`,
 * `?` in the query, and `%XX` escapes. Anything else is refused at the call:
 * - a fragment (`#`): never part of a request; ws throws on it;
 * - space, control characters: they would break the request line (Node's
 *   http client refuses them too, ERR_UNESCAPED_CHARACTERS);
 * - raw non-ASCII: Node's http client would send it as Latin-1, the WHATWG
 *   URL parser ws uses as UTF-8 escapes: percent-encode it yourself;
 * - `"`, `<`, `>`, `\`, `^`, backquote, `{`, `|`, `}`, `[`, `]`, and a `%`
 *   not starting an escape: not RFC 3986, and the URL parser would silently
 *   rewrite some (`\` to `/`, `{` to `%7B`).
 * Gun checks nothing (its Path is iodata written into the request line), so
 * this is stricter than Gun, on purpose: a target is sent as given or
 * refused. Three rewrites by the URL parser remain, harmless in practice:
 * dot segments are removed (`/a/../b` is sent as `/b`, RFC 3986 §6.2.2.3),
 * `'` in the query is sent as `%27`, and an empty query (`/p?`) as none.
 */
const ORIGIN_FORM = /^\/(?:[\w\-.~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*(?:\?(?:[\w\-.~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?/;

function checkPath(fn: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new BadArgError(fn, 'path', `expected a path starting with '/', got ${describe(path)}`);
  }
  const valid = (ORIGIN_FORM.exec(path) as RegExpExecArray)[0].length;
  if (valid === path.length) return;
  const c = path[valid];
  const why =
    c === '#'
      ? `'#' at index ${valid} starts a fragment, which is never sent: drop it, or write '#' as %23`
      : c === '%'
        ? `'%' at index ${valid} does not start a %XX escape: write '%' as %25`
        : `${codePoint(path, valid)} at index ${valid} must be percent-encoded (encodeURIComponent does it for a segment or a query value)`;
  throw new BadArgError(
    fn,
    'path',
    `${describe(path)} is not a request target ('/path?query', RFC 9112 §3.2.1): ${why}`,
  );
}

/**
 * Sends one frame or a list of frames, in order. Frames after a close are
 * dropped; a close ends the connection cleanly, with no reconnect. Before
 * an upgrade the owner gets `['gun_error', pid, ['badstate', text]]`.
 */
export function wsSend(pid: ConnPid, frames: OutgoingFrame | readonly OutgoingFrame[]): void {
  const conn = connection('wsSend', pid);
  send(conn, ['$gun_call', 'ws_send', [toWireFrames('wsSend', frames)]]);
}

/** Lets the connection deliver `increment` more frames (with `wsOpts.flow`). */
export function updateFlow(pid: ConnPid, increment: number): void {
  const conn = connection('updateFlow', pid);
  if (!Number.isInteger(increment) || increment <= 0) {
    throw new BadArgError('updateFlow', 'increment', `expected a whole number > 0, got ${describe(increment)}`);
  }
  send(conn, ['$gun_call', 'update_flow', [increment]]);
}

/**
 * Closes gracefully: a WebSocket close (1001) if upgraded, waiting for the
 * peer's close up to `closingTimeout`; never reconnects; exits `'shutdown'`.
 */
export function shutdown(pid: ConnPid): void {
  send(connection('shutdown', pid), ['$gun_ctl', 'shutdown', undefined]);
}

/** Closes at once, with no handshake: the connection process exits `'shutdown'` now. */
export function close(pid: ConnPid): void {
  exit(connection('close', pid), 'shutdown');
}
