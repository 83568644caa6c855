import { ErlangList, formatTerm } from '../runtime/format.js';

/**
 * Prints a Gun message as Erlang's Gun would show it: frame payloads and
 * header names and values as binaries, header lists as lists. beamish writes
 * those as strings and arrays, which `formatTerm` alone would print as atoms
 * and tuples.
 */
export function formatGunMessage(message: unknown): string {
  return formatTerm(erlangShape(message));
}

function erlangShape(message: unknown): unknown {
  if (!Array.isArray(message)) return message;
  const [tag] = message;
  if (tag === 'gun_ws' && message.length === 3) return [tag, message[1], frameShape(message[2])];
  if (tag === 'gun_error' && message.length === 3) return [tag, message[1], reasonShape(message[2])];
  if (tag === 'gun_ws_upgrade' && message.length === 6) {
    return [...message.slice(0, 5), headersShape(message[5])];
  }
  return message;
}

function frameShape(frame: unknown): unknown {
  if (!Array.isArray(frame)) return frame;
  return frame.map((part, i) => (i > 0 && typeof part === 'string' ? Buffer.from(part) : part));
}

/** Gun's reasons are `{Kind, Text}` with the text a binary: ['closed', text]. */
function reasonShape(reason: unknown): unknown {
  if (Array.isArray(reason) && reason.length === 2 && typeof reason[1] === 'string')
    return [reason[0], Buffer.from(reason[1])];
  return reason;
}

function headersShape(headers: unknown): unknown {
  if (!Array.isArray(headers)) return headers;
  return new ErlangList(
    headers.map((pair) => (Array.isArray(pair) ? pair.map((s) => (typeof s === 'string' ? Buffer.from(s) : s)) : pair)),
  );
}
