/**
 * beamish/gun: Gun, Erlang's WebSocket client, on beamish processes.
 * See docs/gun.md.
 */
export { type ConnPid, close, open, shutdown, updateFlow, wsSend, wsUpgrade } from './api.js';
export type { ClassicMessage } from './dialect.js';
export { formatGunMessage } from './format.js';
export type { IncomingFrame, OutgoingFrame, Payload } from './frames.js';
export type { Headers, HeadersInput } from './headers.js';
export type { Dialect, OpenOptions, WsOptions } from './options.js';
