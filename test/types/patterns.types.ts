/**
 * Type test (checked by tsc, never run; see README.md): a message received
 * with `_` in a payload's place has an `unknown` there, so it is not a
 * dialect's message; with `gun.anyFrame`, `gun.anyHeaders`, `gun.anyIsFin`
 * in those places it is.
 */
import * as gun from '../../src/gun/index.js';
import { _, anyBuffer, anyNumber, on, receive } from '../../src/runtime/index.js';

export async function classic(conn: gun.ConnPid): Promise<void> {
  // @ts-expect-error: with _ the frame is unknown, so this is no ClassicMessage
  const loose: gun.ClassicMessage = await receive([['gun_ws', conn, _]]);

  const m: gun.ClassicMessage = await receive([['gun_ws', conn, gun.anyFrame]]);
  const [, , frame] = await receive([['gun_ws', conn, gun.anyFrame]]);
  const f: gun.IncomingFrame = frame;

  const refused: gun.ClassicMessage = await receive([
    ['gun_ws_upgrade', conn, 'error', gun.anyIsFin, anyNumber, gun.anyHeaders],
  ]);
  const body: gun.ClassicMessage = await receive([['gun_data', conn, gun.anyIsFin, anyBuffer]]);

  // In a clause, the handler's argument is typed the same way.
  await receive([
    on(['gun_ws', conn, gun.anyFrame], ([, , fr]) => {
      // A frame narrows on its tag.
      if (fr !== 'close' && fr !== 'ping' && fr !== 'pong' && fr[0] === 'text') {
        const text: string = fr[1];
        void text;
      }
    }),
  ]);
  // @ts-expect-error: the IsFin place holds 'fin' or 'nofin', nothing else
  const isFin: 'done' = (await receive([['gun_data', conn, gun.anyIsFin, anyBuffer]]))[2];
  void loose;
  void m;
  void f;
  void refused;
  void body;
  void isFin;
}

export async function gun2(conn: gun.ConnPid, ref: gun.StreamRef): Promise<void> {
  // @ts-expect-error: with _ the frame is unknown, so this is no Gun2Message
  const loose: gun.Gun2Message = await receive([['gun_ws', conn, ref, _]]);

  const m: gun.Gun2Message = await receive([['gun_ws', conn, ref, gun.anyFrame]]);
  const up: gun.Gun2Message = await receive([['gun_upgrade', conn, ref, ['websocket'], gun.anyHeaders]]);
  const res: gun.Gun2Message = await receive([['gun_response', conn, ref, gun.anyIsFin, anyNumber, gun.anyHeaders]]);
  void loose;
  void m;
  void up;
  void res;
}
