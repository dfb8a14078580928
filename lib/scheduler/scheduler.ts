/**
 * The per-PE message loop, the receiving half of the scheduler (sends.ts
 * is the sending half). It drains MPI and the local queue, dispatches
 * each message to the handler of its kind, lets awaiting entry methods
 * resume between messages (a microtask checkpoint), yields to libuv at
 * least every SLICE_MS for timers and stdin, and waits for messages as
 * waiting.ts says when there is nothing to do.
 */
import { performance } from '../clock';
import { META_FIELDS, mpi } from '../transport/binding';
import { Reader } from '../codec/reader';
import { heldBuffer, heldView, useWarmCopies } from '../codec/memory';
import { Flag, Kind, bodyStart, flagsOf, isCounted, kindOf, methodOf, rootOf, traceIdOf } from '../codec/wire';
import { messageName } from '../codec/messageNames';
import { beginDelivery, endDelivery, profiling } from '../profiling/profile';
import { resumption } from '../model/future';
import { dispatchClock } from '../model/activity';
import { SLICE_MS, Waiting } from './waiting';
import { MAX_BATCH, type DeferredMessage } from './outbox';
import { Sender } from './sends';
import { doubleFields, objectArray } from '../shapes';

// Taken once: `process` is a global accessor too, and a dictionary-mode
// object, so `process.nextTick` cost a getter call and a generic property
// load (about 200 instructions) at every resumption.
const { nextTick } = process;

export type { PeCounters } from './sends';

export type Handler = (r: Reader) => void;

const ARENA_BYTES = 4 << 20;
/** Longest pass over the local queue before MPI is drained again (see dispatchLocal); a 256 x 256 Jacobi block relaxes in about 0.2 ms. */
const LOCAL_PASS_MS = 0.25;

/**
 * @internal Tests only (not in lib/index.ts; test/tools/shakeOrder.ts): the
 * local pass's bound in ms (0: one local message, then MPI is drained), and
 * `mpiFirst`: MPI is drained and dispatched before every local message.
 */
export const localPass = { ms: LOCAL_PASS_MS, mpiFirst: false };

const settled = Promise.resolve();

/**
 * performance.now() less libuv's clock (process.hrtime, in ms), which the
 * binding reads as it takes messages: the closest of a few paired
 * readings (within about 0.1 us).
 */
function nowLessHrtime(): number {
  let closest = Infinity;
  let offset = 0;
  for (let i = 0; i < 16; i++) {
    const before = performance.now();
    const hrtime = Number(process.hrtime.bigint()) / 1e6;
    const after = performance.now();
    if (after - before < closest) {
      closest = after - before;
      offset = (before + after) / 2 - hrtime;
    }
  }
  return offset;
}

/** Bytes of a message's segments (counted with its inline part, as a send counts them). */
function partBytes(parts: ArrayBuffer[]): number {
  let n = 0;
  for (const part of parts) n += part.byteLength;
  return n;
}

export class Scheduler extends Sender {
  private readonly handlers: Handler[] = new Array(Kind.Count);
  private readonly reader = new Reader();
  private readonly arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
  private readonly arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
  private readonly meta = new Int32Array(META_FIELDS * MAX_BATCH);
  /** When the last Drain that delivered took its messages, on libuv's clock (ms; see mpi.Drain). */
  private readonly arrival = new Float64Array(1);
  /** performance.now() less libuv's clock, to read `arrival` on performance.now()'s. */
  private readonly clockOffset = nowLessHrtime();
  private readonly large = objectArray<ArrayBuffer>();
  /** The outbox's messages received while throttled, not yet handled (they come before any later batch). */
  private readonly deferred: DeferredMessage[] = this.outbox.deferred;
  /** The MPI batch being dispatched: messages batchNext..batchSize-1 are still to go. */
  private batchSize = 0;
  private batchNext = 0;
  /** When MPI was last drained (performance.now() ms; drainStale). */
  private drainedAt = -Infinity;
  private running = false;
  /**
   * When the busy time not yet charged to busyMs began (the next clock
   * reading ends it), or -1: the dispatches of a step, and from the loop's
   * return to libuv to its next turn, when this PE runs the program's code
   * that no message dispatched (an async entry method resumed by a future,
   * a microtask or a timer); the loop's own waits are inside it.
   */
  private busySince = -1;
  /** The latest clock reading of the last step that dispatched (its last entry method's end), or -1. */
  private stepEnd = -1;
  /** When the loop last let libuv run (timers, stdin); a microtask checkpoint does not count. */
  private lastYield = 0;
  private yielded = true;
  private readonly waiting: Waiting;
  /** Called when a handler throws (the error escaped every entry-method guard) or a send failed half done. */
  onFatal: (error: unknown) => void = (e) => { throw e; };

