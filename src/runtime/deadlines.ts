import type { Cancellable } from './long-timeout.js';

/**
 * Receive timeouts without a Node timer apiece.
 *
 * Most receives with a timeout end before it: a `call` waits 5000 ms for a
 * reply that comes in microseconds. A Node timer per receive (a Timeout
 * object, its insertion in Node's lists, its removal) was the largest single
 * cost of a GenServer call. Here each distinct duration has one list of
 * deadlines in the order they were set, which is also the order they fall
 * due, and at most one Node timer, armed for the list's head: adding a
 * deadline appends a small node, cancelling one unlinks it, both O(1).
 *
 * A list whose deadlines were all cancelled keeps its Node timer but unrefs
 * it, so a script whose last call is done exits at once instead of waiting
 * out a timeout nobody needs. (Node's own timers are built the same way: a
 * list per duration.)
 */

const MAX_DELAY = 2 ** 31 - 1;

class Deadline implements Cancellable {
  prev: Deadline | undefined = undefined;
  next: Deadline | undefined = undefined;
  constructor(
    readonly at: number,
    readonly list: DeadlineList,
    readonly fire: () => void,
  ) {}

  cancel(): void {
    this.list.remove(this);
  }
}

class DeadlineList {
  head: Deadline | undefined = undefined;
  tail: Deadline | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  /** When the armed timer fires (performance.now() time). */
  armedFor = 0;
  refed = false;

  constructor(readonly duration: number) {}

  add(fire: () => void): Deadline {
    const d = new Deadline(performance.now() + this.duration, this, fire);
    const tail = this.tail;
    if (tail === undefined) {
      this.head = d;
    } else {
      tail.next = d;
      d.prev = tail;
    }
    this.tail = d;
    if (this.timer === undefined) {
      this.arm(this.duration, d.at);
    } else if (!this.refed) {
      // The armed timer fires no later than this deadline (it was set for
      // an earlier one, of the same duration); it must keep Node alive again.
      this.timer.ref();
      this.refed = true;
    }
    return d;
  }

  remove(d: Deadline): void {
    // Already fired or removed: a node has neither links nor the head.
    if (d.prev === undefined && this.head !== d) return;
    if (d.prev !== undefined) d.prev.next = d.next;
    else this.head = d.next;
    if (d.next !== undefined) d.next.prev = d.prev;
    else this.tail = d.prev;
    d.prev = undefined;
    d.next = undefined;
    if (this.head === undefined && this.timer !== undefined && this.refed) {
      this.timer.unref();
      this.refed = false;
    }
  }

  private arm(delay: number, at: number): void {
    this.timer = setTimeout(this.expire, Math.max(1, Math.ceil(delay)));
    this.armedFor = at;
    this.refed = true;
  }

  /** Fires every deadline that is due, then re-arms for the next one. */
  private readonly expire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    // Timers may fire up to a millisecond early by performance.now().
    let d = this.head;
    while (d !== undefined && d.at <= now + 1) {
      this.remove(d);
      d.fire();
      d = this.head;
    }
    if (d !== undefined) this.arm(d.at - now, d.at);
    else lists.delete(this.duration);
  };
}

const lists = new Map<number, DeadlineList>();

/**
 * Calls `fire` in `ms` milliseconds unless cancelled first. For receive
 * timeouts up to 2^31-1 ms; longer ones belong to setLongTimeout.
 */
export function addDeadline(ms: number, fire: () => void): Cancellable {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DeadlineList(ms);
    lists.set(ms, list);
  }
  return list.add(fire);
}

export { MAX_DELAY };
