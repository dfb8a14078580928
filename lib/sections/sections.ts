/**
 * Sections: subsets of groups and arrays, called as one. A section has one
 * or more parts, each a list of members of one collection (a section of
 * several collections comes from `charm.combine`). Each member belongs to
 * a PE fixed at creation (the PE a call from the creator would go to
 * first); the section's PEs form a spanning tree rooted at the first
 * member's PE (layout.ts). Creating a section sends its members down that
 * tree once (Establish); a call on the section then carries only the
 * section id and the call, goes to the root and down the tree, and each PE
 * hands it to its members through the collection's own routing, so a
 * member that migrated still gets it (branch.ts). Results come back in
 * member order (parts in order). Members reduce over the section with
 * `this.contribute(data, reducer, target, section)` or
 * `this.allReduce(data, reducer, section)`: each contribution goes to the
 * member's PE of the section and is combined up the section's tree by the
 * same reduction manager as a collection's (lib/reductions/manager.ts),
 * the section's root completing it.
 */
import { decodeValue, encodeValue, registerExtension } from '../codec/values';
import { isStarted, runtime } from '../model/context';
import { Future } from '../model/future';
import { CallMode, isProxy, makeProxy, type ArrayProxy, type CallTarget, type CollectionProxy, type CompletionCalls, type GatherCalls, type IndexOf, type SendCalls } from '../model/proxy';
import type { Chare, ChareIndex } from '../model/chare';
import { memberOf } from '../model/chare';
import { denseIndices, describeMember, keyOf as arrayKey } from '../collections/arrayIndex';
import type { GroupRef } from '../collections/groups';
import { reducerImpl, type Reducer } from '../reductions/reducers';
import { checkContribution } from '../reductions/contribute';
import type { ReductionTarget } from '../reductions/targets';
import { writeSectionCall } from '../codec/wire';
import { methodName } from '../model/methodIds';
import { deletedError } from '../collections/deleted';
import { endsDeletedMembers } from '../errors';
import { contribute, dropBranchesOf, dropSection, establish, firstPe, isArray, methodIn } from './branch';
import { sizeOf, type Part, type SectionData } from './layout';

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
 * Slices that fit index type `I`: one for a group or a 1D array, one per
 * dimension for a tuple index of several (any number when the index type
 * does not say how many: the run time checks), none for string or bytes
 * keys (they have no order to slice).
 */
export type SlicesOf<I> = I extends number
  ? Slice
  : I extends readonly [number]
    ? Slice | readonly [Slice]
    : I extends readonly number[]
      ? number extends I['length']
        ? Slice | readonly Slice[]
        : { readonly [K in keyof I]: Slice }
      : never;

/**
 * Which members: a list of indices; a predicate over the indices (and the
 * member's collection); a slice of a group or 1D array; or, for an array
 * of several dimensions, one slice per dimension. Slices and predicates
 * need every index: a sparse array takes a list.
 */
export type Selection<I> = readonly I[] | ((index: I, collection: unknown) => boolean) | SlicesOf<I>;

let counter = 0;

function newSectionId(): number {
  const rt = runtime();
  return ++counter * rt.numPes + rt.myPe;
}

/** Restart: ids of sections created from now on lie above `highest` (a section of the checkpointed run). */
export function reserveSectionIds(highest: number): void {
  counter = Math.max(counter, Math.floor(highest / runtime().numPes));
}

const keyOf = (index: ChareIndex): string => (typeof index === 'number' ? String(index) : String(arrayKey(index as never)));
const memberKey = (collection: CallTarget, index: ChareIndex): string => `${collection.__ref.id}/${keyOf(index)}`;

/**
 * Sections seen on this PE, by id: a section is one object here however it
 * was obtained, for as long as anything here holds it. Held weakly: a job
 * that makes sections as it goes (one per iteration) would otherwise keep
 * every one; an entry goes when its proxy is collected (a proxy decoded
 * again afterwards is a new object, which nothing could tell apart).
 */
const interned = new Map<number, WeakRef<object>>();
const collected = new FinalizationRegistry<number | Made>((held) => {
  const id = typeof held === 'number' ? held : held.id;
  if (interned.get(id)?.deref() === undefined) interned.delete(id);
  // Made here, and never sent: nothing on any PE can name it any more.
  if (typeof held !== 'number' && !held.sent && isStarted()) dropSection(held.id, held.root);
});

/**
 * A section made on this PE, as its finalizer sees it: ids only (holding
 * the members would keep their collections' references alive until the
 * finalizer runs). The finalizer hangs on the proxy's call closure, which
 * every face of the proxy holds (the proxy, its `ret` and `awaitable`):
 * when that is collected and the section never left this PE in a message,
 * no PE can call or contribute to the section any more, and its branches
 * go on every PE (branch.ts Drop); a section sent anywhere keeps its
 * branches (who holds a copy is not tracked).
 */
interface Made {
  readonly id: number;
  /** The section's root (its first member's PE). */
  readonly root: number;
  sent: boolean;
}
const made = new WeakMap<SectionData, Made>();