  private readonly inbox: number;

  /**
   * @param oversubscribed more PEs than cores on this host: a waiting PE
   * then yields its core between polls rather than spinning on it.
   */
  constructor(myPe: number, numPes: number, oversubscribed = false) {
    super(myPe, numPes, (error) => this.onFatal(error));
    doubleFields(this, ['busySince', 'stepEnd', 'lastYield']);
    useWarmCopies((view) => mpi.Copy(view));
    this.waiting = new Waiting(() => this.step(), this.activity, oversubscribed);
    this.inbox = mpi.Inbox(this.arena, this.meta, this.large, this.arrival);
  }

  on(kind: Kind, handler: Handler): void {
    this.handlers[kind] = handler;
  }

  /**
   * Keeps every message of the other kinds than `pass`, in arrival order,
   * until the returned function is called, which delivers them and
   * restores the handlers (the handlers are swapped, so nothing is checked
   * per message). Counted as processed when kept, as deliverHeld expects.
   */
  holdAllBut(pass: readonly Kind[]): () => void {
    const handlers = this.handlers.slice();
    const held: Uint8Array[] = [];
    const keep: Handler = (r) => void held.push(r.copyMessage());
    for (let kind = 0; kind < handlers.length; kind++) if (!pass.includes(kind)) this.handlers[kind] = keep;
    return () => {
      for (let kind = 0; kind < handlers.length; kind++) this.handlers[kind] = handlers[kind];
      this.deliverHeld(held);
    };
  }

  start(): void {
    this.running = true;
    this.waiting.lastActivity = performance.now();
    setImmediate(this.turn);
  }

  stop(): void {
    this.running = false;
  }

  /** Receives and dispatches once (shut-down keeps doing this while it waits). */
  pollOnce(): number {
    const handled = this.step();
    this.chargeBusy(performance.now());
    return handled;
  }

  /** Charges the busy time since busySince, up to `now`, to busyMs. */
  private chargeBusy(now: number): void {
    if (this.busySince < 0) return;
    this.counters.busyMs += now - this.busySince;
    this.busySince = -1;
  }

  /**
   * Delivers held messages now, in order, before anything that arrives
   * after them: messages that reached this PE before their target existed
   * (the caller has just created it), or that waited for something else
   * (calls a home held behind a deletion). They were counted as processed
   * when first held, so that count is taken back.
   */
  deliverHeld(messages: readonly Uint8Array[]): void {
    for (const message of messages) {
      if (isCounted(message)) this.counters.processed--;
      const own = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
      // A reader of its own: this runs inside the handler of another message.
      this.dispatch(own, new DataView(own.buffer, own.byteOffset, own.byteLength), 0, own.length, true, this.myPe, undefined, new Reader());
    }
  }

  /**
   * One run of the loop, from a libuv callback (setImmediate or the
   * microtask checkpoint); bound once, so that going round
   * allocates as little as possible.
   */
  private readonly turn = (): void => {
    try {
      this.run();
    } catch (error) {
      this.onFatal(error);
    }
  };

  /**
   * Runs the loop again once the microtask queue is empty, however long the
   * chain of then-callbacks between a completed future and the code
   * awaiting it: a nextTick callback queued from a promise job runs only
   * after every promise job has run (queued from a libuv callback, before
   * them). Bound once: no promise and closures per resumption.
   */
  private readonly turnAfterMicrotasks = (): void => {
    nextTick(this.turn);
  };

