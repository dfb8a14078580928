/**
 * This PE's part of a chare array: its elements, delivery of calls and
 * broadcasts, insertion, deletion and migration. Where elements are is the
 * Locations' business; reductions are the ReductionManager's.
 *
 * Broadcasts are numbered by PE 0 and reach every PE in that order; each
 * element records the last one it ran, so an element that moves meets
 * each broadcast exactly once: the PE it arrives at replays the ones it
 * missed (from a short history) and skips the ones it already ran.
 */
import { Reader } from '../codec/reader';
import {
  ArrayControl, Flag, bodyStart, controlOf, flagsOf, methodOf, readArgs, readBalanceDecision, readBodyValue, readBroadcastNumbers, readCreateElement, readDeleted,
  readElementRoute, readInsert, readInsertRequest, readLocation, readMigrant, setBroadcastNumbers, setHops, writeBalanceDecision, writeBodyValue,
  writeCreateElement, writeDeleted, writeInsert, writeLocation, writeMigrant, type ElementRoute,
} from '../codec/wire';
import { adopt, memberOf, type Chare, type MemberServices, type MemberState } from '../model/chare';
import { runtime } from '../model/context';
import { Future } from '../model/future';
import { invoke, readReply, readReplyFuture, type Reply } from '../model/invoke';
import { fatal } from '../errors';
import { Locations, Route } from '../location/locations';
import { isMigratable, packState, restoreChare, runArrivalHook, unpackState } from '../migration/state';
import type { LocalSnapshot, RestoredPart } from '../checkpoint/saved';
import { ReductionManager, Stream } from '../reductions/manager';
import { checkContribution } from '../reductions/contribute';
import { Reducer } from '../reductions/reducers';
import type { ReductionTarget } from '../reductions/targets';
import { denseIndices, describe, keyOf, type ArrayIndex } from './arrayIndex';
import { BalancingStep, type BalancedArray } from '../balancing/step';
import type { ArrayRef } from './arrays';
import { beginControl, construct, newMemberState, type LocalCollection } from './collections';

/** Pseudo method ids of element proxies' ckMigrate and ckDestroy. */
export const METHOD_MIGRATE = 0xfffe;
export const METHOD_DESTROY = 0xffff;
/** Reply number of a broadcast that wants no reply. */
export const NO_REPLY = 0xffffffff;
/** A message chasing an element gives up after this many forwards. */
const MAX_HOPS = 100;
/** Broadcasts kept for elements that arrive having missed some. */
const HISTORY = 4096;

interface Element {
  chare: Chare<never>;
  index: ArrayIndex;
  state: MemberState;
}

export class LocalArray implements LocalCollection, MemberServices {
  private readonly elements = new Map<string, Element>();
  private readonly locations: Locations;
  private readonly reductions: ReductionManager;
  private readonly history = new Map<number, Uint8Array>();
  private lastBroadcast = 0;
  // PE 0 only
  private broadcastCount = 0;
  private replyCount = 0;
  private pendingInserts = 0;
  private readonly insertWaiters: Future<void>[] = [];
  private readonly name: string;
  /** The element whose entry method is running synchronously now. */
  private executing: Element | undefined;
  private readonly balancing: BalancingStep;

  /** `restored`: a restart rebuilds this PE's part from a checkpoint instead of constructing elements. */
  constructor(readonly ref: ArrayRef, args: unknown[], restored?: RestoredPart) {
    const rt = runtime();
    this.name = ref.info.name;
    const extents = ref.shape.extents;
    this.locations = new Locations(rt.myPe, (i) => ref.homeOf(i), () => extents !== undefined);
    const population = restored ? restored.population : extents ? extents.reduce((a, b) => a * b, 1) : 0;
    this.reductions = new ReductionManager(ref.id, `array ${this.name} (collection ${ref.id})`, population);
    this.balancing = new BalancingStep(this.balanced());
    this.reductions.systemHandler = (step, value, reduction) => this.balancing.completed(step, value, reduction);
    if (restored) {
      this.restore(restored);
    } else if (extents) {
      for (const index of denseIndices(extents)) {
        if (ref.homeOf(index) === rt.myPe) this.place(index, args, newMemberState(this));
      }
    }
  }

