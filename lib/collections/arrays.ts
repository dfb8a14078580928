/**
 * Chare arrays: the proxies and creation. Dense arrays of 1 to 6
 * dimensions are created with their extents; sparse arrays (tuples or
 * user-defined keys) start empty and are filled with `ckInsert`.
 */
import { ArrayControl, Flag, beginCall, readArrayShape, writeArrayShape, writeCallArgs, writeBodyValue, writeBroadcastNumbers, writeDeletionNotice, writeInsertNotice, writeInsertRequest, writeReplyTo } from '../codec/wire';
import type { Reader } from '../codec/reader';
import type { Writer } from '../codec/writer';
import { Future } from '../model/future';
import { runtime } from '../model/context';
import { fatal } from '../errors';
import { classInfo, type ChareClass, type ChareClassInfo } from '../model/registry';
import { CallMode, indexable, makeProxy, type CallTarget, type InsertOptions } from '../model/proxy';
import { checkConstructorArgs, checkOptionKeys, type OptionKeys } from '../optionKeys';
import { blockMap, denseIndices, describe, describeMember, keyOf, mapByName, mapName, normalizeIndex, roundRobinMap, MAX_DIMS, type ArrayIndex, type IndexKey, type ArrayMapFunction, type IndexShape } from './arrayIndex';
import { CollectionKind, beginControl, beginCreate, localCollection, registerKind, sendCall } from './collections';
import { newCollectionId } from './ids';
import { LocalArray } from './localArray';
import { METHOD_DESTROY, METHOD_MIGRATE, methodName } from '../model/methodIds';
import { balancerFromArgs, STRATEGIES, strategyNamed } from '../balancing/strategies';
import { runtimeWords } from '../runtime/options';
import { trackContinuations } from '../model/activity';
import { deletedError, wasDeleted } from './deleted';
import { requestDeletion } from './wholeDeletion';
import { ownRequestsTaken, sentOwnRequest } from './ownRequests';

/** The shape of a new array: extents (dense), `{ ndims }` (sparse tuples) or `{ keys: true }`. */
export type ArrayDims = TupleDims<number> | KeyDims;

/** Extents of a dense array (a number for 1D), or the dimension count `N` of a sparse one. */
export type TupleDims<N extends number> =
  | readonly number[]
  | {
      /** Dimensions of the index tuples of a sparse array (1 to 6). */
      ndims: N;
    }
  | (number extends N ? number : N extends 1 ? number : never);

/** The shape of a sparse array (filled with `ckInsert`): `{ ndims }` or `{ keys: true }`. */
export type SparseDims =
  | {
      /** Dimensions of the index tuples (1 to 6). */
      ndims: number;
    }
  | KeyDims;

/** The shape of a sparse array indexed by keys. */
export interface KeyDims {
  /** A sparse array indexed by string or bytes keys. */
  keys: true;
}

/**
 * The shapes an array of elements with index type `I` can take: `{ keys:
 * true }` for string or bytes keys; for a tuple of N numbers, N extents or
 * `{ ndims: N }` (a single number for N = 1); anything for `ArrayIndex`
 * (and for `any`: a class declared `Chare<any>`); none for a PE number (a
 * group's class).
 * `D`, the dimensions given, is checked for its count of extents where the
 * compiler knows it (`[2, 2]` for a `Chare<[number]>` is an error; a
 * `number[]` computed at run time is checked when the array is made).
 */
export type DimsOf<I, D = unknown> = 0 extends 1 & I
  ? ArrayDims
  : [I] extends [number]
    ? never
    : [I] extends [string | Uint8Array]
      ? KeyDims
      : [I] extends [readonly number[]]
        ? TupleDims<I['length']> & ExtentCount<D, I['length']>
        : ArrayDims;

/** Extents `D` must number `N`, when both counts are known. */
type ExtentCount<D, N extends number> = D extends readonly number[] ? (number extends D['length'] | N ? unknown : D['length'] extends N ? unknown : never) : unknown;

