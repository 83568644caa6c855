/**
 * Type test (checked by tsc, never run; see README.md): `send` to a typed
 * pid checks the message against the pid's type; a registered name, an
 * alias and a plain `Pid` take any message. Which error a bad message gets
 * (the message's, not the name overload's) is checked by
 * diagnostics.test.ts.
 */
import { alias, type Pid, send } from '../../src/runtime/index.js';

type ChatMsg = ['say', string] | ['leave'];

export function typedPids(chat: Pid<ChatMsg>): void {
  send(chat, ['say', 'hello']);
  send(chat, ['leave']);
  const sent: ChatMsg = send(chat, ['say', 'x']);
  // @ts-expect-error: a typo in the tag
  send(chat, ['sya', 'x']);
  // @ts-expect-error: the right tag, the wrong payload
  send(chat, ['say', 42]);
  // @ts-expect-error: not a ChatMsg at all
  send(chat, 'hello');
  void sent;
}

export function anythingGoes(someone: Pid): void {
  send(someone, ['sya', 'x']);
  send('chat_room', ['sya', 'x']);
  send(alias(), ['sya', 'x']);
  // Sent to a name, the message keeps its own type.
  const sent: readonly ['sya', string] = send('chat_room', ['sya', 'x'] as const);
  void sent;
}
