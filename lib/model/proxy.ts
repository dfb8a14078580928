/**
 * Typed proxies. A proxy names a collection (and a member of it); calling a
 * method on it sends a message. Per chare class, prototypes holding one
 * function per entry method are built once, so a call is a plain method
 * call, not a dynamic lookup.
 */
import { inspect } from 'util';
import type { Chare, ChareIndex } from './chare';
import { noEntryMethod, type ChareClassInfo } from './registry';
import { mostArguments, tooManyArguments } from './arity';
import type { Future } from './future';
import { describeMember, type ArrayIndex } from '../collections/arrayIndex';
import type { Registered, TaskFunction } from '../pool/functions';

// ---------------------------------------------------------------- types
//
// Inside a chare class, `this` is a type parameter (the polymorphic `this`),
// so every proxy type below must stay usable when `T` is that parameter:
// members are found through the class's own keys (homomorphic maps, keys
// filtered by name only), calls resolve through the constraint of `T[K]`,
// and no parameter type is a conditional type of `T` (the index type `I`
// and the collection kind come from the class's `Chare<I>` instead).

/** Members of the Chare base class: never entry methods. */
export type ChareBaseMember = keyof Chare<never>;

/**
 * What a proxy shows for a member of the class that is not a method (a
 * field): nothing callable. Calling it is a compile error naming this type.
 */
export interface NotAnEntryMethod {
  /** Never present: marks a member that is not an entry method. */
  readonly notAnEntryMethod: never;
}

/** Names of the entry methods of chare class `T`. */
export type EntryMethodNames<T> = {
  [K in keyof T]-?: K extends ChareBaseMember ? never : T[K] extends (...args: any) => any ? K : never;
}[keyof T] &
  string;

/** What a call of method type `F` gives back: its return type, awaited. */
export type Result<F> = F extends (...args: any) => infer R ? Awaited<R> : never;

/**
 * What a call's argument of a function type takes instead: nothing (a
 * function cannot travel in a message; the run-time error is a
 * SerializationError naming the argument). Calling with one is a compile
 * error naming this type.
 */
export interface FunctionsCannotBeSent {
  /** Never present: marks a parameter of a function type. */
  readonly 'a function cannot be sent to a chare: pass a proxy, a Future or charm.callback(proxy, method)': never;
}

/** A parameter type `P` as a call through a proxy takes it: function types refused (per member of a union), but for registered ones (`Registered<F>`, from charm.pool.register). */
export type Sendable<P> = P extends (...args: any) => any ? (P extends Registered<TaskFunction> ? P : FunctionsCannotBeSent) : P;

/** The arguments of a call through a proxy: the method's, each Sendable. */
export type CallArgs<A extends readonly unknown[]> = { [K in keyof A]: Sendable<A[K]> };

/** A fire-and-forget call of method type `F`. */
export type SendCall<F> = F extends (...args: infer A) => any ? (...args: CallArgs<A>) => void : NotAnEntryMethod;
/** A call of method type `F` returning a future of its result. */
export type ResultCall<F> = F extends (...args: infer A) => any ? (...args: CallArgs<A>) => Future<Result<F>> : NotAnEntryMethod;
/** A broadcast call of method type `F` returning a future of every member's result. */
export type GatherCall<F> = F extends (...args: infer A) => any ? (...args: CallArgs<A>) => Future<Result<F>[]> : NotAnEntryMethod;
/** A call of method type `F` returning a future of its completion. */
export type CompletionCall<F> = F extends (...args: infer A) => any ? (...args: CallArgs<A>) => Future<void> : NotAnEntryMethod;

/** Fire-and-forget calls: one per member of `T` outside the Chare base class. */
export type SendCalls<T> = { readonly [K in keyof T as K extends ChareBaseMember ? never : K]: SendCall<T[K]> };
/** Calls that return a future of each method's result. */
export type ResultCalls<T> = { readonly [K in keyof T as K extends ChareBaseMember ? never : K]: ResultCall<T[K]> };
/** Calls that return a future of the results of every member, in member order. */
export type GatherCalls<T> = { readonly [K in keyof T as K extends ChareBaseMember ? never : K]: GatherCall<T[K]> };
/** Calls that return a future completing when the method has finished (everywhere). */
export type CompletionCalls<T> = { readonly [K in keyof T as K extends ChareBaseMember ? never : K]: CompletionCall<T[K]> };

/**
 * Proxy to one chare (a singleton, or a group member): `p.m(x)` sends,
 * `p.ret.m(x)` returns a Future of the result, `p.awaitable.m(x)` a Future
 * of its completion. Charm4py: a proxy, with `ret=True` / `awaitable=True`.
 */
