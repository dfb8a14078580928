/**
 * A PE's sends to other PEs: hands messages to MPI and counts them,
 * forwards broadcasts down the spanning tree, and applies back-pressure.
 * Which messages stay on the PE (the local queue, localQueue.ts) is the
 * scheduler's decision; everything that leaves goes through here.
 *
 * Back-pressure: above BACKPRESSURE_HIGH bytes of incomplete sends, a
 * sender waits until its receivers have taken enough of them. Meanwhile it
 * keeps receiving, into a queue of its own (`deferred`, which the
 * scheduler dispatches before any later batch), so that two PEs flooding
 * each other cannot deadlock.
 */
import { META_FIELDS, mpi } from '../transport/binding';
import type { LocalMessage } from '../codec/writer';
import { align8 } from '../codec/wire';
import { childrenOf } from '../tree';
import { objectArray } from '../shapes';

/** Most messages taken from MPI in one drain (the scheduler's, and the back-pressure's here). */
export const MAX_BATCH = 1024;
/** Above this many bytes in incomplete sends, a sender waits for receivers (back-pressure)... */
const BACKPRESSURE_HIGH = 64 << 20;
/** ...until it is down to this. */
const BACKPRESSURE_LOW = 32 << 20;

/** The scheduler's counters of what this PE sent (PeCounters). */
export interface SendCounters {
  messagesSent: number;
  bytesSent: number;
}

/** A message received while the PE waited for its receivers (throttle), not yet handled. */
export type DeferredMessage = LocalMessage & { source: number };

export class Outbox {
  /** Messages received while throttled, not yet handled (they come before any later batch). */
  readonly deferred = objectArray<DeferredMessage>();
  private readonly spare = Buffer.allocUnsafeSlow(1 << 20);
  private readonly spareMeta = new Int32Array(META_FIELDS * MAX_BATCH);
  private readonly spareLarge = objectArray<ArrayBuffer>();
  private readonly spareInbox: number;
  private readonly children: (readonly number[] | undefined)[] = [];

  /** `fatal`: the scheduler's onFatal, for a send that failed half done. */
  constructor(
    private readonly myPe: number,
    private readonly numPes: number,
    private readonly counters: SendCounters,
    private readonly fatal: (error: unknown) => void,
  ) {
    this.spareInbox = mpi.Inbox(this.spare, this.spareMeta, this.spareLarge);
  }

  /**
   * Sends the first `length` bytes of `bytes` and `segments` (`total`
   * bytes in all, as counted) to `dest`, throttled. The binding copies
   * `bytes` before it returns; the segments go as they are.
   */
  send(dest: number, bytes: Uint8Array, length: number, segments: readonly (ArrayBufferView | ArrayBuffer)[] | undefined, total: number): void {
    const pending = this.transmit(dest, bytes, length, segments);
    this.counters.messagesSent++;
    this.counters.bytesSent += total;
    // What was pending before this message: one message larger than the limit does not wait for itself.
    if (pending - total > BACKPRESSURE_HIGH) this.throttle();
  }

  /** This PE's children in the spanning tree rooted at each PE, made at the first broadcast from that root (a list per message showed at np 1). */
  childrenOf(root: number): readonly number[] {
    return (this.children[root] ??= childrenOf(this.myPe, root, this.numPes));
  }

  /**
   * Passes a broadcast message (the first `length` bytes of `inline`) on to
   * this PE's children in the tree, throttled like any send. The segments
   * are copied (this PE's receiver gets the buffers themselves).
   */
  forward(inline: Uint8Array, length: number, parts: ArrayBuffer[] | undefined, root: number): void {
    const children = this.childrenOf(root);
    if (children.length === 0) return;
    const copies = parts?.map((part) => new Uint8Array(part));
    let bytes = length;
    for (const part of parts ?? []) bytes = align8(bytes) + part.byteLength;
    let pending = 0;
    for (const child of children) {
      pending = this.transmit(child, inline, length, copies);
      this.counters.messagesSent++;
      this.counters.bytesSent += bytes;
    }
    // As in send: what was pending before this broadcast decides.
    if (pending - children.length * bytes > BACKPRESSURE_HIGH) this.throttle();
  }

  /**
   * Hands a message to MPI; returns the bytes pending in incomplete sends.
   * Errors are the caller's (a buffer that cannot be transferred, say),
   * except those that leave a message half sent: the job cannot go on
   * after those.
   */
  private transmit(dest: number, bytes: Uint8Array, length: number, segments?: readonly (ArrayBufferView | ArrayBuffer)[]): number {
    try {
      return segments && segments.length ? mpi.Send(dest, bytes, length, segments as (ArrayBufferView | ArrayBuffer)[]) : mpi.Send(dest, bytes, length);
    } catch (error) {
      if ((error as { fatal?: boolean }).fatal) this.fatal(error);
      throw error;
    }
  }

  /** Back-pressure: waits until receivers have taken enough of this PE's sends, receiving meanwhile into `deferred`. */
  private throttle(): void {
    while (mpi.Progress() > BACKPRESSURE_LOW) {
      const n = mpi.Drain(this.spareInbox, MAX_BATCH);
      const meta = this.spareMeta;
      for (let i = 0; i < n; i++) {
        const at = META_FIELDS * i;
        const source = meta[at];
        const offset = meta[at + 1];
        const length = meta[at + 2];
        const count = meta[at + 3];
        const parts = count ? this.spareLarge.slice(meta[at + 4], meta[at + 4] + count) : undefined;
        const bytes = offset >= 0 ? Uint8Array.prototype.slice.call(this.spare, offset, offset + length) : new Uint8Array(this.spareLarge[-1 - offset], 0, length);
        this.deferred.push({ bytes, parts, source });
      }
      if (this.spareLarge.length) this.spareLarge.length = 0;
    }
  }
}
