import { _, BadArgError, Pid, Ref, receiveNow } from '../../runtime/index.js';
import { describe } from '../../runtime/validate.js';
import type { ConnPid, StreamRef } from './ids.js';

/**
 * Gun's `flush`: removes from the caller's mailbox every Gun message of a
 * connection (`flush(pid)`, its DOWN included) or of one stream
 * (`flush(ref)`). Unlike Gun's, it knows every kind of message, of both
 * dialects (Gun's own misses some).
 *
 * @example
 * ```ts
 * gun.close(conn);
 * gun.flush(conn); // Erlang: gun:flush(ConnPid)
 * ```
 */
export function flush(pidOrRef: ConnPid | StreamRef): void {
  let patterns: readonly unknown[];
  if (pidOrRef instanceof Pid) {
    const pid = pidOrRef;
    patterns = [
      ['gun_up', pid, _],
      ['gun_down', pid, _, _, _],
      ['gun_inform', pid, _, _, _],
      ['gun_response', pid, _, _, _, _],
      ['gun_data', pid, _, _, _],
      ['gun_trailers', pid, _, _],
      ['gun_upgrade', pid, _, _, _],
      ['gun_ws', pid, _, _],
      ['gun_error', pid, _, _],
      ['gun_error', pid, _],
      // The classic dialect's.
      ['gun_ws_upgrade', pid, _],
      ['gun_ws_upgrade', pid, _, _, _, _],
      ['gun_ws', pid, _],
      ['gun_data', pid, _, _],
      ['DOWN', _, 'process', pid, _],
    ];
  } else if (pidOrRef instanceof Ref) {
    const ref = pidOrRef;
    patterns = [
      ['gun_inform', _, ref, _, _],
      ['gun_response', _, ref, _, _, _],
      ['gun_data', _, ref, _, _],
      ['gun_trailers', _, ref, _],
      ['gun_upgrade', _, ref, _, _],
      ['gun_ws', _, ref, _],
      ['gun_error', _, ref, _],
    ];
  } else {
    throw new BadArgError(
      'flush',
      'pidOrRef',
      `expected a connection's pid or a stream ref, got ${describe(pidOrRef)}`,
    );
  }
  const none = Symbol('none');
  while (receiveNow(patterns, none) !== none);
}