export type ElementProxy<T> = SendCalls<T> & {
  /** The same calls, each returning a Future of the method's result. */
  readonly ret: ResultCalls<T>;
  /** The same calls, each returning a Future that completes when the method has finished. */
  readonly awaitable: CompletionCalls<T>;
};

/** Index type of the members of a chare class: the `I` of its `Chare<I>`. */
export type IndexOf<T> = T extends Pick<Chare<infer I>, 'thisIndex'> ? I : ChareIndex;

/** Calls on a whole collection (group, array, section): broadcasts, with results gathered in member order. */
export type Broadcasts<T> = SendCalls<T> & {
  /** The same broadcasts, each returning a Future of every member's result, in member order. */
  readonly ret: GatherCalls<T>;
  /** The same broadcasts, each returning a Future that completes when every member has run the method. */
  readonly awaitable: CompletionCalls<T>;
};

/**
 * Proxy to a group (one member per PE; also a singleton's collection of
 * one): calling a method broadcasts it to every member; `p[pe]` or
 * `p.at(pe)` is the member on PE `pe`. Charm4py: a Group proxy.
 */
export type CollectionProxy<T> = Broadcasts<T> & {
  readonly [pe: number]: ElementProxy<T>;
  /** The proxy of the member on PE `pe` (0..numPes-1; a RangeError otherwise). */
  at(pe: number): ElementProxy<T>;
  /**
   * The member on this PE, the chare object itself, for direct synchronous
   * use (a per-PE cache, counters): no message, no copy. Charm++:
   * `ckLocalBranch()`; Charm4py: `ckLocalBranch()` (on the group proxy
   * here, not on `g[pe]`). For a singleton's collection, the chare if it
   * lives on this PE. Works after a restart too (unlike a static set in
   * the constructor, which a restart does not run).
   * @throws Error naming the PE when this PE has no member: a group made
   * with `onPEs` without it, a singleton elsewhere, or a group whose
   * creation has not reached this PE yet (`await charm.awaitCreation(g)` first).
   */
  ckLocalBranch(): T;
};

/**
 * Proxy to one chare-array element: calls, plus migration and deletion.
 * Charm4py: an element proxy `a[i]`.
 */
export type ArrayElementProxy<T> = ElementProxy<T> & {
  /** Moves the element to PE `pe` (a RangeError if out of range). Fire and forget: an element that declared itself not migratable ends the job on this PE. Charm++: `ckMigrate`. */
  ckMigrate(pe: number): void;
  /** Deletes the element; the future completes once its home knows. Charm++: `ckDestroy`. */
  ckDestroy(): Future<void>;
  /**
   * The element itself if it lives on this PE now, else undefined.
   * Charm++: `ckLocal()` (NULL when not local). Elements move (load
   * balancing, `migrate`): use the object within the current entry
   * method, and do not keep it; a call through the proxy reaches it
   * wherever it is.
   */
  ckLocal(): T | undefined;
};

/** Options of `ckInsert`. */
export interface InsertOptions {
  /** PE to create the element on (default: the array's map). */
  onPE?: number;
}

/**
 * How an index of type `I` may be written in a call: the index itself
 * (readonly tuples too), or a plain number for 1D arrays. `I` comes first
 * on its own, so that in a class generic over its index an index of type
 * `I` (`this.thisIndex`) is accepted before `I` is known.
 */
export type IndexArg<I> = I | (I extends readonly unknown[] ? Readonly<I> : never) | ([number] extends I ? number | OneNumber : never);

/**
 * A 1D index written as a tuple: one number. Its rest element is a type no
 * value has, named for the mistake: `a.at([1, 2])` on a 1D array is then
 * "Type 'number' is not assignable to type '{ readonly 'a 1-D array takes
 * one number: ...': never; }'", where with a plain `[number]` beside
 * `number` the compiler reports "Type 'number' is not assignable to type
 * 'undefined'" for the second element.
 */
type OneNumber = readonly [i: number, ...rest: { readonly 'a 1-D array takes one number: at(i) or at([i])': never }[]];

/**
 * What `ckInsert` of a dense array (created with extents) takes: no index
 * (the array is created whole; the run-time error says so). Calling it is
 * a compile error naming this type.
 */
export interface DenseArrayIndex {
  /** Never present: marks the index of an insertion into a dense array. */
  readonly 'a dense array is created whole: create it with { ndims } or { keys: true } to insert': never;
}

