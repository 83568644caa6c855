import { ErlangAtom, ErlangList, ErlangString, type Pid, type Ref } from '../../runtime/index.js';
import { CONNECTION_ERROR_ATOMS } from '../protocols/http2-codes.js';
import type { StreamEvent } from '../protocols/protocol.js';

/**
 * What the dialects share: the stream message of Gun 2 and the way Gun's
 * terms print. beamish writes binaries as strings and lists as arrays;
 * `formatTerm` prints a string as an atom where Erlang would print that
 * atom bare and an array as a tuple, so a payload `'hello'` would print as
 * the atom `hello`. These put the positions where Gun has a binary or a
 * list back into those shapes, so every payload prints as a binary.
 * Reasons: Gun's atoms (`{closing, shutdown}`) print bare by formatTerm's
 * rule; the texts Gun writes as Erlang strings (`{badstate, "..."}`,
 * `{connection_error, Kind, "..."}`) are put in that shape by reasonShape.
 */

/** Gun 2's message for a stream event: `['response', …]` → `['gun_response', conn, ref, …]`. */
export function streamMessage(conn: Pid, ref: Ref, event: StreamEvent): unknown[] {
  return [`gun_${event[0]}`, conn, ref, ...event.slice(1)];
}

/** A frame with its payload as a binary: `['text', 'hi']` → `{text,<<"hi">>}`. */
export function frameShape(frame: unknown): unknown {
  if (!Array.isArray(frame)) return frame;
  return frame.map((part, i) => (i > 0 ? binaryShape(part) : part));
}

/** Header pairs as Erlang's list of binary pairs. */
export function headersShape(headers: unknown): unknown {
  if (!Array.isArray(headers)) return headers;
  return new ErlangList(headers.map((pair) => (Array.isArray(pair) ? pair.map(binaryShape) : pair)));
}

/** A list of binaries (`[<<"websocket">>]`). */
export function binariesShape(list: unknown): unknown {
  return Array.isArray(list) ? new ErlangList(list.map(binaryShape)) : list;
}

/** A list (of refs, say), printed as a list rather than a tuple. */
export function listShape(list: unknown): unknown {
  return Array.isArray(list) ? new ErlangList(list) : list;
}

/** Text as a binary (`'hello'` → `<<"hello">>`); anything else as it is. */
export function binaryShape(s: unknown): unknown {
  return typeof s === 'string' ? Buffer.from(s) : s;
}

/**
 * A Gun reason with its text in Gun's shape: the text of `{badstate, Text}`,
 * `{connection_error, Kind, Text}` is an Erlang string (gun_http.erl
 * writes them so); over HTTP/2 the texts of `{stream_error, Kind, Text}`,
 * `{goaway, Code, Text}` and HTTP/2's connection errors are atoms
 * (gun_http2.erl's); also inside `{error, _}`,
 * `{closed, _}` and `{closing, _}`. Anything else as it is.
 */
export function reasonShape(reason: unknown): unknown {
  if (!Array.isArray(reason)) return reason;
  const [tag, a, b] = reason;
  if (reason.length === 2 && tag === 'badstate' && typeof a === 'string') return [tag, new ErlangString(a)];
  // HTTP/2's texts are atoms in Gun (gun_http2.erl); HTTP/1.1's connection errors strings.
  if (reason.length === 3 && (tag === 'stream_error' || tag === 'goaway') && typeof b === 'string') {
    return [tag, a, new ErlangAtom(b)];
  }
  if (reason.length === 3 && tag === 'connection_error' && typeof b === 'string') {
    return [tag, a, CONNECTION_ERROR_ATOMS.has(b) ? new ErlangAtom(b) : new ErlangString(b)];
  }
  // HTTP/2's connection error told without a ref: `{Code, Human}`.
  if (reason.length === 2 && typeof tag === 'string' && typeof a === 'string' && CONNECTION_ERROR_ATOMS.has(a)) {
    return [tag, new ErlangAtom(a)];
  }
  if (reason.length === 2 && (tag === 'error' || tag === 'closed' || tag === 'closing')) return [tag, reasonShape(a)];
  return reason;
}