/**
 * The type of `charm.createArray`'s dimensions `D` for elements of index
 * type `I`: `D` itself when it is one of DimsOf<I, D>, otherwise `D` and an
 * object type no value has, whose one property says what the class takes,
 * so that the compiler's message names the mistake (`createArray(Cell2D,
 * 4)`: "Argument of type 'number' is not assignable to parameter of type
 * 'DimsArg<readonly [number, number], 4>'. Type 'number' is not assignable
 * to type '{ readonly "a 2-D array takes 2 extents or { ndims: 2 }": never;
 * }'"), where `D & DimsOf<I, D>` gave "... parameter of type '4 &
 * TupleDims<2>'". The naked `D` in front is what `D` is inferred from: with
 * only the conditional, a caller passing its own `DimsOf<I>` had `D`
 * inferred as `I` and did not compile.
 */
export type DimsArg<I, D> = D & ([D] extends [DimsOf<I, D>] ? unknown : { readonly [K in DimsExpected<I>]: never });

/**
 * What an array of index type `I` is created with, in words (for `any`, or
 * an index type of no known kind, every shape). Its branches are DimsOf's
 * on purpose: one classification looked up by both (`{ any, pe, keys,
 * tuple }[IndexKind<I>]`) was tried, and the compiler could no longer
 * relate a generic caller's `DimsOf<I>` to `DimsArg<I, DimsOf<I>>`
 * (test/types/creation.ts's helper stopped compiling).
 */
type DimsExpected<I> = 0 extends 1 & I
  ? AnyShape
  : [I] extends [number]
    ? 'a class indexed by PE (Chare) makes groups: an array class extends Chare<[number]>, Chare<[number, number]>, ... or Chare<string>'
    : [I] extends [string | Uint8Array]
      ? 'an array indexed by keys is created with { keys: true }'
      : [I] extends [readonly number[]]
        ? number extends I['length']
          ? 'an array indexed by number tuples is created with extents or { ndims }'
          : I['length'] extends 1
            ? 'a 1-D array takes one extent (n or [n]) or { ndims: 1 }'
            : `a ${I['length']}-D array takes ${I['length']} extents or { ndims: ${I['length']} }`
        : AnyShape;
type AnyShape = 'an array is created with extents, { ndims } or { keys: true }';

/** Options of `charm.createArray`, for an array of index type `I`. */
export interface ArrayOptions<I = ArrayIndex> {
  /** Placement of indices on PEs (default: block for dense arrays, round-robin otherwise). Register it with charm.registerMap. */
  map?: ArrayMapFunction<I>;
  /**
   * Elements take part in load balancing (`AtSync`). `true` uses the
   * strategy given at launch with `+balancer NAME` (none if not given:
   * steps run and move nothing, and PE stderr says so once);
   * a name ('GreedyLB', 'GreedyRefineLB', 'RefineLB', 'RotateLB', 'RandCentLB', 'none') chooses it here.
   */
  loadBalancing?: boolean | string;
}

export class ArrayRef {
  readonly kind = CollectionKind.Array;
  readonly map: ArrayMapFunction;
  private whole: unknown;
  /**
   * Element proxies made here, by key, so that a proxy kept nowhere by the
   * program is not rebuilt per call. At most MEMBERS_KEPT: an array whose
   * indices keep changing (insertions and deletions) must not grow this PE's
   * memory by one proxy per index ever named; the cache starts again when full.
   */
  private readonly members = new Map<IndexKey, unknown>();
  /** What a bad index given to `element` is named by (made once: `thisElement` and `at` come here for every call). */
  private readonly named: string;
  /** The whole array was deleted, or this PE asked for it (`ckDestroy()`): calls from here are refused. */
  deleted = false;
  /** This PE's part of the array, once found installed (see local); forgotten when it is deleted here. */
  part: LocalArray | undefined = undefined;

  constructor(
    readonly id: number,
    readonly info: ChareClassInfo,
    readonly shape: IndexShape,
    readonly mapName: string,
    /** Load-balancing strategy, or '' when the array does not balance. */
    readonly balancer: string,
  ) {
    this.map = mapByName(mapName);
    this.named = `${info.name} array`;
  }

