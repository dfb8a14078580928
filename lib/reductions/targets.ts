/** Where a reduction result goes: a future, or an entry method of a chare or collection. */
import { registerExtension, encodeValue, decodeValue } from '../codec/values';
import { Future } from '../model/future';
import { CallMode, isProxy, type AnyMethod, type CallTarget, type ChareBaseMember, type ProxyOf } from '../model/proxy';
import { noEntryMethod } from '../model/registry';
import type { Section } from '../sections/sections';

/**
 * An entry method to call with a result: on one chare, or broadcast to a
 * collection or a section. Build it with `charm.callback(proxy, 'method')`
 * (Charm4py: `proxy.method` passed as a callback; Charm++: `CkCallback`).
 * Like a Future, it is sent a value with `send(value)`: code that is given
 * "a callback" (Charm4py's futures and proxy methods alike) calls `send`.
 *
 * @typeParam M - the type of the method it calls: a callback is a valid
 * reduction target for results that method accepts as its first argument.
 * `Callback` alone is a callback to any method, and is not checked.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a method with any arguments: unchecked
export class Callback<out M = (...args: any[]) => unknown> {
  /** Never set: carries `M` for the type checker only. */
  declare private readonly calls?: M;

  /** @internal */
  constructor(
    /** @internal */
    readonly proxy: CallTarget,
    /** @internal */
    readonly method: number,
  ) {}

  /**
   * Calls the method with `value` (fire and forget), as `Future.send`
   * fulfils a future; with several values, calls it with those arguments.
   */
  send(...values: unknown[]): void {
    this.proxy.__call(this.method, values.length === 0 ? [undefined] : values, CallMode.Send);
  }
}

/** `unknown` for a name outside the Chare base class, `never` for a base member (so `K & NotBaseMember<K>` refuses those). */
export type NotBaseMember<K> = K extends ChareBaseMember ? never : unknown;

/** A callback to `method` of the chare, collection or section behind `proxy`. */
export function callback<T extends Record<K, AnyMethod>, K extends string>(proxy: ProxyOf<T> | Section<T, unknown>, method: K & NotBaseMember<K>): Callback<T[K]> {
  const target = proxy as unknown as CallTarget;
  if (typeof proxy !== 'object' || proxy === null || !isProxy(target)) throw new TypeError('charm.callback: expected a proxy to a chare or collection');
  const id = target.__ref.info.methodIds.get(method);
  if (id === undefined) throw noEntryMethod(target.__ref.info, String(method), 'charm.callback');
  return new Callback(target, id);
}

/**
 * Where the result of a reduction (a value of type `R`) can go: a future
 * that accepts an `R` (or a `Future<void>`, which only waits for the end),
 * or a callback to a method whose first parameter accepts an `R` (or that
 * takes no parameter). `ReductionTarget` alone is any target, unchecked.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the default: results of any type
export type ReductionTarget<R = any> = Future<unknown, R> | WaitingFuture | Callback<(value: R) => unknown>;

/**
 * A `Future<void>` as a reduction target: it only waits for the end. An
 * interface, not `Future<unknown, void>` itself, so that for a future of
 * the wrong type the compiler explains the mismatch against `Future<unknown,
 * R>` ("Type 'number' is not assignable to type 'string'"), not against
 * the void one ("Type 'undefined' is not assignable to type 'string'").
 */
export interface WaitingFuture extends Future<unknown, void> {}

export function isTarget(value: unknown): value is ReductionTarget {
  return value instanceof Future || value instanceof Callback;
}

/**
 * Sends `value` to `target`. `owned`: nothing else holds the value (a
 * reduction's result: contributions are copied at the call), so a future
 * of this PE takes it without another copy.
 */
export function deliverResult(target: ReductionTarget, value: unknown, owned = false): void {
  if (target instanceof Callback) target.send(value);
  else if (owned) (target as Future<unknown>).sendOwned(value);
  else (target as Future<unknown>).send(value);
}

registerExtension<Callback>(
  {
    id: 3,
    matches: (v): v is Callback => v instanceof Callback,
    encode(w, c) {
      encodeValue(w, c.proxy, 'callback proxy');
      w.u16(c.method);
    },
    decode(r) {
      const proxy = decodeValue(r) as CallTarget;
      return new Callback(proxy, r.u16());
    },
  },
  [Callback],
);
