import { _, Pid, receive, send, spawn } from '../runtime/index.js';
import { AliasTag } from './codec.js';

/**
 * The `net_kernel` of a beamish node: the one call of Erlang's net_kernel
 * that other nodes make of ours. `net_adm:ping(Node)` is
 * `gen:call({net_kernel, Node}, '$gen_call', {is_auth, node()})`, and a node
 * that does not answer `yes` is `pang`. Being a registered process, it is
 * also there for the monitor that call takes by name. Other requests go
 * unanswered (the caller's call times out), as they would to a server that
 * does not know them.
 */

/**
 * Starts the process, registered as `'net_kernel'`.
 *
 * @example
 * const kernel = startNetKernel(); // then, from erl: net_adm:ping('beamish@127.0.0.1') -> pong
 */
export function startNetKernel(): Pid {
  return spawn(serve, { name: 'net_kernel' });
}

async function serve(): Promise<void> {
  for (;;) {
    const message = await receive([_]);
    if (!Array.isArray(message) || message.length !== 3 || message[0] !== '$gen_call') continue;
    const [, from, request] = message as [string, unknown, unknown];
    if (!Array.isArray(from) || from.length !== 2) continue;
    if (Array.isArray(request) && request.length === 2 && request[0] === 'is_auth') reply(from, 'yes');
  }
}

/**
 * `gen:reply/2`: to the alias when the tag is `[alias | Ref]`, else to the
 * caller's pid, as `{Tag, Reply}`.
 */
function reply(from: readonly unknown[], value: unknown): void {
  const [pid, tag] = from;
  if (tag instanceof AliasTag) send(tag, [tag, value]);
  else if (pid instanceof Pid) send(pid, [tag, value]);
}