  /** The home PE of an index: where the map places it. */
  homeOf(index: ArrayIndex): number {
    const numPes = runtime().numPes;
    const pe = this.map(index, numPes, this.shape.extents);
    if (!Number.isInteger(pe) || pe < 0 || pe >= numPes) {
      throw new RangeError(`charmts: array map "${this.mapName}" placed ${describeMember(this.info.name, index)} on PE ${String(pe)}, outside 0..${numPes - 1}`);
    }
    return pe;
  }

  /**
   * For a message PE `from` sent here as to `index`'s home (its map names
   * this PE): '' when this PE's map agrees, otherwise the error's words
   * after the element's name. A map that differs between PEs sent calls
   * round the PEs for good, and left insertions waiting for their notice.
   * `from` is this PE when the sender is not known (a message held here
   * until the array existed); `home`, this PE's map's home for `index`,
   * when the caller has it already.
   */
  homeMismatch(index: ArrayIndex, from: number, home = this.homeOf(index)): string {
    const myPe = runtime().myPe;
    if (home === myPe) return '';
    const there = from === myPe ? `on another PE it places the element on PE ${myPe}` : `on PE ${from} it places the element on PE ${myPe}`;
    return `: array map "${this.mapName}" differs between PEs: ${there}, on PE ${myPe} on PE ${home} (a map must give every PE the same PE for an index)`;
  }

  /**
   * A control message PE `from` sent here as to `index`'s home (`what` it
   * tells: an insertion's or deletion's message, a location update) ends
   * the job where this PE's map names another home: an insertion would
   * wait for its notice, sent to another PE, for good, and a location
   * update would go unrecorded (calls then held or sent round).
   */
  checkHome(index: ArrayIndex, from: number, what: string, home = this.homeOf(index)): void {
    const mismatch = this.homeMismatch(index, from, home);
    if (mismatch) fatal(new Error(`${describeMember(this.info.name, index)}${mismatch}: ${what} was not handled`), `on PE ${runtime().myPe}`);
  }

  /** This PE deleted its part of the array (wholeDeletion.ts): its reference is forgotten here. */
  markDeleted(): void {
    this.deleted = true;
    this.part = undefined;
    refs.delete(this.id);
  }

  /** Throws if the array was deleted (`what`: the call refused). */
  checkLive(what: () => string): void {
    if (this.deleted) throw deletedError(this.id, what(), this.info);
  }

  normalize(index: unknown, where: string): ArrayIndex {
    return normalizeIndex(index, this.shape, where);
  }

  proxy(): unknown {
    if (this.whole) return this.whole;
    const target = makeProxy<object>({ __ref: this, __index: undefined, __call: broadcastCall });
    Object.defineProperties(target, {
      ckInsert: { value: (index: unknown, args: unknown[] = [], options: InsertOptions = {}) => insert(this, index, args, options) },
      ckDoneInserting: { value: () => doneInserting(this) },
      ckDestroy: {
        value: () => {
          this.checkLive(() => `${this.info.name} array.ckDestroy`);
          this.deleted = true;
          return requestDeletion(this);
        },
      },
    });
    return (this.whole = indexable(target, (i) => this.element(i)));
  }

  element(index: unknown): unknown {
    const normalized = this.normalize(index, this.named);
    const key = keyOf(normalized);
    let proxy = this.members.get(key);
    if (!proxy) {
      const address: ElementAddress = { index: normalized, key, home: -1, hop: -1, stamp: -1 };
      proxy = makeProxy<object>({ __ref: this, __index: normalized, __call: (method, args, mode) => callElement(this, address, method, args, mode) });
      Object.defineProperties(proxy, {
        ckMigrate: {
          value: (pe: number) => {
            const numPes = runtime('ckMigrate').numPes;
            if (!Number.isInteger(pe) || pe < 0 || pe >= numPes) {
              throw new RangeError(`${describeMember(this.info.name, normalized)}.ckMigrate: PE ${String(pe)} is out of range (0..${numPes - 1})`);
            }
            void callElement(this, address, METHOD_MIGRATE, [pe], CallMode.Send);
          },
        },
        ckDestroy: { value: () => destroy(this, address) },
        ckLocal: { value: () => local(this)?.localElement(key) },
      });
      if (this.members.size >= MEMBERS_KEPT) this.members.clear();
      this.members.set(key, proxy);
    }
    return proxy;
  }
}

