/**
 * This PE's part of a chare array: its elements, delivery of calls and
 * broadcasts, insertion, deletion and migration. Which elements live here
 * is residents.ts' business, where the others are the Locations';
 * reductions are the ReductionManager's; broadcasts are ArrayBroadcasts',
 * and PE 0's numbering of broadcasts and insertions the Sequencer's.
 *
 * The home's and PE 0's part of insertion and deletion (and their control
 * messages) is insertions.ts'; where calls made here go first, the
 * messages that keep location records current, and forwarding are
 * routing.ts' (`routing`, which the array's proxies call).
 *
 * Exactly once. Broadcasts reach each element once (broadcasts.ts). An
 * element that leaves in the middle of its arrival (a replayed broadcast,
 * a held call or onMigrated moved it on) is done with on this PE: every
 * step of an arrival checks that the element is still here, and the PE it
 * goes to carries on where it stopped.
 *
 * An element object that left (migrated, or was deleted while one of its
 * async methods was suspended) is not the element any more: a deleted
 * element's later contributions are dropped, a migrated object's are
 * refused with an error, and neither is counted twice.
 */
import type { Reader } from '../codec/reader';
import {
  ArrayControl, Flag, controlOf, flagsOf, readArgs, readBalanceDecision, readBodyValue, readCreateElement, readElementRoute, readHistoryDrop, readRouteIndex, newElementRoute,
  readMigrant, readMulticastOrigin, writeBalanceDecision, type MigrantState,
} from '../codec/wire';
import { memberOf, type Chare, type ChareIndex, type MemberServices, type MemberState } from '../model/chare';
import { runtime } from '../model/context';
import { Future, type FutureMode } from '../model/future';
import { invoke, readReply, readReplyFuture, type Reply, type ReplyData, type Track } from '../model/invoke';
import { fatal } from '../errors';
import { CACHE_KEPT, Locations, TOMBSTONES_KEPT, type DeletionName } from '../location/locations';
import { isMigratable, runArrivalHook, travellingChare } from '../migration/state';
import { rebuildMember, recordOf, writeMember } from '../migration/member';
import type { LocalSnapshot, RestoredMember, RestoredPart } from '../checkpoint/saved';
import { ReductionManager } from '../reductions/manager';
import { Stream } from '../reductions/streams';
import { checkContribution } from '../reductions/contribute';
import type { Reducer } from '../reductions/reducers';
import type { ReductionTarget } from '../reductions/targets';
import { hasWaiting, takeWaiting, waitingCalls } from '../when';
import { channelsGone, dropChannels, isGoneNotice } from '../channels';
import { METHOD_DESTROY, METHOD_MIGRATE, methodName } from '../model/methodIds';
import { denseIndices, describeKey, describeMember, keyOf, type ArrayIndex, type IndexKey } from './arrayIndex';
import { BalancingStep, type BalancedArray } from '../balancing/step';
import type { ArrayRef } from './arrays';
import { beginControl, construct, liveMember, newMemberState, trackRunning, type LocalCollection } from './collections';
import { ArrayBroadcasts, replyNumbers, type Element } from './broadcasts';
import { Residents, resident, type Resident } from './residents';
import { decodeInto } from '../codec/fields';
import { decodeValue } from '../codec/values';
import { Insertions } from './insertions';
import { DELETED, Routing } from './routing';
import { deleteHere, deletionAsked } from './wholeDeletion';
import { reportUndelivered, undeliveredHere } from './deleted';

