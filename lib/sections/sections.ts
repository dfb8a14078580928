/**
 * Sections: subsets of groups and arrays, called as one. A section has one
 * or more parts, each a list of members of one collection (a section of
 * several collections comes from `charm.combine`). A call on a section is
 * multicast, per part, down the spanning tree of the PEs its members were
 * last known on (lib/tree.ts); each PE hands it to its members through the
 * collection's own routing, so a member that migrated still gets it.
 * Results come back in member order (parts in order). Members reduce over
 * the section with `this.contribute(data, reducer, target, section)` or
 * `this.allReduce(data, reducer, section)`: contributions are combined on
 * PE 0, in member order, once every member has contributed.
 */
import type { Reader } from '../codec/reader';
import { decodeValue, encodeValue, registerExtension, registerSerializable } from '../codec/values';
import { SectionOp as Op, methodOf, readSectionCall, readSectionContribution, targetOf, writeSectionCall, writeSectionContribution } from '../codec/wire';
import { runtime } from '../model/context';
import { Future } from '../model/future';
import { CallMode, isProxy, makeProxy, type ArrayProxy, type CallTarget, type CollectionProxy, type CollectionRef, type CompletionCalls, type GatherCalls, type IndexOf, type SendCalls } from '../model/proxy';
import type { Chare, ChareIndex } from '../model/chare';
import { memberOf } from '../model/chare';
import { childrenOf } from '../tree';
import { denseIndices, keyOf as arrayKey } from '../collections/arrayIndex';
import { localCollection, sendCall } from '../collections/collections';
import type { ArrayRef } from '../collections/arrays';
import type { GroupRef } from '../collections/groups';
import type { LocalArray } from '../collections/localArray';
import { reducerImpl, type Reducer } from '../reductions/reducers';
import { checkContribution } from '../reductions/contribute';
import { deliverResult, type ReductionTarget } from '../reductions/targets';

/**
 * A subset of a group or an array, or, combined, of several, called like a
 * collection (Charm4py: a section proxy from `proxy[...]`, `charm.split` or
 * `charm.combine`; Charm++: CProxySection).
 *
 * @typeParam T - the members' class
 * @typeParam I - their index type (a PE number for groups)
 */
export type Section<T, I = IndexOf<T>> = SendCalls<T> & {
  /** Broadcasts to the members, each returning a Future of every member's result, in member order. */
  readonly ret: GatherCalls<T>;
  /** Broadcasts to the members, each returning a Future of their completion. */
  readonly awaitable: CompletionCalls<T>;
  /** The members' indices, in member order (for a combined section, each collection's in turn). */
  readonly members: readonly I[];
  /**
   * Splits into `parts` sections of consecutive members, or into [members
   * matching, the rest]; the predicate also sees the member's collection
   * proxy (members of a combined section belong to several).
   */
  split(parts: number | ((index: I, collection: unknown) => boolean)): Section<T, I>[];
  /** The members of this section and of `other` (of any collection), each once. */
  union(other: Section<T, I>): Section<T, I>;
};

/** The proxy of a whole group or array (a member's collection, in a combined section). */
export type Collection<T> = CollectionProxy<T> | ArrayProxy<T>;

/** A slice of indices (Python's `start:stop:step`). */
export interface Slice {
  /** First index (or PE) of the slice. */
  start: number;
  /** The slice ends before this index. */
  stop: number;
  /** Distance between members (default 1). */
  step?: number;
}

/**
 * Which members: a list of indices; a predicate over the indices (and the
 * member's collection); a slice of a group or 1D array; or, for an array
 * of several dimensions, one slice per dimension.
 */
export type Selection<I> = readonly I[] | ((index: I, collection: unknown) => boolean) | Slice | readonly Slice[];

interface Part {
  collection: CallTarget;
  members: ChareIndex[];
}

interface SectionData {
  id: number;
  parts: Part[];
}

/** The result of an allReduce over a section goes to every contributor: each one's own future. */
class EveryContributor {
  constructor(readonly future: Future<unknown>) {}
}
registerSerializable(EveryContributor, { name: 'charmts.EveryContributor' });

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
const memberKey = (collection: CallTarget, index: ChareIndex): string => `${collection.__ref.id}/${keyOf(index)}`;
const isArray = (ref: CollectionRef): ref is ArrayRef => typeof (ref as Partial<ArrayRef>).homeOf === 'function';

/** The PE a call from here to member `index` goes to first. */
function firstPe(ref: CollectionRef, index: ChareIndex): number {
  if (!isArray(ref)) return index as number; // group member
  const local = localCollection(ref.id) as LocalArray | undefined;
  return local?.firstHop(index as never) ?? ref.homeOf(index as never);
}

