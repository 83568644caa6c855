/**
 * Type test (checked by tsc, never run; see README.md): `wsUpgrade` returns
 * the upgrade's stream ref, typed `StreamRef`, in both dialects. In gun2 it
 * names the WebSocket in every message and call; in classic the messages
 * name no stream, but the calls take it (see wsUpgrade's doc comment). It is
 * never `void`: what `const ref = gun.wsUpgrade(...)` holds can be used.
 */
import * as gun from '../../src/gun/index.js';
import { _, makeRef, type Ref, receive } from '../../src/runtime/index.js';

export async function gun2(): Promise<void> {
  const conn = gun.open('127.0.0.1', 8080, { dialect: 'gun2' });
  const ref: gun.StreamRef = gun.wsUpgrade(conn, '/websocket');
  await receive([['gun_upgrade', conn, ref, ['websocket'], _]], 1000);
  gun.wsSend(conn, ref, ['text', 'Hello!']);
  gun.updateFlow(conn, ref, 1);
  await gun.streamInfo(conn, ref);
  gun.flush(ref);
  const next = await gun.await(conn, ref);
  void next;
}

export function classic(): void {
  const conn = gun.open('127.0.0.1', 8080);
  // The seed's way: ignore it.
  gun.wsUpgrade(conn, '/websocket');
  gun.wsSend(conn, ['text', 'Hello!']);
  // Or keep it: the calls take it in the classic dialect too.
  const ref = gun.wsUpgrade(conn, '/websocket');
  gun.wsSend(conn, ref, ['text', 'Hello!']);
  gun.flush(ref);
}

export function notVoid(conn: gun.ConnPid): void {
  // @ts-expect-error: wsUpgrade's result is a ref, not undefined (it was void once)
  const none: undefined = gun.wsUpgrade(conn, '/websocket');
  // A StreamRef is a Ref (an alias that says what the ref is for): any ref
  // is taken where a stream ref is, and a stream ref where a ref is.
  const asRef: Ref = gun.wsUpgrade(conn, '/websocket');
  const made: gun.StreamRef = makeRef();
  // HTTP requests return the same kind of ref.
  const req: gun.StreamRef = gun.get(conn, '/');
  void none;
  void asRef;
  void made;
  void req;
}
