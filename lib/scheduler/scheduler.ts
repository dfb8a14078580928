/**
 * The per-PE message loop. It drains MPI and the local queue, dispatches
 * each message to the handler of its kind, lets awaiting entry methods
 * resume between messages (a microtask checkpoint), yields to libuv often
 * enough for timers and stdin, and backs off to a short sleep when idle.
 */
import { mpi } from '../transport/binding';
import { Reader } from '../codec/reader';
import { Writer } from '../codec/writer';
import { Flag, Kind, bodyStart, flagsOf, isCounted, kindOf, rootOf, setRoot, traceIdOf } from '../codec/wire';
import { beginDelivery, endDelivery, profiling, recordIdle } from '../profiling/profile';
import { childrenOf } from '../tree';
import { resumption } from '../model/future';

export type Handler = (r: Reader) => void;

/** Keep polling without sleeping this long after the last message. */
const SPIN_MS = 2;
/** Longest stretch of work before letting libuv run timers and I/O. */
const SLICE_MS = 10;
/** Above this many bytes in incomplete sends, a sender waits for receivers (back-pressure)... */
const BACKPRESSURE_HIGH = 64 << 20;
/** ...until it is down to this. */
const BACKPRESSURE_LOW = 32 << 20;
/** MPI counts bytes in an int. */
const MAX_MESSAGE_BYTES = 0x7fffffff;
/** Longest tight poll of MPI before yielding to libuv. */
const SPIN_POLL_MS = 0.05;
/** Sleep between polls of an idle PE. */
const IDLE_SLEEP_MS = 1;
const ARENA_BYTES = 4 << 20;
const MAX_BATCH = 1024;

export interface PeCounters {
  /** Counted (non-system) messages created and processed, for quiescence. */
  created: number;
  processed: number;
  messagesSent: number;
  bytesSent: number;
  messagesReceived: number;
  bytesReceived: number;
  /** Milliseconds spent handling messages. */
  busyMs: number;
}

/**
 * Resolves once the microtask queue is empty: Node runs nextTick callbacks
 * only after draining every promise job, however long the chain of
 * then-callbacks between a completed future and the code awaiting it.
 */
function settle(): Promise<void> {
  resumption.pending = false;
  return new Promise((resolve) => process.nextTick(resolve));
}

export class Scheduler {
  readonly writer = new Writer();
  readonly counters: PeCounters = { created: 0, processed: 0, messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0, busyMs: 0 };
  private readonly handlers: Handler[] = new Array(Kind.Count);
  private readonly reader = new Reader();
  private readonly arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
  private readonly arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
  private readonly meta = new Int32Array(4 * MAX_BATCH);
  private readonly large: ArrayBuffer[] = [];
  private readonly local: Uint8Array[] = [];
  private localNext = 0;
  /** Messages received while throttled, not yet handled (they come before any later batch). */
  private readonly deferred: { bytes: Uint8Array; source: number }[] = [];
  private readonly spare = Buffer.allocUnsafeSlow(1 << 20);
  private readonly spareMeta = new Int32Array(4 * MAX_BATCH);
  private readonly spareLarge: ArrayBuffer[] = [];
  /** The MPI batch being dispatched: messages batchNext..batchSize-1 are still to go. */
  private batchSize = 0;
  private batchNext = 0;
  private running = false;
  private lastActivity = 0;
  private wakeSleeper: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  /** Called when a handler throws: the error escaped every entry-method guard. */
  onFatal: (error: unknown) => void = (e) => { throw e; };

  /**
   * @param oversubscribed more PEs than cores on this host: a waiting PE
   * then yields its core between polls rather than spinning on it.
   */
  constructor(readonly myPe: number, readonly numPes: number, private readonly oversubscribed = false) {}

  on(kind: Kind, handler: Handler): void {
    this.handlers[kind] = handler;
  }

  start(): void {
    this.running = true;
    this.lastActivity = performance.now();
    this.loop().catch((e) => this.onFatal(e));
  }

  stop(): void {
    this.running = false;
    this.wake();
  }

  /** Sends the message in `writer` (already begun and filled) to `dest`. */
  send(dest: number, flags: number = flagsOf(this.writer.buf)): void {
    const w = this.writer;
    const inlineLength = w.finish();
    const total = inlineLength + w.segmentBytes;
    if (total > MAX_MESSAGE_BYTES) {
      throw new RangeError(`charmts: a message of ${total} bytes exceeds MPI's limit of ${MAX_MESSAGE_BYTES} bytes; split the data into several calls`);
    }
    if (!(flags & Flag.System)) this.counters.created++;
    if (dest === this.myPe) {
      this.local.push(w.detach());
      this.wake();
      return;
    }
    this.counters.messagesSent++;
    this.counters.bytesSent += total;
    const pending = w.segments.length ? mpi.Send(dest, w.buf, inlineLength, w.segments) : mpi.Send(dest, w.buf, inlineLength);
    if (pending > BACKPRESSURE_HIGH) this.throttle();
  }

