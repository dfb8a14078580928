/**
 * The reductions of one collection (or one section) on one PE. Members
 * contribute in sequence (reduction 0, 1, 2, ... per stream); each PE
 * combines its local contributions with its children's partial results and
 * passes the partial up the spanning tree; PE 0 completes reduction r when
 * the contributions it has received number the members that take part in r.
 * The tree and its root are the manager's Span (span.ts): every PE rooted
 * at PE 0 for a collection, the members' PEs rooted at the first for a
 * section; "PE 0" below is the span's root.
 *
 * Migration: a member carries its next reduction number with it, so each
 * PE waits exactly for the members it has. A member that arrives after its
 * new PE already sent reduction r sends its contribution straight to PE 0
 * (a late partial). PEs with no members learn that r exists from a hint
 * sent up the tree by a PE kept waiting, and a start broadcast from PE 0.
 *
 * Replies to array broadcasts (stream Replies) are numbered by PE 0 with
 * the broadcast, not by the member: a member may answer broadcasts out of
 * order (async methods, `when` conditions), so each reply names its
 * reduction, and a PE counts the replies it still owes per reduction.
 *
 * Quiescence detection sees reductions: their messages are counted, and so
 * a reduction waiting on its hint timer (hints.ts: it is work to come).
 *
 * Contributions are copied at the call (pieceOf, partials.ts): the
 * member may reuse its data at once, and the reduction never writes into
 * it. Population changes older than the first incomplete reduction are
 * folded into one number per stream, so nothing here grows with the
 * number of reductions. Contributors awaiting an allReduce wait in
 * allReduceWaiters.ts; a deletion's abandoned reductions: abandoned.ts.
 */
import type { Reader } from '../codec/reader';
import type { Writer } from '../codec/writer';
import { ReductionStep as Step, beginReduction, readBodyValue, readPartial, readPopulationChange, readReduction, writeBodyValue, writePartial, writePopulationChange } from '../codec/wire';
import { runtime } from '../model/context';
import { everyPe, type Span } from './span';
import { fatal } from '../errors';
import { Future } from '../model/future';
import { failureOf } from '../model/failure';
import { reducerImpl } from './reducers';
import { deliverResult } from './targets';
import { HintTimers } from './hints';
import { Population } from './population';
import { TurnoverMap } from '../turnoverMap';
import { Histogram } from './histogram';
import { combinedError, failing, namedFailures } from './failures';
import { emptyPartial, merge, naming, pieceOf, reductionPlace, type Destination, type Partial } from './partials';
import { Abandonment } from './abandoned';
import { AllReduceWaiters } from './allReduceWaiters';
import { Stream, STREAMS, type MemberNext } from './streams';
import type { ArrayIndex } from '../collections/arrayIndex';

interface PeState extends Partial {
  childrenIn: number;
  hinted: boolean;
}

/** As emptyPartial (partials.ts), with the fields of a PE's state. */
function emptyState(): PeState {
  return { count: 0, reducer: undefined, destination: undefined, acc: undefined, hasAcc: false, error: undefined, by: undefined, byPe: -1, childrenIn: 0, hinted: false };
}

/** Key of reduction r of a stream in the maps below (a number: no string built per message). */
function keyOf(stream: Stream, r: number): number {
  return r * STREAMS + stream;
}

const perStream = <T>(make: () => T): T[] => Array.from({ length: STREAMS }, make);

