/**
 * Sections: subsets of a group or an array, called as one. A call on a
 * section is multicast down the spanning tree of the PEs its members were
 * last known on (lib/tree.ts); each PE hands it to its members through
 * the collection's own routing, so a member that migrated still gets it.
 * Results come back in member order. Members reduce over the section with
 * `this.contribute(data, reducer, target, section)`: contributions are
 * combined on PE 0, in member order, once every member has contributed.
 */
import type { Reader } from '../codec/reader';
import { decodeValue, encodeValue, registerExtension } from '../codec/values';
import { SectionOp as Op, methodOf, readSectionCall, readSectionContribution, targetOf, writeSectionCall, writeSectionContribution } from '../codec/wire';
import { runtime } from '../model/context';
import { Future } from '../model/future';
import { CallMode, isProxy, makeProxy, type CallTarget, type CollectionRef, type CompletionCalls, type GatherCalls, type IndexOf, type SendCalls } from '../model/proxy';
import type { Chare, ChareIndex } from '../model/chare';
import { memberOf } from '../model/chare';
import { childrenOf } from '../tree';
import { denseIndices, keyOf as arrayKey } from '../collections/arrayIndex';
import { localCollection, sendCall } from '../collections/collections';
import type { ArrayRef } from '../collections/arrays';
import type { LocalArray } from '../collections/localArray';
import { reducerImpl, type Reducer } from '../reductions/reducers';
import { checkContribution } from '../reductions/contribute';
import { deliverResult, type ReductionTarget } from '../reductions/targets';

/**
 * A subset of a group or an array, called like the collection itself
 * (Charm4py: a section proxy from `proxy.getSection`; Charm++: CProxySection).
 *
 * @typeParam T - the members' class
 * @typeParam I - their index type (a PE number for groups)
 */
export type Section<T, I = IndexOf<T>> = SendCalls<T> & {
  /** Broadcasts to the members, each returning a Future of every member's result, in member order. */
  readonly ret: GatherCalls<T>;
  /** Broadcasts to the members, each returning a Future of their completion. */
  readonly awaitable: CompletionCalls<T>;
  /** The members' indices, in member order. */
  readonly members: readonly I[];
  /** Splits into `parts` sections of consecutive members, or into [members matching, the rest]. */
  split(parts: number | ((index: I) => boolean)): Section<T, I>[];
  /** The members of this section and of `other` (of the same collection; an Error otherwise). */
  union(other: Section<T, I>): Section<T, I>;
};

/** Which members: a list of indices, a predicate over the indices, or a slice of a group or 1D array. */
export type Selection<I> =
  | readonly I[]
  | ((index: I) => boolean)
  | {
      /** First index (or PE) of the slice. */
      start: number;
      /** The slice ends before this index. */
      stop: number;
      /** Distance between members (default 1). */
      step?: number;
    };

interface SectionData {
  id: number;
  collection: CallTarget;
  members: ChareIndex[];
}

let counter = 0;

function newSectionId(): number {
  const rt = runtime();
  return ++counter * rt.numPes + rt.myPe;
}

/** Restart: ids of sections created from now on lie above `highest` (a section of the checkpointed run). */
export function reserveSectionIds(highest: number): void {
  counter = Math.max(counter, Math.floor(highest / runtime().numPes));
}

const keyOf = (index: ChareIndex): string => (typeof index === 'number' ? String(index) : arrayKey(index as never));

/** The PE a call from here to member `index` goes to first. */
function firstPe(ref: CollectionRef & { kind?: number }, index: ChareIndex): number {
  if (typeof index === 'number' && !(ref as Partial<ArrayRef>).homeOf) return index; // group member
  const local = localCollection(ref.id) as LocalArray | undefined;
  return local?.firstHop(index as never) ?? (ref as ArrayRef).homeOf(index as never);
}

