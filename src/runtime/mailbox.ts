import { match, tagOf } from './pattern.js';

/**
 * A process's mailbox: messages in arrival order, plus, once a receive has
 * had to skip past many of them, an index by tag.
 *
 * Messages sit in one array in arrival order; a message's arrival number
 * (`seq`) is its position plus `base`. Taking a message from the middle
 * leaves a hole, skipped by later scans and squeezed out once holes are
 * numerous, so that every operation stays cheap on average.
 *
 * The tag index lists, for each tag, the arrival numbers of the messages that
 * are arrays whose first element is that string (tagged tuples such as
 * `['gun_ws', pid, frame]`). A receive whose patterns all start with a
 * literal tag walks only the lists of those tags and picks the earliest
 * match, so the answer is exactly the one a scan of the whole mailbox would
 * give (Erlang's order semantics), at a cost that does not grow with
 * messages of other tags.
 *
 * The index is built lazily: only when such a receive finds the oldest
 * message does not match and at least `indexMin` messages are queued. Most
 * traffic is taken in order (the oldest message matches) and then pays
 * nothing for it: keeping it up to date on every push cost about an eighth
 * of a producer → consumer run. Building it reads each queued message once;
 * after that every push keeps it current until the mailbox empties or is
 * compacted, when it is dropped and left to be built again on demand. Each
 * drop follows at least as many takes as the rebuild reads messages, so the
 * cost per message stays constant on average, and a selective receive past
 * a backlog costs the same as on an empty mailbox, the first one excepted.
 * Below `indexMin` messages a skipping receive scans them in order: a few
 * pattern tests cost less than keeping an index.
 *
 * Arrays of values rather than linked nodes: a mailbox with a million queued
 * messages costs one array slot per message, not an object the garbage
 * collector must trace.
 */

const HOLE: unique symbol = Symbol('hole');
/** Shared by every empty mailbox until its first message: most stay empty. */
const NO_SLOTS: unknown[] = [];

/**
 * The number of queued messages from which a receive that skips builds the
 * tag index rather than scanning. A scan of 32 messages whose tags differ
 * from the patterns' costs about as much as indexing them.
 */
let indexMin = 32;

/**
 * @internal For tests: sets the queue length from which the tag index is
 * used (0: whenever a receive skips); returns the previous one.
 */
export function setIndexMin(n: number): number {
  const old = indexMin;
  indexMin = n;
  return old;
}