  /**
   * The loop. Dispatch is synchronous; it pauses for the microtask queue
   * only when a future completed (so awaiting code resumes before the next
   * message), yields to libuv every SLICE_MS, and otherwise waits as
   * waiting.ts says: a tight poll, polling through libuv turns for the
   * spin window, then sleeps in the binding.
   */
  private run(): void {
    // One clock reading per round of the loop (each costs 60-120 ns here):
    // it ends the round's dispatches and starts the next round's spin.
    let now = performance.now();
    this.chargeBusy(now); // since the loop's return
    if (this.yielded) {
      this.lastYield = now;
      this.yielded = false;
    }
    const waiting = this.waiting;
    // A reading just taken, for the next step to start its dispatches at (-1: none; it reads the clock).
    let fresh = now;
    while (this.running) {
      let handled = this.step(fresh);
      fresh = -1;
      if (handled === 0 && !resumption.pending) handled = waiting.spin(now);
      // A step that dispatched read the clock last as its last entry method ended: no reading more per message.
      now = handled > 0 && this.stepEnd >= 0 ? this.stepEnd : performance.now();
      this.chargeBusy(now);
      if (handled > 0) waiting.handled(now);
      if (resumption.pending) {
        resumption.pending = false;
        if (now - this.lastYield < SLICE_MS) {
          // A promise job rather than queueMicrotask, which makes an AsyncResource
          // and a bound function per call (a twentieth of an allreduce's CPU at np 1).
          void settled.then(this.turnAfterMicrotasks);
          this.busySince = now;
          return;
        }
        // A slice of resumptions: the loop goes on from libuv, not from the
        // microtask queue, or timers and I/O never run while each message
        // completes a future whose awaiting code sends the next (elements
        // looping on an awaited allReduce at np 1, main awaiting local
        // calls). The awaiting code still resumes first, as this callback ends.
        this.yielded = true;
        setImmediate(this.turn);
        this.busySince = now;
        return;
      }
      if (handled > 0 && now - this.lastYield < SLICE_MS) {
        fresh = now;
        continue;
      }
      // Sends and receives in progress need this PE to keep calling MPI
      // (large messages move as both sides poll): no sleeping then.
      if (handled > 0 || waiting.spinning(now) || mpi.PendingBytes() > 0 || mpi.Receiving() > 0) {
        waiting.awake();
      } else if (!this.local.hasWork()) {
        // A message woke this PE: handle it now, not after a libuv turn.
        const woke = waiting.sleep(now);
        if (woke >= 0 && woke - this.lastYield < SLICE_MS) {
          fresh = woke;
          continue;
        }
        // The sleep was idle time: what follows it is not.
        now = woke >= 0 ? woke : performance.now();
      }
      this.yielded = true;
      setImmediate(this.turn);
      this.busySince = now;
      return;
    }
  }

  /**
   * Dispatches what is waiting: the rest of the current MPI batch, then
   * the local queue, then a new MPI batch. Stops early when a future
   * completed, leaving the rest of the batch for the next step. `now`: a
   * clock reading the caller has just taken (the loop's), or -1.
   */
  private step(now = -1): number {
    let started = now;
    let drained = false;
    if (this.batchNext === this.batchSize && !this.local.hasWork() && this.deferred.length === 0) {
      // Nothing in hand: the common idle poll costs one call and no clock reading.
      // It takes one message: the binding returns as soon as it has one,
      // instead of probing MPI once more (about 450 instructions, a sixth
      // of the binding's share of a small message) before the entry
      // method that waited for it can run. Whatever else came is taken in
      // a batch after it (drainAgain).
      if (this.large.length) this.large.length = 0;
      this.batchSize = mpi.Drain(this.inbox, 1);
      this.batchNext = 0;
      if (this.batchSize === 0) return 0;
      drained = true;
      // The binding read the clock as it took them: no reading here before the first entry method runs.
      if (started < 0) started = this.arrival[0] + this.clockOffset;
    }
    // Charged to busyMs by the caller's next clock reading. The loop's own reading
    // serves when it has one: one reading less in each awaited call at np 1.
    if (started < 0) started = performance.now();
    if (drained) this.drainedAt = started;
    else if (started - this.drainedAt >= localPass.ms) this.drainStale(started);
    if (this.busySince < 0) this.busySince = started;
    dispatchClock.at = started;
    let handled = this.dispatchBatch();
    if (!resumption.pending) handled += this.dispatchDeferred();
    if (!resumption.pending) handled += this.dispatchLocal();
    handled += this.drainAgain();
    this.stepEnd = dispatchClock.at;
    dispatchClock.at = -1;
    return handled;
  }

  private dispatchBatch(): number {
    const meta = this.meta;
    let handled = 0;
    while (this.batchNext < this.batchSize) {
      const at = META_FIELDS * this.batchNext++;
      const source = meta[at];
      const offset = meta[at + 1];
      const length = meta[at + 2];
      const count = meta[at + 3];
      const parts = count ? this.large.slice(meta[at + 4], meta[at + 4] + count) : undefined;
      this.counters.messagesReceived++;
      this.counters.bytesReceived += parts ? length + partBytes(parts) : length;
      if (offset >= 0) {
        this.dispatch(this.arena, this.arenaView, offset, length, false, source, parts);
      } else {
        const own = Buffer.from(this.large[-1 - offset]);
        this.dispatch(own, new DataView(own.buffer), 0, length, true, source, parts);
      }
      handled++;
      if (resumption.pending) break;
    }
    return handled;
  }

  private dispatchDeferred(): number {
    let handled = 0;
    while (this.deferred.length > 0 && !resumption.pending) {
      const { bytes, parts, source } = this.deferred.shift()!;
      const own = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.counters.messagesReceived++;
      this.counters.bytesReceived += parts ? own.length + partBytes(parts) : own.length;
      this.dispatch(own, new DataView(own.buffer, own.byteOffset, own.byteLength), 0, own.length, true, source, parts);
      handled++;
    }
    return handled;
  }