export class LocalArray implements LocalCollection, MemberServices {
  private readonly elements = new Residents();
  private readonly locations: Locations;
  private readonly reductions: ReductionManager;
  private readonly broadcasts: ArrayBroadcasts<Resident>;
  private readonly insertions: Insertions;
  /** Where calls to the elements go: element proxies and sections ask it for a call's first hop. */
  readonly routing: Routing;
  private readonly name: string;
  /** The element whose entry method is running synchronously now. */
  private executing: Element | undefined;
  /** The state of the element whose constructor is running (it is not in place yet). */
  private constructing: MemberState | undefined;
  private readonly balancing: BalancingStep<Resident>;
  /** Counts the suspended async methods of the elements here; a move asked for meanwhile happens when the last one ends. */
  private readonly track: Track = trackRunning((chare) => {
    const element = this.elements.of(chare);
    if (element) this.migrateIfDue(element);
  });
  /** The route of the element call being delivered (read into it, not made per call). */
  private readonly route = newElementRoute();
  // What a move hands to lib/migration/: functions made once, not closures per move.
  /** Names the element whose record is being written or read (the travelling one), for an error. */
  private readonly nameMoving = (): string => `${describeMember(this.name, travellingChare()!.thisIndex)}`;
  /** The reply a waiting call of an arriving element owes (BROADCAST_REPLY ones are reduced). */
  private readonly replyOf = (data: ReplyData, method: number, index: ChareIndex): Reply => this.broadcasts.replyFrom(index as ArrayIndex, data, method);
  /** The message an element is arriving in, while it is rebuilt (readArriving reads its state; the class is known: codec/fields.ts classOf). */
  private arrivingIn: Reader | undefined;
  private readonly readArriving = (into?: object): unknown => (into ? decodeInto(this.arrivingIn!, into, this.ref.info.cls) : decodeValue(this.arrivingIn!));

  /** `restored`: a restart rebuilds this PE's part from a checkpoint instead of constructing elements. */
  constructor(readonly ref: ArrayRef, args: unknown[], restored?: RestoredPart) {
    const rt = runtime();
    this.name = ref.info.name;
    const extents = ref.shape.extents;
    this.locations = new Locations(rt.myPe, (i) => ref.homeOf(i), () => extents !== undefined, TOMBSTONES_KEPT, extents ? Infinity : CACHE_KEPT);
    const population = restored ? restored.population : extents ? extents.reduce((a, b) => a * b, 1) : 0;
    this.insertions = new Insertions(ref, this.locations);
    this.routing = new Routing(ref, this.elements, this.locations);
    this.reductions = new ReductionManager(ref.id, `array ${this.name} (collection ${ref.id})`, population);
    this.balancing = new BalancingStep(this.balanced());
    this.broadcasts = new ArrayBroadcasts(
      {
        ref,
        reductions: this.reductions,
        elements: () => this.elements.values(),
        resident: (element) => this.elements.holds(element),
        run: (element, method, args, reply) => this.run(element, method, args, reply),
      },
      restored && { ...restored.numbering!, join: [restored.next[Stream.User], restored.next[Stream.Balance]] },
    );
    this.reductions.systemHandler = (step, value, reduction) => {
      if (step === '@census') this.broadcasts.censusCompleted(reduction, value as [number, number] | undefined);
      else this.balancing.completed(step, value, reduction);
    };
    if (restored) {
      this.restore(restored);
    } else if (extents) {
      for (const index of denseIndices(extents)) {
        if (ref.homeOf(index) === rt.myPe) this.place(index, args, newMemberState(this));
      }
    }
  }

  /**
   * Restart: the saved elements whose home is this PE, each rebuilt from
   * its record as an arriving element is, at home; deleted indices of a
   * dense array stay deleted. Reductions and broadcasts go on from the
   * numbers the checkpoint saved (broadcasts.ts, sequencer.ts): it was
   * taken at quiescence, when every element had run every broadcast and no
   * reduction was under way, so nothing is owed, kept or in progress.
   */
  private restore(part: RestoredPart): void {
    this.reductions.restartAt(part.next);
    for (const index of part.deleted) this.locations.setRecord(keyOf(index), -1, 0, true);
    for (const member of part.members) {
      const element = this.rebuild(member.record, member.readState);
      this.routing.settled(element.key, element.index, element.state.epoch);
    }
  }

  /** Checkpoints: the elements on this PE, the array's reductions and (PE 0) its numbering of broadcasts. */
  snapshot(): LocalSnapshot {
    return { members: [...this.elements.values()], reductions: this.reductions, numbering: this.broadcasts.sequencer?.numbering() };
  }

  heldAtHome(): [string, number][] {
    return Array.from(this.locations.heldIndices(), ([key, calls]) => [describeKey(key), calls.length]);
  }

