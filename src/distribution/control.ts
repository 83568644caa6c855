/**
 * The operation codes of distribution control messages, the first element of
 * each control tuple, as the "Distribution Protocol" manual numbers them
 * (OTP 25's `dist.h`). The tuples' shapes are written beside each code; a
 * `_TT` form carries a sequential trace token, which beamish reads past.
 */

/** `{1, FromPid, ToPid}`: make a link. */
export const LINK = 1;
/** `{2, Unused, ToPid}`, then the message. */
export const SEND = 2;
/** `{3, FromPid, ToPid, Reason}`: a link broke (the sender died). */
export const EXIT = 3;
/** `{4, FromPid, ToPid}`: the old unlink, gone in OTP 26 (read, never sent). */
export const UNLINK = 4;
/** `{5}` */
export const NODE_LINK = 5;
/** `{6, FromPid, Unused, ToName}`, then the message. */
export const REG_SEND = 6;
/** `{7, FromPid, ToPid}` */
export const GROUP_LEADER = 7;
/** `{8, FromPid, ToPid, Reason}`: `exit(Pid, Reason)`. */
export const EXIT2 = 8;
/** `{12, Unused, ToPid, Token}`, then the message. */
export const SEND_TT = 12;
/** `{13, FromPid, ToPid, Token, Reason}` */
export const EXIT_TT = 13;
/** `{16, FromPid, Unused, ToName, Token}`, then the message. */
export const REG_SEND_TT = 16;
/** `{18, FromPid, ToPid, Token, Reason}` */
export const EXIT2_TT = 18;
/** `{19, FromPid, ToProc, Ref}`: ToProc a pid or a registered name. */
export const MONITOR_P = 19;
/** `{20, FromPid, ToProc, Ref}` */
export const DEMONITOR_P = 20;
/** `{21, FromProc, ToPid, Ref, Reason}`: what ToPid monitored is down. */
export const MONITOR_P_EXIT = 21;
/** `{22, FromPid, ToPid}`, then the message (with DFLAG_SEND_SENDER). */
export const SEND_SENDER = 22;
/** `{23, FromPid, ToPid, Token}`, then the message. */
export const SEND_SENDER_TT = 23;
/** `{24, FromPid, ToPid}`, then the reason (with DFLAG_EXIT_PAYLOAD). */
export const PAYLOAD_EXIT = 24;
/** `{25, FromPid, ToPid, Token}`, then the reason. */
export const PAYLOAD_EXIT_TT = 25;
/** `{26, FromPid, ToPid}`, then the reason. */
export const PAYLOAD_EXIT2 = 26;
/** `{27, FromPid, ToPid, Token}`, then the reason. */
export const PAYLOAD_EXIT2_TT = 27;
/** `{28, FromProc, ToPid, Ref}`, then the reason. */
export const PAYLOAD_MONITOR_P_EXIT = 28;
/** `{29, ReqId, From, GroupLeader, {M, F, A}, OptList}`, then the arguments (with DFLAG_SPAWN). */
export const SPAWN_REQUEST = 29;
/** `{30, ...same..., Token}` */
export const SPAWN_REQUEST_TT = 30;
/** `{31, ReqId, To, Flags, Result}` */
export const SPAWN_REPLY = 31;
/** `{33, FromPid, Alias}`, then the message (with DFLAG_ALIAS). */
export const ALIAS_SEND = 33;
/** `{34, FromPid, Alias, Token}`, then the message. */
export const ALIAS_SEND_TT = 34;
/** `{35, Id, FromPid, ToPid}`: remove a link (the new link protocol). */
export const UNLINK_ID = 35;
/** `{36, Id, FromPid, ToPid}`: the unlink's acknowledgement. */
export const UNLINK_ID_ACK = 36;

/**
 * The first byte of every packet on a connection without the atom cache
 * (DFLAG_DIST_HDR_ATOM_CACHE, which beamish does not advertise): "pass
 * through", then the control message and the payload, each a term with its
 * version byte 131.
 */
export const PASS_THROUGH = 112;

const PASS_THROUGH_BYTE = Buffer.of(PASS_THROUGH);

/**
 * The parts of one packet: the pass-through byte, the control message and
 * the payload when there is one (each already encoded with its version byte).
 *
 * @example
 * channel.send(packetParts(encodeTerm([LINK, from, to])));
 */
export function packetParts(control: Buffer, payload?: Buffer): Buffer[] {
  return payload === undefined ? [PASS_THROUGH_BYTE, control] : [PASS_THROUGH_BYTE, control, payload];
}

/**
 * A control message together with its pass-through byte, as one buffer: for
 * a head that is made once and sent many times (a SEND to one pid).
 *
 * @example
 * const head = withPassThrough(encodeTerm([SEND, '', pid]));
 * channel.send([head, encodeTerm(message)]);
 */
export function withPassThrough(control: Buffer): Buffer {
  const out = Buffer.allocUnsafe(control.length + 1);
  out[0] = PASS_THROUGH;
  control.copy(out, 1);
  return out;
}