  /**
   * Restart: the saved elements whose home is this PE, each at home (epoch
   * 0, its home's record says so); deleted indices of a dense array stay
   * deleted. Broadcast numbering starts again from 0 (no broadcast is in
   * flight at a checkpoint); reductions go on from where the checkpoint left them.
   */
  private restore(part: RestoredPart): void {
    const myPe = runtime().myPe;
    this.reductions.restartAt(part.next);
    if (myPe === 0) this.replyCount = part.next[Stream.Replies];
    for (const index of part.deleted) this.locations.setRecord(keyOf(index), { pe: -1, epoch: 0, deleted: true });
    for (const saved of part.members) {
      const index = saved.index as ArrayIndex;
      const state = newMemberState(this, saved.next.slice());
      state.sections = { ...saved.sections };
      this.settleIn({ chare: restoreChare(this.ref.info.cls, index, state, saved.packed), index, state });
      this.locations.setRecord(keyOf(index), { pe: myPe, epoch: 0, deleted: false });
    }
  }

  /** Checkpoints: the elements on this PE and the array's reductions. */
  snapshot(): LocalSnapshot {
    return { members: [...this.elements.values()].map((e) => ({ chare: e.chare, state: e.state })), reductions: this.reductions };
  }

  /** The first PE a call from here to `index` goes to. */
  firstHop(index: ArrayIndex): number {
    const key = keyOf(index);
    return this.elements.has(key) ? runtime().myPe : this.locations.firstHop(key, index);
  }

  // -------------------------------------------------------------- calls

  deliver(r: Reader, flags: number, method: number): void {
    if (!(flags & Flag.Indexed)) {
      this.receiveBroadcast(r, flags, method);
      return;
    }
    const route = readElementRoute(r);
    const index = route.index as ArrayIndex;
    const key = keyOf(index);
    const element = this.elements.get(key);
    if (!element) {
      this.route(r, key, route, method);
      return;
    }
    const rt = runtime();
    if (route.hops > 0 && route.origin !== rt.myPe) this.tell(route.origin, index, rt.myPe, element.state.epoch, false);
    if (method === METHOD_MIGRATE) {
      this.migrate(element.chare, readArgs(r)[0] as number);
    } else if (method === METHOD_DESTROY) {
      readArgs(r);
      this.destroy(element, readReplyFuture(r)[0]);
    } else {
      const args = readArgs(r);
      const reply = flags & Flag.Reply ? readReply(r, (flags & Flag.CompletionOnly) !== 0, -1) : undefined;
      this.run(element, method, args, reply);
    }
  }

  /** Passes on a call for an element that is not here. */
  private route(r: Reader, key: string, route: ElementRoute, method: number): void {
    const index = route.index as ArrayIndex;
    const dest = this.locations.route(key, index);
    if (dest === Route.Hold) {
      this.locations.hold(key, r.copyMessage());
    } else if (dest === Route.Deleted) {
      this.undeliverable(r, index, method, route.origin);
    } else {
      if (route.hops >= MAX_HOPS) fatal(new Error(`a call to ${this.name}${describe(index)} was forwarded ${route.hops} times without finding it`), `on PE ${runtime().myPe}`);
      const message = r.copyMessage();
      setHops(message, route, route.hops + 1);
      runtime().scheduler.sendMessage(dest, message);
    }
  }

  /**
   * Runs an entry method, keeping count of suspended async methods (they
   * pin the element here); a migration asked for during the call happens
   * as soon as it returns.
   */
  private run(element: Element, method: number, args: unknown[], reply: Reply | undefined): void {
    this.executing = element;
    const started = this.ref.balancer ? performance.now() : 0;
    let pending: Promise<void> | undefined;
    try {
      pending = invoke(element.chare, this.ref.info, method, args, reply);
    } finally {
      this.executing = undefined;
      if (started) element.state.load += performance.now() - started;
    }
    if (element.state.atSync) this.balancing.reportLoad(element);
    if (!pending) {
      this.migrateIfDue(element);
      return;
    }
    element.state.running++;
    void pending.then(() => {
      element.state.running--;
      this.migrateIfDue(element);
    });
  }

  private undeliverable(r: Reader, index: ArrayIndex, method: number, origin: number): void {
    const methodName = method === METHOD_DESTROY ? 'ckDestroy' : method === METHOD_MIGRATE ? 'ckMigrate' : this.ref.info.methods[method];
    const error = new Error(`${this.name}${describe(index)} was deleted: the call to ${methodName} was not delivered`);
    const flags = flagsOf(r.buf, r.base);
    readArgs(r);
    if (flags & Flag.Reply) {
      readReply(r, false, -1).reject(error, `${this.name}${describe(index)}`);
      return;
    }
    writeBodyValue(beginControl(this.ref.id, ArrayControl.Undeliverable), error.message, 'error');
    runtime().scheduler.send(origin);
  }

