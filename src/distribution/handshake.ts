import { createHash, randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { BadArgError } from '../runtime/errors.js';
import { checkCookie } from './cookie.js';
import { type EpmdOptions, lookupNode } from './epmd.js';
import {
  ADVERTISED_FLAGS,
  DFLAG_NAME_ME,
  DFLAG_PUBLISHED,
  expandFlags,
  missingFlags,
  REQUIRED_FLAGS,
} from './flags.js';
import { type NodeName, parseNodeName } from './node-name.js';

/**
 * The distribution handshake, version 6 (OTP 23; the only one OTP 25 and
 * later speak), both sides, as the "Distribution Protocol" manual describes
 * it and OTP's `dist_util.erl` does it:
 *
 * ```
 * initiator (A)                               acceptor (B)
 * send_name 'N' flags:64 creation:32 name  -->
 *                                         <--  send_status 's' "ok" | "nok" | "not_allowed" | "alive" ...
 *                                         <--  send_challenge 'N' flags:64 challenge:32 creation:32 name
 * send_challenge_reply 'r' chA:32 digest   -->   (digest = md5(cookie ++ decimal(challenge)))
 *                                         <--  send_challenge_ack 'a' digest
 * ```
 *
 * Every handshake message carries a 2-byte big-endian length. Each step has
 * its own deadline (`timeoutMs`, default 7000 ms, Erlang's `net_setuptime`),
 * so a handshake takes at most five of them. On success the socket is
 * handed back paused, with no listeners of ours, together with any bytes
 * that came after the last handshake message: give both to a FramedSocket
 * right away. On failure the socket is destroyed and a HandshakeError says
 * which step failed and why.
 *
 * One cookie serves every peer (Erlang can keep a cookie per node; that is
 * left to the caller, who picks the cookie before calling).
 */

/** The steps, named as in the manual and `dist_util.erl`. */
export type HandshakeStep =
  | 'connect'
  | 'send_name'
  | 'recv_name'
  | 'send_status'
  | 'recv_status'
  | 'send_challenge'
  | 'recv_challenge'
  | 'send_challenge_reply'
  | 'recv_challenge_reply'
  | 'send_challenge_ack'
  | 'recv_challenge_ack';

/**
 * Why a handshake failed:
 * - `bad_cookie`: a digest did not match (or the peer closed the connection
 *   instead of acknowledging our challenge reply, which is how an Erlang node
 *   refuses a wrong cookie);
 * - `not_allowed`, `nok`, `alive`: the status the acceptor sent (`alive`:
 *   a connection to that node is up already and was kept);
 * - `old_version`: the peer speaks version 5 only (OTP 22 or older, or a node
 *   that did not ask epmd which version we speak);
 * - `missing_flags`: the peer lacks capabilities we require;
 * - `wrong_node`: the node that answered is not the one we dialed;
 * - `no_such_node`: epmd on the peer's host does not know its name;
 * - `timeout`, `connection_closed`, `socket`, `protocol`: the transport, or a
 *   message that is not what the step expects.
 */
export type HandshakeErrorCode =
  | 'bad_cookie'
  | 'not_allowed'
  | 'nok'
  | 'alive'
  | 'old_version'
  | 'missing_flags'
  | 'wrong_node'
  | 'no_such_node'
  | 'timeout'
  | 'connection_closed'
  | 'socket'
  | 'protocol';

/**
 * A handshake that did not complete. The socket has been destroyed.
 *
 * @example
 * ```ts
 * try {
 *   await connectNode('erl@127.0.0.1', { name: 'beamish@127.0.0.1', cookie: 'not-erls', creation: 1 });
 * } catch (e) {
 *   if (e instanceof HandshakeError) console.error(e.code, e.step); // 'bad_cookie' 'recv_challenge_ack'
 *   // while erl logs: Connection attempt from node 'beamish@127.0.0.1' rejected. Invalid challenge reply.
 * }
 * ```
 */
export class HandshakeError extends Error {
  /** `'HandshakeError'`, for stack traces and logs. */
  override readonly name = 'HandshakeError';
  constructor(
    /** Why it failed, as a stable name to switch on. */
    readonly code: HandshakeErrorCode,
    /** The step that failed. */
    readonly step: HandshakeStep,
    /** The peer's node name, once known. */
    readonly peer: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What both sides need. */
export interface HandshakeOptions {
  /** Our full node name, `'beamish@localhost'`. */
  readonly name: string;
  /** The cookie both nodes must share. */
  readonly cookie: string;
  /** Our creation, from our epmd registration (ALIVE2_X_RESP); any 32-bit number but 0 (0 means "unknown" in pids). */
  readonly creation: number;
  /** A hidden node does not set DFLAG_PUBLISHED: Erlang lists it in `nodes(hidden)`, not `nodes()`, and `global` leaves it alone. */
  readonly hidden?: boolean;
  /** The capability flags we advertise (DFLAG_PUBLISHED is added unless hidden); default ADVERTISED_FLAGS. */
  readonly flags?: bigint;
  /** The flags a peer must have; default REQUIRED_FLAGS (what OTP 26 and 27 require). */
  readonly requiredFlags?: bigint;
  /** Deadline of each step, in ms; default 7000, Erlang's `net_setuptime`. */
  readonly timeoutMs?: number;
  /** Where refusals are reported, as Erlang's error logger reports them; default `console.error`. */
  readonly log?: (message: string) => void;
}

/** The initiator's options. */
export interface InitiateOptions extends HandshakeOptions {
  /** The full name of the node we dial; its challenge must come from that name. */
  readonly peer: string;
  /**
   * Asked when the acceptor answers `alive` (it holds a connection from a
   * node of our name): true to replace that connection, false to give up.
   * Default true: we are dialing, so the old connection is a dead one of ours.
   */
  readonly replaceAlive?: (peer: string) => boolean;
}

/** The status an acceptor can answer a `send_name` with. */
export type AcceptStatus = 'ok' | 'ok_simultaneous' | 'nok' | 'not_allowed' | 'alive';

/** The acceptor's options. */
export interface AcceptOptions extends HandshakeOptions {
  /**
   * The status for the node that asks to connect: 'ok' to go on; 'nok' when we
   * are dialing it ourselves and our name is greater (simultaneous connect);
   * 'alive' when a connection to it is up (the initiator then says whether to
   * replace it); 'not_allowed' to refuse. Default: always 'ok'.
   */
  readonly status?: (peer: string, peerFlags: bigint) => AcceptStatus;
}

/** A completed handshake. */
export interface HandshakeResult {
  /** The peer's full node name. */
  readonly peerName: string;
  /** The flags the peer advertised (DFLAG_MANDATORY_25_DIGEST expanded). */
  readonly peerFlags: bigint;
  /** The flags in use on the connection: ours and the peer's, both. */
  readonly flags: bigint;
  /** The peer's creation (it goes in the pids, ports and references it makes). */
  readonly peerCreation: number;
  /** Whether the peer is hidden (no DFLAG_PUBLISHED). */
  readonly peerHidden: boolean;
  /** The connection, paused, with none of the handshake's listeners left. */
  readonly socket: Socket;
  /** Bytes that came after the last handshake message: the start of the framed stream. */
  readonly leftover: Buffer;
}

/**
 * The digest of the manual: MD5 over the cookie's text followed by the
 * challenge in decimal (`dist_util:gen_digest/2`).
 *
 * @example
 * ```ts
 * import { digest } from './handshake.js';
 * digest(1234, 'secret'); // md5('secret1234'), 16 bytes
 * ```
 */
export function digest(challenge: number, cookie: string): Buffer {
  return createHash('md5')
    .update(Buffer.from(cookie + String(challenge >>> 0), 'latin1'))
    .digest();
}

/** A random 32-bit challenge. */
function newChallenge(): number {
  return randomBytes(4).readUInt32BE(0);
}

const TAG_NEW_NAME = 0x4e; // 'N'
const TAG_OLD_NAME = 0x6e; // 'n'
const TAG_STATUS = 0x73; // 's'
const TAG_CHALLENGE_REPLY = 0x72; // 'r'
const TAG_CHALLENGE_ACK = 0x61; // 'a'
const DEFAULT_TIMEOUT_MS = 7000;

interface Checked {
  readonly name: string;
  readonly cookie: string;
  readonly creation: number;
  readonly flags: bigint;
  readonly requiredFlags: bigint;
  readonly timeoutMs: number;
  readonly log: (message: string) => void;
}

function checkSocket(fn: string, socket: Socket): void {
  if (!(socket instanceof Socket)) throw new BadArgError(fn, 'socket', 'expected a net.Socket');
}

function check(fn: string, options: HandshakeOptions): Checked {
  if (typeof options !== 'object' || options === null) throw new BadArgError(fn, 'options', 'expected an object');
  const name = parseNodeName(options.name, fn, 'options.name').full;
  const cookie = checkCookie(options.cookie, fn, 'options.cookie');
  const creation = options.creation;
  if (!Number.isInteger(creation) || creation <= 0 || creation > 0xffffffff) {
    throw new BadArgError(fn, 'options.creation', `expected a 32-bit creation other than 0, got ${String(creation)}`);
  }
  const base = options.flags ?? ADVERTISED_FLAGS;
  if (typeof base !== 'bigint' || base < 0n || base >= 1n << 64n) {
    throw new BadArgError(fn, 'options.flags', 'expected a 64-bit bigint of DFLAG_* bits');
  }
  const requiredFlags = options.requiredFlags ?? REQUIRED_FLAGS;
  if (typeof requiredFlags !== 'bigint') throw new BadArgError(fn, 'options.requiredFlags', 'expected a bigint');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new BadArgError(fn, 'options.timeoutMs', `expected a positive number of ms, got ${String(timeoutMs)}`);
  }
  const flags = options.hidden === true ? base & ~DFLAG_PUBLISHED : base | DFLAG_PUBLISHED;
  return { name, cookie, creation, flags, requiredFlags, timeoutMs, log: options.log ?? ((m) => console.error(m)) };
}

/**
 * Reads 2-byte length-prefixed handshake messages off a socket, whatever
 * way the bytes are split, each read with a deadline.
 */
class HandshakeReader {
  private pending: Buffer = Buffer.alloc(0);
  private failure: { code: HandshakeErrorCode; detail: string; cause?: unknown } | undefined;
  private waiter: (() => void) | undefined;
  peer: string | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.waiter?.();
  };

  private readonly onEnd = (): void => {
    this.failure ??= { code: 'connection_closed', detail: 'the peer closed the connection' };
    this.waiter?.();
  };

  private readonly onError = (err: Error): void => {
    this.failure ??= { code: 'socket', detail: err.message, cause: err };
    this.waiter?.();
  };

  /** The next whole message, without its length. */
  read(step: HandshakeStep): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(this.error('timeout', step, `no message in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const attempt = (): void => {
        const message = this.take();
        if (message !== undefined) {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(message);
        } else if (this.failure !== undefined) {
          clearTimeout(timer);
          this.waiter = undefined;
          const { code, detail, cause } = this.failure;
          reject(this.error(code, step, detail, cause));
        }
      };
      this.waiter = attempt;
      attempt();
    });
  }

  private take(): Buffer | undefined {
    if (this.pending.length < 2) return undefined;
    const length = this.pending.readUInt16BE(0);
    if (this.pending.length < 2 + length) return undefined;
    const message = this.pending.subarray(2, 2 + length);
    this.pending = this.pending.subarray(2 + length);
    return message;
  }

  write(step: HandshakeStep, message: Buffer): void {
    if (this.failure !== undefined) {
      const { code, detail, cause } = this.failure;
      throw this.error(code, step, detail, cause);
    }
    const head = Buffer.alloc(2);
    head.writeUInt16BE(message.length);
    this.socket.write(Buffer.concat([head, message]));
  }

  error(code: HandshakeErrorCode, step: HandshakeStep, detail: string, cause?: unknown): HandshakeError {
    const who = this.peer === undefined ? 'handshake' : `handshake with ${this.peer}`;
    return new HandshakeError(code, step, this.peer, `${who} failed at ${step}: ${detail}`, { cause });
  }

  /**
   * The end of a handshake that succeeded, on either side: detaches from
   * the socket (paused) and says what was agreed.
   */
  finish(peer: string, peerFlags: bigint, ourFlags: bigint, peerCreation: number): HandshakeResult {
    const leftover = this.release();
    return {
      peerName: peer,
      peerFlags,
      flags: ourFlags & peerFlags,
      peerCreation,
      peerHidden: (peerFlags & DFLAG_PUBLISHED) === 0n,
      socket: this.socket,
      leftover,
    };
  }

  /** Detaches from the socket, leaving it paused; returns the bytes read past the last message. */
  release(): Buffer {
    this.socket.pause();
    this.detach();
    return this.pending;
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
  }

  /** Ends the connection after a failure; late socket errors are swallowed. */
  abort(): void {
    this.detach();
    this.socket.on('error', () => undefined);
    this.socket.destroy();
  }
}

function nameMessage(flags: bigint, creation: number, name: string): Buffer {
  const nameBytes = Buffer.from(name, 'latin1');
  const message = Buffer.alloc(15 + nameBytes.length);
  message.writeUInt8(TAG_NEW_NAME, 0);
  message.writeBigUInt64BE(flags, 1);
  message.writeUInt32BE(creation, 9);
  message.writeUInt16BE(nameBytes.length, 13);
  nameBytes.copy(message, 15);
  return message;
}

function challengeMessage(flags: bigint, challenge: number, creation: number, name: string): Buffer {
  const nameBytes = Buffer.from(name, 'latin1');
  const message = Buffer.alloc(19 + nameBytes.length);
  message.writeUInt8(TAG_NEW_NAME, 0);
  message.writeBigUInt64BE(flags, 1);
  message.writeUInt32BE(challenge, 9);
  message.writeUInt32BE(creation, 13);
  message.writeUInt16BE(nameBytes.length, 17);
  nameBytes.copy(message, 19);
  return message;
}

function statusMessage(status: string): Buffer {
  return Buffer.concat([Buffer.of(TAG_STATUS), Buffer.from(status, 'latin1')]);
}

const VERSION_5_DETAIL =
  'the peer speaks distribution protocol version 5 only (OTP 22 or older, or a node that did not ask epmd for our version); beamish speaks version 6 (OTP 23 and later)';

/**
 * Runs the initiator's side (node A) on a connected (or connecting) socket:
 * send_name, recv_status, recv_challenge, send_challenge_reply,
 * recv_challenge_ack.
 *
 * @example
 * ```ts
 * const info = await lookupNode('erl'); // where erl@127.0.0.1 listens
 * if (info === undefined) throw new Error('erl@127.0.0.1 is not running');
 * const socket = net.connect(info.port, '127.0.0.1');
 * const hs = await initiateHandshake(socket, {
 *   name: 'beamish@127.0.0.1', // us
 *   peer: 'erl@127.0.0.1',
 *   cookie: 'secret',
 *   creation: 1, // ours, from registerNode
 * });
 * hs.peerHidden; // false for an ordinary erl node
 * const conn = new FramedSocket(hs.socket, {
 *   leftover: hs.leftover,
 *   onPacket: (packet) => console.log(packet.length),
 *   onClose: (reason) => console.log(reason),
 * });
 * ```
 */
export function initiateHandshake(socket: Socket, options: InitiateOptions): Promise<HandshakeResult> {
  checkSocket('initiateHandshake', socket);
  const ours = check('initiateHandshake', options);
  const peer = parseNodeName(options.peer, 'initiateHandshake', 'options.peer').full;
  return initiate(socket, ours, peer, options.replaceAlive);
}

async function initiate(
  socket: Socket,
  ours: Checked,
  peer: string,
  replaceAlive: ((peer: string) => boolean) | undefined,
): Promise<HandshakeResult> {
  const reader = new HandshakeReader(socket, ours.timeoutMs);
  reader.peer = peer;
  try {
    reader.write('send_name', nameMessage(ours.flags, ours.creation, ours.name));

    const status = (await reader.read('recv_status')).toString('latin1');
    if (status[0] !== 's')
      throw reader.error('protocol', 'recv_status', `expected a status message, got tag ${status.charCodeAt(0)}`);
    switch (status.slice(1)) {
      case 'ok':
      case 'ok_simultaneous':
        break;
      case 'nok':
        throw reader.error(
          'nok',
          'recv_status',
          `${peer} is connecting to us at the same time and its attempt wins (nok)`,
        );
      case 'not_allowed':
        throw reader.error('not_allowed', 'recv_status', `${peer} does not allow us to connect (not_allowed)`);
      case 'alive': {
        const replace = replaceAlive?.(peer) ?? true;
        reader.write('recv_status', statusMessage(replace ? 'true' : 'false'));
        if (!replace)
          throw reader.error('alive', 'recv_status', `${peer} already has a connection from a node named ${ours.name}`);
        break;
      }
      default:
        throw reader.error('protocol', 'recv_status', `unexpected status '${status.slice(1, 40)}'`);
    }

    const challenge = await reader.read('recv_challenge');
    if (challenge[0] === TAG_OLD_NAME) throw reader.error('old_version', 'recv_challenge', VERSION_5_DETAIL);
    if (challenge[0] !== TAG_NEW_NAME || challenge.length < 19) {
      throw reader.error(
        'protocol',
        'recv_challenge',
        `malformed challenge (${challenge.length} bytes, tag ${challenge[0]})`,
      );
    }
    const peerFlags = expandFlags(challenge.readBigUInt64BE(1));
    const challengeA = challenge.readUInt32BE(9);
    const peerCreation = challenge.readUInt32BE(13);
    const nameLength = challenge.readUInt16BE(17);
    if (challenge.length < 19 + nameLength) throw reader.error('protocol', 'recv_challenge', 'truncated node name');
    const challengerName = challenge.toString('latin1', 19, 19 + nameLength); // bytes past the name are ignored, as the manual asks
    if (challengerName !== peer) {
      throw reader.error('wrong_node', 'recv_challenge', `we dialed ${peer} but ${challengerName} answered`);
    }
    const missing = missingFlags(peerFlags, ours.requiredFlags);
    if (missing.length > 0) {
      ours.log(
        `** ${ours.name}: Connection attempt to node ${peer} aborted since it cannot handle ${missing.join(', ')}.**`,
      );
      throw reader.error('missing_flags', 'recv_challenge', `${peer} cannot handle ${missing.join(', ')}`);
    }

    const challengeB = newChallenge();
    const reply = Buffer.alloc(21);
    reply.writeUInt8(TAG_CHALLENGE_REPLY, 0);
    reply.writeUInt32BE(challengeB, 1);
    digest(challengeA, ours.cookie).copy(reply, 5);
    reader.write('send_challenge_reply', reply);

    let ack: Buffer;
    try {
      ack = await reader.read('recv_challenge_ack');
    } catch (err) {
      if (err instanceof HandshakeError && err.code === 'connection_closed') {
        // An Erlang node that finds our digest wrong logs "Invalid challenge
        // reply" and closes the connection: that is all we get to see.
        throw reader.error(
          'bad_cookie',
          'recv_challenge_ack',
          `${peer} closed the connection instead of acknowledging our challenge reply: it found our digest wrong, so its cookie is not ours`,
        );
      }
      throw err;
    }
    if (ack[0] !== TAG_CHALLENGE_ACK || ack.length !== 17) {
      throw reader.error(
        'protocol',
        'recv_challenge_ack',
        `malformed challenge ack (${ack.length} bytes, tag ${ack[0]})`,
      );
    }
    if (!ack.subarray(1).equals(digest(challengeB, ours.cookie))) {
      ours.log(`** Connection attempt to node ${peer} cancelled. Invalid challenge ack. **`);
      throw reader.error(
        'bad_cookie',
        'recv_challenge_ack',
        `the digest in ${peer}'s challenge ack is wrong: its cookie is not ours`,
      );
    }
    return reader.finish(peer, peerFlags, ours.flags, peerCreation);
  } catch (err) {
    reader.abort();
    throw err;
  }
}

