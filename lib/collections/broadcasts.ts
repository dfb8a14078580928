/**
 * The broadcasts of one array on one PE, each run exactly once by every
 * element. PE 0 numbers them (sequencer.ts) and they reach every PE in
 * that order; each element records the last one it ran, so an element
 * that moves meets each broadcast exactly once: the PE it arrives at
 * replays the ones it missed (from the history, dropped once every element
 * has run them) and skips the ones it already ran. The replay stops as
 * soon as a replayed handler sends the element away: the PE it goes to
 * carries on from the element's last broadcast.
 *
 * Replies to a broadcast (`.ret`, `.awaitable`) are a reduction numbered by
 * PE 0 with the broadcast; the element takes part in it when it is
 * delivered, and replies whenever its method answers. Censuses (runtime
 * broadcasts, METHOD_CENSUS) make each element report the reductions it
 * has started (sequencer.ts).
 */
import { Reader } from '../codec/reader';
import { held, pooledCopy, type Held } from '../codec/memory';
import { ArrayControl, BroadcastNumber, Flag, beginCall, bodyStart, broadcastNumber, flagsOf, methodOf, readArgs, setBroadcastNumbers, skipBroadcastNumbers, writeBroadcastNumbers, writeHistoryDrop } from '../codec/wire';
import { encodeArgs } from '../codec/values';
import type { Chare, MemberState } from '../model/chare';
import type { ChareClassInfo } from '../model/registry';
import { runtime } from '../model/context';
import { Future, MemberFailure, type FutureMode } from '../model/future';
import { failureOf } from '../model/failure';
import { readReplyFuture, replyFrom, type Reply, type ReplyData } from '../model/invoke';
import { fatal } from '../errors';
import { ReductionManager } from '../reductions/manager';
import { Stream } from '../reductions/streams';
import { COMPLETIONS, Reducer } from '../reductions/reducers';
import type { WaitingCall } from '../when';
import { describe, type ArrayIndex } from './arrayIndex';
import type { ArrayRef } from './arrays';
import { beginControl } from './collections';
import { BroadcastHistory } from './history';
import { LocalSlab } from '../scheduler/slab';
import { Sequencer, type SequencerStart } from './sequencer';
import { emptyList } from '../emptyList';
import { METHOD_CENSUS } from '../model/methodIds';

/** Reply number of a broadcast that wants no reply. */
export const NO_REPLY = 0xffffffff;
/** Bytes of an array's ring of kept broadcasts on a PE (see keep), and the largest broadcast kept there. */
const RING_BYTES = 16 << 10;
const RING_MESSAGE_BYTES = 1024;
/** Kind of a broadcast's reply in ReplyData (kind 0 is a call's reply, model/invoke.ts). */
const BROADCAST_REPLY = 1;

/** An element of the array on this PE. */
export interface Element {
  chare: Chare<never>;
  index: ArrayIndex;
  state: MemberState;
}

/** What broadcasting needs from its array on this PE, whose elements are `E`s (handed back to it as they are). */
export interface BroadcastingArray<E extends Element> {
  readonly ref: ArrayRef;
  readonly reductions: ReductionManager;
  /** The elements here now. */
  elements(): Iterable<E>;
  /** `element` is (still) here. */
  resident(element: E): boolean;
  /** Runs an entry method of an element. */
  run(element: E, method: number, args: unknown[], reply: Reply | undefined): void;
}

export class ArrayBroadcasts<E extends Element> {
  private readonly history: BroadcastHistory<Held>;
  /** Where the history keeps small broadcasts, made at the first (see keep). */
  private ring: LocalSlab | undefined;
  /**
   * Reads a kept broadcast for one element (its arguments are decoded
   * afresh for each). Reused: it is done with before the element's method
   * runs, so a delivery nested in that method may take it over.
   */
  private readonly reader = new Reader();
  /** PE 0 only: numbering of broadcasts and insertions. */
  readonly sequencer: Sequencer | undefined;
  /**
   * The elements a broadcast runs on, listed at its receipt (reused: an
   * array per broadcast cost more than the rest of the listing), and
   * whether it is in use (a delivery nested in a method gets one of its own).
   */
  private readonly listed: E[] = [];
  private listing = false;

