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
  /** A call could not be carried out: the message for the caller. */
  error(conn: Pid, ref: Ref | undefined, reason: unknown): unknown;
}

/** Which message shapes a connection speaks: `'classic'` (the seed's) or `'gun2'` (Gun 2.x's). */
export type DialectName = 'classic' | 'gun2';