/** The index `ckInsert` takes: any for a sparse array (or one not known to be dense), none for a dense one. */
export type InsertIndex<I, Dense extends boolean> = [Dense] extends [true] ? IndexArg<I> & DenseArrayIndex : IndexArg<I>;

/**
 * `a[i]` on an array proxy: for arrays that can have 1D indices (and for
 * proxies of an index not known, `never`); a 2D array's `a[1]` does not
 * compile (its elements are `a.at([i, j])`).
 */
export type ElementsByNumber<T, I> = [I] extends [never] ? ByNumber<T> : [number] extends I ? ByNumber<T> : unknown;

interface ByNumber<T> {
  readonly [index: number]: ArrayElementProxy<T>;
}

/**
 * Proxy to a chare array: calls broadcast to every element; `a.at(index)`
 * (or `a[i]` for 1D arrays) is one element.
 *
 * @typeParam T - the element class
 * @typeParam I - its index type (the `I` of `Chare<I>`)
 * @typeParam A - its constructor arguments (what `ckInsert` takes)
 * @typeParam Dense - `true` for an array created with extents (`charm.createArray` says so), which takes no `ckInsert`; such a proxy is still an `ArrayProxy<T>`
 */
export type ArrayProxy<T, I = IndexOf<T>, A extends readonly unknown[] = readonly unknown[], Dense extends boolean = boolean> = Broadcasts<T> & ElementsByNumber<T, I> & {
  /** The proxy of one element (index checked against the array's shape: RangeError or TypeError). */
  at(index: IndexArg<I>): ArrayElementProxy<T>;
  /** Inserts an element (sparse arrays), from any PE, with its constructor arguments. Charm++: `ckInsert`. */
  ckInsert(index: InsertIndex<I, Dense>, args?: A, options?: InsertOptions): void;
  /** Completes once every insertion requested so far has created its element. Charm++: `doneInserting`. */
  ckDoneInserting(): Future<void>;
  /**
   * Deletes the whole array, on every PE (Charm++: `CProxy_A::ckDestroy()`;
   * Charm4py has none). The future completes once every PE has deleted
   * its part: its elements (each as an element's `ckDestroy` deletes it:
   * calls waiting for a `when` condition fail, later contributions are
   * dropped), their location records, the array's reductions, broadcast
   * history, load-balancing state and the sections over it. What awaited
   * the array settles, rejecting with the deleted error: an awaited
   * broadcast whose replies are not all in, a reduction under way (its
   * future, if a contribution to it has reached PE 0; an element's
   * allReduce), a section multicast still on its way (member by member).
   *
   * Order: every broadcast to the array made before the call (from any
   * PE, as PE 0 numbers them) runs on every element first. A call to one
   * element that has not reached it when its PE deletes its part is
   * refused, not lost: its future rejects, or, with no future, the PE that
   * sent it stops with the error (as for a deleted element); so are calls
   * made after the deletion (at once, on a PE that knows of it), from a
   * proxy kept anywhere. To let calls in flight finish first, await them
   * (or `charm.waitQD()`) before deleting. An element migrating when its
   * new PE deletes its part is deleted on arrival, without running the
   * broadcasts it had not met yet; the calls it carried waiting for a
   * `when` condition are refused to their callers.
   *
   * @throws Error if this PE knows the array is deleted (a second
   * `ckDestroy` from another PE rejects its future instead).
   */
  ckDestroy(): Future<void>;
};

/**
 * The type of `thisProxy` of a chare of class `T` with index type `I`: a
 * group proxy for `Chare` (index: a PE), an array proxy for array indices.
 */
export type ThisProxy<T, I> = ProxyForIndex<T, I, I>;

/**
 * ThisProxy, decided per member of `I` (a distributive conditional type):
 * in a class generic over its index (`abstract class Base<I extends
 * readonly number[]> extends Chare<I>`) the type stays deferred, and the
 * compiler reads it through the constraint of `I` (an array proxy) rather
 * than through the union of both branches, which has no usable `at`. The
 * array proxy takes the whole index type `All`, so that a union of keys
 * (`string | Uint8Array`) makes one array proxy, not a union of two.
 */
export type ProxyForIndex<T, I, All> = I extends number ? CollectionProxy<T> : I extends ArrayIndex ? ArrayProxy<T, All> : CollectionProxy<T> | ArrayProxy<T, All>;

/** The type of `thisElement` of a chare of class `T` with index type `I` (decided per member of `I`, as ThisProxy is). */
export type ThisElement<T, I> = I extends number ? ElementProxy<T> : I extends ArrayIndex ? ArrayElementProxy<T> : ElementProxy<T>;