export class ReductionManager {
  private readonly histogram: Histogram[] = perStream(() => new Histogram());
  /** Per stream: contributions owed by members here beyond the histogram (replies numbered by PE 0), per reduction. */
  private readonly owed: Histogram[] = perStream(() => new Histogram());
  private readonly nextToSend = perStream(() => 0);
  private readonly activeUpTo = perStream(() => -1);
  // Reductions in flight come and go one at a time: TurnoverMaps (lib/turnoverMap.ts).
  private readonly open = new TurnoverMap<number, PeState>();
  // PE 0 only: totals per reduction and the population taking part.
  private readonly totals = new TurnoverMap<number, Partial>();
  /** PE 0 only: the destinations of reductions numbered here (numberedAtRoot), until they complete. */
  private readonly numbered = new TurnoverMap<number, Destination | (() => Destination)>();
  private readonly completedUpTo = perStream(() => -1);
  /** PE 0: what runs the runtime's own reduction steps. */
  systemHandler: (name: string, value: unknown, reduction: number) => void = (name) => {
    throw new Error(`charmts: no handler for runtime reduction step ${name}`);
  };
  /** PE 0: true while reduction r of a stream must not complete yet (its population may still grow). */
  completionHeld: (stream: Stream, r: number) => boolean = () => false;
  /** PE 0: reduction r of a stream has completed (told before its result is delivered). */
  completed: (stream: Stream, r: number) => void = () => {};
  private readonly started = new TurnoverMap<number, true>();
  /** PE 0: the members taking part in each reduction not complete. */
  private readonly population: Population;
  private readonly allReduceWaiters = new AllReduceWaiters();
  /** The collection was deleted (abandon): nothing contributed from now on is combined. */
  private abandoned = false;
  /** The targets of the reductions abandoned here and below (abandoned.ts); made by abandon, or by a child's report that came first. */
  private abandonment: Abandonment | undefined;
  private readonly hints = new HintTimers(STREAMS, (stream, r) => this.hint(stream, r));
  /** This PE's children in the spanning tree (a count: trySend runs for every contribution). */
  private readonly children: number;
  /** What a partial and an allreduce result are named as should they not encode (a custom reducer's result; contributions were checked at the call): made once, not per message. */
  private readonly partialWhere: string;
  private readonly resultWhere: string;

  constructor(
    private readonly collectionId: number,
    private readonly describe: string,
    /** Members at creation (the root uses it). */
    initialPopulation: number,
    /** The PEs the reductions span: every PE for a collection, the members' PEs for a section (span.ts). */
    private readonly span: Span = everyPe,
  ) {
    this.population = new Population(STREAMS, initialPopulation);
    this.children = span.children();
    this.partialWhere = `the combined contributions to a reduction of ${describe}`;
    this.resultWhere = `the result of a reduction of ${describe}`;
  }

  // ------------------------------------------------------------ members

  /** A member now lives here (created or arrived). */
  addMember(next: MemberNext): void {
    for (let s = 0; s < STREAMS; s++) this.histogram[s].add(next[s], 1);
  }

  /** A member no longer lives here (left or deleted). */
  removeMember(next: MemberNext): void {
    for (let s = 0; s < STREAMS; s++) this.histogram[s].add(next[s], -1);
    // Only a reduction under way here can have been waiting for it (trySend's own first test, without the call per stream).
    for (let s = 0; s < STREAMS; s++) if (this.nextToSend[s] <= this.activeUpTo[s]) this.trySend(s);
  }

  /**
   * Adds a member's contribution to its next reduction of `stream`.
   * With destination 'all', returns a promise of the result (allreduce).
   */
  contribute(next: MemberNext, index: ArrayIndex | number, stream: Stream, data: unknown, reducer: string, destination: Destination): Promise<unknown> | undefined {
    const r = next[stream];
    // Copied (or refused) before anything changes: a refused value leaves the member's numbering as it was.
    const piece = pieceOf(index, data, reducer, destination, undefined, r, stream === Stream.Replies, this.describe);
    this.histogram[stream].move(r, r + 1);
    next[stream] = r + 1;
    return this.add(stream, r, piece, destination);
  }

  /**
   * A member's reply to the broadcast whose replies are reduction `r` of
   * stream Replies (numbered by PE 0; see `delivered`): its result (`what`
   * names it, should it not be sendable), or with `failed` the error its
   * method threw there (`where`: "Class.method (index i)"); the reduction's
   * future receives every member's failure.
   */
  reply(r: number, index: ArrayIndex | number, data: unknown, reducer: string, destination: Destination, what: string, failed?: { error: unknown; where: string }): void {
    const piece = pieceOf(index, data, reducer, destination, failed && failureOf(failed.error, failed.where), r, true, this.describe, what);
    this.owed[Stream.Replies].add(r, -1);
    void this.add(Stream.Replies, r, piece, destination);
  }

  /**
   * A member here was delivered the broadcast whose replies are reduction
   * `r` of stream Replies: it takes part in that reduction and owes its
   * reply (given later with `reply`, whenever the method answers).
   */
  delivered(next: MemberNext, r: number): void {
    this.histogram[Stream.Replies].move(next[Stream.Replies], r + 1);
    next[Stream.Replies] = r + 1;
    this.owed[Stream.Replies].add(r, 1);
  }