  /**
   * Back-pressure: waits until receivers have taken enough of this PE's
   * sends. Meanwhile it keeps receiving (into the deferred queue, handled
   * in order later) so that two PEs flooding each other cannot deadlock.
   */
  private throttle(): void {
    while (mpi.Progress() > BACKPRESSURE_LOW) {
      const n = mpi.Drain(this.spare, this.spareMeta, this.spareLarge, MAX_BATCH);
      for (let i = 0; i < n; i++) {
        const offset = this.spareMeta[4 * i + 1];
        const length = this.spareMeta[4 * i + 2];
        const bytes = offset >= 0 ? Uint8Array.prototype.slice.call(this.spare, offset, offset + length) : new Uint8Array(this.spareLarge[-1 - offset]);
        this.deferred.push({ bytes, source: this.spareMeta[4 * i] });
      }
      if (this.spareLarge.length) this.spareLarge.length = 0;
    }
  }

  /** Receives and dispatches once (shut-down keeps doing this while it waits). */
  pollOnce(): number {
    return this.step();
  }

  /** Sends the message in `writer` to every PE down the spanning tree rooted here. */
  broadcast(): void {
    this.broadcastMessage(this.writer.detach());
  }

  /** Sends a whole message (owned by the caller no longer) to every PE, rooted here. */
  broadcastMessage(whole: Uint8Array): void {
    setRoot(whole, this.myPe);
    if (isCounted(whole)) this.counters.created += this.numPes;
    this.forward(whole, this.myPe);
    this.local.push(whole);
    this.wake();
  }

  /** Sends a whole message as it is (forwarding an array call). */
  sendMessage(dest: number, whole: Uint8Array): void {
    if (isCounted(whole)) this.counters.created++;
    if (dest === this.myPe) {
      this.local.push(whole);
      this.wake();
      return;
    }
    this.counters.messagesSent++;
    this.counters.bytesSent += whole.length;
    if (mpi.Send(dest, whole, whole.length) > BACKPRESSURE_HIGH) this.throttle();
  }

  /** Passes a broadcast message on to this PE's children in the tree (throttled like any send). */
  private forward(message: Uint8Array, root: number): void {
    let pending = 0;
    for (const child of childrenOf(this.myPe, root, this.numPes)) {
      this.counters.messagesSent++;
      this.counters.bytesSent += message.length;
      pending = mpi.Send(child, message, message.length);
    }
    if (pending > BACKPRESSURE_HIGH) this.throttle();
  }

  /**
   * Delivers held messages now, in order, before anything that arrives
   * after them: messages that reached this PE before their target existed
   * (the caller has just created it). They were counted as processed when
   * first held, so that count is taken back.
   */
  deliverHeld(messages: readonly Uint8Array[]): void {
    for (const message of messages) {
      if (isCounted(message)) this.counters.processed--;
      const own = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
      // A reader of its own: this runs inside the handler of another message.
      this.dispatch(own, new DataView(own.buffer, own.byteOffset, own.byteLength), 0, own.length, true, this.myPe, new Reader());
    }
  }

  /** Wakes a sleeping loop (a local message or an exit arrived from outside it). */
  private wake(): void {
    if (this.wakeSleeper) {
      clearTimeout(this.sleepTimer);
      const wake = this.wakeSleeper;
      this.wakeSleeper = undefined;
      wake();
    }
  }

