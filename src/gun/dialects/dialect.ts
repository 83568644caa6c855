import type { Pid, Ref } from '../../runtime/index.js';
import type { ResolvedWsOptions } from '../options.js';
import type { Stream, StreamEvent } from '../protocols/protocol.js';

/**
 * A message dialect: the shapes of the tuples a Gun connection sends, and
 * the few rules that go with them. The connection says what happened; the
 * dialect decides what is said, and to whom. Each dialect is one file.
 */

/** A message and the process it is for. */
export type Outgoing = readonly [to: Pid, message: unknown];

export interface Dialect {
  readonly name: DialectName;
  /** The WebSocket options an upgrade gets unless `open` or `wsUpgrade` says otherwise. */
  readonly wsDefaults: ResolvedWsOptions;
  /**
   * A close frame the owner sends ends the connection for good (the seed's
   * rule) rather than being followed by a reconnect (Gun 2's).
   */
  readonly clientCloseEnds: boolean;
  /**
   * A `sec-websocket-protocol` header given to `wsUpgrade` is an offer, as
   * `wsOpts.protocols` are (the seed's rule), rather than a header sent as
   * it is (Gun 2's: only `protocols` are offered).
   */
  readonly subprotocolHeaderOffers: boolean;
  /** The `stateName` that `info` reports for the connection's state. */
  stateName(state: ConnectionStateName): StateName;
  /** The connection is (back) up, speaking `protocol`. */
  up(conn: Pid, owner: Pid, protocol: string): readonly Outgoing[];
  /**
   * The connection went down. `reason` is Gun's (`'normal'`, `'closed'`,
   * `['error', code]`, a WebSocket reason); `killed` are the streams that
   * were still running.
   */
  down(conn: Pid, owner: Pid, protocol: string, reason: unknown, killed: readonly Stream[]): readonly Outgoing[];
  /** Something happened on a stream: the message for its reply-to process. */
  stream(conn: Pid, stream: Stream, event: StreamEvent): unknown;
  /**
   * Gun's `gun_notify` (HTTP/2): `kind` is `'settings_changed'` (value: the
   * peer's settings) or `'ping_ack'` (value: the ping's ref).
   */
  notify(conn: Pid, kind: string, value: unknown): unknown;
  /** A call could not be carried out: the message for the caller. */
  error(conn: Pid, ref: Ref | undefined, reason: unknown): unknown;
}

/** The connection's own states (connection.ts). */
export type ConnectionStateName = 'not_connected' | 'connecting' | 'connected' | 'closing';

/**
 * What `info` says of the state: the connection's own name, or in gun2 the
 * name Gun 2 reports in that phase (`'domain_lookup'` while waiting to
 * retry). `info` waits while a connect is under way, as Gun's does (its
 * connect blocks the state machine), so neither `'connecting'` nor Gun's
 * `'tls_handshake'` is ever reported.
 */
export type StateName = 'not_connected' | 'domain_lookup' | 'connected' | 'closing';

/** Which message shapes a connection speaks: `'classic'` (the seed's) or `'gun2'` (Gun 2.x's). */
export type DialectName = 'classic' | 'gun2';
