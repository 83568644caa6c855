import { BadArgError } from './errors.js';
import { remoteNameOf } from './external.js';
import type { Pid } from './ids.js';
import { node } from './info.js';
import { whereis } from './registry.js';
import { describe } from './validate.js';

/**
 * Where `[name, node]` leads, as Erlang's `{Name, Node}` destination: on
 * this node, the process registered as `name` (or undefined); on another
 * node, a destination that `send`, `monitor` and beamish/otp's `call` take
 * (beamish/distribution's `remoteName`); undefined when this node is not
 * distributed (see beamish/distribution's `startNode`).
 *
 * ```ts
 * const dest = nameAt('counter', 'erl@127.0.0.1');
 * if (dest !== undefined) send(dest, ['get', self()]); // {counter, 'erl@127.0.0.1'} ! {get, self()}
 * ```
 */
export function nameAt(name: string, nodeName: string): Pid | undefined {
  if (typeof name !== 'string' || name.length === 0)
    throw new BadArgError('nameAt', 'name', `expected a non-empty string, got ${describe(name)}`);
  if (typeof nodeName !== 'string' || nodeName.length === 0)
    throw new BadArgError('nameAt', 'node', `expected a node name, got ${describe(nodeName)}`);
  if (nodeName === node()) return whereis(name);
  return remoteNameOf(name, nodeName);
}
