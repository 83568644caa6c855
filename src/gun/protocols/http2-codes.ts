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
