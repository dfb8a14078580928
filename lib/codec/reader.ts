import { align8 } from './writer';
import { HEADER_BYTES, inlineLengthOf } from './wire';

/**
 * Reads one received message. Messages received into the shared arena are
 * overwritten by the next drain, so values read from them are copied out;
 * messages that own their buffer (large or local) are read in place.
 */
export class Reader {
  buf!: Buffer;
  view!: DataView;
  pos = 0;
  /** Start of the message within `buf`. */
  base = 0;
  /** End of the inline part within `buf`. */
  inlineEnd = 0;
  /** Where the next out-of-line segment starts within `buf`. */
  segmentPos = 0;
  /** True when the buffer belongs to this message alone. */
  owned = false;
  /** Rank the message came from. */
  source = 0;
  /** Total length of the message in bytes. */
  length = 0;

  /** Points the reader at a message starting at `base` in `buf`. */
  reset(buf: Buffer, view: DataView, base: number, length: number, owned: boolean, source: number): void {
    this.buf = buf;
    this.length = length;
    this.view = view;
    this.base = base;
    this.owned = owned;
    this.source = source;
    const inlineLength = inlineLengthOf(view, base);
    this.inlineEnd = base + inlineLength;
    this.segmentPos = base + inlineLength;
    this.pos = base + HEADER_BYTES;
  }

  u8(): number {
    return this.buf[this.pos++];
  }
  u16(): number {
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  str(): string {
    const n = this.u32();
    const start = this.pos;
    this.pos += n;
    return this.buf.toString('utf8', start, start + n);
  }
  /** The whole message, as a fresh copy (to hold it for later). */
  copyMessage(): Uint8Array {
    // Uint8Array's slice copies (Buffer's would not).
    return Uint8Array.prototype.slice.call(this.buf, this.base, this.base + this.length);
  }
  /** `n` inline bytes, as a fresh copy. */
  bytesCopy(n: number): ArrayBuffer {
    const start = this.buf.byteOffset + this.pos;
    this.pos += n;
    return this.buf.buffer.slice(start, start + n) as ArrayBuffer;
  }
  /** The next out-of-line segment of `n` bytes: [buffer, byteOffset], in place when owned. */
  segment(n: number): [ArrayBuffer, number] {
    const start = align8(this.segmentPos - this.base) + this.base;
    this.segmentPos = start + n;
    const absolute = this.buf.byteOffset + start;
    if (this.owned) return [this.buf.buffer as ArrayBuffer, absolute];
    return [this.buf.buffer.slice(absolute, absolute + n) as ArrayBuffer, 0];
  }
}