  /** Replies to reductions `rs` of stream Replies are now owed here (an arriving member's waiting calls) or no longer (they left with it). */
  moveReplies(rs: readonly number[], delta: 1 | -1): void {
    for (const r of rs) this.owed[Stream.Replies].add(r, delta);
    if (delta < 0) this.trySend(Stream.Replies);
  }

  private add(stream: Stream, r: number, piece: Partial, destination: Destination): Promise<unknown> | undefined {
    // A reply of an async method that finished after its array was deleted: its reduction was abandoned, and its future told.
    if (this.abandoned) return undefined;
    const result = destination === 'all' ? this.allReduceWaiters.wait(keyOf(stream, r)) : undefined;
    if (r < this.nextToSend[stream]) {
      this.sendPartial(Step.Late, this.span.root, stream, r, piece); // this PE already reported r
    } else if (this.completesAlone(stream, r)) {
      // This PE's whole part of r (a leaf's only member's: its reply to an
      // awaited broadcast, its part of an allreduce): passed on as it is,
      // with no open state to make, merge into and drop.
      this.activate(stream, r);
      this.hints.stop(stream, r);
      this.nextToSend[stream] = r + 1;
      this.passOn(stream, r, piece);
    } else {
      merge(this.state(stream, r), piece, r, stream === Stream.Replies, this.describe);
      this.activate(stream, r);
    }
    this.trySend(stream);
    return result;
  }

  /** Whether a piece of reduction `r` of `stream` just contributed here is all this PE waits for in r (no children, no state open, nothing owed). */
  private completesAlone(stream: Stream, r: number): boolean {
    return this.children === 0 && r === this.nextToSend[stream] && this.owing(stream, r) === 0 && !this.open.has(keyOf(stream, r));
  }

  // ------------------------------------------------------------ messages

  receive(r: Reader): void {
    const { step, stream, reduction: n } = readReduction(r);
    switch (step) {
      case Step.Partial: {
        const piece = readPartial(r, stream === Stream.User) as Partial;
        const state = this.state(stream, n);
        merge(state, piece, n, stream === Stream.Replies, this.describe);
        state.childrenIn++;
        this.activate(stream, n);
        this.trySend(stream);
        return;
      }
      case Step.Late:
        this.atRoot(stream, n, readPartial(r, stream === Stream.User) as Partial);
        return;
      case Step.Hint:
        this.activate(stream, n);
        this.hint(stream, n);
        return;
      case Step.Start:
        this.activate(stream, n);
        this.trySend(stream);
        return;
      case Step.AllReduceResult:
        this.allReduceWaiters.resolve(keyOf(stream, n), readBodyValue(r), this.describe);
        return;
      case Step.Population:
        this.population.change(stream, n, readPopulationChange(r));
        this.tryComplete(stream);
        return;
      case Step.Abandoned: // a child in the span deleted its part before this PE did
        this.gathering().reportIn(readBodyValue(r) as Future<unknown>[]);
        return;
    }
  }

  /** PE 0: members joining (delta > 0) or leaving take part in `stream` from reduction `from` on. */
  changePopulation(stream: Stream, from: number, delta: number): void {
    const rt = runtime();
    if (rt.myPe === this.span.root) {
      this.population.change(stream, from, delta);
      this.tryComplete(stream);
      return;
    }
    writePopulationChange(this.begin(Step.Population, stream, from), delta);
    rt.scheduler.send(this.span.root);
  }

  /**
   * PE 0: reduction `r` of `stream` was numbered (a broadcast's replies, a
   * census) and goes to `destination` (or `destination()`, found only when
   * needed). Should no member take part in it
   * (an array with no elements, or whose last elements are deleted before
   * they run the broadcast), no partial will ever come: it then completes
   * in its turn with no value (a `.ret` gets [], a census finds no element).
   */
  numberedAtRoot(stream: Stream, r: number, destination: Destination | (() => Destination)): void {
    this.numbered.set(keyOf(stream, r), destination);
    // Its broadcast has only just been sent: no part of it can have come,
    // and a part that comes tries to complete it. Only one that no member
    // takes part in completes now (the try at every broadcast found
    // nothing else to do).
    if (this.population.of(stream, r) === 0) this.tryComplete(stream);
  }

  /** PE 0: applies held-back completions (a census of the array has decided its new members). */
  retryCompletion(): void {
    for (let s = 0; s < STREAMS; s++) this.tryComplete(s);
  }

