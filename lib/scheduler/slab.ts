// The local slab: small local messages (those without segments) are copied
// into it, not into buffers of their own (an ArrayBuffer and two views per
// message cost about 1 us, as much as the rest of a local call), and are
// handled as received ones are: not owned, read during their handler only.
//
// A ring. The local queue takes its slab messages in order, so the space of
// each is free again once its handler returns. The queued messages lie from
// `head` to `end`, or, once wrapped, from `head` to the top and then from 0
// to `end`; a message that fits in neither gap gets a buffer of its own.
// (Reused only when the local queue was empty, the slab of a stencil's PE,
// whose queue never empties, filled once and stayed full.)
//
// The broadcasts an array keeps for arriving elements, dropped in the order
// they came, are kept in such a ring too (collections/broadcasts.ts).
import { align8 } from '../codec/wire';

/**
 * Up to this many bytes a message is copied four bytes at a time through
 * DataViews: Buffer.copy makes a view of the source range per call, 140-185
 * ns for 48-96 B here against 40-65 for the words (a quarter of a local
 * message's handling; an awaited broadcast copies twice on PE 0, its own
 * copy and the one its history keeps; half of migration's self-call after
 * each arrival). Equal at about 256 B.
 */
const COPY_BY_WORDS = 192;

/** Copies `length` bytes from `from` at `start` to `to` at `at`. */
function copyWords(from: DataView, start: number, to: DataView, at: number, length: number): void {
  let i = 0;
  for (; i + 4 <= length; i += 4) to.setInt32(at + i, from.getInt32(start + i, true), true);
  for (; i < length; i++) to.setUint8(at + i, from.getUint8(start + i));
}

export class LocalSlab {
  readonly bytes: Buffer;
  readonly view: DataView;
  /** Where the next message goes (before 8-byte alignment). */
  private end = 0;
  /** The end of the last message handled: the queued ones start here. */
  private head = 0;
  /** Messages queued or being handled. */
  private queued = 0;
  /** The newest messages went to the start, before the oldest ones. */
  private wrapped = false;

  constructor(readonly size: number) {
    this.bytes = Buffer.allocUnsafeSlow(size);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /**
   * Copies bytes [start, start + length) of `from` (read through `fromView`,
   * a view of the same memory) in and returns where they went, or -1 when
   * they do not fit now.
   */
  put(from: Buffer, fromView: DataView, length: number, start = 0): number {
    const base = this.place(length);
    if (base < 0) return -1;
    if (length <= COPY_BY_WORDS) copyWords(fromView, start, this.view, base, length);
    else from.copy(this.bytes, base, start, start + length);
    this.end = base + length;
    this.queued++;
    return base;
  }

  /** The handler of the message at [base, base + length) has returned: its space is free. */
  done(base: number, length: number): void {
    if (--this.queued === 0) {
      this.end = this.head = 0;
      this.wrapped = false;
      return;
    }
    // The first message after the wrap: the queued ones lie in order again.
    if (this.wrapped && base < this.head) this.wrapped = false;
    this.head = base + length;
  }

  private place(length: number): number {
    const base = align8(this.end);
    if (this.wrapped) return base + length <= this.head ? base : -1;
    if (base + length <= this.size) return base;
    // Wrap to the start, below the oldest message still queued.
    if (length > this.head) return -1;
    this.wrapped = true;
    return 0;
  }
}
