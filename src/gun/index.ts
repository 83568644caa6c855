/**
 * beamish/gun: Gun, Erlang's HTTP and WebSocket client, on beamish processes.
 * See docs/gun.md (the guide) and docs/porting.md (from Gun 2).
 *
 * @packageDocumentation
 */
export {
  type AwaitUpResult,
  awaitUp,
  close,
  info,
  open,
  ping,
  setOwner,
  shutdown,
  streamInfo,
} from './api/connection.js';
export { flush } from './api/flush.js';
// Everything of the HTTP family, `await` and `delete` included: names that
// are reserved words can be re-exported by `export *` alone (esbuild, which
// tsx runs on, refuses them in an export list).
export * from './api/http.js';
export type { ConnPid, StreamRef } from './api/ids.js';
export { anyFrame, anyHeaders, anyIsFin } from './api/patterns.js';
export { updateFlow, wsSend, wsUpgrade } from './api/ws.js';
export type { Call, ConnectionInfo, ConnectionMessage, Control, StreamInfo } from './connection.js';
export {
  type ClassicGunData,
  type ClassicGunError,
  type ClassicGunWs,
  type ClassicGunWsUpgrade,
  type ClassicMessage,
  type DialectName,
  formatFrame,
  formatGunMessage,
  type Gun2Message,
  type GunData,
  type GunDown,
  type GunError,
  type GunInform,
  type GunNotify,
  type GunPush,
  type GunResponse,
  type GunTrailers,
  type GunUp,
  type GunUpgrade,
  type GunWs,
  type StateName,
} from './dialects/index.js';
export type { IncomingFrame, OutgoingFrame, Payload, WireFrame } from './frames.js';
export type { Headers, HeadersInput } from './headers.js';
export type { Http2Options, HttpOptions, OpenOptions, ProtocolChoice, RequestOpts, WsOptions } from './options.js';
export type { IsFin, ProtocolName, RequestOptions } from './protocols/protocol.js';
