import { guard, type Matcher } from '../../runtime/index.js';
import type { IncomingFrame } from '../frames.js';
import type { Headers } from '../headers.js';
import type { IsFin } from '../protocols/protocol.js';

/**
 * Typed pattern elements for Gun's messages. `_` matches anything, so
 * `receive([['gun_ws', conn, _]])` gives `['gun_ws', ConnPid, unknown]`;
 * put one of these where the message holds a frame, headers or an IsFin,
 * and the message comes out typed as the dialect's message:
 *
 * ```ts
 * const m: gun.ClassicMessage = await receive([['gun_ws', conn, gun.anyFrame]]);
 * const [, , , frame] = await receive([['gun_ws', conn, ref, gun.anyFrame]]); // gun2: frame is an IncomingFrame
 * ```
 *
 * Each checks what it claims (a value the connection did not send that way
 * does not match, and stays queued), so the types hold. The check runs only
 * for a message whose tag and pid already matched, and costs a few typeofs
 * (a header list: one per pair).
 */

/**
 * Matches a frame as the connection delivers it (an `IncomingFrame`):
 * `'close'`, `'ping'`, `'pong'`, `['text', string]`, `['binary', Buffer]`,
 * `['close', code, reason]`, `['ping', Buffer]`, `['pong', Buffer]`.
 *
 * @example
 * ```ts
 * await receive([on(['gun_ws', conn, gun.anyFrame], ([, , frame]) => handleFrame(conn, frame))]);
 * ```
 */
export const anyFrame: Matcher<IncomingFrame> = guard(function anyFrame(v: unknown): v is IncomingFrame {
  if (typeof v === 'string') return v === 'close' || v === 'ping' || v === 'pong';
  if (!Array.isArray(v)) return false;
  switch (v[0]) {
    case 'text':
      return v.length === 2 && typeof v[1] === 'string';
    case 'binary':
    case 'ping':
    case 'pong':
      return v.length === 2 && Buffer.isBuffer(v[1]);
    case 'close':
      return v.length === 3 && typeof v[1] === 'number' && typeof v[2] === 'string';
    default:
      return false;
  }
});

/**
 * Matches headers as Gun's messages carry them: a list of `[name, value]`
 * string pairs.
 *
 * @example
 * ```ts
 * const [, , , , status, headers] = await receive([['gun_ws_upgrade', conn, 'error', gun.anyIsFin, anyNumber, gun.anyHeaders]]);
 * ```
 */
export const anyHeaders: Matcher<Headers> = guard(function anyHeaders(v: unknown): v is Headers {
  if (!Array.isArray(v)) return false;
  for (const pair of v) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string')
      return false;
  }
  return true;
});

/**
 * Matches `'fin'` or `'nofin'`: whether a response, its data or an
 * upgrade's refusal is the last message of its stream.
 *
 * @example
 * ```ts
 * const [, , isFin, data] = await receive([['gun_data', conn, gun.anyIsFin, anyBuffer]]); // classic
 * ```
 */
export const anyIsFin: Matcher<IsFin> = guard(function anyIsFin(v: unknown): v is IsFin {
  return v === 'fin' || v === 'nofin';
});
