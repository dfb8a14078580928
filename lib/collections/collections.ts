/**
 * The collections living on this PE (singletons, groups, and the kinds
 * added later), creation messages, and delivery of calls to members.
 * A call that arrives before its collection exists here is held until the
 * collection is created.
 */
import { Flag, Kind, beginCall, beginControl as beginControlMessage, beginCreate as beginCreateMessage, type ArrayControl, flagsOf, methodOf, readArgs, readCreate, targetOf, writeCallArgs, writeElementRoute, writeMulticastOrigin, writeReplyTo, type MulticastOrigin } from '../codec/wire';
import { decodeValue, encodeValue, registerExtension } from '../codec/values';
import type { Reader } from '../codec/reader';
import type { Writer } from '../codec/writer';
import { constructWith, memberOf, revive, type Chare, type ChareIndex, type MemberServices, type MemberState } from '../model/chare';
import { classByName, type ChareClassInfo } from '../model/registry';
import { runtime } from '../model/context';
import { Future, type FutureMode } from '../model/future';
import { invoke, readReply, runCreatedHook, SLOT_OF_MEMBER, type Track } from '../model/invoke';
import { METHOD_CREATED } from '../model/methodIds';
import { CallMode, isProxy, type CallTarget, type CollectionRef } from '../model/proxy';
import { running, uncaught } from '../errors';
import type { LocalSnapshot, RestoredPart } from '../checkpoint/saved';
import { doubleFields } from '../shapes';
import { issueAbove } from './ids';
import { receiveAbandoned } from '../reductions/abandoned';
import { noteDeleted, noteInstalled, noteRestoredUpTo, refuseCall, refuseControl, wasDeleted } from './deleted';

/** Kinds of collection, as numbered in messages. */
export const enum CollectionKind {
  Singleton = 1,
  Group = 2,
  Array = 3,
}

/** A kind of collection: how its references travel and how calls reach members. */
export interface KindHandler {
  /** Writes what identifies a reference of this kind beyond id and class. */
  encodeRef(w: Writer, ref: CollectionRef): void;
  decodeRef(r: Reader, id: number, info: ChareClassInfo): CollectionRef;
  /** Creates this PE's part of a collection from a Create message. */
  create(r: Reader, id: number, info: ChareClassInfo, args: unknown[]): LocalCollection;
  /** Restart: rebuilds this PE's part of a collection from a checkpoint (lib/checkpoint/), constructors not run. */
  restore(part: RestoredPart): LocalCollection;
}

/** This PE's part of a collection. */
export interface LocalCollection {
  readonly ref: CollectionRef & { readonly kind: CollectionKind };
  /** Delivers a call (reader positioned after the header). */
  deliver(r: Reader, flags: number, method: number): void;
  /** Handles a reduction message (reader positioned after the header). */
  receiveReduction(r: Reader): void;
  /** Handles a collection-specific control message (arrays). */
  receiveControl?(r: Reader): void;
  /** Checkpoints: this PE's members and the collection's reductions, as they are now. */
  snapshot(): LocalSnapshot;
  /** Arrays, at the home: indices with calls held until an element is inserted there, as printed, and how many calls each. */
  heldAtHome?(): [string, number][];
}

const kinds = new Map<CollectionKind, KindHandler>();
const local = new Map<number, LocalCollection>();
const heldUntilCreated = new Map<number, Uint8Array[]>();
const whenInstalled = new Map<number, () => void>();

export function registerKind(kind: CollectionKind, handler: KindHandler): void {
  kinds.set(kind, handler);
}

export function localCollection(id: number): LocalCollection | undefined {
  return local.get(id);
}

/** A proxy of member `index` of collection `id`, if this PE has a part of it and it is not deleted (an array deleted whole: arrays.ts). */
export function liveMember(id: number, index: ChareIndex): unknown {
  const ref = local.get(id)?.ref;
  return ref && !(ref as { deleted?: boolean }).deleted ? ref.element(index) : undefined;
}

/** Every collection with a part on this PE (checkpoints save them). */
export function localCollections(): IterableIterator<LocalCollection> {
  return local.values();
}

/** Restart: rebuilds this PE's part of a saved collection with its kind's `restore` (not installed yet). */
export function restoreCollection(kind: CollectionKind, part: RestoredPart): LocalCollection {
  return kinds.get(kind)!.restore(part);
}

/** Restart: every collection id up to `highest` was issued before it (ids.ts); new ones lie above. */
export function reserveCollectionIds(highest: number): void {
  issueAbove(highest);
  noteRestoredUpTo(highest);
}

/**
 * Runs `then` once, when this PE's part of the collection behind `proxy`
 * is installed here: its members constructed (their async set-up may
 * still run). PE 0 sends the readonlies after the main chare's constructor.
 */
export function whenConstructed(proxy: { readonly __ref: CollectionRef }, then: () => void): void {
  whenInstalled.set(proxy.__ref.id, then);
}