/** A message carrying the section went (Writer.keep): another PE may hold a copy now. */
function markSent(record: object): void {
  (record as Made).sent = true;
}

/** The section with id `id` as this PE holds it, if it does. */
function internedAs(id: number): object | undefined {
  return interned.get(id)?.deref();
}

/** The sections this PE holds (tests: the table stays bounded). */
export function internedSections(): number {
  return interned.size;
}

function proxyOf(data: SectionData): object {
  const known = internedAs(data.id);
  if (known) return known;
  const first = data.parts[0].collection;
  const call = function (this: CallTarget, method: number, args: unknown[], mode: CallMode): Future<unknown> | undefined {
    return multicast(data, method, args, mode);
  };
  const proxy = makeProxy<Record<string, unknown>>({ __ref: first.__ref, __index: undefined, __call: call });
  Object.defineProperties(proxy, {
    members: { value: data.parts.flatMap((p) => p.members), enumerable: true },
    __section: { value: data },
    __contribute: { value: (chare: Chare<never>, d: unknown, reducer: Reducer, target: ReductionTarget) => contributeToSection(chare, data, d, reducer, target) },
    __allReduce: { value: (chare: Chare<never>, d: unknown, reducer: Reducer) => contributeToSection(chare, data, d, reducer, 'all') },
    split: {
      value: (parts: number | ((index: ChareIndex, collection: unknown) => boolean)) => {
        if (typeof parts === 'function') return [filterParts(data.parts, parts, true), filterParts(data.parts, parts, false)].filter((p) => p.length).map(created);
        const all = data.parts.flatMap((p) => p.members.map((m): [CallTarget, ChareIndex] => [p.collection, m]));
        if (!Number.isInteger(parts) || parts < 1 || parts > all.length) throw new RangeError(`section.split: parts must be an integer 1..${all.length}, got ${String(parts)}`);
        const size = Math.ceil(all.length / parts);
        return Array.from({ length: parts }, (_, k) => all.slice(k * size, (k + 1) * size))
          .filter((list) => list.length)
          .map((list) => created(partsOf(list)));
      },
    },
    union: {
      value: (other: unknown) => {
        const o = typeof other === 'object' && other !== null ? sectionOf(other) : undefined;
        if (!o) throw new TypeError('section.union: expected a section');
        return created(unionOf([data.parts, o.parts]));
      },
    },
  });
  interned.set(data.id, new WeakRef(proxy));
  collected.register(proxy, data.id);
  const record = made.get(data);
  if (record) collected.register(call, record); // every face (send, ret, awaitable) holds `call`
  return proxy;
}

/** A new section of `parts`, set up on its PEs (Establish). */
function created(parts: Part[]): object {
  const pes = parts.flatMap((p) => p.members.map((m) => firstPe(p.collection.__ref, m)));
  const data = { id: newSectionId(), parts, pes };
  const record: Made = { id: data.id, root: pes[0], sent: false };
  made.set(data, record);
  const proxy = proxyOf(data);
  establish(proxy, data);
  record.sent = false; // its own Establish encoded it: no copy left for another PE to hold
  return proxy;
}

