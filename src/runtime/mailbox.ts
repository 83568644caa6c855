import { match, tagOf } from './pattern.js';

/**
 * A process's mailbox: messages in arrival order, plus an index by tag.
 *
 * Messages sit in one array in arrival order; a message's arrival number
 * (`seq`) is its position plus `base`. Taking a message from the middle
 * leaves a hole, skipped by later scans and squeezed out once holes are
 * numerous, so that every operation stays cheap on average.
 *
 * A message that is an array whose first element is a string (a tagged tuple
 * such as `['gun_ws', pid, frame]`) is also listed, by arrival number, under
 * its tag. A receive whose patterns all start with a literal tag walks only
 * the lists of those tags and picks the earliest match, so the answer is
 * exactly the one a scan of the whole mailbox would give (Erlang's order
 * semantics), at a cost that does not grow with messages of other tags.
 *
 * Arrays of values rather than linked nodes: a mailbox with a million queued
 * messages costs two array slots per message, not an object the garbage
 * collector must trace.
 */

const HOLE: unique symbol = Symbol('hole');
/** Shared by every empty mailbox until its first message: most stay empty. */
const NO_SLOTS: unknown[] = [];

/** Arrival numbers of the messages with one tag; entries before `start` are spent. */
interface TagList {
  seqs: number[];
  start: number;
}

/** What `take` found: the message and the index of the first pattern it matched. */
export interface Taken {
  message: unknown;
  index: number;
}

export class Mailbox {
  private slots: unknown[] = NO_SLOTS;
  /** Index in `slots` of the oldest message still there (or of the end). */
  private start = 0;
  /** Arrival number of `slots[0]`. */
  private base = 0;
  private holes = 0;
  private byTag: Map<string, TagList> | undefined = undefined;
  // The last tag pushed and its list: a run of same-tagged messages skips the Map.
  private lastTag: string | undefined = undefined;
  private lastList: TagList | undefined = undefined;
  /** Pattern index of the match a scan found. */
  private scanIndex = -1;
  /** Number of messages queued. */
  size = 0;

  push(message: unknown): void {
    if (this.slots === NO_SLOTS) this.slots = [];
    const seq = this.base + this.slots.length;
    this.slots.push(message);
    this.size++;
    const tag = messageTag(message);
    if (tag === undefined) return;
    let list: TagList | undefined;
    if (tag === this.lastTag) {
      list = this.lastList as TagList;
    } else {
      this.byTag ??= new Map();
      list = this.byTag.get(tag);
      if (list === undefined) {
        list = { seqs: [], start: 0 };
        this.byTag.set(tag, list);
      }
      this.lastTag = tag;
      this.lastList = list;
    }
    list.seqs.push(seq);
  }

  /**
   * Removes the first message, in arrival order, that matches any of
   * `patterns`; fills `out` with it and the index of the first pattern it
   * matches (`out` is reused to spare an allocation). False when none does.
   */
  take(patterns: readonly unknown[], out: Taken): boolean {
    if (this.size === 0 || patterns.length === 0) return false;
    // The oldest message decides alone when it matches: the common case.
    const first = this.slots[this.start];
    const index = firstMatch(patterns, first);
    if (index >= 0) {
      this.removeAt(this.start);
      out.message = first;
      out.index = index;
      return true;
    }
    const slots = this.slots;
    let at = -1;
    const tags = tagsOf(patterns);
    if (tags !== undefined && this.byTag === undefined) return false;
    if (tags === undefined) {
      for (let i = this.start + 1; i < slots.length; i++) {
        const m = slots[i];
        if (m === HOLE) continue;
        const k = firstMatch(patterns, m);
        if (k >= 0) {
          at = i;
          this.scanIndex = k;
          break;
        }
      }
    } else if (typeof tags === 'string') {
      at = this.scanTag(tags, patterns, -1);
    } else {
      for (const tag of tags) at = this.scanTag(tag, patterns, at);
    }
    if (at < 0) return false;
    out.message = slots[at];
    out.index = this.scanIndex;
    this.removeAt(at);
    return true;
  }

  /**
   * Walks the list of `tag` for the earliest message matching `patterns`
   * that comes before slot `best` (any slot when `best` is -1). Returns its
   * slot, or `best`; the pattern index is left in `scanIndex`.
   */
  private scanTag(tag: string, patterns: readonly unknown[], best: number): number {
    const list = (this.byTag as Map<string, TagList>).get(tag);
    if (list === undefined) return best;
    const seqs = list.seqs;
    const slots = this.slots;
    for (let j = list.start; j < seqs.length; j++) {
      const i = (seqs[j] as number) - this.base;
      // A candidate later than the best so far cannot win: stop there.
      if (best >= 0 && i > best) return best;
      // Spent (taken from the front) or a hole (taken from the middle).
      if (i < this.start || slots[i] === HOLE) {
        if (j === list.start) list.start++;
        continue;
      }
      const k = firstMatch(patterns, slots[i]);
      if (k >= 0) {
        this.scanIndex = k;
        return i;
      }
    }
    return best;
  }