/**
 * Runs the acceptor's side (node B) on a socket a server accepted:
 * recv_name, send_status, send_challenge, recv_challenge_reply,
 * send_challenge_ack. A wrong digest is refused and logged as Erlang logs it
 * ("Connection attempt from node X rejected. Invalid challenge reply.").
 *
 * @example
 * ```ts
 * const server = net.createServer((socket) => {
 *   acceptHandshake(socket, { name: 'beamish@127.0.0.1', cookie: 'secret', creation: 1 }).then(
 *     (hs) => {
 *       console.log(`${hs.peerName} connected`); // after erl's net_adm:ping('beamish@127.0.0.1')
 *       new FramedSocket(hs.socket, { leftover: hs.leftover, onPacket: () => {}, onClose: () => {} });
 *     },
 *     (e: HandshakeError) => console.error(e.code), // 'bad_cookie' for a node with another cookie
 *   );
 * });
 * server.listen(4370, '127.0.0.1');
 * await registerNode('beamish', 4370); // so that other nodes find port 4370
 * ```
 */
export function acceptHandshake(socket: Socket, options: AcceptOptions): Promise<HandshakeResult> {
  checkSocket('acceptHandshake', socket);
  return accept(socket, check('acceptHandshake', options), options.status);
}

async function accept(
  socket: Socket,
  ours: Checked,
  decide: ((peer: string, peerFlags: bigint) => AcceptStatus) | undefined,
): Promise<HandshakeResult> {
  const reader = new HandshakeReader(socket, ours.timeoutMs);
  try {
    const name = await reader.read('recv_name');
    if (name[0] === TAG_OLD_NAME) {
      if (name.length > 7) reader.peer = name.toString('latin1', 7);
      reader.write('send_status', statusMessage('not_allowed'));
      ours.log(`** Connection attempt from node ${reader.peer ?? '?'} rejected: ${VERSION_5_DETAIL} **`);
      throw reader.error('old_version', 'recv_name', VERSION_5_DETAIL);
    }
    if (name[0] !== TAG_NEW_NAME || name.length < 15) {
      throw reader.error('protocol', 'recv_name', `malformed name message (${name.length} bytes, tag ${name[0]})`);
    }
    const rawFlags = name.readBigUInt64BE(1);
    const peerFlags = expandFlags(rawFlags);
    const peerCreation = name.readUInt32BE(9);
    const nameLength = name.readUInt16BE(13);
    if (name.length < 15 + nameLength) throw reader.error('protocol', 'recv_name', 'truncated node name');
    const peer = name.toString('latin1', 15, 15 + nameLength);
    if ((rawFlags & DFLAG_NAME_ME) !== 0n) {
      reader.write('send_status', statusMessage('not_allowed'));
      throw reader.error(
        'not_allowed',
        'recv_name',
        `host ${peer} asks to be given a name (DFLAG_NAME_ME); beamish does not name nodes`,
      );
    }
    try {
      parseNodeName(peer);
    } catch {
      throw reader.error('protocol', 'recv_name', `'${peer}' is not a node name`);
    }
    reader.peer = peer;
    const missing = missingFlags(peerFlags, ours.requiredFlags);
    if (missing.length > 0) {
      reader.write('send_status', statusMessage('not_allowed'));
      ours.log(
        `** ${ours.name}: Connection attempt from node ${peer} rejected since it cannot handle ${missing.join(', ')}.**`,
      );
      throw reader.error('missing_flags', 'recv_name', `${peer} cannot handle ${missing.join(', ')}`);
    }

    const status = decide?.(peer, peerFlags) ?? 'ok';
    reader.write('send_status', statusMessage(status));
    if (status === 'nok' || status === 'not_allowed') {
      throw reader.error(status, 'send_status', `we answered ${status}`);
    }
    if (status === 'alive') {
      const answer = (await reader.read('send_status')).toString('latin1');
      if (answer === 'sfalse') throw reader.error('alive', 'send_status', `${peer} chose to keep its old connection`);
      if (answer !== 'strue')
        throw reader.error('protocol', 'send_status', `expected 'true' or 'false', got '${answer.slice(0, 40)}'`);
    }

    const challengeA = newChallenge();
    reader.write('send_challenge', challengeMessage(ours.flags, challengeA, ours.creation, ours.name));

    const reply = await reader.read('recv_challenge_reply');
    if (reply[0] !== TAG_CHALLENGE_REPLY || reply.length !== 21) {
      throw reader.error(
        'protocol',
        'recv_challenge_reply',
        `malformed challenge reply (${reply.length} bytes, tag ${reply[0]})`,
      );
    }
    const challengeB = reply.readUInt32BE(1);
    if (!reply.subarray(5).equals(digest(challengeA, ours.cookie))) {
      ours.log(`** Connection attempt from node ${peer} rejected. Invalid challenge reply. **`);
      throw reader.error(
        'bad_cookie',
        'recv_challenge_reply',
        `the digest in ${peer}'s challenge reply is wrong: its cookie is not ours`,
      );
    }
    const ack = Buffer.alloc(17);
    ack.writeUInt8(TAG_CHALLENGE_ACK, 0);
    digest(challengeB, ours.cookie).copy(ack, 1);
    reader.write('send_challenge_ack', ack);
    return reader.finish(peer, peerFlags, ours.flags, peerCreation);
  } catch (err) {
    reader.abort();
    throw err;
  }
}