  // -------------------------------------------------------------- broadcasts

  private receiveBroadcast(r: Reader, flags: number, method: number): void {
    const { numbersAt, seq } = readBroadcastNumbers(r);
    const rt = runtime();
    if (seq === 0) {
      // A request at PE 0: number it and send it to every PE.
      const message = r.copyMessage();
      setBroadcastNumbers(message, numbersAt, ++this.broadcastCount, flags & Flag.Reply ? this.replyCount++ : NO_REPLY);
      rt.scheduler.broadcastMessage(message);
      return;
    }
    const message = r.copyMessage();
    this.lastBroadcast = seq;
    this.history.set(seq, message);
    this.history.delete(seq - HISTORY);
    for (const element of [...this.elements.values()]) {
      if (element.state.bcastSeq < seq) this.runBroadcast(element, message, seq, method, flags);
    }
  }

  private runBroadcast(element: Element, message: Uint8Array, seq: number, method: number, flags: number): void {
    element.state.bcastSeq = seq;
    const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    const r = new Reader();
    r.reset(buf, new DataView(message.buffer, message.byteOffset, message.byteLength), 0, message.length, false, runtime().myPe);
    r.pos = bodyStart(buf, 0);
    const q = readBroadcastNumbers(r).replyNumber;
    const args = readArgs(r);
    let reply: Reply | undefined;
    if (q !== NO_REPLY) {
      const future = readReplyFuture(r)[0];
      const reducer = flags & Flag.CompletionOnly ? Reducer.nop : Reducer.gather;
      const contribute = (data: unknown, error?: unknown): void =>
        void this.reductions.contribute(element.state.next, element.index, Stream.Replies, data, reducer.name, future, error);
      reply = { resolve: (value) => contribute(value), reject: (error) => contribute(undefined, error) };
    }
    this.run(element, method, args, reply);
  }

  /** Replays the broadcasts an arriving element has not run yet. */
  private catchUp(element: Element): void {
    for (let seq = element.state.bcastSeq + 1; seq <= this.lastBroadcast; seq++) {
      const message = this.history.get(seq);
      if (!message) fatal(new Error(`${this.name}${describe(element.index)} missed broadcast ${seq}, no longer kept`), `on PE ${runtime().myPe}`);
      this.runBroadcast(element, message, seq, methodOf(message), flagsOf(message));
    }
  }

  // -------------------------------------------------------------- members

  private place(index: ArrayIndex, args: unknown[], state: MemberState): Element {
    const chare = construct(this.ref, index, args, state);
    const element = { chare, index, state };
    this.settleIn(element);
    return element;
  }

  /**
   * Makes an element live here and delivers the calls held for it (calls
   * that reached this PE when its record already pointed here).
   */
  private settleIn(element: Element): void {
    const key = keyOf(element.index);
    this.elements.set(key, element);
    this.reductions.addMember(element.state.next);
    runtime().scheduler.deliverHeld(this.locations.release(key));
  }

  contribute(chare: Chare<never>, data: unknown, reducer: Reducer, target: ReductionTarget | 'all'): Promise<unknown> | undefined {
    checkContribution(`${this.name}${describe(chare.thisIndex)}.contribute`, reducer, target);
    return this.reductions.contribute(memberOf(chare).next, chare.thisIndex as ArrayIndex, Stream.User, data, reducer.name, target);
  }

  migrate(chare: Chare<never>, toPe: number): void {
    const where = `${this.name}${describe(chare.thisIndex)}.migrate`;
    const rt = runtime();
    if (!Number.isInteger(toPe) || toPe < 0 || toPe >= rt.numPes) throw new RangeError(`${where}: PE ${String(toPe)} is out of range (0..${rt.numPes - 1})`);
    if (!isMigratable(chare)) throw new Error(`${where}: this element declared itself not migratable`);
    const element = this.elements.get(keyOf(chare.thisIndex as ArrayIndex));
    if (!element || element.chare !== chare) throw new Error(`${where}: the element is not on PE ${rt.myPe}`);
    element.state.migrateTo = toPe;
    // Inside one of its entry methods, the element moves when that returns (see run);
    // otherwise (a timer, a runtime request) right away.
    if (this.executing !== element) this.migrateIfDue(element);
  }

