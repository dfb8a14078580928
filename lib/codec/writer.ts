/**
 * A growable byte writer, reused for every outgoing message so that the
 * message path allocates nothing for small messages. Large typed arrays
 * (and transferred ones) are not copied into it: they become segments,
 * which the binding copies (or, for a transfer, sends in place) at the
 * send, and which a local message takes as buffers of their own.
 */
import { align8, setInlineLength } from './wire';
import { SerializationError } from './serializationError';
import { moveBuffer, ownCopy, pooledCopy } from './memory';
import { objectArray } from '../shapes';

const INITIAL_BYTES = 64 * 1024;

/** A message delivered on this PE: its inline part, and one buffer of its own per segment. */
export interface LocalMessage {
  bytes: Uint8Array;
  parts: ArrayBuffer[] | undefined;
}

export class Writer {
  buf: Buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  pos = 0;
  /** Out-of-line segments, in order: a view to copy, or the ArrayBuffer of a transfer. */
  readonly segments = objectArray<ArrayBufferView | ArrayBuffer>();
  /** Bytes of the message after the inline part, each segment 8-byte aligned (set by finish()). */
  segmentBytes = 0;
  /** The ArrayBuffers this message transfers (to refuse one twice). */
  private readonly transfers = new Set<ArrayBuffer>();
  /**
   * What encoding a value does outside the message, to last only if the
   * message does (a future made findable by its id, model/future.ts; a
   * section marked as sent, sections.ts): a step and its value each,
   * taken by `keep()` once the message is whole, forgotten by `reset()`,
   * so that a message refused halfway (a later value cannot be sent)
   * leaves nothing behind.
   */
  private readonly deferredSteps: ((value: object) => void)[] = [];
  private readonly deferredValues: object[] = [];

  reset(): void {
    if (this.deferredSteps.length) this.deferredSteps.length = this.deferredValues.length = 0;
    this.pos = 0;
    // Setting an array's length is slow even when nothing changes.
    if (this.segments.length) this.segments.length = 0;
    this.segmentBytes = 0;
    if (this.transfers.size) this.transfers.clear();
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
    const n = (max < 64 ? writeAscii(this.buf, s, this.pos + 4) : -1) >= 0 ? s.length : this.buf.write(s, this.pos + 4, max, 'utf8');
    this.view.setUint32(this.pos, n, true);
    this.pos += 4 + n;
  }
  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }
  /** Appends a segment, copied at the send (8-byte aligned after the inline part). */
  segment(payload: ArrayBufferView): void {
    this.segments.push(payload);
  }

  /** Appends a transferred segment: the message takes the memory of `view`'s (whole) ArrayBuffer. */
  transfer(view: ArrayBufferView, path: string): void {
    const buffer = view.buffer as ArrayBuffer;
    if (this.transfers.has(buffer)) throw new SerializationError(path, 'this ArrayBuffer is transferred twice in one message');
    this.transfers.add(buffer);
    this.segments.push(buffer);
  }

  /** Defers `step(value)` to `keep()` (see `deferredSteps`). */
  defer(step: (value: object) => void, value: object): void {
    this.deferredSteps.push(step);
    this.deferredValues.push(value);
  }

  /** The message is whole and goes: the steps deferred while writing it take effect, in order. */
  keep(): void {
    const n = this.deferredSteps.length;
    if (n === 0) return;
    for (let i = 0; i < n; i++) this.deferredSteps[i](this.deferredValues[i]);
    this.deferredSteps.length = this.deferredValues.length = 0;
  }

  /** Finishes the message: records the inline length in its first 4 bytes; returns it. */
  finish(): number {
    setInlineLength(this.view, this.pos);
    let at = this.pos;
    for (const s of this.segments) at = align8(at) + s.byteLength;
    this.segmentBytes = at - this.pos;
    return this.pos;
  }

  /**
   * The segments as buffers of their own, for delivery on this PE: copies
   * of the copied ones, then the memory of the transferred ones, moved
   * (their senders' views are detached now). Undefined without segments.
   */
  takeParts(): ArrayBuffer[] | undefined {
    const n = this.segments.length;
    if (n === 0) return undefined;
    const parts = new Array<ArrayBuffer>(n);
    // Copies first: a copied view may share memory with a transferred buffer.
    for (let i = 0; i < n; i++) {
      const s = this.segments[i];
      if (!(s instanceof ArrayBuffer)) parts[i] = ownCopy(s);
    }
    for (let i = 0; i < n; i++) {
      const s = this.segments[i];
      if (s instanceof ArrayBuffer) parts[i] = moveBuffer(s);
    }
    return parts;
  }

  /** The whole message as a local message: the inline part copied (in the pool: see pooledCopy), the segments taken (see takeParts). */
  detachLocal(): LocalMessage {
    const inlineLength = this.finish();
    this.keep();
    const parts = this.takeParts();
    return { bytes: pooledCopy(this.buf, 0, inlineLength), parts };
  }
}

/**
 * Writes `s` at `at` if it is ASCII, in one pass (a check, then a copy,
 * read every character twice: each short string sent, object keys above
 * all); returns its length, or -1 (what was written is then overwritten).
 */
function writeAscii(buf: Buffer, s: string, at: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    buf[at + i] = c;
  }
  return s.length;
}
