import { HEADER_BYTES, align8, inlineLengthOf } from './wire';
import { copyBytes, pooledCopy } from './memory';

/** Reader.memory's answer before it has read one. */
const NO_MEMORY = new ArrayBuffer(0);

/**
 * Reads one received message. Messages received into the shared arena are
 * overwritten by the next drain, so nothing read from them refers to it.
 * Every typed array a message delivers gets an ArrayBuffer of its own: a
 * segment is either a part received (or moved, or copied) into its own
 * buffer, or, in a contiguous message, copied out of it.
 */
export class Reader {
  buf!: Buffer;
  view!: DataView;
  pos = 0;
  /** Start of the message within `buf`. */
  base = 0;
  /** End of the inline part within `buf`. */
  inlineEnd = 0;
  /** Where the next out-of-line segment starts within `buf` (contiguous messages). */
  segmentPos = 0;
  /** The segments of a parted or local message, one buffer each; undefined for a contiguous message. */
  parts: ArrayBuffer[] | undefined;
  private nextPart = 0;
  /** True when the buffer belongs to this message alone. */
  owned = false;
  /** Rank the message came from. */
  source = 0;
  /** Length in bytes: of the whole message when contiguous, of its inline part when it has parts. */
  length = 0;
  /** `memory()`'s last answer, and the buffer it was for (forgotten at a message in another buffer: a large one is not kept alive). */
  private memoryOf: Buffer | undefined = undefined;
  private memoryBuffer: ArrayBufferLike = NO_MEMORY;

  /** Points the reader at a message starting at `base` in `buf`. */
  reset(buf: Buffer, view: DataView, base: number, length: number, owned: boolean, source: number, parts?: ArrayBuffer[]): void {
    if (buf !== this.memoryOf && this.memoryOf !== undefined) this.forgetMemory();
    this.buf = buf;
    this.length = length;
    this.view = view;
    this.base = base;
    this.owned = owned;
    this.source = source;
    this.parts = parts;
    this.nextPart = 0;
    const inlineLength = inlineLengthOf(view, base);
    this.inlineEnd = base + inlineLength;
    this.segmentPos = base + inlineLength;
    this.pos = base + HEADER_BYTES;
  }

  /** Points the reader at a bare encoded value (no header) in buf[0..end), with its segments in `parts`. */
  resetValue(buf: Buffer, view: DataView, end: number, parts: ArrayBuffer[] | undefined): void {
    if (buf !== this.memoryOf && this.memoryOf !== undefined) this.forgetMemory();
    this.buf = buf;
    this.view = view;
    this.base = 0;
    this.length = end;
    this.inlineEnd = end;
    this.segmentPos = end;
    this.owned = true;
    this.parts = parts;
    this.nextPart = 0;
    this.pos = 0;
  }

  /**
   * The ArrayBuffer under `buf`, read once per buffer: a typed array's
   * `.buffer` is a call into V8's runtime (with the generic property load
   * that reaches it, about 200 instructions: callgrind, node 20), and the
   * receive arena stays the same buffer from message to message.
   */
  memory(): ArrayBufferLike {
    if (this.memoryOf !== this.buf) {
      this.memoryOf = this.buf;
      this.memoryBuffer = this.buf.buffer;
    }
    return this.memoryBuffer;
  }

  private forgetMemory(): void {
    this.memoryOf = undefined;
    this.memoryBuffer = NO_MEMORY;
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
    if (n <= SHORT_STRING) return shortString(this.buf, start, n);
    return this.buf.toString('utf8', start, start + n);
  }

  /**
   * The whole message as one fresh contiguous copy (to hold it for later,
   * or to pass it on): segments of a parted message are laid out after the
   * inline part, each 8-byte aligned, as in a contiguous message.
   */
  copyMessage(): Uint8Array {
    // In the pool: a slice of its own costs several times as much (see pooledCopy).
    if (!this.parts) return pooledCopy(this.buf, this.base, this.base + this.length);
    const inlineLength = this.inlineEnd - this.base;
    let total = inlineLength;
    for (const part of this.parts) total = align8(total) + part.byteLength;
    const out = new Uint8Array(total);
    out.set(this.buf.subarray(this.base, this.inlineEnd), 0);
    let at = inlineLength;
    for (const part of this.parts) {
      at = align8(at);
      out.set(new Uint8Array(part), at);
      at += part.byteLength;
    }
    return out;
  }

  /** `n` inline bytes, as a fresh copy. */
  bytesCopy(n: number): ArrayBuffer {
    const start = this.buf.byteOffset + this.pos;
    this.pos += n;
    return copyBytes(this.buf.buffer, start, n);
  }

  /** The next out-of-line segment of `n` bytes, in an ArrayBuffer of its own: [buffer, byteOffset]. */
  segment(n: number): [ArrayBuffer, number] {
    if (this.parts) {
      const part = this.parts[this.nextPart++];
      if (part === undefined || part.byteLength !== n) throw new Error(`charmts: corrupt message (segment ${this.nextPart - 1} of ${this.parts.length}: ${part?.byteLength} bytes, ${n} expected)`);
      return [part, 0];
    }
    const start = align8(this.segmentPos - this.base) + this.base;
    this.segmentPos = start + n;
    const absolute = this.buf.byteOffset + start;
    return [copyBytes(this.buf.buffer, absolute, n), 0];
  }
}

/**
 * Short ASCII strings (object keys above all: a migrating element's fields,
 * a record's fields) are decoded once and then taken from a cache, by their
 * bytes: Buffer's toString cost 100-170 ns a string here, and a fresh key
 * string costs again when it names a property (V8 internalizes it); a
 * 5-field object decoded in 0.36 us instead of 1.08 (node, in-process). Up
 * to 7 bytes of 7 bits and the length make an exact number key below 2^53.
 */
const SHORT_STRING = 7;
const SHORT_STRINGS_MAX = 4096;
const shortStrings = new Map<number, string>();

function shortString(buf: Buffer, start: number, n: number): string {
  const end = start + n;
  let key = n;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c > 0x7f) return buf.toString('utf8', start, end);
    key = key * 128 + c;
  }
  let s = shortStrings.get(key);
  if (s === undefined) {
    // Bounded: many distinct short strings only cost a fresh start.
    if (shortStrings.size >= SHORT_STRINGS_MAX) shortStrings.clear();
    s = buf.toString('latin1', start, end);
    shortStrings.set(key, s);
  }
  return s;
}