  /** The element `key` if it lives on this PE now (ckLocal), or undefined. */
  localElement(key: IndexKey): Chare<never> | undefined {
    return this.elements.get(key)?.chare;
  }

  /** At the home: deletion `name` of `index` was asked for (here, or by a DeletionNotice). */
  deletionNoticed(index: ArrayIndex, name: DeletionName): void {
    this.insertions.deletionNoticed(index, name);
  }

  // -------------------------------------------------------------- calls

  /** PE 0: a broadcast to this array called here, numbered at the call (ArrayBroadcasts.numberCall). */
  numberCall(numbersAt: number, flags: number, replyId: number, mode: FutureMode): Future<unknown> | undefined {
    return this.broadcasts.numberCall(numbersAt, flags, replyId, mode);
  }

  deliver(r: Reader, flags: number, method: number): void {
    if (!(flags & Flag.Indexed)) {
      this.broadcasts.receive(r, flags);
      return;
    }
    // A 1D index is looked up by its integer, read in place: no index made.
    const route = readElementRoute(r, this.route);
    const key = route.dims === 1 ? route.first : keyOf(readRouteIndex(r, route) as ArrayIndex);
    const element = this.elements.get(key);
    if (!element) {
      const index = readRouteIndex(r, route) as ArrayIndex;
      const origin = route.origin;
      const refused = this.routing.forward(r, key, index, route, method);
      if (refused) this.undeliverable(r, index, method, origin, refused);
      return;
    }
    // Its home, which it came back to while a deletion's call chased it: later calls wait for that one.
    if (this.locations.deletionOut() && this.routing.heldBehindDeletion(r, key, method)) return;
    if (route.hops > 0) this.routing.forwarded(route.origin, element.index, element.state.epoch);
    if (method === METHOD_MIGRATE) {
      this.migrateAsked(element, readArgs(r)[0] as number, route.origin);
    } else if (method === METHOD_DESTROY) {
      const [asker, id] = readArgs(r) as [number, number];
      this.destroy(element, { asker, id }, readReplyFuture(r));
    } else {
      const args = readArgs(r);
      const reply = flags & Flag.Reply ? readReply(r, (flags & Flag.CompletionOnly) !== 0, -1) : undefined;
      this.run(element, method, args, reply);
    }
  }

  /**
   * Runs an entry method, keeping count of suspended async methods (they
   * pin the element here); a migration asked for during the call happens
   * as soon as it returns.
   */
  private run(element: Resident, method: number, args: unknown[], reply: Reply | undefined): void {
    const outer = this.executing;
    this.executing = element;
    try {
      invoke(element.chare, this.ref.info, method, args, reply, this.track);
    } finally {
      this.executing = outer; // its load is charged by model/activity.ts, across awaits
    }
    if (element.state.atSync) this.balancing.reportLoad(element);
    this.migrateIfDue(element);
  }

  /** Refuses a call to its caller (`refused`: why, after the element's name): its future rejects, or the PE that made it (`origin`) is told (fatal there). */
  private undeliverable(r: Reader, index: ArrayIndex, method: number, origin: number, refused: string): void {
    const flags = flagsOf(r.buf, r.base);
    const args = readArgs(r);
    if (isGoneNotice(method, args)) return; // both ends of a channel were deleted
    const call = `the call to ${methodName(this.ref.info.methods, method)}`;
    if (flags & Flag.Reply) {
      readReply(r, false, -1).reject(new Error(`${describeMember(this.name, index)}${refused}: ${call} was not delivered`), `${describeMember(this.name, index)}`);
    } else if (flags & Flag.Multicast) {
      // A section's branch handed it on: its caller made the mistake (a section keeps the members it was made with).
      const { section, caller } = readMulticastOrigin(r);
      const advice = refused === DELETED ? ': a section keeps the members it was made with; make a new section without the deleted ones, or call it with .awaitable to have the error there' : '';
      reportUndelivered(this.ref.id, caller, `${describeMember(this.name, index)}${refused}: ${call}, a multicast to section ${section} made on PE ${caller}, was not delivered (handed on by PE ${origin})${advice}`);
    } else {
      reportUndelivered(this.ref.id, origin, `${describeMember(this.name, index)}${refused}: ${call} was not delivered`);
    }
    // After its own refusal: the calls held behind it go their way (refused too, perhaps) once its caller has heard.
    if (method === METHOD_DESTROY) this.insertions.deletionRefused(index, { asker: args[0] as number, id: args[1] as number });
  }

