/**
 * Distribution capability flags (`DFLAG_*`), as OTP's `dist.hrl` and erts'
 * `dist.h` define them. The version 6 handshake carries them as a 64-bit
 * big-endian field, so they are bigints here: the high word holds SPAWN,
 * NAME_ME, V4_NC and ALIAS.
 *
 * Values checked against OTP 25.2.3 (`erts_internal:get_dflags()` returns
 * default 55966662588, mandatory 17239956) and OTP 27's `dist.h`. The manual
 * gives DFLAG_MANDATORY_25_DIGEST as `1 bsl 36`; every `dist.hrl` and `dist.h`
 * says 16#4000000, which is what nodes send, so that is the value here.
 */

/**
 * The flag a visible node sets, and a hidden one leaves out
 * (`dist_util:publish_type/1`); the handshake adds it unless the node is hidden.
 *
 * @example
 * ```ts
 * const hs = await connectNode('erl@127.0.0.1', { name: 'beamish@127.0.0.1', cookie: 'secret', creation: 1 });
 * (hs.peerFlags & DFLAG_PUBLISHED) === 0n; // false: erl@127.0.0.1 is visible (hs.peerHidden)
 * ```
 */
export const DFLAG_PUBLISHED = 0x1n;
export const DFLAG_ATOM_CACHE = 0x2n;
export const DFLAG_EXTENDED_REFERENCES = 0x4n;
export const DFLAG_DIST_MONITOR = 0x8n;
export const DFLAG_FUN_TAGS = 0x10n;
export const DFLAG_DIST_MONITOR_NAME = 0x20n;
export const DFLAG_HIDDEN_ATOM_CACHE = 0x40n;
export const DFLAG_NEW_FUN_TAGS = 0x80n;
export const DFLAG_EXTENDED_PIDS_PORTS = 0x100n;
export const DFLAG_EXPORT_PTR_TAG = 0x200n;
export const DFLAG_BIT_BINARIES = 0x400n;
export const DFLAG_NEW_FLOATS = 0x800n;
export const DFLAG_UNICODE_IO = 0x1000n;
export const DFLAG_DIST_HDR_ATOM_CACHE = 0x2000n;
export const DFLAG_SMALL_ATOM_TAGS = 0x4000n;
export const DFLAG_UTF8_ATOMS = 0x10000n;
export const DFLAG_MAP_TAG = 0x20000n;
export const DFLAG_BIG_CREATION = 0x40000n;
export const DFLAG_SEND_SENDER = 0x80000n;
export const DFLAG_BIG_SEQTRACE_LABELS = 0x100000n;
export const DFLAG_EXIT_PAYLOAD = 0x400000n;
export const DFLAG_FRAGMENTS = 0x800000n;
export const DFLAG_HANDSHAKE_23 = 0x1000000n;
export const DFLAG_UNLINK_ID = 0x2000000n;
/** Stands for every flag of {@link MANDATORY_FLAGS_25} at once (OTP 25+). */
export const DFLAG_MANDATORY_25_DIGEST = 0x4000000n;
export const DFLAG_SPAWN = 1n << 32n;
export const DFLAG_NAME_ME = 2n << 32n;
export const DFLAG_V4_NC = 4n << 32n;
export const DFLAG_ALIAS = 8n << 32n;

/**
 * The flags an OTP 25 node refuses a connection without (`MANDATORY_DFLAGS_25`).
 *
 * @example
 * ```ts
 * import { MANDATORY_FLAGS_25 } from './flags.js';
 * declare const peerFlags: bigint; // what the peer's handshake said
 * (peerFlags & MANDATORY_FLAGS_25) === MANDATORY_FLAGS_25; // an OTP 25 node accepts it
 * ```
 */