/**
 * Dials a node by name: asks epmd on the node's host for its port
 * (PORT_PLEASE2_REQ), connects, and runs the initiator's handshake.
 * `epmd` options say where epmd listens (its host defaults to the node's).
 *
 * @example
 * ```ts
 * const hs = await connectNode('erl@127.0.0.1', { name: 'beamish@127.0.0.1', cookie: 'secret', creation: 1 });
 * hs.peerName; // 'erl@127.0.0.1'; give hs.socket and hs.leftover to a FramedSocket
 * ```
 */
export function connectNode(
  peer: string,
  options: Omit<InitiateOptions, 'peer'> & { readonly epmd?: EpmdOptions },
): Promise<HandshakeResult> {
  const target = parseNodeName(peer, 'connectNode', 'peer');
  // Checks the options before anything goes on the network.
  check('connectNode', options);
  return dial(target, options);
}

async function dial(
  target: NodeName,
  options: Omit<InitiateOptions, 'peer'> & { readonly epmd?: EpmdOptions },
): Promise<HandshakeResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fail = (code: HandshakeErrorCode, detail: string, cause?: unknown): HandshakeError =>
    new HandshakeError(code, 'connect', target.full, `connecting to ${target.full} failed: ${detail}`, { cause });
  const info = await lookupNode(target.alive, { host: target.host, timeoutMs, ...options.epmd });
  if (info === undefined) {
    throw fail('no_such_node', `epmd on ${options.epmd?.host ?? target.host} has no node named '${target.alive}'`);
  }
  if (info.highestVersion < 6) throw fail('old_version', VERSION_5_DETAIL);
  const socket = connect({ host: target.host, port: info.port });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(fail('timeout', `no TCP connection to ${target.host}:${info.port} in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve();
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(fail('socket', `${target.host}:${info.port}: ${err.message}`, err));
    };
    socket.once('error', onError);
  });
  return initiateHandshake(socket, { ...options, peer: target.full });
}
