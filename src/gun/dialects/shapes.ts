import { ErlangList, type Pid, type Ref } from '../../runtime/index.js';
import type { StreamEvent } from '../protocols/protocol.js';

/**
 * What the dialects share: the stream message of Gun 2 and the way Gun's
 * terms print. beamish writes binaries as strings and lists as arrays, which
 * `formatTerm` alone would print as atoms and tuples; these put them back
 * into the shapes Erlang's Gun shows.
 */

/** Gun 2's message for a stream event: `['response', …]` → `['gun_response', conn, ref, …]`. */
export function streamMessage(conn: Pid, ref: Ref, event: StreamEvent): unknown[] {
  return [`gun_${event[0]}`, conn, ref, ...event.slice(1)];
}

/** A frame with its payload as a binary: `['text', 'hi']` → `{text,<<"hi">>}`. */
export function frameShape(frame: unknown): unknown {
  if (!Array.isArray(frame)) return frame;
  return frame.map((part, i) => (i > 0 && typeof part === 'string' ? Buffer.from(part) : part));
}

/**
 * Gun's reasons are `{Kind, Text}` with the text a binary (`['closed',
 * 'The connection was lost.']`), or `{Kind, Atom}` (`['closing',
 * 'shutdown']`): a second element that reads as an atom stays one.
 */
export function reasonShape(reason: unknown): unknown {
  if (Array.isArray(reason) && reason.length === 2 && typeof reason[1] === 'string' && !ATOM.test(reason[1]))
    return [reason[0], Buffer.from(reason[1])];
  return reason;
}

const ATOM = /^[a-z][a-zA-Z0-9_@]*$/;

/** Header pairs as Erlang's list of binary pairs. */
export function headersShape(headers: unknown): unknown {
  if (!Array.isArray(headers)) return headers;
  return new ErlangList(headers.map((pair) => (Array.isArray(pair) ? pair.map(binaryOf) : pair)));
}

/** A list of binaries (`[<<"websocket">>]`). */
export function binariesShape(list: unknown): unknown {
  return Array.isArray(list) ? new ErlangList(list.map(binaryOf)) : list;
}

/** A list (of refs, say), printed as a list rather than a tuple. */
export function listShape(list: unknown): unknown {
  return Array.isArray(list) ? new ErlangList(list) : list;
}

function binaryOf(s: unknown): unknown {
  return typeof s === 'string' ? Buffer.from(s) : s;
}