  /** PE 0: the first reduction of `stream` that has not started (new members join there). */
  firstUnstarted(stream: Stream): number {
    let r = this.completedUpTo[stream] + 1;
    while (this.totals.has(keyOf(stream, r)) || this.started.has(keyOf(stream, r))) r++;
    return r;
  }

  // ------------------------------------------------------------ deletion

  /**
   * The collection is deleted (an array deleted whole: wholeDeletion.ts):
   * no reduction under way completes any more. Contributors here awaiting
   * an allReduce get `error`; every future a reduction under way goes to
   * gets it once, from the root, when the targets known on every PE of the
   * span are in (abandoned.ts).
   */
  abandon(error: Error, where: string): void {
    this.abandoned = true;
    this.hints.cancel();
    this.allReduceWaiters.rejectAll(error);
    const targets = this.gathering();
    for (const [, state] of this.open.entries()) targets.note(state.destination);
    if (runtime().myPe === this.span.root) {
      for (const [key] of this.numbered.entries()) targets.note(this.destinationOf(key));
      for (const [, total] of this.totals.entries()) targets.note(total.destination);
    }
    targets.abandon(error, where);
  }

  private gathering(): Abandonment {
    return (this.abandonment ??= new Abandonment(this.collectionId, this.span, this.children));
  }

  // ------------------------------------------------------------ checkpoints

  /**
   * Checkpoints: per stream, the first reduction not completed (known on
   * PE 0), and whether a reduction is under way on this PE (contributions
   * or partial results waiting to be combined or sent).
   */
  checkpointState(): { firstIncomplete: number[]; underWay: boolean } {
    return { firstIncomplete: this.completedUpTo.map((r) => r + 1), underWay: this.open.size > 0 || this.totals.size > 0 || this.allReduceWaiters.size > 0 };
  }

  /** Restart: the checkpointed run completed every reduction before `first` (per stream); the next is `first`. */
  restartAt(first: readonly number[]): void {
    first.forEach((r, s) => {
      this.nextToSend[s] = r;
      this.activeUpTo[s] = r - 1;
      this.completedUpTo[s] = r - 1;
    });
  }

  // ------------------------------------------------------------ internals

  private state(stream: Stream, r: number): PeState {
    const key = keyOf(stream, r);
    let state = this.open.get(key);
    if (!state) this.open.set(key, (state = emptyState()));
    return state;
  }

  private owing(stream: Stream, r: number): number {
    return this.owed[stream].get(r) + this.histogram[stream].atOrBelow(r);
  }

  private activate(stream: Stream, r: number): void {
    if (r > this.activeUpTo[stream]) this.activeUpTo[stream] = r;
    if (runtime().myPe === this.span.root) this.markStarted(stream, keyOf(stream, r));
  }

  /** PE 0: reduction `key` has started; known only for the streams new members join by (firstUnstarted): replies and censuses are numbered here. */
  private markStarted(stream: Stream, key: number): void {
    if (stream === Stream.User || stream === Stream.Balance) this.started.set(key, true);
  }

  /** Sends every partial this PE can, in order. */
  private trySend(stream: Stream): void {
    if (this.abandoned) return; // nothing completes after abandon (an element leaving later, a hint timer)
    const children = this.children;
    for (;;) {
      const r = this.nextToSend[stream];
      if (r > this.activeUpTo[stream]) return;
      const state = this.state(stream, r);
      if (this.owing(stream, r) > 0 || state.childrenIn < children) {
        if (!state.hinted) this.hints.wait(stream, r);
        return;
      }
      this.hints.stop(stream, r);
      this.open.delete(keyOf(stream, r));
      this.nextToSend[stream] = r + 1;
      this.passOn(stream, r, state);
    }
  }

  /** This PE's part of reduction `r` is complete: completed here at the root, sent up the tree elsewhere. */
  private passOn(stream: Stream, r: number, partial: Partial): void {
    if (runtime().myPe === this.span.root) this.atRoot(stream, r, partial);
    else this.sendPartial(Step.Partial, this.span.parent(), stream, r, partial);
  }

