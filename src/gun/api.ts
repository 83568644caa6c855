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
import { type HeadersInput, normalizeHeaders } from './headers.js';
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
  if (typeof path !== 'string' || !path.startsWith('/') || /[\s\0]/.test(path)) {
    throw new BadArgError(
      'wsUpgrade',
      'path',
      `expected a path starting with '/' and without spaces or CR/LF, got ${describe(path)}`,
    );
  }
  const pairs = normalizeHeaders('wsUpgrade', headers);
  // Checked here so a bad option fails at the call; the connection merges it with its defaults.
  resolveWsOptions('wsUpgrade', 'wsOpts', wsOpts, WS_DEFAULTS);

  send(conn, ['$gun_call', 'ws_upgrade', [makeRef(), path, pairs, wsOpts]]);
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