/** Makes `collection` live here and delivers the calls that were waiting for it. */
export function install(collection: LocalCollection): void {
  local.set(collection.ref.id, collection);
  noteInstalled(collection.ref.id);
  const then = whenInstalled.get(collection.ref.id);
  if (then) {
    whenInstalled.delete(collection.ref.id);
    then();
  }
  const held = heldUntilCreated.get(collection.ref.id);
  if (held) {
    heldUntilCreated.delete(collection.ref.id);
    runtime().scheduler.deliverHeld(held);
  }
}

/** Takes `collection` (an array deleted whole: wholeDeletion.ts) off this PE: messages for it are refused from now on. */
export function uninstall(collection: LocalCollection): void {
  local.delete(collection.ref.id);
  noteDeleted(collection.ref.id, collection.ref.info);
}

/** A fresh member state; `next` is the first reduction number per stream. */
export function newMemberState(services: MemberServices, next: number[] = [0, 0, 0, 0], bcastSeq = 0, epoch = 0, sections: Record<number, number> = {}): MemberState {
  // Every field from the start (track and created too): a field added later gave each member a new map and a properties array (invoke sets track at its first call).
  return doubleFields({ services, next, bcastSeq, epoch, running: undefined, migrateTo: -1, load: 0, balancing: false, atSync: false, sections, departed: undefined, created: undefined, track: undefined }, LOAD);
}

/** newMemberState's double field (one list, not one per member: every arrival makes a state). */
const LOAD = ['load'] as const;

/**
 * Constructs a member with its identity set. A constructor's error is
 * fatal in a program; in the console it is printed and the session goes
 * on, the member made without its constructor's fields (its methods may
 * fail in turn, printed alike), as a fire-and-forget call's error is.
 */
export function construct(ref: CollectionRef, index: ChareIndex, args: unknown[], member: MemberState): Chare<never> {
  let chare: Chare<never>;
  const outer = { ...running };
  Object.assign(running, { className: ref.info.name, method: 'constructor', index });
  try {
    chare = constructWith({ index, member }, () => new (ref.info.cls as unknown as new (...a: unknown[]) => Chare<never>)(...args));
  } catch (error) {
    uncaught(error, `on PE ${runtime().myPe} constructing ${ref.info.name} (index ${JSON.stringify(index)})`);
    chare = revive(ref.info.cls, { index, member });
  } finally {
    Object.assign(running, outer);
  }
  runCreatedHook(chare, ref.info);
  return chare;
}

/** Writes a Create message for a collection (the caller sends or broadcasts it). */
export function beginCreate(kind: CollectionKind, id: number, info: ChareClassInfo, args: readonly unknown[]): Writer {
  const w = runtime().scheduler.writer;
  beginCreateMessage(w, kind, id, info.name, args);
  return w;
}

/** Begins an array control message (counted by quiescence detection unless flagged System). */
export function beginControl(arrayId: number, op: ArrayControl, flags = 0): Writer {
  const w = runtime().scheduler.writer;
  beginControlMessage(w, arrayId, op, flags);
  return w;
}

export function receiveCreate(r: Reader): void {
  const { collectionKind, id, className, args } = readCreate(r);
  const handler = kinds.get(collectionKind);
  if (!handler) throw new Error(`charmts: unknown collection kind ${collectionKind}`);
  install(handler.create(r, id, classByName(className), args));
}

export function receiveCall(r: Reader): void {
  const collection = local.get(targetOf(r.buf, r.base));
  if (collection) collection.deliver(r, flagsOf(r.buf, r.base), methodOf(r.buf, r.base));
  else if (wasDeleted(targetOf(r.buf, r.base))) refuseCall(r);
  else holdUntilCreated(r);
}

export function receiveReduction(r: Reader): void {
  const collection = local.get(targetOf(r.buf, r.base));
  if (collection) collection.receiveReduction(r);
  else if (!wasDeleted(targetOf(r.buf, r.base))) holdUntilCreated(r);
  else receiveAbandoned(Kind.Reduction, targetOf(r.buf, r.base), r); // a deleted array's reductions are abandoned
}

export function receiveControl(r: Reader): void {
  const collection = local.get(targetOf(r.buf, r.base));
  if (collection?.receiveControl) collection.receiveControl(r);
  else if (!collection && wasDeleted(targetOf(r.buf, r.base))) refuseControl(r);
  else holdUntilCreated(r);
}

/** Keeps a message for a collection not created here yet (its id is the header's target). */
function holdUntilCreated(r: Reader): void {
  const id = targetOf(r.buf, r.base);
  const held = heldUntilCreated.get(id);
  if (held) held.push(r.copyMessage());
  else heldUntilCreated.set(id, [r.copyMessage()]);
}

/**
 * Counts the async entry methods of each member that are suspended
 * (invoke's `track`): such a member cannot migrate, nor be saved by a
 * checkpoint. `finished` runs after each one ends, with its member. One
 * per collection, not per member: every arrival of a migrating element
 * made a pair of closures for it.
 */
