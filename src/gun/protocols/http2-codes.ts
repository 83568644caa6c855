/**
 * HTTP/2 error codes (RFC 9113 §7) by Gun's names for them
 * (cow_http2:parse_error_code/1); a code it does not know is `unknown_error`.
 */
const NAMES = [
  'no_error',
  'protocol_error',
  'internal_error',
  'flow_control_error',
  'settings_timeout',
  'stream_closed',
  'frame_size_error',
  'refused_stream',
  'cancel',
  'compression_error',
  'connect_error',
  'enhance_your_calm',
  'inadequate_security',
  'http_1_1_required',
] as const;

/** Gun's name for an HTTP/2 error code. */
export type Http2ErrorName = (typeof NAMES)[number] | 'unknown_error';

export function errorName(code: number): Http2ErrorName {
  return NAMES[code] ?? 'unknown_error';
}

/** The code of a name, for what we send (RST_STREAM CANCEL, GOAWAY NO_ERROR). */
export const CANCEL = 0x8;
export const NO_ERROR = 0x0;
export const PROTOCOL_ERROR = 0x1;
export const REFUSED_STREAM = 0x7;

/** Gun's texts for HTTP/2 reasons (atoms in Gun: printed as atoms, see dialects/shapes.ts). */
export const GOAWAY_TEXT = 'The connection is going away.';
export const RESET_TEXT = 'Stream reset by server.';
export const TOO_MANY_TEXT = 'Maximum concurrency limit has been reached.';
export const TOLERANCE_TEXT = 'The number of unacknowledged pings exceed the configured tolerance value.';
export const HTTP1_PREFACE_TEXT =
  'Invalid connection preface received. Appears to be an HTTP/1 response? (RFC7540 3.5)';
/** Ours, in Gun's shape: a stream nghttp2 reset for the server's breach of the protocol. */
export const BROKEN_STREAM_TEXT = 'The server broke the protocol on this stream.';

/** Ours: nghttp2 ended the session for the server's breach of the protocol (its GOAWAY's code says which). */
export const BROKEN_CONNECTION_TEXT = 'The server broke the HTTP/2 protocol: the connection was ended.';

/** The connection-error texts of HTTP/2 (atoms in Gun; HTTP/1.1's are strings). */
export const CONNECTION_ERROR_ATOMS: ReadonlySet<string> = new Set([
  TOLERANCE_TEXT,
  HTTP1_PREFACE_TEXT,
  BROKEN_CONNECTION_TEXT,
]);