  // -------------------------------------------------------------- members

  private place(index: ArrayIndex, args: unknown[], state: MemberState): Resident {
    const outer = this.constructing;
    this.constructing = state;
    let chare: Chare<never>;
    try {
      chare = construct(this.ref, index, args, state);
    } finally {
      this.constructing = outer;
    }
    const element = resident(chare, index, state);
    this.settleIn(element);
    return element;
  }

  /** Makes an element live here (a suspended async method of it pins it here: see track). */
  private settleIn(element: Resident): void {
    this.elements.add(element);
    this.reductions.addMember(element.state.next);
  }

  /**
   * Checks that `chare` is the element here; undefined when it was deleted
   * (what it does is dropped). `method` names the call in the error.
   */
  private live(chare: Chare<never>, method: string): Resident | undefined {
    const element = this.elements.of(chare);
    if (element) return element;
    const why = memberOf(chare).departed;
    if (why === 'deleted') return undefined;
    const where = this.where(chare, method);
    if (why === 'migrated') throw new Error(`${where}: this object is no longer the element, which migrated away from PE ${runtime().myPe}; reach it through its proxy`);
    throw new Error(`${where}: the element is not on PE ${runtime().myPe}`);
  }

  /** "Class[index].method", for an error about a call of `chare`. */
  private where(chare: Chare<never>, method: string): string {
    return `${describeMember(this.name, chare.thisIndex)}.${method}`;
  }

  contribute(chare: Chare<never>, data: unknown, reducer: Reducer, target: ReductionTarget | 'all'): Promise<unknown> | undefined {
    // Built only for an error: a string per contribution showed in the profile of an allreduce at np 1.
    const method = target === 'all' ? 'allReduce' : 'contribute';
    checkContribution(() => this.where(chare, method), reducer, target);
    // A deleted element takes part in no reduction any more (its allReduce never completes).
    // An element may contribute from its constructor (Charm4py's tests do), before it is in place.
    if (memberOf(chare) !== this.constructing && !this.live(chare, method)) return target === 'all' ? new Promise(() => {}) : undefined;
    return this.reductions.contribute(memberOf(chare).next, chare.thisIndex as ArrayIndex, Stream.User, data, reducer.name, target);
  }

  migrate(chare: Chare<never>, toPe: number): void {
    // The call's name is built only for an error: a migration is a hot path (a string per
    // call cost as much as the move's bookkeeping, and a closure building it was garbage per move).
    const rt = runtime();
    if (!Number.isInteger(toPe) || toPe < 0 || toPe >= rt.numPes) throw new RangeError(`${this.where(chare, 'migrate')}: PE ${String(toPe)} is out of range (0..${rt.numPes - 1})`);
    if (!isMigratable(chare)) throw new Error(`${this.where(chare, 'migrate')}: this element declared itself not migratable`);
    const element = this.live(chare, 'migrate');
    if (!element) throw new Error(`${this.where(chare, 'migrate')}: the element was deleted`);
    element.state.migrateTo = toPe;
    // Inside one of its entry methods, the element moves when that returns (see run);
    // otherwise (a timer, a runtime request) right away.
    if (this.executing !== element) this.migrateIfDue(element);
  }

  /** A ckMigrate(toPe) made on PE `origin`: nobody awaits it, so a refusal is fatal there (as an undeliverable call). */
  private migrateAsked(element: Resident, toPe: number, origin: number): void {
    if (isMigratable(element.chare)) return this.migrate(element.chare, toPe);
    reportUndelivered(this.ref.id, origin, `${describeMember(this.name, element.index)}.ckMigrate(${toPe}) from PE ${origin}: this element declared itself not migratable`);
  }

