import { deadPid, RemoteName, RemotePid, RemoteRef } from '../runtime/external.js';
import { Pid, Ref } from '../runtime/index.js';
import {
  type DecodeOptions,
  type EncodeOptions,
  EtfEncodeError,
  ExternalPid,
  ExternalRef,
  encodeTerm,
  ImproperList,
} from './etf/index.js';

/**
 * How beamish's pids and refs travel: the term codec's hooks for one node.
 *
 * - A local pid `<0.42.0>` goes out as NEW_PID_EXT `{our node, 42, 0, our
 *   creation}`; a local ref as NEWER_REFERENCE_EXT with our node, creation
 *   and its serial spread over three words (the first of 18 bits, as
 *   Erlang's). Each one that goes out is remembered (weakly: a WeakRef, let
 *   go when the pid or ref is collected), so that when it comes back it is
 *   the same object: a reply carrying our monitor ref matches `[ref, _]`.
 * - A pid or ref of another node comes in as a `RemotePid` / `RemoteRef`,
 *   interned per node (remote-node.ts), and goes out as it came.
 * - A pid or ref of ours that we do not know (a dead process whose pid was
 *   collected, an older incarnation of our node) comes in as a pid that leads
 *   nowhere: messages to it are dropped, as Erlang drops them.
 * - `RemoteName` (Erlang's `{Name, Node}`) goes out as that tuple.
 * - Gen calls, as OTP 24+'s gen.erl makes them, whose tag is `[alias | Mref]`
 *   (so that the reply goes to the alias and is dropped once the caller
 *   gave up): an incoming call's tag becomes an `AliasTag`; an outgoing
 *   call's tag, an alias of ours, goes out as `[alias | Mref]`, and the
 *   reply `{[alias | Mref], Reply}` comes back as `[mref, reply]`, what
 *   beamish's call waits for (`adoptGen`, `encodeMessage`).
 */

/**
 * The tag of a call from an OTP 24+ caller, `[alias | Ref]`, as the From of
 * a `['$gen_call', [pid, tag], request]` brings it. It is a ref: sending to
 * it sends to the alias (ALIAS_SEND), and it goes back out as
 * `[alias | Ref]`, so `GenServer.reply`'s `send(tag, [tag, reply])` is
 * Erlang's `Alias ! {[alias | Ref], Reply}`, the reply `gen:call` waits for.
 *
 * @example
 * ```ts
 * register('counter', self());
 * // On erl@127.0.0.1: gen_server:call({counter, 'beamish@127.0.0.1'}, get), which arrives as
 * // ['$gen_call', [<1.90.0>, [alias|#Ref<1.1.2.3>]], 'get']
 * const [, [, tag]] = await receive([['$gen_call', [anyPid, instanceOf(AliasTag)], 'get']]);
 * nodeOf(tag); // 'erl@127.0.0.1'
 * send(tag, [tag, 42]); // Erlang: Alias ! {[alias | Ref], 42}; the gen_server:call returns 42
 * ```
 */
export class AliasTag extends Ref {
  constructor(
    /** The alias the reply goes to. */
    readonly alias: RemoteRef,
  ) {
    super(0);
    this.aliasOf = alias.aliasOf;
  }

  override toString(): string {
    return `[alias|${this.alias}]`;
  }
}

/** What the codec needs of its node. */
export interface CodecHost {
  /** Our node name. */
  readonly name: string;
  /** Our creation, from epmd. */
  readonly creation: number;
  /** The pid of another node's process, interned. */
  remotePid(pid: ExternalPid): RemotePid;
  /** A ref of another node, interned. */
  remoteRef(ref: ExternalRef): RemoteRef;
}

type Forget = { readonly table: Map<number | string, WeakRef<object>>; readonly key: number | string };

/** The low word of a local ref holds 18 bits, as the first word of Erlang's refs. */
const REF_LOW = 0x40000;

