import type { Ref } from './ids.js';

/**
 * The monitors a process holds (ref → the process it watches), or those
 * held on it (ref → the watcher): a map by ref that keeps its first entry in
 * two fields and makes a `Map` only for a second. Most processes that
 * monitor hold one monitor at a time (a Gun connection watches its owner; a
 * `call` watches its server until the reply), and an empty `Map` with its
 * table costs about 180 bytes where these fields cost 24. The part of Map's
 * interface the runtime uses, in Map's order (insertion order).
 */
export class RefTable<V> {
  private oneRef: Ref | undefined = undefined;
  private oneValue: V | undefined = undefined;
  /** Made for a second entry; kept from then on. */
  private map: Map<Ref, V> | undefined = undefined;

  get size(): number {
    if (this.map !== undefined) return this.map.size;
    return this.oneRef === undefined ? 0 : 1;
  }

  get(ref: Ref): V | undefined {
    if (this.map !== undefined) return this.map.get(ref);
    return ref === this.oneRef ? this.oneValue : undefined;
  }

  set(ref: Ref, value: V): this {
    if (this.map !== undefined) {
      this.map.set(ref, value);
    } else if (this.oneRef === undefined || this.oneRef === ref) {
      this.oneRef = ref;
      this.oneValue = value;
    } else {
      this.map = new Map();
      this.map.set(this.oneRef, this.oneValue as V);
      this.map.set(ref, value);
      this.oneRef = undefined;
      this.oneValue = undefined;
    }
    return this;
  }

  delete(ref: Ref): boolean {
    if (this.map !== undefined) return this.map.delete(ref);
    if (this.oneRef === undefined || ref !== this.oneRef) return false;
    this.oneRef = undefined;
    this.oneValue = undefined;
    return true;
  }

  /** Every [ref, value], in insertion order. */
  [Symbol.iterator](): IterableIterator<[Ref, V]> {
    if (this.map !== undefined) return this.map.entries();
    const entries: Array<[Ref, V]> = this.oneRef === undefined ? [] : [[this.oneRef, this.oneValue as V]];
    return entries[Symbol.iterator]();
  }

  values(): IterableIterator<V> {
    if (this.map !== undefined) return this.map.values();
    const values: V[] = this.oneRef === undefined ? [] : [this.oneValue as V];
    return values[Symbol.iterator]();
  }
}