  private migrateIfDue(element: Element): void {
    const state = element.state;
    const rt = runtime();
    if (state.migrateTo < 0 || state.running > 0) return;
    const key = keyOf(element.index);
    if (this.elements.get(key) !== element) return;
    const toPe = state.migrateTo;
    state.migrateTo = -1;
    if (toPe === rt.myPe) return;
    const packed = packState(element.chare);
    this.elements.delete(key);
    this.reductions.removeMember(state.next);
    state.epoch++;
    this.locations.learn(key, { pe: toPe, epoch: state.epoch, deleted: false });
    if (this.ref.homeOf(element.index) === rt.myPe) this.locations.setRecord(key, { pe: toPe, epoch: state.epoch, deleted: false });
    const w = beginControl(this.ref.id, ArrayControl.Migrate);
    const migrant = { index: element.index, epoch: state.epoch, bcastSeq: state.bcastSeq, balancing: state.balancing, load: state.load, sections: state.sections, next: state.next, packed };
    writeMigrant(w, migrant, `${this.name}${describe(element.index)}`);
    rt.scheduler.send(toPe);
  }

  private arrive(r: Reader): void {
    const { index: at, epoch, bcastSeq, balancing, load, sections, next, packed } = readMigrant(r);
    const index = at as ArrayIndex;
    const chare = Object.create(this.ref.info.cls.prototype) as Chare<never>;
    const state = newMemberState(this, next, bcastSeq, epoch);
    state.load = load;
    state.sections = sections;
    adopt(chare, { index, member: state });
    unpackState(chare, packed);
    const element: Element = { chare, index, state };
    const key = keyOf(index);
    this.settleIn(element);
    this.announce(key, index, epoch);
    // The hook runs like an entry method: a migration it asks for happens when it returns.
    this.executing = element;
    try {
      runArrivalHook(chare);
    } catch (error) {
      fatal(error, `on PE ${runtime().myPe} in ${this.name}${describe(index)}.onMigrated`);
    } finally {
      this.executing = undefined;
    }
    this.catchUp(element);
    if (balancing) this.balancing.settle(element);
    this.migrateIfDue(element);
  }

  /** Tells the home (and this PE's records) that the element is now here. */
  private announce(key: string, index: ArrayIndex, epoch: number): void {
    const rt = runtime();
    this.locations.learn(key, { pe: rt.myPe, epoch, deleted: false });
    const home = this.ref.homeOf(index);
    if (home === rt.myPe) this.locations.setRecord(key, { pe: rt.myPe, epoch, deleted: false });
    else this.tell(home, index, rt.myPe, epoch, false);
  }

  /** Sends a location record (bookkeeping, not counted by quiescence detection). */
  private tell(dest: number, index: ArrayIndex, pe: number, epoch: number, deleted: boolean): void {
    writeLocation(beginControl(this.ref.id, ArrayControl.LocationUpdate, Flag.System), index, pe, epoch, deleted);
    runtime().scheduler.send(dest);
  }

  private destroy(element: Element, done: Future<unknown>): void {
    const rt = runtime();
    const key = keyOf(element.index);
    const state = element.state;
    this.elements.delete(key);
    this.reductions.removeMember(state.next);
    for (let stream = 0; stream < state.next.length; stream++) this.reductions.changePopulation(stream, state.next[stream], -1);
    state.epoch++;
    this.locations.learn(key, { pe: -1, epoch: state.epoch, deleted: true });
    writeDeleted(beginControl(this.ref.id, ArrayControl.Deleted), element.index, state.epoch, done);
    rt.scheduler.send(this.ref.homeOf(element.index));
  }

  // -------------------------------------------------------------- load balancing

  atSync(chare: Chare<never>): void {
    const where = `${this.name}${describe(chare.thisIndex)}.AtSync`;
    if (!this.ref.balancer) throw new Error(`${where}: create the array with { loadBalancing: true } to use AtSync`);
    const element = this.elements.get(keyOf(chare.thisIndex as ArrayIndex));
    if (!element) throw new Error(`${where}: the element is not on PE ${runtime().myPe}`);
    // The load includes the entry method calling AtSync: report when it returns.
    element.state.atSync = true;
    if (this.executing !== element) this.balancing.reportLoad(element);
  }