/** Any method type: what a proxy's property must be for `charm.callback` to call it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any arguments
export type AnyMethod = (...args: any[]) => unknown;

/** Any proxy to chares of class `T`: of one chare, a group, an array. */
export type ProxyOf<T> = ElementProxy<T> | CollectionProxy<T> | ArrayProxy<T, never>;

// ---------------------------------------------------------------- runtime

/** Where calls on a proxy go; implemented by the collection kinds. */
export interface CollectionRef {
  readonly id: number;
  readonly info: ChareClassInfo;
  /** The proxy of the whole collection. */
  proxy(): unknown;
  /** The proxy of one member. */
  element(index: ChareIndex): unknown;
}

/** What a call through a proxy asks back. */
export const enum CallMode {
  Send = 0,
  Result = 1,
  Completion = 2,
}

/** Sends one call; implemented per collection kind. */
export interface CallTarget {
  readonly __ref: CollectionRef;
  /** undefined for the whole collection */
  readonly __index: ChareIndex | undefined;
  __call(method: number, args: unknown[], mode: CallMode): Future<unknown> | undefined;
}

interface Prototypes {
  send: object;
  result: object;
  completion: object;
}

/** Names an unknown property would be probed for by Node and libraries; they are not errors. */
const PROBES = new Set(['then', 'toJSON', 'inspect', 'constructor', 'asymmetricMatch', 'nodeType', '$$typeof', '__esModule']);

/**
 * What a collection or one member of it is, for printing: kind, id,
 * index, PE. The collection kinds are told apart by their reference class
 * (SingletonRef, GroupRef, ArrayRef, ...).
 */
export function describeTarget(ref: CollectionRef, index: ChareIndex | undefined): string {
  const kind = kindOf(ref);
  const r = ref as CollectionRef & { pe?: number; shape?: { extents?: readonly number[] }; homeOf?(index: unknown): number };
  const shown = index instanceof Uint8Array ? `bytes<${Buffer.from(index).toString('hex')}>` : JSON.stringify(index);
  if (kind === 'singleton') return `chare #${ref.id} on PE ${r.pe}`;
  if (index === undefined) return kind === 'array' ? `array #${ref.id} ${r.shape?.extents?.join('x') ?? 'sparse'}` : `${kind} #${ref.id}`;
  if (kind === 'group') return `group #${ref.id} member ${shown} on PE ${shown}`;
  let home = '';
  try {
    if (r.homeOf) home = `, home PE ${r.homeOf(index)}`;
  } catch {
    /* a description never throws */
  }
  return `${kind} #${ref.id} element ${shown}${home}`;
}

/**
 * One chare as errors name it: `X[0]`, `X[1, 2]`, a group member `G[1]`;
 * a singleton `singleton P (collection 5)`, since two singletons of one
 * class would both read `P[0]`.
 */
export function describeChare(ref: CollectionRef, index: ChareIndex): string {
  return kindOf(ref) === 'singleton' ? `singleton ${ref.info.name} (collection ${ref.id})` : describeMember(ref.info.name, index);
}

/** 'singleton', 'group', 'array', ...: told apart by the reference class (SingletonRef, GroupRef, ArrayRef, ...). */
function kindOf(ref: CollectionRef): string {
  return ref.constructor.name.replace(/Ref$/, '').toLowerCase();
}

/** How a proxy prints (console.log, the console): its class, what it reaches, and its face. */
function inspectProxy(this: CallTarget): string {
  const faces = prototypesOf(this.__ref.info);
  const proto = Object.getPrototypeOf(this) as object;
  const face = proto === faces.result ? '.ret' : proto === faces.completion ? '.awaitable' : '';
  return `Proxy<${this.__ref.info.name}>${face} (${describeTarget(this.__ref, this.__index)})`;
}

