/**
 * The sending half of a PE's scheduler (the Scheduler extends it with the
 * receiving half, its loop). Where a message goes: to this PE, into the
 * local queue (localQueue.ts), copied into its slab while it fits and has
 * no segments, else in buffers of its own; to another PE, through the
 * outbox (outbox.ts: MPI and back-pressure). A broadcast goes down the
 * spanning tree rooted here: the outbox sends it to this PE's children
 * (each PE passes it on to its own as it arrives: scheduler.ts, dispatch),
 * and this PE's copy is queued locally. What quiescence detection counts
 * (quiescence.ts): a counted (non-system) message is created once it has
 * been sent, so that a call refused for bad input never existed; a
 * broadcast is created once per PE, the copies that will be processed.
 */
import { Writer, type LocalMessage } from '../codec/writer';
import { Flag, align8, flagsOf, isCounted, setRoot } from '../codec/wire';
import { LocalQueue } from './localQueue';
import { Outbox, type SendCounters } from './outbox';
import { doubleFields } from '../shapes';

/** MPI counts bytes in an int. */
const MAX_MESSAGE_BYTES = 0x7fffffff;

export interface PeCounters extends SendCounters {
  /** Counted (non-system) messages created and processed, for quiescence. */
  created: number;
  processed: number;
  messagesReceived: number;
  bytesReceived: number;
  /** Milliseconds spent handling messages. */
  busyMs: number;
}

export class Sender {
  readonly writer = new Writer();
  readonly counters: PeCounters = doubleFields({ created: 0, processed: 0, messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0, busyMs: 0 });
  /**
   * A message was sent since the loop last looked (waiting.ts, spin: the
   * reply is likely soon, so that counts as activity).
   */
  protected readonly activity = { sent: false };
  /** Messages this PE sent itself. */
  protected readonly local = new LocalQueue();
  /** Sends to other PEs, and back-pressure. */
  protected readonly outbox: Outbox;

  /** `fatal`: for a send that failed half done (outbox.ts). */
  constructor(readonly myPe: number, readonly numPes: number, fatal: (error: unknown) => void) {
    this.outbox = new Outbox(myPe, numPes, this.counters, fatal);
  }

  /** Sends the message in `writer` (already begun and filled) to `dest`. */
  send(dest: number, flags: number = flagsOf(this.writer.buf)): void {
    const w = this.writer;
    const inlineLength = w.finish();
    const total = inlineLength + w.segmentBytes;
    if (total > MAX_MESSAGE_BYTES) {
      throw new RangeError(`charmts: a message of ${total} bytes exceeds MPI's limit of ${MAX_MESSAGE_BYTES} bytes; split the data into several calls`);
    }
    w.keep();
    if (dest === this.myPe) {
      // In the local slab while it fits.
      if (w.segments.length > 0 || !this.local.copy(w.buf, w.view, inlineLength)) this.local.push(w.detachLocal());
    } else {
      this.outbox.send(dest, w.buf, inlineLength, w.segments, total);
    }
    // Counted once sent: a call that failed (bad input) never existed.
    if (!(flags & Flag.System)) this.counters.created++;
    this.activity.sent = true;
  }

  /** The local queue's end now: a mark that localPassed(mark) says when every message queued before it has been taken. */
  localMark(): number {
    return this.local.mark();
  }

  /** Every message this PE queued for itself before `mark` (localMark) has been taken from the local queue. */
  localPassed(mark: number): boolean {
    return this.local.passed(mark);
  }

  /**
   * Sends the message in `writer` to every PE down the spanning tree rooted
   * here, and queues this PE's copy (in the local slab while it fits, as
   * send does: a buffer of its own per broadcast was a seventh of an
   * allreduce's CPU time at np 1, whose result PE 0 broadcasts).
   */
  broadcast(): void {
    const w = this.writer;
    const inlineLength = w.finish();
    const total = inlineLength + w.segmentBytes;
    if (total > MAX_MESSAGE_BYTES) throw new RangeError(`charmts: a broadcast of ${total} bytes exceeds MPI's limit of ${MAX_MESSAGE_BYTES} bytes; split the data into several calls`);
    w.keep();
    if (w.segments.length > 0) {
      this.broadcastLocal(w.detachLocal());
      return;
    }
    // Sent from the writer (the binding copies it), then copied for this PE: off the way to the children.
    setRoot(w.buf, this.myPe);
    this.outbox.forward(w.buf, inlineLength, undefined, this.myPe);
    if (!this.local.copy(w.buf, w.view, inlineLength)) {
      this.queueOwnCopy(w.detachLocal());
      return;
    }
    if (isCounted(w.buf)) this.counters.created += this.numPes;
  }

  /** Sends a whole message (owned by the caller no longer) to every PE, rooted here. */
  broadcastMessage(whole: Uint8Array): void {
    this.broadcastLocal({ bytes: whole, parts: undefined });
  }

  private broadcastLocal(message: LocalMessage): void {
    setRoot(message.bytes, this.myPe);
    this.outbox.forward(message.bytes, message.bytes.length, message.parts, this.myPe);
    this.queueOwnCopy(message);
  }

  /** Queues this PE's copy of a broadcast rooted here (sent on to the children already); QD counts every PE's copy. */
  private queueOwnCopy(message: LocalMessage): void {
    if (isCounted(message.bytes)) this.counters.created += this.numPes;
    this.local.push(message);
  }

  /**
   * Sends a message held whole (forwarding an array call), or taken from the
   * writer with its segments as buffers of its own (`detachLocal`, to send
   * it after another message), throttled like any send. The parts go with
   * it without another copy.
   */
  sendMessage(dest: number, whole: Uint8Array, parts?: ArrayBuffer[]): void {
    if (dest === this.myPe) {
      this.local.push({ bytes: whole, parts });
    } else {
      let bytes = whole.length;
      for (const part of parts ?? []) bytes = align8(bytes) + part.byteLength;
      this.outbox.send(dest, whole, whole.length, parts, bytes);
    }
    if (isCounted(whole)) this.counters.created++;
  }
}
