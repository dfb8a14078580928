/**
 * The local queue: the messages a PE sends itself (calls to chares on this
 * PE, its own copy of a broadcast rooted here), in the order sent. The
 * scheduler dispatches them between MPI batches (see its dispatchLocal).
 * Small ones without segments are copied into the local slab (slab.ts)
 * rather than into buffers of their own. A slot is let go as it is handed
 * out: a PE sending itself a chain of calls never empties the queue, and
 * it held 2000 x 1 MiB, 2 GB, until the chain ended.
 */
import type { LocalMessage } from '../codec/writer';
import { LocalSlab } from './slab';
import { objectArray } from '../shapes';
import { emptyList } from '../emptyList';

/** A slot once handed out; from this many at the head (and half of the queue), they are dropped. */
const SPENT: LocalMessage = { bytes: new Uint8Array(0), parts: undefined };
const COMPACT_AT = 1024;
/**
 * Bytes of the local slab, which local messages without segments go into
 * while they fit: room for a queue of some 250 halos of 2 KiB (a 256 x 256
 * Jacobi block's edge), which a PE of a stencil keeps queued.
 */
const SLAB_BYTES = 512 << 10;

/** A local message in the slab: bytes [base, base + length) of it. */
export interface SlabMessage {
  bytes: Buffer;
  parts: undefined;
  base: number;
  length: number;
}

export class LocalQueue {
  readonly slab = new LocalSlab(SLAB_BYTES);
  private readonly messages = objectArray<LocalMessage | SlabMessage>();
  /** The next message to hand out. */
  private next = 0;
  /** Messages dropped from the head so far (settle): with `next`, how many were ever handed out. */
  private dropped = 0;

  /** Whether messages wait (they come before any queued now). */
  hasWork(): boolean {
    return this.next < this.messages.length;
  }

  /** The queue's end now, counted from its first message ever: passed(mark) says when every message queued before it has been handed out. */
  mark(): number {
    return this.dropped + this.messages.length;
  }

  /** Every message queued before `mark` (see mark) has been handed out. */
  passed(mark: number): boolean {
    return this.dropped + this.next >= mark;
  }

  /** Queues a message in buffers of its own (the queue owns them now). */
  push(message: LocalMessage): void {
    this.messages.push(message);
  }

  /** Queues a copy of the first `length` bytes of `buf` in the slab; false (nothing queued) when they do not fit. */
  copy(buf: Buffer, view: DataView, length: number): boolean {
    const base = this.slab.put(buf, view, length);
    if (base < 0) return false;
    this.messages.push({ bytes: this.slab.bytes, parts: undefined, base, length });
    return true;
  }

  /** The next message (call only when hasWork()); a slab message's space is the caller's to give back (slab.done) once handled. */
  take(): LocalMessage | SlabMessage {
    const message = this.messages[this.next];
    this.messages[this.next++] = SPENT;
    return message;
  }

  /** A message copied into the slab, not one in buffers of its own. */
  inSlab(message: LocalMessage | SlabMessage): message is SlabMessage {
    return message.bytes === this.slab.bytes;
  }

  /**
   * After a pass over the queue (the caller's, per message only take and
   * hasWork: this keeps them small enough for V8 to inline into the
   * scheduler's loop together with the dispatch): once every message is
   * handed out, the list starts again empty; a queue that never empties
   * drops its spent slots from the head.
   */
  settle(): void {
    const messages = this.messages;
    if (this.next === messages.length && this.next > 0) {
      emptyList(messages);
      this.dropped += this.next;
      this.next = 0;
    } else if (this.next >= COMPACT_AT && this.next * 2 >= messages.length) {
      messages.splice(0, this.next);
      this.dropped += this.next;
      this.next = 0;
    }
  }
}