  /** Removes every message for which `pred` holds; returns how many. */
  removeWhere(pred: (message: unknown) => boolean): number {
    let removed = 0;
    for (let i = this.start; i < this.slots.length; i++) {
      const m = this.slots[i];
      if (m !== HOLE && pred(m)) {
        this.removeAt(i);
        removed++;
      }
    }
    return removed;
  }

  /** Empties the mailbox and returns what it held, oldest first. */
  drain(): unknown[] {
    const all: unknown[] = [];
    for (let i = this.start; i < this.slots.length; i++) {
      const m = this.slots[i];
      if (m !== HOLE) all.push(m);
    }
    this.base += this.slots.length;
    this.slots = NO_SLOTS;
    this.start = 0;
    this.holes = 0;
    this.size = 0;
    this.byTag = undefined;
    this.lastTag = undefined;
    this.lastList = undefined;
    return all;
  }

  private removeAt(i: number): void {
    this.slots[i] = HOLE;
    this.size--;
    if (this.size === 0) {
      // Empty: start afresh (arrival numbers keep growing).
      this.drain();
      return;
    }
    if (i === this.start) {
      do this.start++;
      while (this.slots[this.start] === HOLE && this.start < this.slots.length);
      // Spent slots at the front are freed in bulk, not one shift() at a time.
      if (this.start >= 1024 && this.start * 2 >= this.slots.length) this.trimFront();
    } else {
      this.holes++;
      if (this.holes >= 1024 && this.holes * 2 >= this.size) this.compact();
    }
  }

  /**
   * Drops the spent slots at the front, and the tag-list entries that point
   * at them. Arrival numbers do not change, so nothing else has to.
   */
  private trimFront(): void {
    this.slots = this.slots.slice(this.start);
    this.base += this.start;
    this.start = 0;
    if (this.byTag === undefined) return;
    for (const [tag, list] of this.byTag) {
      const seqs = list.seqs;
      let j = list.start;
      while (j < seqs.length && (seqs[j] as number) < this.base) j++;
      if (j === seqs.length) {
        this.byTag.delete(tag);
        if (this.lastList === list) {
          this.lastTag = undefined;
          this.lastList = undefined;
        }
      } else {
        list.seqs = seqs.slice(j);
        list.start = 0;
      }
    }
  }

  /**
   * Squeezes out spent slots and holes. Arrival numbers are renumbered, so
   * the tag lists are rebuilt; the relative order, which is all that
   * matters, is unchanged.
   */
  private compact(): void {
    const live: unknown[] = [];
    for (let i = this.start; i < this.slots.length; i++) {
      const m = this.slots[i];
      if (m !== HOLE) live.push(m);
    }
    this.drain();
    for (const m of live) this.push(m);
  }
}

function messageTag(message: unknown): string | undefined {
  if (Array.isArray(message) && message.length > 0) {
    const head: unknown = message[0];
    if (typeof head === 'string') return head;
  }
  return undefined;
}

/**
 * The index of the first pattern that matches `message`, or -1.
 *
 * A pattern that throws while matching (a getter on the message that throws,
 * a Proxy, a `where` pattern reading such a property) does not match: in
 * Erlang a pattern cannot raise and a guard that raises simply fails. Every
 * match goes through here, the test of a waiting receive inside `send`
 * included, so a throw caught here can neither make `send` fail nor lose the
 * message; it stays queued. try/catch costs nothing until something throws.
 */
export function firstMatch(patterns: readonly unknown[], message: unknown): number {
  for (let i = 0; i < patterns.length; i++) {
    try {
      if (match(patterns[i], message)) return i;
    } catch {
      // Not a match; try the next pattern.
    }
  }
  return -1;
}

/**
 * The distinct literal tags of `patterns` (a string when there is one), or
 * `undefined` when any pattern lacks one: then only a full scan is correct.
 */
function tagsOf(patterns: readonly unknown[]): string | string[] | undefined {
  const first = tagOf(patterns[0]);
  if (first === undefined || patterns.length === 1) return first;
  let tags: string | string[] = first;
  for (let i = 1; i < patterns.length; i++) {
    const tag = tagOf(patterns[i]);
    if (tag === undefined) return undefined;
    if (typeof tags === 'string') {
      if (tag !== tags) tags = [tags, tag];
    } else if (!tags.includes(tag)) {
      tags.push(tag);
    }
  }
  return tags;
}