/** The codec's hooks and tables for one node; see above. */
export class TermCodec {
  /** For messages: a value with no Erlang form throws EtfEncodeError at the send. */
  readonly encodeOptions: EncodeOptions;
  /** For every term read off the wire. */
  readonly decodeOptions: DecodeOptions;
  /** Local pids that went out, by serial. */
  private readonly pidsOut = new Map<number | string, WeakRef<object>>();
  /** Local refs that went out, by `word0.word1`. */
  private readonly refsOut = new Map<number | string, WeakRef<object>>();
  /** Each pid and ref's wire form, made once. */
  private readonly wire = new WeakMap<object, ExternalPid | ExternalRef>();
  private readonly tags = new WeakMap<RemoteRef, AliasTag>();
  private readonly forget = new FinalizationRegistry<Forget>(({ table, key }) => {
    if (table.get(key)?.deref() === undefined) table.delete(key);
  });

  constructor(private readonly host: CodecHost) {
    this.encodeOptions = { encodeOther: (value) => this.wireForm(value) };
    this.decodeOptions = {
      decodePid: (pid) => this.pidOf(pid),
      decodeRef: (ref) => this.refOf(ref),
    };
  }

  /** A term's bytes (with the version byte). */
  encode(term: unknown): Buffer {
    return encodeTerm(term, this.encodeOptions);
  }

  /**
   * A message's bytes, where a gen call of ours,
   * `[label, [pid, mref], request]` whose `mref` is an active alias (as
   * beamish's call makes it), goes out with the tag `[alias | mref]`, as
   * gen.erl's do_call sends it: an Erlang gen_server then replies to the
   * alias (gen:reply's first clause), not to the pid, so a reply after the
   * call gave up is dropped. A plain ref tag goes as it is, and Erlang
   * replies to the pid, as it does to such a tag.
   */
  encodeMessage(message: unknown): Buffer {
    if (isGenCall(message)) {
      const from = message[1];
      const tag: unknown = from[1];
      if (
        tag instanceof Ref &&
        !(tag instanceof RemoteRef) &&
        !(tag instanceof AliasTag) &&
        tag.aliasOf !== undefined
      ) {
        return this.encode([message[0], [from[0], new ImproperList(['alias'], tag)], message[2]]);
      }
    }
    return this.encode(message);
  }

  /**
   * A control message that ends with a reason (EXIT, EXIT2, MONITOR_P_EXIT):
   * `[...head, reason]`'s bytes. A reason must reach the other node even
   * when it holds what has no Erlang form (a JS Error in `['error', err]`,
   * say): such values go as a binary of their text, `<<"Error: boom">>`,
   * and a reason that still cannot be written goes as its text whole.
   */
  encodeSignal(head: readonly unknown[], reason: unknown): Buffer {
    const options: EncodeOptions = { encodeOther: (value) => this.wireForm(value) ?? lenient(value) };
    try {
      return encodeTerm([...head, reason], options);
    } catch (error) {
      if (!(error instanceof EtfEncodeError)) throw error;
      return encodeTerm([...head, Buffer.from(String(reason))], options);
    }
  }

  /** The wire form of a pid or ref (RemoteName: the tuple `{Name, Node}`); undefined for anything else. */
  wireForm(value: unknown): unknown {
    if (value instanceof Pid) {
      const known = this.wire.get(value);
      if (known !== undefined) return known;
      if (value instanceof RemoteName) return [value.name, value.node];
      const made =
        value instanceof RemotePid
          ? new ExternalPid(value.node, value.serial, value.idSerial, value.creation)
          : this.exportPid(value);
      this.wire.set(value, made);
      return made;
    }
    if (value instanceof Ref) {
      if (value instanceof AliasTag) return new ImproperList(['alias'], this.wireForm(value.alias));
      const known = this.wire.get(value);
      if (known !== undefined) return known;
      const made =
        value instanceof RemoteRef ? new ExternalRef(value.node, value.creation, value.ids) : this.exportRef(value);
      this.wire.set(value, made);
      return made;
    }
    return undefined;
  }

  private exportPid(pid: Pid): ExternalPid {
    remember(this.pidsOut, pid.serial, pid, this.forget);
    return new ExternalPid(this.host.name, pid.serial, 0, this.host.creation);
  }

