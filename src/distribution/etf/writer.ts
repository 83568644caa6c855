/**
 * A growable byte buffer for the encoder: big-endian writes, doubling its
 * storage as needed, so encoding a term costs one pass and about log2(size)
 * copies. The encoder reuses one writer (see `reset`) and copies out each
 * result, so a small term costs one small pooled allocation.
 *
 * @example
 * const w = new ByteWriter();
 * w.u8(131);
 * w.u32(7);
 * w.copy(); // <Buffer 83 00 00 00 07>
 */
export class ByteWriter {
  private buf: Buffer;
  private view: DataView;
  /** How many bytes have been written. */
  length = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.alloc(initialSize);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Makes room for `n` more bytes. */
  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, v);
    this.length += 4;
  }

  u64(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.length, v);
    this.length += 8;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Writes `s` as UTF-8; `byteLength` must be `Buffer.byteLength(s)`. */
  utf8(s: string, byteLength: number): void {
    this.ensure(byteLength);
    this.length += this.buf.write(s, this.length, byteLength, 'utf8');
  }

  /** The storage's size: a reused writer that grew large can be let go. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Forgets what was written, keeping the storage. */
  reset(): void {
    this.length = 0;
  }

  /** A copy of the bytes written so far, of their exact length. */
  copy(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.buf.copy(out, 0, 0, this.length);
    return out;
  }
}