  /** `start`: a restart, where the checkpoint left the numbering (every element had run every broadcast numbered). */
  constructor(
    private readonly array: BroadcastingArray<E>,
    start?: SequencerStart,
  ) {
    const rt = runtime();
    this.history = new BroadcastHistory<Held>(start?.broadcasts, (message) => {
      if (message.buf === this.ring?.bytes) this.ring.done(message.base, message.byteLength);
    });
    if (rt.myPe !== 0) return;
    const { ref, reductions } = array;
    const sequencer = new Sequencer({
      broadcastCensus: (seq, number) => this.broadcastCensus(seq, number),
      dropHistory: (seq) => {
        writeHistoryDrop(beginControl(ref.id, ArrayControl.HistoryDrop, Flag.System), seq);
        rt.scheduler.broadcast();
      },
      firstUnstarted: (stream) => reductions.firstUnstarted(stream),
      join: (stream, from) => reductions.changePopulation(stream, from, 1),
    }, start);
    this.sequencer = sequencer;
    reductions.completionHeld = (stream, r) => sequencer.held(stream, r);
    reductions.completed = (stream, r) => {
      if (stream === Stream.Replies) sequencer.repliesCompleted(r);
    };
  }

  /**
   * PE 0: census `number` completed with `join` (see sequencer.ts), or with
   * no value when no element took part: new elements then join where PE 0's
   * reductions stand.
   */
  censusCompleted(number: number, join: [number, number] | undefined): void {
    const { reductions } = this.array;
    this.sequencer!.completed(number, join ?? [reductions.firstUnstarted(Stream.User), reductions.firstUnstarted(Stream.Balance)]);
    reductions.retryCompletion();
  }

  /** A broadcast call: at PE 0 a request to number; elsewhere (and then at PE 0 too) a numbered broadcast to run. */
  receive(r: Reader, flags: number): void {
    const seq = broadcastNumber(r, BroadcastNumber.Seq);
    const ranUpTo = broadcastNumber(r, BroadcastNumber.RanUpTo);
    const numbersAt = skipBroadcastNumbers(r);
    if (seq === 0) {
      this.number(r.copyMessage(), numbersAt, flags);
      return;
    }
    // PE 0's own numbered broadcast in a buffer of its own (a request it
    // numbered, or one too large for the local slab) is kept as it is,
    // with the reader's Buffer and view. One in the receive buffer or the
    // local slab is run from there (it stays valid until this handler
    // returns: the scheduler drains MPI again only after it, and frees its
    // slab space only then; elements arrive in messages of their own, not
    // while this runs), and copied out for the history after its elements
    // have run: the copy is then off the way to their replies.
    const inPlace = !r.owned && !r.parts;
    const kept: Held = inPlace || (r.source === runtime().myPe && !r.parts) ? { buf: r.buf, view: r.view, base: r.base, byteLength: r.length } : held(r.copyMessage());
    if (!inPlace) this.history.add(seq, kept);
    // The elements here now (a method run may send one away, or bring one here).
    const elements = this.listing ? [...this.array.elements()] : this.listed;
    if (!this.listing) for (const element of this.array.elements()) elements.push(element);
    const outer = this.listing;
    this.listing = true;
    try {
      for (let i = 0; i < elements.length; i++) {
        const element = elements[i];
        // The first is here still: nothing has run yet.
        if (element.state.bcastSeq < seq && (i === 0 || this.array.resident(element))) this.run(element, kept, seq);
      }
    } finally {
      this.listing = outer;
      if (!outer) emptyList(elements); // holds no element between broadcasts
    }
    if (inPlace) this.history.add(seq, this.keep(kept, seq));
    // Every element has run ranUpTo (its replies completed, sequencer.ts):
    // not needed for arrivals. Dropped after the elements ran, off the way
    // to their replies, as the copy is.
    if (ranUpTo > 0) this.history.dropUpTo(ranUpTo);
  }