/** Restart: the sections the restored members hold are set up on the PEs of this run (each PE that holds one establishes it; the first to arrive wins). */
export function reestablishSections(): void {
  for (const held of interned.values()) {
    const proxy = held.deref();
    if (proxy) establish(proxy, (proxy as { __section: SectionData }).__section);
  }
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

/** Sends a call to every member: one message to the section's root, down its tree (branch.ts). */
function multicast(data: SectionData, method: number, args: unknown[], mode: CallMode): Future<unknown> | undefined {
  for (const { collection } of data.parts) {
    const ref = collection.__ref;
    if (isArray(ref) && ref.deleted) ref.checkLive(() => `section call ${ref.info.name}.${methodName(ref.info.methods, method)}`);
  }
  for (let p = 1; p < data.parts.length; p++) methodIn(data, p, method); // a class without the method is refused here
  const future = mode === CallMode.Send ? undefined : Future.create(sizeOf(data.parts), mode === CallMode.Completion ? 'count' : 'slots');
  const rt = runtime();
  const info = data.parts[0].collection.__ref.info;
  writeSectionCall(rt.scheduler.writer, data.id, { method, mode, caller: rt.myPe, reply: future ? [future.pe, future.id] : null, args }, () => `section call ${info.name}.${methodName(info.methods, method)}`);
  rt.scheduler.send(data.pes[0]);
  return future;
}

/** Array `arrayId` was deleted whole (lib/collections/wholeDeletion.ts): the sections over it are forgotten here. */
export function dropSectionsOf(arrayId: number): void {
  for (const [id, held] of interned) {
    const proxy = held.deref();
    if (!proxy || (proxy as { __section: SectionData }).__section.parts.some((p) => p.collection.__ref.id === arrayId)) interned.delete(id);
  }
  dropBranchesOf(arrayId);
}

// -------------------------------------------------------------- reductions

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

/** A member's contribution to its next reduction over section `data` ('all': an allReduce, whose result it gets back). */
function contributeToSection(chare: Chare<never>, data: SectionData, value: unknown, reducer: Reducer, target: ReductionTarget | 'all'): Promise<unknown> | undefined {
  const where = `${describeMember(memberOf(chare).services.ref.info.name, chare.thisIndex)}.contribute`;
  for (const { collection } of data.parts) {
    const ref = collection.__ref;
    // Ends a method nobody awaits quietly, as an allReduce under way at the deletion does (branch.ts).
    if (isArray(ref) && ref.deleted) throw endsDeletedMembers(deletedError(ref.id, `${where} to a section`, ref.info));
  }
  checkContribution(where, reducer, target);
  const slot = slotOf(data, chare);
  if (slot < 0) throw new Error(`${where}: this chare is not a member of the section`);
  reducerImpl(reducer.name).lift(value, slot); // a contribution the reducer does not take is refused here, not on the section's PE
  const state = memberOf(chare);
  const number = (state.sections[data.id] = (state.sections[data.id] ?? -1) + 1);
  return contribute(data, slot, number, value, reducer.name, target, `contribution to a section of ${data.parts[0].collection.__ref.info.name}`);
}

// -------------------------------------------------------------- creation

/** Every member of a whole group or dense array. */
function allMembers(target: CallTarget, where: string): ChareIndex[] {
  const ref = target.__ref;
  if (!isArray(ref)) return (ref as GroupRef).pes?.slice() ?? Array.from({ length: runtime().numPes }, (_, pe) => pe);
  if (ref.shape.extents) return [...denseIndices(ref.shape.extents)];
  throw new TypeError(`${where}: a sparse array has no known list of indices for a predicate to choose from: select members by a list`);
}

/** `count` slices fit a group (1) or a dense array (one per dimension). */
function checkSlices(ref: CallTarget['__ref'], count: number, where: string): void {
  if (!isArray(ref)) {
    if (count !== 1) throw new TypeError(`${where}: a group takes one slice of PEs, not ${count}`);
    return;
  }
  if (!ref.shape.extents) throw new TypeError(`${where}: a sparse array has no known list of indices to slice: select members by a list`);
  const ndims = ref.shape.extents.length;
  if (count !== ndims) throw new TypeError(`${where}: ${count === 1 ? 'one slice selects' : `${count} slices select`} from ${count === 1 ? 'a group or a 1D array' : `a ${count}D array`}; this array has ${ndims} dimension${ndims === 1 ? '' : 's'}: give one slice per dimension, e.g. [${Array.from({ length: ndims }, () => '{ start, stop }').join(', ')}]`);
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
    if (typeof selection === 'function') return created(nonEmpty(filterParts(within.parts, selection as never, true), where));
    if (!Array.isArray(selection) || selection.some(isSlice)) throw new TypeError(`${where}: select members of a section by a list of indices or a predicate`);
    const wanted = new Set((selection as ChareIndex[]).map(keyOf));
    return created(nonEmpty(filterParts(within.parts, (m) => wanted.has(keyOf(m)), true), where));
  }
  const ref = target.__ref;
  const named = `${where}(${ref.info.name})`;
  const check = (i: unknown): ChareIndex => (isArray(ref) ? ref.normalize(i, named) : checkPe(i, ref as GroupRef, named));
  let members: ChareIndex[];
  if (typeof selection === 'function') {
    const collection = ref.proxy();
    members = allMembers(target, named).filter((i) => (selection as (i: ChareIndex, c: unknown) => boolean)(i, collection));
  } else if (isSlice(selection)) {
    checkSlices(ref, 1, named);
    members = range(selection, named).map((i) => check(isArray(ref) ? [i] : i));
  } else if (Array.isArray(selection) && selection.length > 0 && selection.every(isSlice)) {
    checkSlices(ref, selection.length, named);
    members = sliced(selection as Slice[], named).map(check);
  } else {
    members = (selection as unknown[]).map(check);
  }
  const unique = new Map(members.map((m) => [keyOf(m), m]));
  return created(nonEmpty([{ collection: target, members: [...unique.values()] }], named));
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
  return created(unionOf(lists));
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
    const record = made.get(s);
    // Sent once the message goes: a call refused halfway (a later argument cannot be sent) sends no copy.
    if (record && !record.sent) w.defer(markSent, record);
    w.u32(s.id);
    encodeValue(
      w,
      s.parts.map((p) => [p.collection, p.members]),
      'section members',
    );
    encodeValue(w, s.pes, 'section PEs');
  },
  decode(r) {
    const id = r.u32();
    const parts = (decodeValue(r) as [CallTarget, ChareIndex[]][]).map(([collection, members]) => ({ collection, members }));
    // A section restored on fewer PEs keeps its tree's shape on the PEs its members' files went to.
    const pes = (decodeValue(r) as number[]).map((pe) => pe % runtime().numPes);
    return internedAs(id) ?? proxyOf({ id, parts, pes });
  },
});