/** The end of every proxy's prototype chain: a clear error for a method the class does not have. */
const missingMethod = new Proxy(Object.create(null) as object, {
  get(_target, key, receiver: CallTarget) {
    if (key === inspect.custom) return inspectProxy;
    // A collection proxy's member by number, not asked for before (see indexable).
    if (typeof key === 'string' && key.length > 0 && Object.hasOwn(receiver, MEMBER_AT) && isNumberKey(key)) return memberAt(receiver, key);
    // Inspection probes indices (util.inspect reads [0] of a JS Proxy's target): no method has such a name.
    if (typeof key === 'symbol' || PROBES.has(key) || key in Object.prototype || /^\d+$/.test(key)) {
      return Reflect.get(Object.prototype, key, receiver);
    }
    const info = receiver.__ref.info;
    // An array proxy's proxy[[i, j]] reads the property "i,j" (Charm4py's a[(i, j)] and self.thisProxy[self.thisIndex]).
    if (Object.hasOwn(receiver, MEMBER_AT) && kindOf(receiver.__ref) === 'array' && /^-?\d+(,-?\d+)+$/.test(key)) {
      throw new TypeError(`charmts: proxy[[${key}]] of chare class ${info.name} reads a property "${key}", not an element: write proxy.at([${key}]) (or this.thisElement for the chare itself)`);
    }
    throw noEntryMethod(info, key, 'charmts');
  },
});

function build(info: ChareClassInfo): Prototypes {
  const make = (mode: CallMode): object => {
    const proto = Object.create(missingMethod) as Record<string, unknown>;
    info.methods.forEach((name, id) => {
      const most = mostArguments((info.cls.prototype as Record<string, (...args: never[]) => unknown>)[name]);
      proto[name] = function (this: CallTarget, ...args: unknown[]) {
        if (args.length > most) throw tooManyArguments(info.name, name, most, args);
        return this.__call(id, args, mode);
      };
    });
    return proto;
  };
  return { send: make(CallMode.Send), result: make(CallMode.Result), completion: make(CallMode.Completion) };
}

function prototypesOf(info: ChareClassInfo): Prototypes {
  return (info.proxyPrototypes ??= build(info)) as Prototypes;
}

/**
 * Builds a proxy for `target` (an object with __ref, __index and __call):
 * the fire-and-forget face, with `ret` and `awaitable` faces sharing it.
 */
export function makeProxy<P>(target: Omit<CallTarget, never>): P {
  const protos = prototypesOf(target.__ref.info);
  const face = (proto: object): CallTarget => {
    const obj = Object.create(proto) as CallTarget;
    Object.defineProperties(obj, {
      __ref: { value: target.__ref },
      __index: { value: target.__index },
      __call: { value: target.__call },
    });
    return obj;
  };
  const send = face(protos.send);
  Object.defineProperties(send, {
    ret: { value: face(protos.result) },
    awaitable: { value: face(protos.completion) },
  });
  return send as P;
}

/** Where a collection proxy finds its members by number (see indexable). */
const MEMBER_AT = Symbol('charmts.memberAt');

/**
 * Lets `proxy[i]` be member i of a collection proxy. The first access of
 * `proxy[i]` reaches the end of the prototype chain (missingMethod), which
 * asks `at` (it checks the index and throws for a bad one) and keeps the
 * member as the proxy's own element i: later accesses are plain element
 * loads. A JS Proxy around the collection proxy cost about 0.3 us per
 * `this.thisProxy[i]` (its get trap ran for every property, methods too).
 * At most MEMBERS_AS_ELEMENTS are kept so (an own property cannot be
 * dropped again); later ones are asked of `at` at each access.
 */
export function indexable<P extends object>(proxy: P, at: (index: number) => unknown): P {
  Object.defineProperty(proxy, 'at', { value: at });
  Object.defineProperty(proxy, MEMBER_AT, { value: at });
  return proxy;
}

/** Member `key` (any number written out: `at` checks it) of an indexable proxy, kept as its own element when `at` accepts it. */
function memberAt(proxy: object, key: string): unknown {
  const holder = proxy as { [MEMBER_AT]: (index: number) => unknown; [MEMBERS_KEPT]?: number };
  const member = holder[MEMBER_AT](Number(key));
  const kept = holder[MEMBERS_KEPT] ?? 0;
  if (kept < MEMBERS_AS_ELEMENTS) {
    Object.defineProperty(proxy, key, { value: member });
    holder[MEMBERS_KEPT] = kept + 1;
  }
  return member;
}

/** How many members a collection proxy keeps as its own elements (see indexable). */
const MEMBERS_AS_ELEMENTS = 4096;
const MEMBERS_KEPT = Symbol('charmts.membersKept');

/** A property key that is a number written out (what `proxy[n]` turns n into). */
function isNumberKey(key: string): boolean {
  const c = key.charCodeAt(0);
  if ((c < 48 || c > 57) && c !== 45 && c !== 78 && c !== 73) return false; // digit, '-', 'N'aN, 'I'nfinity
  return String(Number(key)) === key;
}

/** True for any proxy built here. */
export function isProxy(value: object): value is CallTarget {
  return '__ref' in value && '__call' in value;
}
