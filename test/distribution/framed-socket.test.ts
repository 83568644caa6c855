import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { type FramedCloseReason, FramedSocket } from '../../src/distribution/framed-socket.js';

/**
 * FramedSocket's writes: packets of one turn are copied into a slab and go
 * out in one write; big ones go as their own parts. Whatever the sizes and
 * the turns, every packet must arrive whole, in order, and a close after a
 * burst must send the burst first. Two FramedSockets over a real loopback
 * connection (no handshake: framing does not need one).
 */

interface Pair {
  readonly a: FramedSocket;
  readonly b: FramedSocket;
  readonly received: Buffer[];
  readonly closed: Promise<FramedCloseReason>;
  stop(): Promise<void>;
}

async function pair(): Promise<Pair> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const serverSide = await accepted;
  const received: Buffer[] = [];
  let closedB: (reason: FramedCloseReason) => void = () => undefined;
  const closed = new Promise<FramedCloseReason>((resolve) => {
    closedB = resolve;
  });
  const a = new FramedSocket(client, { onPacket: () => undefined, onClose: () => undefined });
  const b = new FramedSocket(serverSide, {
    onPacket: (p) => received.push(Buffer.from(p)),
    onClose: (reason) => closedB(reason),
  });
  return {
    a,
    b,
    received,
    closed,
    async stop() {
      a.close();
      b.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A packet whose bytes say which packet it is and how long. */
function packet(i: number, size: number): Buffer {
  const p = Buffer.alloc(size);
  for (let k = 0; k < size; k++) p[k] = (i * 31 + k) & 0xff;
  return p;
}

async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('FramedSocket writes', () => {
  it('a burst of packets of every size (slab boundaries, the copy limit, big ones, parts) arrives whole and in order', async () => {
    const p = await pair();
    try {
      // Sizes around what matters: empty parts, the 16 KiB copy limit, a
      // packet that straddles the end of a 64 KiB slab, a 200 KiB one.
      const sizes = [1, 3, 100, 16 * 1024 - 5, 16 * 1024 - 4, 16 * 1024, 65_000, 40_000, 30_000, 200_000, 7];
      for (let i = 0; sizes.length < 3000; i++) sizes.push((i * 7919) % 20_000 || 1);
      const sent: Buffer[] = [];
      sizes.forEach((size, i) => {
        const whole = packet(i, size);
        sent.push(whole);
        // Every third packet in parts, one of them empty.
        if (i % 3 === 0 && size > 2) p.a.send([whole.subarray(0, 2), Buffer.alloc(0), whole.subarray(2)]);
        else p.a.send(whole);
      });
      await until(() => p.received.length === sent.length);
      for (const [i, s] of sent.entries()) assert.ok(p.received[i]?.equals(s), `packet ${i} (${s.length} bytes)`);
    } finally {
      await p.stop();
    }
  });

  it('packets sent over many turns keep their order, and close() sends what was sent before closing', async () => {
    const p = await pair();
    try {
      const sent: Buffer[] = [];
      for (let turn = 0; turn < 50; turn++) {
        for (let k = 0; k < 20; k++) {
          const b = packet(sent.length, 10 + ((turn * 13 + k) % 300));
          sent.push(b);
          p.a.send(b);
        }
        await new Promise((r) => setImmediate(r));
      }
      for (let k = 0; k < 100; k++) {
        const b = packet(sent.length, 50);
        sent.push(b);
        p.a.send(b);
      }
      p.a.close(); // in the same turn as the last sends
      assert.equal(await p.closed, 'connection_closed');
      assert.equal(p.received.length, sent.length);
      for (const [i, s] of sent.entries()) assert.ok(p.received[i]?.equals(s), `packet ${i}`);
      assert.equal(p.a.send(Buffer.from('late')), false);
    } finally {
      await p.stop();
    }
  });
});