/** Sections seen on this PE, by id: a section is one object here however it was obtained. */
const interned = new Map<number, object>();

function proxyOf(data: SectionData): object {
  const known = interned.get(data.id);
  if (known) return known;
  const first = data.parts[0].collection;
  const call = function (this: CallTarget, method: number, args: unknown[], mode: CallMode): Future<unknown> | undefined {
    return multicast(data, method, args, mode);
  };
  const proxy = makeProxy<Record<string, unknown>>({ __ref: first.__ref, __index: undefined, __call: call });
  const fresh = (parts: Part[]): object => proxyOf({ id: newSectionId(), parts });
  Object.defineProperties(proxy, {
    members: { value: data.parts.flatMap((p) => p.members), enumerable: true },
    __section: { value: data },
    __contribute: { value: (chare: Chare<never>, d: unknown, reducer: Reducer, target: ReductionTarget) => contributeToSection(chare, data, d, reducer, target) },
    __allReduce: { value: (chare: Chare<never>, d: unknown, reducer: Reducer) => allReduceOverSection(chare, data, d, reducer) },
    split: {
      value: (parts: number | ((index: ChareIndex, collection: unknown) => boolean)) => {
        if (typeof parts === 'function') return [filterParts(data.parts, parts, true), filterParts(data.parts, parts, false)].filter((p) => p.length).map(fresh);
        const all = data.parts.flatMap((p) => p.members.map((m): [CallTarget, ChareIndex] => [p.collection, m]));
        if (!Number.isInteger(parts) || parts < 1 || parts > all.length) throw new RangeError(`section.split: parts must be an integer 1..${all.length}, got ${String(parts)}`);
        const size = Math.ceil(all.length / parts);
        return Array.from({ length: parts }, (_, k) => all.slice(k * size, (k + 1) * size))
          .filter((list) => list.length)
          .map((list) => fresh(partsOf(list)));
      },
    },
    union: {
      value: (other: unknown) => {
        const o = typeof other === 'object' && other !== null ? sectionOf(other) : undefined;
        if (!o) throw new TypeError('section.union: expected a section');
        return fresh(unionOf([data.parts, o.parts]));
      },
    },
  });
  interned.set(data.id, proxy);
  return proxy;
}

/** The members of `parts` for which `test` gives `keep`. */
function filterParts(parts: Part[], test: (index: ChareIndex, collection: unknown) => boolean, keep: boolean): Part[] {
  return parts.map((p) => ({ collection: p.collection, members: p.members.filter((m) => Boolean(test(m, p.collection)) === keep) })).filter((p) => p.members.length);
}

/** Members grouped into parts by collection, in order of first appearance. */
function partsOf(members: [CallTarget, ChareIndex][]): Part[] {
  const byCollection = new Map<number, Part>();
  for (const [collection, index] of members) {
    let part = byCollection.get(collection.__ref.id);
    if (!part) byCollection.set(collection.__ref.id, (part = { collection, members: [] }));
    part.members.push(index);
  }
  return [...byCollection.values()];
}

/** Every member of the given lists of parts, each once. */
function unionOf(lists: Part[][]): Part[] {
  const seen = new Set<string>();
  const members: [CallTarget, ChareIndex][] = [];
  for (const parts of lists) {
    for (const p of parts) {
      for (const m of p.members) {
        const key = memberKey(p.collection, m);
        if (seen.has(key)) continue;
        seen.add(key);
        members.push([p.collection, m]);
      }
    }
  }
  return partsOf(members);
}

/** Sends a call to every member: per part, one message down the tree of the members' PEs. */
function multicast(data: SectionData, method: number, args: unknown[], mode: CallMode): Future<unknown> | undefined {
  const total = data.parts.reduce((n, p) => n + p.members.length, 0);
  const future = mode === CallMode.Send ? undefined : Future.create(total, mode === CallMode.Completion ? 'count' : 'slots');
  const firstInfo = data.parts[0].collection.__ref.info;
  let offset = 0;
  for (const part of data.parts) {
    const ref = part.collection.__ref;
    let id = method;
    if (method < firstInfo.methods.length && ref.info !== firstInfo) {
      // Each collection's class numbers its methods: the same method by name.
      const name = firstInfo.methods[method];
      const found = ref.info.methodIds.get(name);
      if (found === undefined) throw new TypeError(`section call: chare class ${ref.info.name} (a collection of the section) has no entry method "${name}"`);
      id = found;
    }
    const byPe = new Map<number, [number, ChareIndex][]>();
    part.members.forEach((index, k) => {
      const pe = firstPe(ref, index);
      const list = byPe.get(pe);
      if (list) list.push([offset + k, index]);
      else byPe.set(pe, [[offset + k, index]]);
    });
    offset += part.members.length;
    const pes = [...byPe.keys()].sort((a, b) => a - b);
    const targets = pes.map((pe): [number, [number, unknown][]] => [pe, byPe.get(pe)!]);
    writeSectionCall(runtime().scheduler.writer, data.id, { collection: part.collection, method: id, mode, reply: future ? [future.pe, future.id] : null, targets, args });
    runtime().scheduler.send(pes[0]);
  }
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
  const group = !isArray(ref);
  for (const [slot, index] of targets[position][1]) {
    const into = reply ? { pe: reply[0], id: reply[1], slot } : undefined;
    sendCall(ref, firstPe(ref, index), group ? undefined : index, method, args, mode, true, 0, into);
  }
}

