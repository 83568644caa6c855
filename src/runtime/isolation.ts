import { BadArgError } from './errors.js';
import { Pid, Ref } from './ids.js';

/**
 * Message isolation. Erlang copies every message into the receiver's heap,
 * so a receiver can never see the sender change it. beamish passes messages
 * by reference, which is what makes it fast; while debugging, set
 * `configure({ messages: 'freeze' })` to deep-freeze each message on send (a
 * later write to it throws in strict mode) or `'clone'` to send a deep copy.
 */
export type MessageMode = 'shared' | 'freeze' | 'clone';

let mode: MessageMode = 'shared';

/** The runtime-wide options `configure` sets. */
export interface RuntimeOptions {
  /** How messages travel: by reference (default), frozen, or cloned. */
  readonly messages?: MessageMode;
}

/**
 * Sets runtime-wide options; returns the options that were in force, so
 * they can be put back. Options left out keep their value.
 *
 * @example
 * ```ts
 * const before = configure({ messages: 'freeze' }); // { messages: 'shared' }
 * const msg = { n: 1 };
 * send(self(), msg);
 * try {
 *   msg.n = 2; // throws: a sent message is frozen now, as an Erlang message cannot change
 * } catch (err) {
 *   console.log(err instanceof TypeError); // true
 * }
 * configure(before);
 * ```
 */
export function configure(options: RuntimeOptions): Required<RuntimeOptions> {
  const previous = { messages: mode };
  if (typeof options !== 'object' || options === null) {
    throw new BadArgError('configure', 'options', 'expected an options object');
  }
  if (options.messages !== undefined) {
    if (options.messages !== 'shared' && options.messages !== 'freeze' && options.messages !== 'clone') {
      throw new BadArgError('configure', 'messages', "expected 'shared', 'freeze' or 'clone'");
    }
    mode = options.messages;
  }
  return previous;
}

/** The message as it should travel under the current mode. */
export function isolate(message: unknown): unknown {
  if (mode === 'shared') return message;
  return mode === 'freeze' ? deepFreeze(message) : deepClone(message);
}

function deepFreeze(value: unknown): unknown {
  // Typed arrays (Buffers) cannot be frozen; pids and refs are immutable already.
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (value instanceof Pid || value instanceof Ref || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return value;
}

/**
 * Copies arrays, plain objects, Buffers, Maps, Sets and Dates. Pids and refs
 * keep their identity (they are names, not data); other class instances are
 * passed as they are, since there is no general way to copy them.
 */
function deepClone(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(deepClone);
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [deepClone(k), deepClone(v)]));
  if (value instanceof Set) return new Set([...value].map(deepClone));
  if (value instanceof Date) return new Date(value.getTime());
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const key of Object.keys(value)) copy[key] = deepClone((value as Record<string, unknown>)[key]);
  return copy;
}