/** Element proxies an array proxy keeps per PE (see ArrayRef.members). */
const MEMBERS_KEPT = 65_536;

/**
 * What an element proxy calls: the index, its key (made once), its home PE
 * (found at the first call; the map is fixed), and the first hop its last
 * call took, good while `stamp` is the local part's (Routing.hopOf).
 */
export interface ElementAddress {
  readonly index: ArrayIndex;
  readonly key: IndexKey;
  home: number;
  hop: number;
  stamp: number;
}

/** This PE's part of the array, once installed (kept on the reference: not looked up per call). */
function local(ref: ArrayRef): LocalArray | undefined {
  return ref.part ?? (ref.part = localCollection(ref.id) as LocalArray | undefined);
}

function callElement(ref: ArrayRef, address: ElementAddress, method: number, args: unknown[], mode: CallMode): Future<unknown> | undefined {
  if (ref.deleted) ref.checkLive(() => `${describeMember(ref.info.name, address.index)}.${methodName(ref.info.methods, method)}`);
  if (address.home < 0) address.home = ref.homeOf(address.index);
  const part = local(ref);
  const dest = part ? part.routing.hopOf(address) : address.home;
  return sendCall(ref, dest, address.index, method, args, mode, false, 1, undefined, dest === address.home);
}

/**
 * The home hears of a deletion first (so that an insertion this PE asks
 * for afterwards, whose notice follows on the same pair of PEs, finds it
 * under way); the deletion itself takes the way of the calls, behind the
 * calls made before it.
 */
function destroy(ref: ArrayRef, address: ElementAddress): Future<unknown> {
  ref.checkLive(() => `${describeMember(ref.info.name, address.index)}.ckDestroy`);
  const rt = runtime();
  const { index } = address;
  const home = ref.homeOf(index);
  // The home takes its own notice at once. Sent to itself, the notice waited
  // in its local queue while the deletion went ahead by MPI and an insertion
  // after it was made; it then marked the new element as being deleted, and
  // an insertion at its index waited for good instead of being refused.
  const here = home === rt.myPe ? local(ref) : undefined;
  // The deletion is named, so that its notice and its Deleted (which may
  // reach the home from another PE first) can be matched (locations.ts).
  const id = ++deletions;
  if (here) {
    here.deletionNoticed(index, { asker: rt.myPe, id });
  } else {
    writeDeletionNotice(beginControl(ref.id, ArrayControl.DeletionNotice), index, rt.myPe, id);
    rt.scheduler.send(home);
  }
  const done = callElement(ref, address, METHOD_DESTROY, [rt.myPe, id], CallMode.Completion)!;
  // Calls from here follow it until it is done. A PE without the array's part yet sent it to the home, and
  // knows no other way to the element.
  local(ref)?.routing.followDeletion(address, done);
  return done;
}

/** Broadcasts go to PE 0 first, which numbers them so every PE delivers them in one order. */
function broadcastCall(this: CallTarget, method: number, args: unknown[], mode: CallMode): Future<unknown> | undefined {
  const rt = runtime();
  const ref = this.__ref as ArrayRef;
  if (ref.deleted) ref.checkLive(() => `${ref.info.name} array.${methodName(ref.info.methods, method)}`);
  const w = rt.scheduler.writer;
  let flags = 0;
  if (mode !== CallMode.Send) flags |= Flag.Reply | (mode === CallMode.Completion ? Flag.CompletionOnly : 0);
  beginCall(w, flags, method, ref.id);
  const numbersAt = writeBroadcastNumbers(w); // given by PE 0
  writeCallArgs(w, args, ref.info.name, ref.info.methods, method);
  // The future is named in the message and made once the message is on
  // its way (its promise and entry were a tenth of PE 0's way from an
  // awaited broadcast's call to its send at np 2).
  const replyId = mode !== CallMode.Send ? Future.reserve() : -1;
  if (replyId >= 0) writeReplyTo(w, rt.myPe, replyId, -1);
  const replies = mode === CallMode.Completion ? 'completions' : 'replies';
  // PE 0 numbers its own calls at once, unless a request it sent itself for its sequencer waits (ownRequests.ts).
  const here = rt.myPe === 0 && w.segments.length === 0 && ownRequestsTaken(rt.scheduler) ? local(ref) : undefined;
  if (here) return here.numberCall(numbersAt, flags, replyId, replies);
  rt.scheduler.send(0);
  if (rt.myPe === 0) sentOwnRequest(rt.scheduler);
  return replyId >= 0 ? Future.create(1, replies, replyId) : undefined;
}