export function trackRunning(finished?: (member: Chare<never>) => void): Track {
  return (pending, member, method) => {
    const state = memberOf(member);
    (state.running ??= []).push(method);
    void pending.then(() => {
      const running = state.running!;
      running.splice(running.lastIndexOf(method), 1);
      if (running.length === 0) state.running = undefined;
      finished?.(member);
    });
  };
}

/**
 * Completes once every member of the collection (or the one chare) behind
 * `proxy` exists and its set-up (`onCreated`) has finished: a call that
 * reaches each member after its constructor, answered once its set-up is
 * done.
 */
export function whenCreated(proxy: unknown, where: string): Future<unknown> {
  if (typeof proxy !== 'object' || proxy === null || !isProxy(proxy)) throw new TypeError(`${where}: expected the proxy of a chare, group, array or section, got ${proxy === null ? 'null' : typeof proxy}`);
  return proxy.__call(METHOD_CREATED, [], CallMode.Completion)!;
}

/** Reads the arguments and reply of a call and runs it on `element` (`track`: as invoke's). */
export function runCall(r: Reader, flags: number, method: number, element: Chare<never>, info: ChareClassInfo, memberSlot: number, track?: Track): void {
  const args = readArgs(r);
  const reply = flags & Flag.Reply ? readReply(r, (flags & Flag.CompletionOnly) !== 0, memberSlot) : undefined;
  invoke(element, info, method, args, reply, track);
}

/**
 * Writes and sends a call. `dest` is a PE, or -1 to broadcast to every PE.
 * `index` is written when the kind needs one to find the member on `dest`.
 * A call on a whole collection (`gather`) collects one reply per member,
 * in member order.
 */
export function sendCall(
  ref: CollectionRef,
  dest: number,
  index: ChareIndex | undefined,
  method: number,
  args: unknown[],
  mode: CallMode,
  gather: boolean,
  members: number,
  /** Reply into this future and slot instead of a new future (section multicasts). */
  into?: { pe: number; id: number; slot: number },
  /** An element call: `dest` is the index's home by this PE's map (Flag.Home). */
  toHome = false,
  /** A section's multicast, nobody awaiting it, handed on to a member here (Flag.Multicast). */
  multicast?: MulticastOrigin,
): Future<unknown> | undefined {
  const rt = runtime();
  const w = rt.scheduler.writer;
  let flags = index === undefined ? 0 : toHome ? Flag.Indexed | Flag.Home : Flag.Indexed;
  if (mode !== CallMode.Send) flags |= Flag.Reply | (mode === CallMode.Completion ? Flag.CompletionOnly : 0);
  else if (multicast) flags |= Flag.Multicast;
  beginCall(w, flags, method, ref.id);
  // Array calls carry their index, the sending PE (to correct its
  // location cache after a forwarded delivery) and a hop count.
  if (index !== undefined) writeElementRoute(w, index, rt.myPe);
  writeCallArgs(w, args, ref.info.name, ref.info.methods, method);
  if (flags & Flag.Multicast) writeMulticastOrigin(w, multicast!.section, multicast!.caller);
  let future: Future<unknown> | undefined;
  if (mode !== CallMode.Send && into) {
    writeReplyTo(w, into.pe, into.id, into.slot);
  } else if (mode !== CallMode.Send) {
    const futureMode: FutureMode = !gather ? 'single' : mode === CallMode.Completion ? 'count' : 'slots';
    future = Future.create(gather ? members : 1, futureMode);
    writeReplyTo(w, future.pe, future.id, gather ? SLOT_OF_MEMBER : -1);
  }
  if (dest < 0) rt.scheduler.broadcast();
  else rt.scheduler.send(dest);
  return future;
}

// Proxies travel in messages as (kind, id, class, kind-specific reference).
registerExtension<CallTarget>({
  id: 1,
  // Section proxies have their own extension (lib/sections/), which may be registered after this one.
  matches: (v): v is CallTarget => isProxy(v) && !('__section' in v),
  encode(w, proxy) {
    const ref = proxy.__ref as CollectionRef & { kind: CollectionKind };
    w.u8(ref.kind);
    w.u32(ref.id);
    w.str(ref.info.name);
    kinds.get(ref.kind)!.encodeRef(w, ref);
    const member = proxy.__index;
    w.u8(member === undefined ? 0 : 1);
    if (member !== undefined) encodeValue(w, member, 'proxy index');
  },
  decode(r) {
    const kind = r.u8() as CollectionKind;
    const id = r.u32();
    const info = classByName(r.str());
    const ref = kinds.get(kind)!.decodeRef(r, id, info);
    const hasMember = r.u8() === 1;
    return (hasMember ? ref.element(decodeValue(r) as ChareIndex) : ref.proxy()) as CallTarget;
  },
});