  private exportRef(ref: Ref): ExternalRef {
    const low = ref.serial % REF_LOW;
    const high = Math.floor(ref.serial / REF_LOW) >>> 0;
    remember(this.refsOut, `${low}.${high}`, ref, this.forget);
    return new ExternalRef(this.host.name, this.host.creation, [low, high, 0]);
  }

  private pidOf(pid: ExternalPid): Pid {
    if (pid.node !== this.host.name) return this.host.remotePid(pid);
    const ours = pid.creation === this.host.creation && pid.serial === 0;
    const found = ours ? (this.pidsOut.get(pid.id)?.deref() as Pid | undefined) : undefined;
    return found ?? deadPid(pid.id);
  }

  private refOf(ref: ExternalRef): Ref {
    if (ref.node !== this.host.name) return this.host.remoteRef(ref);
    const [low, high, top] = ref.ids;
    const key = `${low}.${high}`;
    const mine = ref.creation === this.host.creation && ref.ids.length === 3 && top === 0;
    const found = mine ? (this.refsOut.get(key)?.deref() as Ref | undefined) : undefined;
    if (found !== undefined) return found;
    // A ref of ours we no longer know: a new one, which nothing waits for.
    return new Ref();
  }

  /** The AliasTag of `[alias | ref]`, the same object each time for the same ref. */
  aliasTag(ref: RemoteRef): AliasTag {
    let tag = this.tags.get(ref);
    if (tag === undefined) {
      tag = new AliasTag(ref);
      this.tags.set(ref, tag);
    }
    return tag;
  }

  /**
   * What gen.erl's `[alias | Ref]` tags mean here, in a message read off
   * the wire; other messages are left as they are:
   * - a gen call from Erlang, `[label, [pid, [alias | Ref]], request]`
   *   (`'$gen_call'` for gen_server, gen_statem and supervisor calls,
   *   `'system'` for sys): its tag becomes an AliasTag, so that a reply sent
   *   to the tag reaches the caller's alias;
   * - a reply to a call of ours, `{[alias | Mref], Reply}` with `Mref` a ref
   *   of ours: `[mref, reply]`, the reply beamish's call waits for.
   */
  adoptGen(message: unknown): unknown {
    if (!Array.isArray(message)) return message;
    if (message.length === 2) {
      const tag: unknown = message[0];
      if (isAliasTagTerm(tag) && !(tag.tail instanceof RemoteRef)) message[0] = tag.tail;
      return message;
    }
    if (isGenCall(message)) {
      const from = message[1];
      const tag: unknown = from[1];
      if (isAliasTagTerm(tag) && tag.tail instanceof RemoteRef) from[1] = this.aliasTag(tag.tail);
    }
    return message;
  }
}

/** `[label, [pid, tag], request]`, the message of a gen call (gen.erl's `{Label, {Pid, Tag}, Request}`). */
function isGenCall(message: unknown): message is [string, [unknown, unknown], unknown] {
  if (!Array.isArray(message) || message.length !== 3) return false;
  const label: unknown = message[0];
  const from: unknown = message[1];
  return (label === '$gen_call' || label === 'system') && Array.isArray(from) && from.length === 2;
}

/** Erlang's `[alias | Ref]`: an improper list of the atom `alias` and a ref. */
function isAliasTagTerm(term: unknown): term is ImproperList & { readonly tail: Ref } {
  return (
    term instanceof ImproperList && term.items.length === 1 && term.items[0] === 'alias' && term.tail instanceof Ref
  );
}

function remember(
  table: Map<number | string, WeakRef<object>>,
  key: number | string,
  value: object,
  forget: FinalizationRegistry<Forget>,
): void {
  if (table.get(key)?.deref() !== undefined) return;
  table.set(key, new WeakRef(value));
  forget.register(value, { table, key });
}

/** What a reason holds that has no Erlang form, as text. */
function lenient(value: unknown): unknown {
  if (typeof value === 'function') return Buffer.from(`#Fun<${value.name || 'anonymous'}>`);
  if (value === null) return 'null';
  if (value instanceof Error) return Buffer.from(`${value.name}: ${value.message}`);
  return Buffer.from(String(value));
}