  /**
   * Sends the element away if a move is due and no entry method of it is
   * suspended. The message is written first: state that cannot be sent
   * leaves the element where it is.
   */
  private migrateIfDue(element: Resident): void {
    const state = element.state;
    // After every call: the common case (no move asked for) reads one field.
    if (state.migrateTo < 0 || state.running !== undefined || !this.elements.holds(element)) return;
    const rt = runtime();
    const toPe = state.migrateTo;
    state.migrateTo = -1;
    if (toPe === rt.myPe) return;
    const chare = element.chare;
    writeMember(beginControl(this.ref.id, ArrayControl.Migrate), chare, recordOf(chare, state, state.epoch + 1), this.nameMoving);
    rt.scheduler.send(toPe);
    // Sent: now it is gone from here (what follows may send messages of its own).
    const key = element.key;
    // Its waiting calls went in the record: the replies they owe are owed there now.
    const replies = hasWaiting(chare) ? replyNumbers(takeWaiting(chare)) : undefined;
    dropChannels(chare);
    this.elements.remove(key);
    state.departed = 'migrated';
    state.epoch++;
    this.routing.left(key, element.index, toPe, state.epoch);
    this.reductions.removeMember(state.next);
    if (replies) this.reductions.moveReplies(replies, -1);
  }

  /**
   * Makes an element from its record (a migrating element's, or a
   * checkpoint's at a restart; lib/migration/member.ts) and settles it in:
   * the replies its waiting calls owe are owed here now.
   */
  private rebuild(record: MigrantState, readState: RestoredMember['readState']): Resident {
    const state = newMemberState(this, record.next, record.bcastSeq, record.epoch, record.sections);
    const chare = rebuildMember(this.ref.info, state, record, readState, this.replyOf);
    const element = resident(chare, record.index as ArrayIndex, state);
    if (hasWaiting(chare)) this.reductions.moveReplies(replyNumbers(waitingCalls(chare)), 1);
    this.settleIn(element);
    return element;
  }

  private arrive(r: Reader): void {
    this.arrivingIn = r;
    const element = this.rebuild(readMigrant(r), this.readArriving);
    this.arrivingIn = undefined;
    const { chare, index, key, state } = element;
    this.routing.settled(key, index, state.epoch, r.source);
    // The hook runs like an entry method: a migration it asks for happens when it returns.
    const outer = this.executing;
    this.executing = element;
    try {
      runArrivalHook(chare);
    } catch (error) {
      fatal(error, `on PE ${runtime().myPe} in ${describeMember(this.name, index)}.onMigrated`);
    } finally {
      this.executing = outer;
    }
    this.broadcasts.catchUp(element);
    this.insertions.releaseHeld(key); // calls the home held for it, in order (they re-route should it have left again)
    if (state.balancing && this.elements.holds(element)) this.balancing.settle(element);
    this.migrateIfDue(element);
  }

  /**
   * Deletes an element: it leaves every reduction from its next one on;
   * calls waiting for their `when` condition fail (their callers hear it);
   * an async method of it still suspended may finish and answer its call,
   * but what it contributes afterwards is dropped.
   */
  private destroy(element: Resident, name: DeletionName, done: Future<unknown>): void {
    const key = element.key;
    const state = element.state;
    this.elements.remove(key);
    this.reductions.removeMember(state.next);
    for (let stream = 0; stream < state.next.length; stream++) this.reductions.changePopulation(stream, state.next[stream], -1);
    this.retire(element, 'was deleted');
    state.epoch++;
    this.insertions.elementDeleted(element.index, key, state.epoch, name, done);
  }

  /**
   * What a deleted element leaves behind: its object is marked deleted
   * (what it contributes later is dropped), its calls waiting for a `when`
   * condition fail (`why`: how it went), and the other end of each of its
   * channels is told it is gone (channels.ts).
   */
  private retire(element: Resident, why: string, peerOf: (collection: number, index: ChareIndex) => unknown = liveMember): void {
    const describeIt = `${describeMember(this.name, element.index)}`;
    element.state.departed = 'deleted';
    for (const call of takeWaiting(element.chare)) {
      const name = this.ref.info.methods[call.methodId];
      (call.reply as Reply | undefined)?.reject(new Error(`${describeIt} ${why} while its call to ${name} waited for its when condition: the call did not run`), `${describeIt}.${name}`);
    }
    channelsGone(element.chare, peerOf);
  }

