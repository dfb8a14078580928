/**
 * A growable byte writer, reused for every outgoing message so that the
 * message path allocates nothing for small messages. Large typed arrays are
 * not copied into it: they become separate segments sent in place.
 */
import { setInlineLength } from './wire';

const ZERO = new Uint8Array(8);
const INITIAL_BYTES = 64 * 1024;

export class Writer {
  buf: Buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  pos = 0;
  /** Out-of-line payloads, in order. */
  private readonly payloads: ArrayBufferView[] = [];
  /** The payloads with alignment padding, as sent; set by finish(). */
  readonly segments: ArrayBufferView[] = [];
  /** Bytes of the message after the inline part (padding included). */
  segmentBytes = 0;

  reset(): void {
    this.pos = 0;
    // Setting an array's length is slow even when nothing changes.
    if (this.payloads.length) this.payloads.length = 0;
    if (this.segments.length) this.segments.length = 0;
    this.segmentBytes = 0;
  }


  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  /** A length-prefixed UTF-8 string. */
  str(s: string): void {
    const max = s.length * 3;
    this.ensure(4 + max);
    const n = max < 64 && isAscii(s) ? writeAscii(this.buf, s, this.pos + 4) : this.buf.write(s, this.pos + 4, max, 'utf8');
    this.view.setUint32(this.pos, n, true);
    this.pos += 4 + n;
  }
  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }
  /** Appends a payload sent in place after the inline part (8-byte aligned there). */
  segment(payload: ArrayBufferView): void {
    this.payloads.push(payload);
  }
  /**
   * Finishes the message: records the inline length in its first 4 bytes and
   * lays out the segments, each preceded by the padding that aligns it to 8.
   * Returns the inline length.
   */
  finish(): number {
    setInlineLength(this.view, this.pos);
    if (this.segments.length) this.segments.length = 0; // finishing twice lays out once
    let at = this.pos;
    for (const payload of this.payloads) {
      const pad = align8(at) - at;
      if (pad) this.segments.push(ZERO.subarray(0, pad));
      this.segments.push(payload);
      at += pad + payload.byteLength;
    }
    this.segmentBytes = at - this.pos;
    return this.pos;
  }
  /** The whole message in one new buffer the receiver owns (local delivery). */
  detach(): Uint8Array {
    const inlineLength = this.finish();
    const out = new Uint8Array(inlineLength + this.segmentBytes);
    out.set(this.buf.subarray(0, inlineLength), 0);
    let offset = inlineLength;
    for (const s of this.segments) {
      out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), offset);
      offset += s.byteLength;
    }
    return out;
  }
}

export function align8(n: number): number {
  return (n + 7) & ~7;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function writeAscii(buf: Buffer, s: string, at: number): number {
  for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i);
  return s.length;
}