/** @internal For tests: how many times a tag index was built, and used by a receive. */
export const indexStats = { builds: 0, scans: 0 };

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
  /** Holes at or after `start` (taken from the middle, or not yet passed by `start`). */
  private holes = 0;
  /** The tag index; undefined until a receive needs it (see above). */
  private byTag: Map<string, TagList> | undefined = undefined;
  // The last tag looked up and its list: a run of same-tagged messages, or
  // a receive for the tag just pushed, skips the Map.
  private lastTag: string | undefined = undefined;
  private lastList: TagList | undefined = undefined;
  /** Pattern index of the match a scan found. */
  private scanIndex = -1;
  /** Number of messages queued. */
  size = 0;

  push(message: unknown): void {
    if (this.slots === NO_SLOTS) this.slots = [];
    this.slots.push(message);
    this.size++;
    if (this.byTag !== undefined) this.index(message, this.base + this.slots.length - 1);
  }

  /** Lists `message`, which arrived `seq`-th, under its tag, if it has one. */
  private index(message: unknown, seq: number): void {
    const tag = messageTag(message);
    if (tag === undefined) return;
    let list: TagList | undefined;
    if (tag === this.lastTag) {
      list = this.lastList as TagList;
    } else {
      const byTag = this.byTag as Map<string, TagList>;
      list = byTag.get(tag);
      if (list === undefined) {
        list = { seqs: [], start: 0 };
        byTag.set(tag, list);
      }
      this.lastTag = tag;
      this.lastList = list;
    }
    list.seqs.push(seq);
  }

  private buildIndex(): void {
    indexStats.builds++;
    this.byTag = new Map();
    const slots = this.slots;
    for (let i = this.start; i < slots.length; i++) {
      const m = slots[i];
      if (m !== HOLE) this.index(m, this.base + i);
    }
  }

  private dropIndex(): void {
    this.byTag = undefined;
    this.lastTag = undefined;
    this.lastList = undefined;
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
    if (this.size === 1) return false;
    const at = this.size >= indexMin && allTagged(patterns) ? this.scanTags(patterns) : this.scan(patterns);
    if (at < 0) return false;
    out.message = this.slots[at];
    out.index = this.scanIndex;
    this.removeAt(at);
    return true;
  }

  /** The slot of the first message after the oldest that matches `patterns`, or -1. */
  private scan(patterns: readonly unknown[]): number {
    const slots = this.slots;
    for (let i = this.start + 1; i < slots.length; i++) {
      const m = slots[i];
      if (m === HOLE) continue;
      const k = firstMatch(patterns, m);
      if (k >= 0) {
        this.scanIndex = k;
        return i;
      }
    }
    return -1;
  }

  /** `scan` through the tag index, for patterns that all have a literal tag. */
  private scanTags(patterns: readonly unknown[]): number {
    indexStats.scans++;
    if (this.byTag === undefined) this.buildIndex();
    let at = -1;
    next: for (let p = 0; p < patterns.length; p++) {
      const tag = tagOf(patterns[p]) as string;
      // Each tag's list once; no array of distinct tags to allocate.
      for (let q = 0; q < p; q++) if (tagOf(patterns[q]) === tag) continue next;
      at = this.scanTag(tag, patterns, at);
    }
    return at;
  }

  /**
   * Walks the list of `tag` for the earliest message matching `patterns`
   * that comes before slot `best` (any slot when `best` is -1). Returns its
   * slot, or `best`; the pattern index is left in `scanIndex`.
   */
  private scanTag(tag: string, patterns: readonly unknown[], best: number): number {
    const list = tag === this.lastTag ? this.lastList : (this.byTag as Map<string, TagList>).get(tag);
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
    const slots = this.slots;
    // Holes only while walking; trimming or compacting would move the slots.
    for (let i = this.start; i < slots.length; i++) {
      const m = slots[i];
      if (m !== HOLE && pred(m)) {
        slots[i] = HOLE;
        removed++;
      }
    }
    if (removed > 0) {
      this.size -= removed;
      this.holes += removed;
      this.settle();
    }
    return removed;
  }

  /** The first `max` messages, oldest first, left where they are (for `processInfo`). */
  peek(max: number): unknown[] {
    const some: unknown[] = [];
    const slots = this.slots;
    for (let i = this.start; i < slots.length && some.length < max; i++) {
      const m = slots[i];
      if (m !== HOLE) some.push(m);
    }
    return some;
  }

  /** Empties the mailbox and returns what it held, oldest first. */
  drain(): unknown[] {
    const all: unknown[] = [];
    for (let i = this.start; i < this.slots.length; i++) {
      const m = this.slots[i];
      if (m !== HOLE) all.push(m);
    }
    this.reset();
    return all;
  }

  /** Forgets every message; arrival numbers keep growing. */
  private reset(): void {
    this.base += this.slots.length;
    this.slots = NO_SLOTS;
    this.start = 0;
    this.holes = 0;
    this.size = 0;
    this.dropIndex();
  }

  private removeAt(i: number): void {
    const slots = this.slots;
    if (i === slots.length - 1 && i !== this.start) {
      // The newest message, as a reply that has just arrived usually is:
      // popped rather than left as a hole, so that a receive that keeps
      // taking fresh messages past a backlog never makes the mailbox
      // compact (which copies the backlog and drops the index).
      this.size--;
      if (this.byTag !== undefined) this.unindexLast(slots[i], this.base + i);
      slots.pop();
      return;
    }
    slots[i] = HOLE;
    this.size--;
    this.holes++;
    this.settle();
  }

  /**
   * Takes the newest message, arrival number `seq`, out of its tag list (it
   * is that list's last entry), since its arrival number will be reused.
   */
  private unindexLast(message: unknown, seq: number): void {
    const tag = messageTag(message);
    if (tag === undefined) return;
    const list = tag === this.lastTag ? this.lastList : (this.byTag as Map<string, TagList>).get(tag);
    if (list !== undefined && list.seqs[list.seqs.length - 1] === seq) {
      list.seqs.pop();
    }
  }

  /** After removals: moves `start` past the holes, and frees space once it is worth it. */
  private settle(): void {
    if (this.size === 0) {
      // Empty. The array is kept, so that a process taking messages one by
      // one as they come does not allocate one per message; it is dropped
      // once long, as trimFront would, and the index goes (nothing to index).
      this.start = this.slots.length;
      this.holes = 0;
      if (this.byTag !== undefined) this.dropIndex();
      if (this.start >= 1024) this.reset();
      return;
    }
    while (this.slots[this.start] === HOLE) {
      this.start++;
      this.holes--;
    }
    // Spent slots at the front are freed in bulk, not one shift() at a time.
    if (this.start >= 1024 && this.start * 2 >= this.slots.length) this.trimFront();
    else if (this.holes >= 1024 && this.holes * 2 >= this.size) this.compact();
  }

  /**
   * Drops the spent slots at the front. The tag index goes with them, to be
   * built again when needed, for at most as many messages as were just taken.
   */
  private trimFront(): void {
    this.slots = this.slots.slice(this.start);
    this.base += this.start;
    this.start = 0;
    if (this.byTag !== undefined) this.dropIndex();
  }

  /**
   * Squeezes out spent slots and holes; the relative order, which is all
   * that matters, is unchanged. The tag index goes, as in `trimFront`.
   */
  private compact(): void {
    const live: unknown[] = [];
    for (let i = this.start; i < this.slots.length; i++) {
      const m = this.slots[i];
      if (m !== HOLE) live.push(m);
    }
    this.base += this.slots.length;
    this.slots = live;
    this.start = 0;
    this.holes = 0;
    if (this.byTag !== undefined) this.dropIndex();
  }
}

function messageTag(message: unknown): string | undefined {
  if (Array.isArray(message) && message.length > 0) {
    const head: unknown = message[0];
    if (typeof head === 'string') return head;
  }
  return undefined;
}

/** Whether every pattern starts with a literal tag: only then may the index be used. */
function allTagged(patterns: readonly unknown[]): boolean {
  for (let p = 0; p < patterns.length; p++) if (tagOf(patterns[p]) === undefined) return false;
  return true;
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