  /**
   * A copy of broadcast `seq` for the history: in the ring while it fits
   * (a buffer of its own per broadcast, the pool's, was a tenth of an
   * awaited broadcast's CPU time at np 1), which takes it back when the
   * history drops it. Only a broadcast after every one kept goes there:
   * the ring's space comes back in the order it was handed out.
   */
  private keep(message: Held, seq: number): Held {
    const { buf, view, base, byteLength } = message;
    if (byteLength <= RING_MESSAGE_BYTES && this.history.appends(seq)) {
      const ring = (this.ring ??= new LocalSlab(RING_BYTES));
      const at = ring.put(buf, view, byteLength, base);
      if (at >= 0) return { buf: ring.bytes, view: ring.view, base: at, byteLength };
    }
    return held(pooledCopy(buf, base, base + byteLength));
  }

  /**
   * PE 0: a broadcast called on PE 0, in the scheduler's writer with no
   * segments, numbered at the call: a request to number would only come
   * back here through the local queue (a dispatch and a copy more).
   * `numbersAt`: where writeBroadcastNumbers put its numbers. Makes the
   * future its replies go to (`replyId`, reserved for it, -1 for none)
   * once it is sent, and returns it.
   */
  numberCall(numbersAt: number, flags: number, replyId: number, mode: FutureMode): Future<unknown> | undefined {
    const scheduler = runtime().scheduler;
    const w = scheduler.writer;
    const numbers = this.sequencer!.number(w.finish(), (flags & Flag.Reply) !== 0);
    setBroadcastNumbers(w.buf, numbersAt, numbers.seq, numbers.reply ?? NO_REPLY, this.sequencer!.ranUpTo);
    // Sent from the writer, and copied for PE 0 after (Scheduler.broadcast): the copy is off the way to the other PEs.
    scheduler.broadcast();
    const future = replyId >= 0 ? Future.create(1, mode, replyId) : undefined;
    this.numbered(numbers.reply, future!);
    return future;
  }

  /** PE 0: numbers broadcast `message` (a copy of its own) and sends it to every PE. */
  private number(message: Uint8Array, numbersAt: number, flags: number): void {
    const numbers = this.sequencer!.number(message.byteLength, (flags & Flag.Reply) !== 0);
    setBroadcastNumbers(message, numbersAt, numbers.seq, numbers.reply ?? NO_REPLY, this.sequencer!.ranUpTo);
    runtime().scheduler.broadcastMessage(message);
    this.numbered(numbers.reply, () => this.replyFutureOf(message));
  }

  /**
   * PE 0: a broadcast is numbered and sent; its replies, if it wants them,
   * are reduction `reply`, and go to `future` (or the future it makes: the
   * one a request carries is read only if needed).
   */
  private numbered(reply: number | undefined, future: Future<unknown> | (() => Future<unknown>)): void {
    if (reply !== undefined) this.array.reductions.numberedAtRoot(Stream.Replies, reply, future);
    this.sequencer!.afterBroadcast();
  }

  /** Replays the broadcasts an element arriving here has not run yet, while it stays. */
  catchUp(element: E): void {
    while (this.array.resident(element) && element.state.bcastSeq < this.history.last) {
      const seq = element.state.bcastSeq + 1;
      const message = this.history.get(seq);
      if (!message) fatal(new Error(`${this.array.ref.info.name}${describe(element.index)} missed broadcast ${seq}, which is no longer kept`), `on PE ${runtime().myPe}`);
      this.run(element, message, seq);
    }
  }

  /** Every element has run broadcast `seq` and those before it (HistoryDrop). */
  dropUpTo(seq: number): void {
    this.history.dropUpTo(seq);
  }

  /** A waiting call's reply, rebuilt on the PE its element (`index`) arrived at. */
  replyFrom(index: ArrayIndex, data: ReplyData, method: number): Reply {
    if (data[0] !== BROADCAST_REPLY) return replyFrom(data);
    const [, future, q, completionOnly] = data;
    return new BroadcastReply(this.array.reductions, this.array.ref.info, index, future, q, completionOnly, method);
  }