  /** What the load-balancing step sees of this array. */
  private balanced(): BalancedArray {
    return {
      name: this.name,
      balancer: this.ref.balancer,
      elements: () => this.elements.values(),
      contribute: (element, data, reducer, step) =>
        void this.reductions.contribute(element.state.next, element.index, Stream.Balance, data, reducer.name, step),
      move: (element, pe) => {
        (element as Element).state.migrateTo = pe;
        this.migrateIfDue(element as Element);
      },
      resume: (element) => {
        const method = this.ref.info.methodIds.get('resumeFromSync');
        if (method !== undefined) this.run(element as Element, method, [], undefined);
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
      case ArrayControl.InsertRequest: {
        // PE 0 decides which reductions and broadcasts the new element takes part in.
        const request = readInsertRequest(r);
        const index = request.index as ArrayIndex;
        const first = [this.reductions.firstUnstarted(Stream.User), this.replyCount, this.reductions.firstUnstarted(Stream.Balance)];
        for (let stream = 0; stream < first.length; stream++) this.reductions.changePopulation(stream, first[stream], 1);
        this.pendingInserts++;
        const w = beginControl(this.ref.id, ArrayControl.Insert);
        writeInsert(w, { ...request, pe: request.pe >= 0 ? request.pe : this.ref.homeOf(index) }, { first, broadcasts: this.broadcastCount });
        rt.scheduler.send(this.ref.homeOf(index));
        return;
      }
      case ArrayControl.Insert: {
        // At the home: record where the element will be, then create it there.
        const insert = readInsert(r);
        const index = insert.index as ArrayIndex;
        const key = keyOf(index);
        const target = insert.pe;
        const requester = insert.requester;
        const record = this.locations.record(key, index);
        if (record && !record.deleted) {
          fatal(new Error(`${this.name}.ckInsert(${describe(index)}) from PE ${requester}: the element already exists`), `on PE ${rt.myPe}`);
        }
        const epoch = record ? record.epoch + 1 : 0;
        this.locations.setRecord(key, { pe: target, epoch, deleted: false });
        writeCreateElement(beginControl(this.ref.id, ArrayControl.CreateElement), index, epoch, insert, insert.args);
        rt.scheduler.send(target);
        // Calls held here go to the element in order: to its PE now, or (when
        // that is this PE) when it settles in, ahead of any held after them.
        if (target !== rt.myPe) for (const message of this.locations.release(key)) rt.scheduler.sendMessage(target, message);
        return;
      }
      case ArrayControl.CreateElement: {
        const create = readCreateElement(r);
        const index = create.index as ArrayIndex;
        const epoch = create.epoch;
        const element = this.place(index, create.args, newMemberState(this, create.first, create.broadcasts, epoch));
        this.locations.learn(keyOf(index), { pe: rt.myPe, epoch, deleted: false });
        this.catchUp(element);
        beginControl(this.ref.id, ArrayControl.Created);
        rt.scheduler.send(0);
        return;
      }
      case ArrayControl.Created:
        if (--this.pendingInserts === 0) for (const f of this.insertWaiters.splice(0)) f.send();
        return;
      case ArrayControl.DoneInserting: {
        const future = readBodyValue(r) as Future<void>;
        if (this.pendingInserts === 0) future.send();
        else this.insertWaiters.push(future);
        return;
      }
      case ArrayControl.Migrate:
        this.arrive(r);
        return;
      case ArrayControl.LocationUpdate: {
        const { index: at, ...location } = readLocation(r);
        const index = at as ArrayIndex;
        const key = keyOf(index);
        this.locations.learn(key, location);
        if (this.ref.homeOf(index) === rt.myPe) this.locations.setRecord(key, location);
        return;
      }
      case ArrayControl.Deleted: {
        const { index: at, epoch, done } = readDeleted(r);
        const index = at as ArrayIndex;
        const reply = done as Future<void>;
        const key = keyOf(index);
        this.locations.setRecord(key, { pe: -1, epoch, deleted: true });
        this.locations.learn(key, { pe: -1, epoch, deleted: true });
        reply.send();
        return;
      }
      case ArrayControl.Undeliverable:
        fatal(new Error(readBodyValue(r) as string), `on PE ${rt.myPe} (a call sent from this PE, with no one awaiting its result)`);
        return;
      case ArrayControl.BalanceDecision: {
        const { reduction, moves } = readBalanceDecision(r);
        this.balancing.apply(reduction, moves as [ArrayIndex, number][]);
        return;
      }
      case ArrayControl.Resume:
        this.balancing.resume();
    }
  }
}
