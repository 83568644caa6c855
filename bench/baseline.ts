/**
 * The baseline every runtime benchmark is measured against: a bare
 * promise-based hand-off between async functions, with no runtime at all
 * (a queue and a pending resolver, the least any mailbox must do).
 */
export class BareChannel<T> {
  private queue: T[] = [];
  private head = 0;
  private waiting: ((value: T) => void) | undefined;

  send(value: T): void {
    const w = this.waiting;
    if (w !== undefined) {
      this.waiting = undefined;
      w(value);
    } else {
      this.queue.push(value);
    }
  }

  receive(): Promise<T> {
    if (this.head < this.queue.length) {
      const v = this.queue[this.head++] as T;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      return Promise.resolve(v);
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
