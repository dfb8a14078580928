/**
 * Typed proxies. A proxy names a collection (and a member of it); calling a
 * method on it sends a message. Per chare class, prototypes holding one
 * function per entry method are built once, so a call is a plain method
 * call, not a dynamic lookup.
 */
import type { Chare, ChareIndex } from './chare';
import type { ChareClassInfo } from './registry';
import type { Future } from './future';

// ---------------------------------------------------------------- types

/** Names of the entry methods of chare class `T`. */
export type EntryMethodNames<T> = {
  [K in keyof T]-?: K extends keyof Chare<never> ? never : T[K] extends (...args: any) => any ? K : never;
}[keyof T] &
  string;

/** What a call of method type `F` gives back: its return type, awaited. */
export type Result<F> = F extends (...args: any) => infer R ? Awaited<R> : never;

// The call maps below are homomorphic (they map `keyof T`) so that they also
// resolve for the polymorphic `this` inside a chare class; members that are
// not methods map to `never`.
/** A fire-and-forget call of method type `F`. */
export type SendCall<F> = F extends (...args: infer A) => any ? (...args: A) => void : never;
/** A call of method type `F` returning a future of its result. */
export type ResultCall<F> = F extends (...args: infer A) => any ? (...args: A) => Future<Result<F>> : never;
/** A broadcast call of method type `F` returning a future of every member's result. */
export type GatherCall<F> = F extends (...args: infer A) => any ? (...args: A) => Future<Result<F>[]> : never;
/** A call of method type `F` returning a future of its completion. */
export type CompletionCall<F> = F extends (...args: infer A) => any ? (...args: A) => Future<void> : never;

/** Members of the Chare base class: never entry methods. */
export type ChareBaseMember = keyof Chare<never>;

/** Fire-and-forget calls. */
export type SendCalls<T> = { readonly [K in keyof T]: K extends ChareBaseMember ? never : SendCall<T[K]> };
/** Calls that return a future of each method's result. */
export type ResultCalls<T> = { readonly [K in keyof T]: K extends ChareBaseMember ? never : ResultCall<T[K]> };
/** Calls that return a future of the results of every member, in member order. */
export type GatherCalls<T> = { readonly [K in keyof T]: K extends ChareBaseMember ? never : GatherCall<T[K]> };
/** Calls that return a future completing when the method has finished (everywhere). */
export type CompletionCalls<T> = { readonly [K in keyof T]: K extends ChareBaseMember ? never : CompletionCall<T[K]> };

/** Proxy to one chare: `p.m(x)` sends, `p.ret.m(x)` returns a Future of the result, `p.awaitable.m(x)` of completion. */
export type ElementProxy<T> = SendCalls<T> & {
  /** The same calls, each returning a Future of the method's result. */
  readonly ret: ResultCalls<T>;
  /** The same calls, each returning a Future that completes when the method has finished. */
  readonly awaitable: CompletionCalls<T>;
};

/** Index type of the members of a chare class. */
export type IndexOf<T> = T extends Pick<Chare<infer I>, 'thisIndex'> ? I : ChareIndex;

/**
 * Proxy to a collection (group, array): calling a method broadcasts it to
 * every member; `p[i]` or `p.at(index)` is a member.
 */
export type CollectionProxy<T> = SendCalls<T> & {
  /** The same broadcasts, each returning a Future of every member's result, in member order. */
  readonly ret: GatherCalls<T>;
  /** The same broadcasts, each returning a Future that completes when every member has run the method. */
  readonly awaitable: CompletionCalls<T>;
  readonly [index: number]: ElementProxy<T>;
  /** The proxy of one member. */
  at(index: IndexOf<T>): ElementProxy<T>;
};

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

/** The end of every proxy's prototype chain: a clear error for a method the class does not have. */
const missingMethod = new Proxy(Object.create(null) as object, {
  get(_target, key, receiver: CallTarget) {
    if (typeof key === 'symbol' || PROBES.has(key) || key in Object.prototype) {
      return Reflect.get(Object.prototype, key, receiver);
    }
    const info = receiver.__ref.info;
    throw new TypeError(`charmts: chare class ${info.name} has no entry method "${key}" (it has: ${info.methods.join(', ') || 'none'})`);
  },
});

function build(info: ChareClassInfo): Prototypes {
  const make = (mode: CallMode): object => {
    const proto = Object.create(missingMethod) as Record<string, unknown>;
    info.methods.forEach((name, id) => {
      proto[name] = function (this: CallTarget, ...args: unknown[]) {
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

/** Wraps a collection proxy so that `proxy[i]` is member i. */
export function indexable<P extends object>(proxy: P, at: (index: number) => unknown): P {
  Object.defineProperty(proxy, 'at', { value: at });
  return new Proxy(proxy, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key.length > 0 && key.length < 16 && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) {
        const n = Number(key);
        if (Number.isInteger(n)) return at(n);
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/** True for any proxy built here. */
export function isProxy(value: object): value is CallTarget {
  return '__ref' in value && '__call' in value;
}
