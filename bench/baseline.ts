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

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Bare ping-pong: `n` one-way messages between two async functions; returns msgs/s. */
export async function barePingPong(n: number): Promise<number> {
  const a = new BareChannel<unknown>();
  const b = new BareChannel<unknown>();
  const half = n / 2;
  const t0 = performance.now();
  const ponger = (async () => {
    for (let i = 0; i < half; i++) {
      await b.receive();
      a.send(['pong', i]);
    }
  })();
  for (let i = 0; i < half; i++) {
    b.send(['ping', i]);
    await a.receive();
  }
  await ponger;
  return n / seconds(t0);
}

/** Bare producer → consumer: `n` messages queued then taken; returns msgs/s. */
export async function bareProducerConsumer(n: number): Promise<number> {
  const ch = new BareChannel<unknown>();
  const t0 = performance.now();
  const consumer = (async () => {
    for (let i = 0; i < n; i++) await ch.receive();
  })();
  for (let i = 0; i < n; i++) ch.send(['item', i]);
  await consumer;
  return n / seconds(t0);
}