// -------------------------------------------------------------- reductions

interface Pending {
  expected: number;
  pieces: [slot: number, data: unknown, target: ReductionTarget | EveryContributor][];
  reducer: string;
}

/** PE 0: contributions of section reductions so far, by "section:number". */
const pending = new Map<string, Pending>();

/** Where `chare` is in the section's member order, or -1. */
function slotOf(data: SectionData, chare: Chare<never>): number {
  const collection = memberOf(chare).services.ref.id;
  const key = keyOf(chare.thisIndex);
  let offset = 0;
  for (const part of data.parts) {
    if (part.collection.__ref.id === collection) {
      const k = part.members.findIndex((m) => keyOf(m) === key);
      if (k >= 0) return offset + k;
    }
    offset += part.members.length;
  }
  return -1;
}

/** A member's contribution to the next reduction of section `data`. */
function contributeToSection(chare: Chare<never>, data: SectionData, value: unknown, reducer: Reducer, target: ReductionTarget | EveryContributor): void {
  const where = `${memberOf(chare).services.ref.info.name}${JSON.stringify(chare.thisIndex)}.contribute`;
  checkContribution(where, reducer, target instanceof EveryContributor ? 'all' : target);
  const slot = slotOf(data, chare);
  if (slot < 0) throw new Error(`${where}: this chare is not a member of the section`);
  reducerImpl(reducer.name).lift(value, slot); // a contribution the reducer does not take is refused here, not on PE 0
  const state = memberOf(chare);
  const number = (state.sections[data.id] = (state.sections[data.id] ?? -1) + 1);
  const expected = data.parts.reduce((n, p) => n + p.members.length, 0);
  const contribution = { number, expected, slot, reducer: reducer.name, target, data: value };
  writeSectionContribution(runtime().scheduler.writer, data.id, contribution, `contribution to a section of ${data.parts[0].collection.__ref.info.name}`);
  runtime().scheduler.send(0);
}

/** A member's contribution to an allReduce over the section: the result comes back to it. */
function allReduceOverSection(chare: Chare<never>, data: SectionData, value: unknown, reducer: Reducer): Promise<unknown> {
  const future = Future.create<unknown>(1, 'single');
  contributeToSection(chare, data, value, reducer, new EveryContributor(future));
  return future.get();
}

function collect(r: Reader): void {
  const id = targetOf(r.buf, r.base);
  const { number, expected, slot, reducer, target, data } = readSectionContribution(r);
  const key = `${id}:${number}`;
  let state = pending.get(key);
  if (!state) pending.set(key, (state = { expected, pieces: [], reducer }));
  state.pieces.push([slot, data, target as ReductionTarget | EveryContributor]);
  if (state.pieces.length < expected) return;
  pending.delete(key);
  const impl = reducerImpl(state.reducer);
  state.pieces.sort((a, b) => a[0] - b[0]);
  let acc: unknown;
  state.pieces.forEach(([s, d], i) => (acc = i === 0 ? impl.lift(d, s) : impl.combine(acc, impl.lift(d, s))));
  const result = impl.finish(acc);
  const to = state.pieces[0][2];
  if (to instanceof EveryContributor) for (const [, , each] of state.pieces) (each as EveryContributor).future.send(result);
  else deliverResult(to, result);
}

// -------------------------------------------------------------- creation

/** Every member of a whole group or dense array. */
function allMembers(target: CallTarget, where: string): ChareIndex[] {
  const ref = target.__ref;
  if (!isArray(ref)) return (ref as GroupRef).pes?.slice() ?? Array.from({ length: runtime().numPes }, (_, pe) => pe);
  if (ref.shape.extents) return [...denseIndices(ref.shape.extents)];
  throw new TypeError(`${where}: a sparse array has no known list of indices: select members by a list`);
}

function range({ start, stop, step = 1 }: Slice, where: string): number[] {
  if (![start, stop, step].every(Number.isInteger) || step < 1) throw new TypeError(`${where}: a slice needs integer start, stop and a positive step`);
  const out: number[] = [];
  for (let i = start; i < stop; i += step) out.push(i);
  return out;
}