const INSERT_OPTIONS: OptionKeys<InsertOptions> = { onPE: true };

function insert(ref: ArrayRef, index: unknown, args: unknown[], options: InsertOptions): void {
  const where = `${ref.info.name}.ckInsert`;
  ref.checkLive(() => where);
  if (ref.shape.extents) throw new Error(`${where}: dense arrays are created whole; create the array with { ndims } or { keys: true } to insert`);
  const normalized = ref.normalize(index, where);
  checkConstructorArgs(where, args);
  checkOptionKeys(where, options, INSERT_OPTIONS);
  const rt = runtime(where);
  const onPE = options.onPE ?? -1;
  if (options.onPE !== undefined && (!Number.isInteger(onPE) || onPE < 0 || onPE >= rt.numPes)) {
    throw new RangeError(`${where}(${describe(normalized)}): onPE ${String(options.onPE)} is out of range (0..${rt.numPes - 1})`);
  }
  // The home hears first (so calls made from here after this one wait there
  // for the element, whatever it remembers of an earlier one at this index);
  // PE 0 then decides where the element joins the broadcasts and reductions.
  const id = ++insertions;
  const w = beginControl(ref.id, ArrayControl.InsertRequest);
  writeInsertRequest(w, { index: normalized, pe: onPE, requester: rt.myPe, id, args }, () => `${ref.info.name} constructor`);
  const request = w.detachLocal();
  writeInsertNotice(beginControl(ref.id, ArrayControl.InsertNotice), normalized, rt.myPe, id);
  rt.scheduler.send(ref.homeOf(normalized));
  rt.scheduler.sendMessage(0, request.bytes, request.parts);
  if (rt.myPe === 0) sentOwnRequest(rt.scheduler);
  local(ref)?.routing.inserting(normalized);
}

/** Insertions asked for on this PE (with the PE, names one insertion). */
let insertions = 0;
/** Deletions asked for on this PE (their numbers, in DeletionNotice and Deleted). */
let deletions = 0;

function doneInserting(ref: ArrayRef): Future<void> {
  ref.checkLive(() => `${ref.info.name}.ckDoneInserting`);
  const future = Future.create<void>(1, 'single');
  writeBodyValue(beginControl(ref.id, ArrayControl.DoneInserting), future, 'future');
  const rt = runtime();
  rt.scheduler.send(0);
  if (rt.myPe === 0) sentOwnRequest(rt.scheduler);
  return future;
}

function shapeOf(dims: unknown, where: string): IndexShape {
  if (typeof dims === 'number') dims = [dims];
  if (Array.isArray(dims)) {
    if (dims.length < 1 || dims.length > MAX_DIMS) throw new RangeError(`${where}: an array has 1 to ${MAX_DIMS} dimensions, got ${dims.length}`);
    for (const n of dims) if (!Number.isInteger(n) || n < 0) throw new TypeError(`${where}: extents must be non-negative integers, got [${dims.join(', ')}]`);
    return { ndims: dims.length, extents: dims.slice() };
  }
  if (dims && typeof dims === 'object') {
    if ((dims as { keys?: unknown }).keys === true) return { ndims: 0 };
    const ndims = (dims as { ndims?: unknown }).ndims;
    if (typeof ndims === 'number' && Number.isInteger(ndims) && ndims >= 1 && ndims <= MAX_DIMS) return { ndims };
  }
  throw new TypeError(`${where}: dims must be extents (a number or an array of numbers), { ndims: 1..${MAX_DIMS} } or { keys: true }`);
}

