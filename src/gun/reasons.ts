/**
 * The reasons a Gun connection gives in `gun_error` messages and exit
 * reasons. The texts follow Gun's where Gun has one, so code ported from
 * Erlang that matches on `['badstate', _]` or `['closed', _]` still works.
 */

export const NOT_UPGRADED = [
  'badstate',
  'Connection needs to be upgraded to Websocket before the wsSend function can be used.',
] as const;

export const CONNECTION_LOST = ['closed', 'The connection was lost.'] as const;

export const CLOSED_BY_PEER = ['closed', 'The server closed the Websocket connection.'] as const;

export const PEER_DEAD = [
  'closed',
  'The server did not answer a ping within keepalive; the connection is considered dead.',
] as const;

/**
 * A socket error as an Erlang-style atom, as Gun gives connect failures and
 * socket errors: ECONNREFUSED → 'econnrefused'; no error at all → 'closed'.
 */
export function socketError(err: unknown): unknown {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code.toLowerCase();
    return ['error', err.message];
  }
  return err ?? 'closed';
}

/** What was thrown, as text for a reason. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const OWNER_WHILE_CLOSING = [
  'badstate',
  'The owner of the connection cannot be changed when the connection is shutting down.',
] as const;

/** gun.erl, connected_ws_only: an HTTP call (request, data, cancel, wsUpgrade) on a WebSocket connection. */
export const WS_ONLY = ['badstate', 'This connection only accepts Websocket frames.'] as const;

/** gun_http.erl: a call naming a stream the connection does not have. */
export const STREAM_NOT_FOUND = ['badstate', 'The stream cannot be found.'] as const;

// Gun's texts (gun_http.erl), so code ported from Erlang matches them.
export const STREAM_CLOSED = ['badstate', 'The stream has already been closed.'] as const;
export const WS_NOT_UPGRADED = [
  'badstate',
  'This connection does not currently accept Websocket frames. ' +
    'The Websocket upgrade was not performed. ' +
    'This may happen as a result of automatic reconnect.',
] as const;
export const WS_OVER_HTTP10 = ['badstate', 'Websocket cannot be used over an HTTP/1.0 connection.'] as const;
// Ours, in Gun's shape.
export const UPGRADE_PENDING = [
  'badstate',
  'A Websocket upgrade is in progress on this connection: no request may follow it until the server answers.',
] as const;
export const BODY_TOO_LONG = ['badstate', 'The request body would be longer than its content-length.'] as const;
export const BODY_TOO_SHORT = ['badstate', 'The request body ends before its content-length is reached.'] as const;
export const BAD_REQUEST_LENGTH = [
  'invalid_request_header',
  'content-length',
  'The content-length header is not a valid length.',
] as const;

/** Ours, in Gun's shape: `ping` over a protocol that has no ping (Gun's is HTTP/2's). */
export const PING_NOT_SUPPORTED = ['badstate', 'Ping is only supported over HTTP/2.'] as const;