  /**
   * Dispatches local messages for up to LOCAL_PASS_MS (one at least); the
   * rest wait until MPI has been drained. A PE whose entry methods keep
   * sending to elements on it (neighbours in a stencil) never empties its
   * queue: drained to the end, it left messages from other PEs (halos,
   * broadcasts another PE's progress waits on) in MPI until its whole wave
   * of local work was done, and at np 2 the PEs took turns waiting for
   * each other (a chain of calls a chare sends itself held them for good).
   * Charm++'s scheduler likewise polls the network between local messages.
   */
  private dispatchLocal(): number {
    let handled = 0;
    const local = this.local;
    // dispatchClock.at: the end of the last entry method (no clock reading more per message).
    const from = dispatchClock.at;
    let fromMpi = 0;
    while (local.hasWork() && (handled === 0 || dispatchClock.at - from < localPass.ms)) {
      if (localPass.mpiFirst) {
        fromMpi += this.drainFirst();
        if (resumption.pending) break;
      }
      const message = local.take();
      if (local.inSlab(message)) {
        const slab = local.slab;
        this.dispatch(slab.bytes, slab.view, message.base, message.length, false, this.myPe, undefined);
        slab.done(message.base, message.length);
      } else {
        // A copy of its own, read through its pool slab's shared Buffer and view (codec/memory.ts): none made per message.
        const { bytes, parts } = message;
        this.dispatch(heldBuffer(bytes), heldView(bytes), bytes.byteOffset, bytes.byteLength, true, this.myPe, parts);
      }
      handled++;
      if (resumption.pending) break;
    }
    local.settle();
    return handled + fromMpi;
  }

  /** localPass.mpiFirst (tests): what MPI holds is dispatched before the next local message. */
  private drainFirst(): number {
    let handled = this.dispatchBatch();
    if (!resumption.pending) handled += this.dispatchDeferred();
    return handled + this.drainAgain();
  }

  /** Once the batch in hand and the deferred messages are dispatched: a new batch from MPI, dispatched. */
  private drainAgain(): number {
    if (resumption.pending || this.batchNext !== this.batchSize || this.deferred.length > 0) return 0;
    this.takeBatch(dispatchClock.at);
    return this.batchSize > 0 ? this.dispatchBatch() : 0;
  }

  /**
   * A step that begins with local work takes a batch from MPI first when
   * the last was taken LOCAL_PASS_MS ago or more. Each local call that
   * completes a future ends its step before drainAgain (the awaiting
   * method resumes first), so a chain of awaited calls to chares on this
   * PE never reached drainAgain: a reply from another PE waited for the
   * whole chain (200 calls of 2 ms: 400 ms, where the reply took 1).
   */
  private drainStale(now: number): void {
    if (this.batchNext !== this.batchSize || this.deferred.length > 0) return;
    this.takeBatch(now);
    // Open MPI's first probe after a stretch without polling only moves what came into its queues (see binding/wake.cc).
    if (this.batchSize === 0) this.takeBatch(now);
  }

  /** Takes up to MAX_BATCH messages from MPI into the inbox (the batch in hand is done); `now`: a recent clock reading. */
  private takeBatch(now: number): void {
    if (this.large.length) this.large.length = 0;
    this.batchSize = mpi.Drain(this.inbox, MAX_BATCH);
    this.batchNext = 0;
    this.drainedAt = now;
  }

  private dispatch(buf: Buffer, view: DataView, base: number, length: number, owned: boolean, source: number, parts: ArrayBuffer[] | undefined, r = this.reader): void {
    const root = rootOf(buf, base);
    // The binding copies what it sends before returning, so forwarding straight from the arena is safe.
    if (root >= 0 && source !== this.myPe && this.outbox.childrenOf(root).length > 0) this.outbox.forward(buf.subarray(base, base + length), length, parts, root);
    const kind = kindOf(buf, base);
    const flags = flagsOf(buf, base);
    r.reset(buf, view, base, length, owned, source, parts);
    r.pos = bodyStart(buf, base);
    const traced = flags & Flag.Traced && profiling.tracing;
    if (traced) beginDelivery(traceIdOf(view, base), messageName(kind, methodOf(buf, base)));
    if (!(flags & Flag.System)) this.counters.processed++;
    const handler = this.handlers[kind];
    if (!handler) throw new Error(`charmts: PE ${this.myPe} received a message of unknown kind ${kind}`);
    handler(r);
    if (traced) endDelivery();
  }
}