function proxyOf(data: SectionData): unknown {
  const ref = data.collection.__ref;
  const call = function (this: CallTarget, method: number, args: unknown[], mode: CallMode): Future<unknown> | undefined {
    return multicast(data, method, args, mode);
  };
  const proxy = makeProxy<Record<string, unknown>>({ __ref: ref, __index: undefined, __call: call });
  Object.defineProperties(proxy, {
    members: { value: data.members.slice(), enumerable: true },
    __section: { value: data },
    __contribute: { value: (chare: Chare<never>, d: unknown, reducer: Reducer, target: ReductionTarget) => contributeToSection(chare, proxy, d, reducer, target) },
    split: {
      value: (parts: number | ((index: ChareIndex) => boolean)) => {
        if (typeof parts === 'function') {
          const yes = data.members.filter((m) => parts(m));
          const no = data.members.filter((m) => !parts(m));
          return [yes, no].filter((list) => list.length).map((list) => proxyOf({ id: newSectionId(), collection: data.collection, members: list }));
        }
        if (!Number.isInteger(parts) || parts < 1 || parts > data.members.length) throw new RangeError(`section.split: parts must be an integer 1..${data.members.length}, got ${String(parts)}`);
        const size = Math.ceil(data.members.length / parts);
        return Array.from({ length: parts }, (_, k) => data.members.slice(k * size, (k + 1) * size))
          .filter((list) => list.length)
          .map((list) => proxyOf({ id: newSectionId(), collection: data.collection, members: list }));
      },
    },
    union: {
      value: (other: unknown) => {
        const o = (other as unknown as { __section?: SectionData }).__section;
        if (!o) throw new TypeError('section.union: expected a section');
        if (o.collection.__ref.id !== ref.id) throw new Error(`section.union: the sections are of different collections (${ref.info.name} ${ref.id} and ${o.collection.__ref.info.name} ${o.collection.__ref.id})`);
        const seen = new Set(data.members.map(keyOf));
        return proxyOf({ id: newSectionId(), collection: data.collection, members: [...data.members, ...o.members.filter((m) => !seen.has(keyOf(m)))] });
      },
    },
  });
  return proxy;
}

/** Sends a call to every member: one message down the tree of the members' PEs. */
function multicast(data: SectionData, method: number, args: unknown[], mode: CallMode): Future<unknown> | undefined {
  const ref = data.collection.__ref;
  const byPe = new Map<number, [number, ChareIndex][]>();
  data.members.forEach((index, slot) => {
    const pe = firstPe(ref, index);
    const list = byPe.get(pe);
    if (list) list.push([slot, index]);
    else byPe.set(pe, [[slot, index]]);
  });
  const future = mode === CallMode.Send ? undefined : Future.create(data.members.length, mode === CallMode.Completion ? 'count' : 'slots');
  const pes = [...byPe.keys()].sort((a, b) => a - b);
  const targets = pes.map((pe): [number, [number, unknown][]] => [pe, byPe.get(pe)!]);
  writeSectionCall(runtime().scheduler.writer, data.id, { collection: data.collection, method, mode, reply: future ? [future.pe, future.id] : null, targets, args });
  runtime().scheduler.send(pes[0]);
  return future;
}

/** Handler of Kind.Section messages. */
export function receiveSection(r: Reader): void {
  if (methodOf(r.buf, r.base) === Op.Contribution) {
    collect(r);
    return;
  }
  const message = r.copyMessage();
  const call = readSectionCall(r);
  const collection = call.collection as CallTarget;
  const { method, reply, args } = call;
  const mode = call.mode as CallMode;
  const targets = call.targets as [number, [number, ChareIndex][]][];
  const rt = runtime();
  const position = targets.findIndex(([pe]) => pe === rt.myPe);
  for (const child of childrenOf(position, 0, targets.length)) rt.scheduler.sendMessage(targets[child][0], message);
  const ref = collection.__ref;
  const isGroup = !(ref as Partial<ArrayRef>).homeOf;
  for (const [slot, index] of targets[position][1]) {
    const into = reply ? { pe: reply[0], id: reply[1], slot } : undefined;
    sendCall(ref, isGroup ? (index as number) : firstPe(ref, index), isGroup ? undefined : index, method, args, mode, true, 0, into);
  }
}

// -------------------------------------------------------------- reductions

/** PE 0: contributions of section reductions so far, by "section:number". */
const pending = new Map<string, { expected: number; pieces: [number, unknown][]; reducer: string; target: ReductionTarget }>();

