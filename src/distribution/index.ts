/**
 * beamish/distribution: a beamish node in an Erlang cluster.
 * See docs/distribution.md for the guide, the term mapping and the limits.
 *
 * @example
 * ```ts
 * import { remoteName, startNode } from 'beamish/distribution';
 * import { receive, self, send } from 'beamish/runtime';
 *
 * await startNode('beamish@127.0.0.1', { cookie: 'secret' }); // erl -name beamish@127.0.0.1 -setcookie secret
 * send(remoteName('echo', 'erl@127.0.0.1'), [self(), 'hello']); // {echo, 'erl@127.0.0.1'} ! {self(), hello}
 * console.log(await receive([['echo', 'hello']], 5000));
 * ```
 *
 * @packageDocumentation
 */
export { RemoteName, RemotePid, RemoteRef } from '../runtime/external.js';
export { node } from '../runtime/index.js';
export type { Channel, ChannelHandlers, PeerInfo } from './channel.js';
export { AliasTag } from './codec.js';
export { CookieError, type CookieErrorCode, type CookieOptions, findCookie, randomCookie } from './cookie.js';
export {
  defaultEpmdPort,
  EpmdError,
  type EpmdErrorCode,
  type EpmdNodeInfo,
  type EpmdOptions,
  type EpmdRegistration,
  ensureEpmd,
  listNodes,
  lookupNode,
  registerNode,
} from './epmd.js';
export {
  BitBinary,
  charlist,
  type DecodeOptions,
  decodeTerm,
  decodeTermAt,
  type EncodeOptions,
  ErlangFloat,
  ErlangFun,
  ErlangList,
  EtfDecodeError,
  type EtfDecodeReason,
  EtfEncodeError,
  ExternalPid,
  ExternalPort,
  ExternalRef,
  encodeTerm,
  encodeTermBody,
  ImproperList,
} from './etf/index.js';
export { ADVERTISED_FLAGS, DFLAG_PUBLISHED, flagNames, REQUIRED_FLAGS } from './flags.js';
export { type FramedCloseReason, FramedSocket, type FramedSocketOptions } from './framed-socket.js';
export {
  type AcceptOptions,
  type AcceptStatus,
  acceptHandshake,
  connectNode,
  HandshakeError,
  type HandshakeErrorCode,
  type HandshakeResult,
  type HandshakeStep,
  type InitiateOptions,
  initiateHandshake,
} from './handshake.js';
export {
  disconnectNode,
  monitorNode,
  type NodeInfo,
  type NodesKind,
  nodeOf,
  nodes,
  remoteName,
  type StartNodeOptions,
  startNode,
  stopNode,
} from './node.js';
export { type NodeName, parseNodeName, randomNodeName } from './node-name.js';