  /** Asks up the tree for reduction r to be announced to every PE. */
  private hint(stream: Stream, r: number): void {
    if (r < this.nextToSend[stream] || this.abandoned) return;
    const state = this.state(stream, r);
    if (state.hinted) return;
    state.hinted = true;
    this.hints.stop(stream, r);
    const rt = runtime();
    if (rt.myPe === this.span.root) {
      this.begin(Step.Start, stream, r);
      this.span.broadcast();
    } else {
      this.begin(Step.Hint, stream, r);
      rt.scheduler.send(this.span.parent());
    }
  }

  private atRoot(stream: Stream, r: number, piece: Partial): void {
    const key = keyOf(stream, r);
    const total = this.totals.get(key);
    // The first piece becomes the total: it is this PE's own (a state sent up, or a partial just decoded).
    if (total) merge(total, piece, r, stream === Stream.Replies, this.describe);
    else this.totals.set(key, piece);
    this.markStarted(stream, key);
    this.tryComplete(stream);
  }

  /** Where numbered reduction `key` goes (numberedAtRoot), if it was numbered here. */
  private destinationOf(key: number): Destination | undefined {
    const destination = this.numbered.get(key);
    return typeof destination === 'function' ? destination() : destination;
  }

  /** The total of a numbered reduction that no member takes part in (see numberedAtRoot). */
  private withoutMembers(key: number, population: number): Partial | undefined {
    const destination = this.numbered.get(key);
    if (destination === undefined || population > 0) return undefined;
    const total: Partial = { ...emptyPartial(), destination: this.destinationOf(key) };
    this.totals.set(key, total); // replies or a census: no start to mark (markStarted)
    return total;
  }

  /** PE 0: completes reductions in order as their counts fill up. */
  private tryComplete(stream: Stream): void {
    for (;;) {
      const r = this.completedUpTo[stream] + 1;
      const key = keyOf(stream, r);
      const expected = this.population.of(stream, r);
      const total = this.totals.get(key) ?? this.withoutMembers(key, expected);
      if (!total) return;
      if (total.count < expected || this.completionHeld(stream, r)) return;
      // Partials of numbered reductions come without their destination (sendPartial): from here, when no member here took part.
      if (total.destination === undefined) total.destination = this.destinationOf(key);
      this.totals.delete(key);
      this.started.delete(key);
      this.numbered.delete(key);
      this.completedUpTo[stream] = r;
      this.population.fold(stream, r + 1);
      this.completed(stream, r);
      if (total.count > expected) total.error ??= failing(new Error(`${total.count} contributions for ${expected} members (a member contributed twice?)`), reductionPlace(r, stream === Stream.Replies, this.describe));
      this.finish(stream, r, total);
    }
  }

  private finish(stream: Stream, r: number, total: Partial): void {
    const destination = total.destination;
    let value: unknown;
    let error = total.error;
    const place = reductionPlace(r, stream === Stream.Replies, this.describe);
    if (error === undefined) {
      try {
        value = total.hasAcc ? reducerImpl(total.reducer!).finish(total.acc) : undefined;
      } catch (e) {
        error = failing(e, place);
      }
    }
    if (error !== undefined) {
      const first = namedFailures(error, place)[0];
      const failed = combinedError(error, place);
      if (destination instanceof Future) destination.sendError(failed, first.where, first.pe);
      else fatal(failed, `on PE ${first.pe} in ${first.where}${first.where === place ? '' : ` (${place})`}`);
      return;
    }
    if (destination === 'all') {
      try {
        writeBodyValue(this.begin(Step.AllReduceResult, stream, r), value, this.resultWhere);
      } catch (failure) {
        throw naming(failure, r);
      }
      this.span.broadcast();
    } else if (typeof destination === 'string') {
      this.systemHandler(destination, value, r);
    } else if (destination !== undefined) {
      deliverResult(destination, value, true);
    }
  }

  private begin(step: Step, stream: Stream, r: number): Writer {
    const w = runtime().scheduler.writer;
    beginReduction(w, step, this.collectionId, stream, r, this.span.kind);
    return w;
  }

  private sendPartial(step: Step, dest: number, stream: Stream, r: number, piece: Partial): void {
    // The root keeps the destinations of what it numbered (numberedAtRoot): a reply's future coded in every partial cost a tenth of its way back.
    const numbered = stream === Stream.Replies || stream === Stream.Census;
    try {
      writePartial(this.begin(step, stream, r), piece, this.partialWhere, !numbered, stream === Stream.User);
    } catch (failure) {
      throw naming(failure, r);
    }
    runtime().scheduler.send(dest);
  }
}

