/**
 * Reads the frame headers of the bytes a server sends over HTTP/2, beside
 * nghttp2, for what node:http2 does not tell: which stream a PUSH_PROMISE
 * came on (Gun's `gun_push` names the parent stream; node's session
 * `'stream'` event carries only the promised one) and which streams the
 * server itself reset (a RST_STREAM from the server is Gun's
 * `{stream_error, Code, 'Stream reset by server.'}`; one nghttp2 sends for
 * a protocol error is not). Only the 9-byte headers and the first bytes of
 * those two frames' payloads are looked at; everything else is skipped by
 * count, so the cost is a few comparisons per frame. A second one reads
 * what nghttp2 sends, for its GOAWAYs: on Node 20 a session that nghttp2
 * ends itself (a frame too large, DATA on a stream never opened) emits
 * neither 'error' nor 'close', and the connection would hang.
 *
 * RFC 9113 §4.1: length (24 bits), type (8), flags (8), R + stream id (31).
 */

/** What the sniffer reports. */
export interface FrameListener {
  /** A PUSH_PROMISE on stream `parent` promising stream `promised`. */
  onPushPromise(parent: number, promised: number): void;
  /** The server reset stream `id` with error `code`. */
  onRstStream(id: number, code: number): void;
  /** A GOAWAY with error `code` (read on what we send: nghttp2 ending the session of its own accord). */
  onGoaway?(lastStreamId: number, code: number): void;
  /**
   * A DATA frame on stream `id` carrying `bytes` of data (padding left
   * out); `end`: its END_STREAM flag, this is the stream's last.
   */
  onData?(id: number, bytes: number, end: boolean): void;
}

const HEADER = 9;
const DATA = 0x0;
const END_STREAM = 0x1;
const RST_STREAM = 0x3;
const PUSH_PROMISE = 0x5;
const GOAWAY = 0x7;
const PADDED = 0x8;

export class FrameSniffer {
  /** The frame header being gathered (it may arrive split across reads). */
  private readonly head = Buffer.alloc(HEADER + 8);
  /** Bytes of `head` gathered; how many are wanted (9, or more for the two frames read into). */
  private have = 0;
  private want = HEADER;
  /** Payload bytes still to skip. */
  private skip = 0;

  /**
   * `skip`: bytes before the first frame (the 24-byte client preface, when
   * reading what we send).
   */
  constructor(
    private readonly listener: FrameListener,
    skip = 0,
  ) {
    this.skip = skip;
  }

  feed(data: Buffer): void {
    let pos = 0;
    while (pos < data.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length - pos);
        this.skip -= n;
        pos += n;
        continue;
      }
      const n = Math.min(this.want - this.have, data.length - pos);
      data.copy(this.head, this.have, pos, pos + n);
      this.have += n;
      pos += n;
      if (this.have < this.want) return;
      this.frame();
    }
  }

  /** `head` holds what was wanted of a frame: report it or ask for more of its payload. */
  private frame(): void {
    const h = this.head;
    const length = h.readUIntBE(0, 3);
    const type = h[3] as number;
    const flags = h[4] as number;
    const id = h.readUInt32BE(5) & 0x7fffffff;
    if (this.want === HEADER) {
      // The two frames whose payload we read: ask for the bytes needed.
      let extra = 0;
      if (type === RST_STREAM && length === 4) extra = 4;
      else if (type === PUSH_PROMISE) extra = flags & PADDED ? 5 : 4;
      else if (type === GOAWAY && this.listener.onGoaway !== undefined) extra = 8;
      else if (type === DATA && this.listener.onData !== undefined) {
        if (flags & PADDED && length >= 1)
          extra = 1; // the pad length
        else {
          this.listener.onData(id, length, (flags & END_STREAM) !== 0);
          this.next(length);
          return;
        }
      }
      if (extra > 0 && extra <= length) {
        this.want = HEADER + extra;
        return;
      }
      this.next(length);
      return;
    }
    const read = this.want - HEADER;
    if (type === DATA)
      this.listener.onData?.(id, Math.max(0, length - 1 - (h[HEADER] as number)), (flags & END_STREAM) !== 0);
    else if (type === RST_STREAM) this.listener.onRstStream(id, h.readUInt32BE(HEADER));
    else if (type === GOAWAY) this.listener.onGoaway?.(h.readUInt32BE(HEADER) & 0x7fffffff, h.readUInt32BE(HEADER + 4));
    else this.listener.onPushPromise(id, h.readUInt32BE(HEADER + read - 4) & 0x7fffffff);
    this.next(length - read);
  }

  private next(skip: number): void {
    this.have = 0;
    this.want = HEADER;
    this.skip = skip;
  }
}