export const MANDATORY_FLAGS_25 =
  DFLAG_EXTENDED_REFERENCES |
  DFLAG_FUN_TAGS |
  DFLAG_EXTENDED_PIDS_PORTS |
  DFLAG_NEW_FUN_TAGS |
  DFLAG_EXPORT_PTR_TAG |
  DFLAG_BIT_BINARIES |
  DFLAG_NEW_FLOATS |
  DFLAG_UTF8_ATOMS |
  DFLAG_MAP_TAG |
  DFLAG_BIG_CREATION |
  DFLAG_HANDSHAKE_23;

/** What OTP 26 added to the mandatory set (`DFLAG_DIST_MANDATORY_26`): the new link protocol and v4 node containers. */
export const MANDATORY_FLAGS_26 = DFLAG_V4_NC | DFLAG_UNLINK_ID;

/**
 * The flags beamish requires of a peer: everything OTP 26 and 27 require
 * (`DFLAG_DIST_MANDATORY`). OTP 25 and 24 nodes advertise all of them too, so
 * this refuses only nodes older than OTP 23 (which also lack the handshake).
 *
 * @example
 * ```ts
 * flagNames(REQUIRED_FLAGS); // ['EXTENDED_REFERENCES', 'FUN_TAGS', ..., 'UNLINK_ID', 'V4_NC'], 13 flags
 * // A peer without them all is refused: HandshakeError 'missing_flags'. To refuse more peers:
 * await connectNode('erl@127.0.0.1', {
 *   name: 'beamish@127.0.0.1',
 *   cookie: 'secret',
 *   creation: 1,
 *   requiredFlags: REQUIRED_FLAGS | DFLAG_PUBLISHED, // visible nodes only
 * });
 * ```
 */
export const REQUIRED_FLAGS = MANDATORY_FLAGS_25 | MANDATORY_FLAGS_26;

/**
 * What beamish advertises (without {@link DFLAG_PUBLISHED}, which the
 * handshake adds for a visible node): the mandatory set, aliases, and
 * process monitors (by pid and by name). Left off on purpose: the atom cache
 * in the distribution header and fragments (every message goes whole, with
 * no distribution header), SEND_SENDER and EXIT_PAYLOAD (peers then use the
 * plain SEND and EXIT control messages), SPAWN.
 *
 * @example
 * ```ts
 * flagNames(ADVERTISED_FLAGS).includes('ALIAS'); // true
 * flagNames(ADVERTISED_FLAGS).includes('SPAWN'); // false: left off, as said above
 * ```
 */
export const ADVERTISED_FLAGS = REQUIRED_FLAGS | DFLAG_ALIAS | DFLAG_DIST_MONITOR | DFLAG_DIST_MONITOR_NAME;

/**
 * A peer's flags as Erlang reads them: DFLAG_MANDATORY_25_DIGEST stands for
 * the whole OTP 25 mandatory set (`dist_util:expand_mandatory_25_flag/1`).
 *
 * @example
 * ```ts
 * import { DFLAG_MANDATORY_25_DIGEST, DFLAG_MAP_TAG, expandFlags } from './flags.js';
 * expandFlags(DFLAG_MANDATORY_25_DIGEST) & DFLAG_MAP_TAG; // DFLAG_MAP_TAG
 * ```
 */
export function expandFlags(flags: bigint): bigint {
  return (flags & DFLAG_MANDATORY_25_DIGEST) === 0n ? flags : flags | MANDATORY_FLAGS_25;
}