/** Every index of the slices, one per dimension, in row-major order. */
function sliced(slices: readonly Slice[], where: string): number[][] {
  let out: number[][] = [[]];
  for (const s of slices) {
    const values = range(s, where);
    out = out.flatMap((prefix) => values.map((v) => [...prefix, v]));
  }
  return out;
}

/** The section behind a proxy, if it is one (reading a missing property of a collection proxy throws). */
const sectionOf = (p: object): SectionData | undefined => ('__section' in p ? (p as { __section: SectionData }).__section : undefined);

const isSlice = (s: unknown): s is Slice => typeof s === 'object' && s !== null && !Array.isArray(s) && 'start' in s;

/** Creates a section of `source`: a group, an array, or a section (a subset of its members). */
export function createSection(source: unknown, selection: unknown): unknown {
  const where = 'charm.createSection';
  const target = source as CallTarget;
  if (typeof source !== 'object' || source === null || !isProxy(target) || target.__index !== undefined) {
    throw new TypeError(`${where}: expected the proxy of a group, an array or a section`);
  }
  const within = sectionOf(target);
  if (within) {
    if (typeof selection === 'function') return proxyOf({ id: newSectionId(), parts: nonEmpty(filterParts(within.parts, selection as never, true), where) });
    if (!Array.isArray(selection) || selection.some(isSlice)) throw new TypeError(`${where}: select members of a section by a list of indices or a predicate`);
    const wanted = new Set((selection as ChareIndex[]).map(keyOf));
    return proxyOf({ id: newSectionId(), parts: nonEmpty(filterParts(within.parts, (m) => wanted.has(keyOf(m)), true), where) });
  }
  const ref = target.__ref;
  const named = `${where}(${ref.info.name})`;
  const check = (i: unknown): ChareIndex => (isArray(ref) ? ref.normalize(i, named) : checkPe(i, ref as GroupRef, named));
  let members: ChareIndex[];
  if (typeof selection === 'function') {
    const collection = ref.proxy();
    members = allMembers(target, named).filter((i) => (selection as (i: ChareIndex, c: unknown) => boolean)(i, collection));
  } else if (isSlice(selection)) {
    members = range(selection, named).map((i) => check(isArray(ref) ? [i] : i));
  } else if (Array.isArray(selection) && selection.length > 0 && selection.every(isSlice)) {
    members = sliced(selection as Slice[], named).map(check);
  } else {
    members = (selection as unknown[]).map(check);
  }
  const unique = new Map(members.map((m) => [keyOf(m), m]));
  return proxyOf({ id: newSectionId(), parts: nonEmpty([{ collection: target, members: [...unique.values()] }], named) });
}

function nonEmpty(parts: Part[], where: string): Part[] {
  if (parts.every((p) => p.members.length === 0)) throw new RangeError(`${where}: the selection is empty`);
  return parts.filter((p) => p.members.length);
}

/**
 * A section of every member of the given collections and sections, each
 * once, of any collections (Charm4py's `charm.combine`).
 */
export function combine(proxies: readonly unknown[]): unknown {
  const where = 'charm.combine';
  if (proxies.length === 0) throw new RangeError(`${where}: give at least one collection or section`);
  const lists = proxies.map((p, i) => {
    const target = p as CallTarget;
    if (typeof p !== 'object' || p === null || !isProxy(target) || target.__index !== undefined) throw new TypeError(`${where}: argument ${i} is not the proxy of a group, an array or a section`);
    const s = sectionOf(target);
    return s ? s.parts : [{ collection: target.__ref.proxy() as CallTarget, members: allMembers(target, where) }];
  });
  return proxyOf({ id: newSectionId(), parts: unionOf(lists) });
}

function checkPe(i: unknown, ref: GroupRef, where: string): number {
  const numPes = runtime().numPes;
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= numPes) throw new RangeError(`${where}: group index ${String(i)} is out of range (0..${numPes - 1})`);
  if (ref.pes && !ref.pes.includes(i)) throw new RangeError(`${where}: the group has no member on PE ${i}`);
  return i;
}

registerExtension<unknown>({
  id: 4,
  matches: (v): v is object => '__section' in v,
  encode(w, section) {
    const s = (section as unknown as { __section: SectionData }).__section;
    w.u32(s.id);
    encodeValue(
      w,
      s.parts.map((p) => [p.collection, p.members]),
      'section members',
    );
  },
  decode(r) {
    const id = r.u32();
    const parts = (decodeValue(r) as [CallTarget, ChareIndex[]][]).map(([collection, members]) => ({ collection, members }));
    return interned.get(id) ?? proxyOf({ id, parts });
  },
});