  /**
   * The whole array is deleted (wholeDeletion.ts): every element here is
   * retired, and the reductions under way are abandoned with `error`;
   * returns the calls this PE held as home for indices not made yet (the
   * caller refuses them).
   */
  deleteAll(error: Error): readonly Uint8Array[] {
    // No gone notices between elements of this array: each would be refused (dropped) at the other end, deleted too.
    const id = this.ref.id;
    const outside = (collection: number, index: ChareIndex): unknown => (collection === id ? undefined : liveMember(collection, index));
    for (const element of this.elements.values()) this.retire(element, 'was deleted with its array', outside);
    this.reductions.abandon(error, `${this.name} array`);
    this.elements.clear();
    return this.locations.releaseAll();
  }

  // -------------------------------------------------------------- load balancing

  atSync(chare: Chare<never>): void {
    const where = `${describeMember(this.name, chare.thisIndex)}.AtSync`;
    if (!this.ref.balancer) throw new Error(`${where}: create the array with { loadBalancing: true } to use AtSync`);
    const element = this.live(chare, 'AtSync');
    if (!element) return; // deleted: it takes part in no step any more
    // The load includes the entry method calling AtSync: report when it returns.
    element.state.atSync = true;
    if (this.executing !== element) this.balancing.reportLoad(element);
  }

  /** What the load-balancing step sees of this array. */
  private balanced(): BalancedArray<Resident> {
    return {
      name: this.name,
      balancer: this.ref.balancer,
      elements: () => this.elements.values(),
      contribute: (element, data, reducer, step) =>
        void this.reductions.contribute(element.state.next, element.index, Stream.Balance, data, reducer.name, step),
      move: (element, pe) => {
        element.state.migrateTo = pe;
        this.migrateIfDue(element);
      },
      resume: (element) => {
        const method = this.ref.info.methodIds.get('resumeFromSync');
        if (method !== undefined && this.elements.holds(element)) this.run(element, method, [], undefined);
      },
      broadcast: (decision) => {
        const w = beginControl(this.ref.id, decision ? ArrayControl.BalanceDecision : ArrayControl.Resume);
        if (decision) writeBalanceDecision(w, decision.reduction, decision.moves);
        runtime().scheduler.broadcast();
      },
    };
  }

  // -------------------------------------------------------------- control

  receiveReduction(r: Reader): void {
    this.reductions.receive(r);
  }

  receiveControl(r: Reader): void {
    const op = controlOf(r);
    const rt = runtime();
    switch (op) {
      case ArrayControl.CreateElement: {
        const create = readCreateElement(r);
        const index = create.index as ArrayIndex;
        const key = keyOf(index);
        const element = this.place(index, create.args, newMemberState(this, create.first, create.broadcasts, create.epoch));
        this.broadcasts.catchUp(element);
        this.insertions.releaseHeld(key); // calls the home held for it, in order (they re-route should it have left again)
        beginControl(this.ref.id, ArrayControl.Created);
        rt.scheduler.send(0);
        return;
      }
      case ArrayControl.Migrate:
        this.arrive(r);
        return;
      case ArrayControl.LocationUpdate:
        this.routing.receive(r);
        return;
      case ArrayControl.Undeliverable:
        return undeliveredHere(readBodyValue(r) as string);
      case ArrayControl.BalanceDecision: {
        const { reduction, moves } = readBalanceDecision(r);
        this.balancing.apply(reduction, moves as [ArrayIndex, number][]);
        return;
      }
      case ArrayControl.Resume:
        this.balancing.resume();
        return;
      case ArrayControl.HistoryDrop:
        this.broadcasts.dropUpTo(readHistoryDrop(r));
        return;
      case ArrayControl.DeleteArray:
        deletionAsked(this, readBodyValue(r) as Future<void>);
        return;
      case ArrayControl.ArrayDeleted:
        deleteHere(this, readBodyValue(r) as Future<void>);
        return;
      default:
        this.insertions.receive(op, r, this.broadcasts.sequencer);
    }
  }
}