/** Creates a chare array of `cls` and returns its proxy at once. */
export function createArray(cls: ChareClass, dims: ArrayDims, args: readonly unknown[], options: ArrayOptions = {}): unknown {
  const info = classInfo(cls, 'charm.createArray');
  const where = `charm.createArray(${info.name})`;
  const shape = shapeOf(dims, where);
  checkConstructorArgs(where, args);
  const map = mapName(options.map ?? (shape.extents ? blockMap : roundRobinMap));
  const lb = options.loadBalancing;
  const launched = balancerFromArgs(runtimeWords());
  const balancer = lb === true ? launched ?? 'none' : typeof lb === 'string' ? lb : '';
  if (balancer) strategyNamed(balancer, where);
  if (lb === true && launched === undefined) noticeNoBalancer(info.name);
  const rt = runtime(where);
  const ref = arrayRef(newCollectionId(), info, shape, map, balancer);
  if (options.map !== undefined) checkPlacement(ref);
  const w = beginCreate(CollectionKind.Array, ref.id, info, args);
  writeShape(w, ref);
  rt.scheduler.broadcast();
  return ref.proxy();
}

/**
 * A program's map runs on every PE as a dense array is made there, and one
 * that placed an index outside the PEs ended the job on each of them; every
 * index is known at the call, so the map is tried on each there and refused
 * before anything is sent (the built-in maps cannot misplace one; a sparse
 * array's insertions are checked as they are made). The reference made for
 * the array is dropped.
 */
function checkPlacement(ref: ArrayRef): void {
  if (!ref.shape.extents) return;
  try {
    for (const index of denseIndices(ref.shape.extents)) ref.homeOf(index);
  } catch (error) {
    refs.delete(ref.id);
    throw error;
  }
}

let noBalancerNoticed = false;

/**
 * `loadBalancing: true` without `+balancer` at launch: AtSync steps run
 * and move nothing (as in Charm++ without +balancer). Said once per PE:
 * whoever asks for balancing expects moves, and nothing else shows why
 * none happen.
 */
function noticeNoBalancer(className: string): void {
  if (noBalancerNoticed) return;
  noBalancerNoticed = true;
  process.stderr.write(
    `charmts: ${className} was created with { loadBalancing: true } and no +balancer was given at launch: its AtSync steps will move nothing (launch with +balancer NAME, NAME one of ${Object.keys(STRATEGIES).filter((name) => name !== 'none').join(', ')}, or name the strategy in loadBalancing)\n`,
  );
}

function writeShape(w: Writer, ref: ArrayRef): void {
  writeArrayShape(w, { ndims: ref.shape.ndims, extents: ref.shape.extents, map: ref.mapName, balancer: ref.balancer });
}

const refs = new Map<number, ArrayRef>();

function arrayRef(id: number, info: ChareClassInfo, shape: IndexShape, map: string, balancer: string): ArrayRef {
  let ref = refs.get(id);
  if (!ref) refs.set(id, (ref = new ArrayRef(id, info, shape, map, balancer)));
  return ref;
}

function readRef(r: Reader, id: number, info: ChareClassInfo): ArrayRef {
  const shape = readArrayShape(r);
  const ref = arrayRef(id, info, { ndims: shape.ndims, extents: shape.extents }, shape.map, shape.balancer);
  // A proxy of an array deleted here (kept in a chare's state, or sent before the deletion): its calls are refused at once.
  if (!localCollection(id) && wasDeleted(id)) ref.markDeleted();
  return ref;
}

registerKind(CollectionKind.Array, {
  encodeRef: (w, ref) => writeShape(w, ref as ArrayRef),
  decodeRef: readRef,
  create(r, id, info, args) {
    const ref = readRef(r, id, info);
    if (ref.balancer) trackContinuations(); // loads measured across awaits
    return new LocalArray(ref, args);
  },
  restore(part) {
    const shape = part.shape!;
    if (shape.balancer) trackContinuations();
    return new LocalArray(arrayRef(part.id, part.info, { ndims: shape.ndims, extents: shape.extents }, shape.map, shape.balancer), [], part);
  },
});