  /**
   * The loop. Dispatch is synchronous; it pauses for the microtask queue
   * only when a future completed (so awaiting code resumes before the next
   * message), yields to libuv every SLICE_MS, polls MPI in a tight loop
   * for up to SPIN_POLL_MS when nothing is there (a message usually follows
   * soon), keeps going through libuv turns for SPIN_MS after the last
   * message, then sleeps IDLE_SLEEP_MS at a time.
   */
  private async loop(): Promise<void> {
    let lastYield = performance.now();
    while (this.running) {
      let handled = this.step();
      if (handled === 0 && !resumption.pending) handled = this.spinPoll();
      if (resumption.pending) await settle();
      const now = performance.now();
      if (handled > 0) {
        this.lastActivity = now;
        if (now - lastYield < SLICE_MS) continue;
      }
      // Sends still in progress need this PE to keep calling MPI (large
      // messages move in pieces as both sides poll): no sleeping then.
      if (handled > 0 || now - this.lastActivity < SPIN_MS || mpi.PendingBytes() > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else {
        mpi.Progress();
        const sleepStart = performance.now();
        await new Promise<void>((resolve) => {
          this.wakeSleeper = resolve;
          this.sleepTimer = setTimeout(() => {
            this.wakeSleeper = undefined;
            resolve();
          }, IDLE_SLEEP_MS);
        });
        if (profiling.tracing) recordIdle(sleepStart, performance.now());
      }
      lastYield = performance.now();
    }
  }

  /** Polls MPI without yielding for a short while; returns the messages handled. */
  private spinPoll(): number {
    const start = performance.now();
    if (start - this.lastActivity > SPIN_MS) return 0;
    const until = start + SPIN_POLL_MS;
    do {
      // Read the clock once per 32 polls: a poll costs less than a clock reading.
      for (let i = 0; i < 32; i++) {
        const handled = this.step();
        if (handled > 0) return handled;
        if (this.oversubscribed) mpi.Yield();
      }
    } while (performance.now() < until);
    return 0;
  }

  /**
   * Dispatches what is waiting: the rest of the current MPI batch, then
   * the local queue, then a new MPI batch. Stops early when a future
   * completed, leaving the rest of the batch for the next step.
   */
  private step(): number {
    if (this.batchNext === this.batchSize && this.localNext === this.local.length && this.deferred.length === 0) {
      // Nothing in hand: the common idle poll costs one call and no clock reading.
      if (this.large.length) this.large.length = 0;
      this.batchSize = mpi.Drain(this.arena, this.meta, this.large, MAX_BATCH);
      this.batchNext = 0;
      if (this.batchSize === 0) return 0;
    }
    const started = performance.now();
    let handled = this.dispatchBatch();
    if (!resumption.pending) handled += this.dispatchDeferred();
    if (!resumption.pending) handled += this.dispatchLocal();
    if (!resumption.pending && this.batchNext === this.batchSize && this.deferred.length === 0) {
      if (this.large.length) this.large.length = 0;
      this.batchSize = mpi.Drain(this.arena, this.meta, this.large, MAX_BATCH);
      this.batchNext = 0;
      if (this.batchSize > 0) handled += this.dispatchBatch();
    }
    this.counters.busyMs += performance.now() - started;
    return handled;
  }

  private dispatchBatch(): number {
    const meta = this.meta;
    let handled = 0;
    while (this.batchNext < this.batchSize) {
      const i = this.batchNext++;
      const source = meta[4 * i];
      const offset = meta[4 * i + 1];
      const length = meta[4 * i + 2];
      this.counters.messagesReceived++;
      this.counters.bytesReceived += length;
      if (offset >= 0) {
        this.dispatch(this.arena, this.arenaView, offset, length, false, source);
      } else {
        const own = Buffer.from(this.large[-1 - offset]);
        this.dispatch(own, new DataView(own.buffer), 0, length, true, source);
      }
      handled++;
      if (resumption.pending) break;
    }
    return handled;
  }

  private dispatchDeferred(): number {
    let handled = 0;
    while (this.deferred.length > 0 && !resumption.pending) {
      const { bytes, source } = this.deferred.shift()!;
      const own = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.counters.messagesReceived++;
      this.counters.bytesReceived += own.length;
      this.dispatch(own, new DataView(own.buffer, own.byteOffset, own.byteLength), 0, own.length, true, source);
      handled++;
    }
    return handled;
  }

  private dispatchLocal(): number {
    let handled = 0;
    while (this.localNext < this.local.length) {
      const message = this.local[this.localNext++];
      const own = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
      this.dispatch(own, new DataView(own.buffer, own.byteOffset, own.byteLength), 0, own.length, true, this.myPe);
      handled++;
      if (resumption.pending) break;
    }
    if (this.localNext === this.local.length && this.localNext > 0) {
      this.local.length = 0;
      this.localNext = 0;
    }
    return handled;
  }

  private dispatch(buf: Buffer, view: DataView, base: number, length: number, owned: boolean, source: number, r = this.reader): void {
    const root = rootOf(buf, base);
    if (root >= 0 && source !== this.myPe) {
      // The arena is overwritten by the next drain, so a send that may still read it gets a copy.
      const message = owned ? buf.subarray(base, base + length) : Uint8Array.prototype.slice.call(buf, base, base + length);
      this.forward(message, root);
    }
    const kind = kindOf(buf, base);
    const flags = flagsOf(buf, base);
    r.reset(buf, view, base, length, owned, source);
    r.pos = bodyStart(buf, base);
    const traced = flags & Flag.Traced && profiling.tracing;
    if (traced) beginDelivery(traceIdOf(view, base));
    if (!(flags & Flag.System)) this.counters.processed++;
    const handler = this.handlers[kind];
    if (!handler) throw new Error(`charmts: PE ${this.myPe} received a message of unknown kind ${kind}`);
    handler(r);
    if (traced) endDelivery();
  }
}
