/**
 * A map that keeps its first entry in two fields and makes a `Map` only for
 * a second, kept from then on: for tables that usually hold one entry at a
 * time and live long. An empty `Map` with its table costs about 180 bytes
 * where these fields cost 24. Used for the monitors a process holds and
 * those held on it (a Gun connection watches its owner; a `call` watches
 * its server until the reply), and for an HTTP/1.1 connection's streams
 * (one at a time unless pipelining). The part of Map's interface they use,
 * in Map's order (insertion order).
 */
export class SmallMap<K, V> {
  private oneKey: K | undefined = undefined;
  private oneValue: V | undefined = undefined;
  /** Made for a second entry; kept from then on. */
  private map: Map<K, V> | undefined = undefined;

  get size(): number {
    if (this.map !== undefined) return this.map.size;
    return this.oneKey === undefined ? 0 : 1;
  }

  has(key: K): boolean {
    if (this.map !== undefined) return this.map.has(key);
    return this.oneKey !== undefined && key === this.oneKey;
  }

  get(key: K): V | undefined {
    if (this.map !== undefined) return this.map.get(key);
    return key === this.oneKey ? this.oneValue : undefined;
  }

  set(key: K, value: V): this {
    if (this.map !== undefined) {
      this.map.set(key, value);
    } else if (this.oneKey === undefined || this.oneKey === key) {
      this.oneKey = key;
      this.oneValue = value;
    } else {
      this.map = new Map();
      this.map.set(this.oneKey, this.oneValue as V);
      this.map.set(key, value);
      this.oneKey = undefined;
      this.oneValue = undefined;
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.map !== undefined) return this.map.delete(key);
    if (this.oneKey === undefined || key !== this.oneKey) return false;
    this.oneKey = undefined;
    this.oneValue = undefined;
    return true;
  }

  clear(): void {
    this.map?.clear();
    this.oneKey = undefined;
    this.oneValue = undefined;
  }

  /** Every [key, value], in insertion order. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    if (this.map !== undefined) return this.map.entries();
    const entries: Array<[K, V]> = this.oneKey === undefined ? [] : [[this.oneKey, this.oneValue as V]];
    return entries[Symbol.iterator]();
  }

  values(): IterableIterator<V> {
    if (this.map !== undefined) return this.map.values();
    const values: V[] = this.oneKey === undefined ? [] : [this.oneValue as V];
    return values[Symbol.iterator]();
  }
}