const NAMES: ReadonlyArray<readonly [bigint, string]> = [
  [DFLAG_PUBLISHED, 'PUBLISHED'],
  [DFLAG_ATOM_CACHE, 'ATOM_CACHE'],
  [DFLAG_EXTENDED_REFERENCES, 'EXTENDED_REFERENCES'],
  [DFLAG_DIST_MONITOR, 'DIST_MONITOR'],
  [DFLAG_FUN_TAGS, 'FUN_TAGS'],
  [DFLAG_DIST_MONITOR_NAME, 'DIST_MONITOR_NAME'],
  [DFLAG_HIDDEN_ATOM_CACHE, 'HIDDEN_ATOM_CACHE'],
  [DFLAG_NEW_FUN_TAGS, 'NEW_FUN_TAGS'],
  [DFLAG_EXTENDED_PIDS_PORTS, 'EXTENDED_PIDS_PORTS'],
  [DFLAG_EXPORT_PTR_TAG, 'EXPORT_PTR_TAG'],
  [DFLAG_BIT_BINARIES, 'BIT_BINARIES'],
  [DFLAG_NEW_FLOATS, 'NEW_FLOATS'],
  [DFLAG_UNICODE_IO, 'UNICODE_IO'],
  [DFLAG_DIST_HDR_ATOM_CACHE, 'DIST_HDR_ATOM_CACHE'],
  [DFLAG_SMALL_ATOM_TAGS, 'SMALL_ATOM_TAGS'],
  [DFLAG_UTF8_ATOMS, 'UTF8_ATOMS'],
  [DFLAG_MAP_TAG, 'MAP_TAG'],
  [DFLAG_BIG_CREATION, 'BIG_CREATION'],
  [DFLAG_SEND_SENDER, 'SEND_SENDER'],
  [DFLAG_BIG_SEQTRACE_LABELS, 'BIG_SEQTRACE_LABELS'],
  [DFLAG_EXIT_PAYLOAD, 'EXIT_PAYLOAD'],
  [DFLAG_FRAGMENTS, 'FRAGMENTS'],
  [DFLAG_HANDSHAKE_23, 'HANDSHAKE_23'],
  [DFLAG_UNLINK_ID, 'UNLINK_ID'],
  [DFLAG_MANDATORY_25_DIGEST, 'MANDATORY_25_DIGEST'],
  [DFLAG_SPAWN, 'SPAWN'],
  [DFLAG_NAME_ME, 'NAME_ME'],
  [DFLAG_V4_NC, 'V4_NC'],
  [DFLAG_ALIAS, 'ALIAS'],
];

/**
 * The names of the flags set in `flags` (unknown bits as `UNKNOWN<hex>`), as
 * `dist_util:dflag2str/1` spells them.
 *
 * @example
 * ```ts
 * flagNames(DFLAG_PUBLISHED | (1n << 62n)); // ['PUBLISHED', 'UNKNOWN<4000000000000000>']
 * const hs = await connectNode('erl@127.0.0.1', { name: 'beamish@127.0.0.1', cookie: 'secret', creation: 1 });
 * flagNames(hs.flags); // the capabilities both ends have, as dist_util:dflag2str/1 names them
 * ```
 */
export function flagNames(flags: bigint): string[] {
  const names: string[] = [];
  let rest = flags;
  for (const [bit, name] of NAMES) {
    if ((flags & bit) !== 0n) names.push(name);
    rest &= ~bit;
  }
  for (let bit = 1n; rest !== 0n; bit <<= 1n) {
    if ((rest & bit) !== 0n) {
      names.push(`UNKNOWN<${bit.toString(16).toUpperCase()}>`);
      rest &= ~bit;
    }
  }
  return names;
}

/**
 * The names of the flags of `required` that `flags` lacks (after
 * {@link expandFlags}); empty when the peer has them all.
 *
 * @example
 * ```ts
 * import { DFLAG_HANDSHAKE_23, missingFlags, REQUIRED_FLAGS } from './flags.js';
 * missingFlags(DFLAG_HANDSHAKE_23, REQUIRED_FLAGS).includes('MAP_TAG'); // true
 * ```
 */
export function missingFlags(flags: bigint, required: bigint = REQUIRED_FLAGS): string[] {
  return flagNames(required & ~expandFlags(flags));
}

/**
 * Whether the peer is a hidden node: one that did not set DFLAG_PUBLISHED
 * (`dist_util:publish_type/1`).
 *
 * @example
 * ```ts
 * import { ADVERTISED_FLAGS, isHidden } from './flags.js';
 * isHidden(ADVERTISED_FLAGS); // true
 * ```
 */
export function isHidden(flags: bigint): boolean {
  return (flags & DFLAG_PUBLISHED) === 0n;
}