  /** PE 0: sends census broadcast `seq`, census `number` (reduction `number` of stream Census). */
  private broadcastCensus(seq: number, number: number): void {
    const rt = runtime();
    const w = rt.scheduler.writer;
    beginCall(w, 0, METHOD_CENSUS, this.array.ref.id);
    const numbersAt = writeBroadcastNumbers(w);
    encodeArgs(w, []);
    const message = w.detachLocal().bytes; // no arguments, so no segments
    setBroadcastNumbers(message, numbersAt, seq, NO_REPLY, this.sequencer!.ranUpTo);
    rt.scheduler.broadcastMessage(message);
    this.array.reductions.numberedAtRoot(Stream.Census, number, '@census');
  }

  /** The future a numbered broadcast's replies go to. */
  private replyFutureOf(message: Uint8Array): Future<unknown> {
    const r = this.readerOf(held(message));
    skipBroadcastNumbers(r);
    readArgs(r);
    return readReplyFuture(r);
  }

  /** The reused reader, at the body of a kept broadcast. */
  private readerOf(message: Held): Reader {
    const r = this.reader;
    r.reset(message.buf, message.view, message.base, message.byteLength, false, runtime().myPe);
    r.pos = bodyStart(message.buf, message.base);
    return r;
  }

  private run(element: E, message: Held, seq: number): void {
    const state = element.state;
    const reductions = this.array.reductions;
    state.bcastSeq = seq;
    const method = methodOf(message.buf, message.base);
    if (method === METHOD_CENSUS) {
      // The reductions this element has started, as it reaches the census.
      const started = [state.next[Stream.User], state.next[Stream.Balance]];
      void reductions.contribute(state.next, element.index, Stream.Census, started, Reducer.max.name, '@census');
      return;
    }
    const r = this.readerOf(message);
    const q = broadcastNumber(r, BroadcastNumber.Reply);
    skipBroadcastNumbers(r);
    const args = readArgs(r);
    let reply: Reply | undefined;
    if (q !== NO_REPLY) {
      reductions.delivered(state.next, q);
      reply = new BroadcastReply(reductions, this.array.ref.info, element.index, readReplyFuture(r), q, (flagsOf(message.buf, message.base) & Flag.CompletionOnly) !== 0, method);
    }
    this.array.run(element, method, args, reply);
  }
}

/**
 * An element's reply to a broadcast: its part of reply reduction `q`,
 * whenever it answers. Replies are gathered in member order, a failed
 * member's failure in its place (the future's 'replies' and 'completions'
 * modes, model/future.ts, make them one BroadcastError). An object with
 * its methods on the prototype, made for every element and broadcast
 * (three closures each were a twentieth of a PE's handling of an awaited
 * broadcast at np 2), its data made only when asked (a waiting call's
 * element migrating).
 */
class BroadcastReply implements Reply {
  constructor(
    private readonly reductions: ReductionManager,
    private readonly info: ChareClassInfo,
    private readonly index: ArrayIndex,
    private readonly future: Future<unknown>,
    private readonly q: number,
    private readonly completionOnly: boolean,
    private readonly method: number,
  ) {}

  get data(): ReplyData {
    return [BROADCAST_REPLY, this.future, this.q, this.completionOnly];
  }

  resolve(value: unknown): void {
    // Named only for a value that is sent (a completion has none to refuse).
    if (this.completionOnly) this.reductions.reply(this.q, this.index, undefined, COMPLETIONS, this.future, '');
    else this.reductions.reply(this.q, this.index, value, Reducer.gather.name, this.future, this.what());
  }

  reject(error: unknown, where: string): void {
    this.reductions.reply(this.q, this.index, new MemberFailure(failureOf(error, where)), this.completionOnly ? COMPLETIONS : Reducer.gather.name, this.future, this.what());
  }

  private what(): string {
    return `the result of ${this.info.name}${describe(this.index)}.${this.info.methods[this.method]}`;
  }
}

/** The broadcast reply reductions that waiting calls owe (they move with their element). */
export function replyNumbers(calls: readonly WaitingCall[]): number[] {
  const out: number[] = [];
  for (const call of calls) {
    const data = (call.reply as Reply | undefined)?.data;
    if (data && data[0] === BROADCAST_REPLY) out.push(data[2]);
  }
  return out;
}