/** A member's contribution to the next reduction of `section`. */
function contributeToSection(chare: Chare<never>, section: unknown, data: unknown, reducer: Reducer, target: ReductionTarget): void {
  const s = (section as { __section?: SectionData } | null)?.__section;
  const where = `${memberOf(chare).services.ref.info.name}${JSON.stringify(chare.thisIndex)}.contribute`;
  if (!s) throw new TypeError(`${where}: the fourth argument must be a section`);
  checkContribution(where, reducer, target);
  const slot = s.members.findIndex((m) => keyOf(m) === keyOf(chare.thisIndex));
  if (slot < 0 || s.collection.__ref.id !== memberOf(chare).services.ref.id) throw new Error(`${where}: this chare is not a member of the section`);
  const state = memberOf(chare);
  const number = (state.sections[s.id] = (state.sections[s.id] ?? -1) + 1);
  const contribution = { number, expected: s.members.length, slot, reducer: reducer.name, target, data };
  writeSectionContribution(runtime().scheduler.writer, s.id, contribution, `contribution to a section of ${s.collection.__ref.info.name}`);
  runtime().scheduler.send(0);
}

function collect(r: Reader): void {
  const id = targetOf(r.buf, r.base);
  const { number, expected, slot, reducer, target: to, data } = readSectionContribution(r);
  const target = to as ReductionTarget;
  const key = `${id}:${number}`;
  let state = pending.get(key);
  if (!state) pending.set(key, (state = { expected, pieces: [], reducer, target }));
  state.pieces.push([slot, data]);
  if (state.pieces.length < expected) return;
  pending.delete(key);
  const impl = reducerImpl(state.reducer);
  state.pieces.sort((a, b) => a[0] - b[0]);
  let acc: unknown;
  state.pieces.forEach(([s, d], i) => (acc = i === 0 ? impl.lift(d, s) : impl.combine(acc, impl.lift(d, s))));
  deliverResult(state.target, impl.finish(acc));
}

// -------------------------------------------------------------- creation

/** Creates a section of `collection` (a group or array proxy). */
export function createSection(collection: unknown, selection: unknown): unknown {
  const target = collection as CallTarget;
  if (typeof collection !== 'object' || collection === null || !isProxy(target) || target.__index !== undefined) {
    throw new TypeError('charm.createSection: expected the proxy of a group or an array');
  }
  const ref = target.__ref;
  const arrayRef = (ref as Partial<ArrayRef>).homeOf ? (ref as ArrayRef) : undefined;
  const all = (): ChareIndex[] => {
    if (!arrayRef) return Array.from({ length: runtime().numPes }, (_, pe) => pe);
    if (arrayRef.shape.extents) return [...denseIndices(arrayRef.shape.extents)];
    throw new TypeError(`charm.createSection(${ref.info.name}): a sparse array has no known list of indices: select members by a list`);
  };
  let members: ChareIndex[];
  if (typeof selection === 'function') members = all().filter((i) => (selection as (i: ChareIndex) => boolean)(i));
  else if (Array.isArray(selection)) members = selection.map((i) => (arrayRef ? arrayRef.normalize(i, `charm.createSection(${ref.info.name})`) : checkPe(i, ref)));
  else {
    const { start, stop, step = 1 } = selection as { start: number; stop: number; step?: number };
    if (![start, stop, step].every(Number.isInteger) || step < 1) throw new TypeError(`charm.createSection(${ref.info.name}): a slice needs integer start, stop and a positive step`);
    members = [];
    for (let i = start; i < stop; i += step) members.push(arrayRef ? arrayRef.normalize([i], `charm.createSection(${ref.info.name})`) : checkPe(i, ref));
  }
  if (members.length === 0) throw new RangeError(`charm.createSection(${ref.info.name}): the selection is empty`);
  const unique = new Map(members.map((m) => [keyOf(m), m]));
  return proxyOf({ id: newSectionId(), collection: target, members: [...unique.values()] });
}

function checkPe(i: unknown, ref: CollectionRef): number {
  const numPes = runtime().numPes;
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= numPes) throw new RangeError(`charm.createSection(${ref.info.name}): group index ${String(i)} is out of range (0..${numPes - 1})`);
  return i;
}

registerExtension<unknown>({
  id: 4,
  matches: (v): v is object => '__section' in v,
  encode(w, section) {
    const s = (section as unknown as { __section: SectionData }).__section;
    w.u32(s.id);
    encodeValue(w, s.collection, 'section collection');
    encodeValue(w, s.members, 'section members');
  },
  decode(r) {
    const id = r.u32();
    const collection = decodeValue(r) as CallTarget;
    return proxyOf({ id, collection, members: decodeValue(r) as ChareIndex[] });
  },
});
