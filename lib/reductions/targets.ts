/** Where a reduction result goes: a future, or an entry method of a chare or collection. */
import { registerExtension, encodeValue, decodeValue } from '../codec/values';
import { Future } from '../model/future';
import { CallMode, isProxy, type CallTarget, type CollectionProxy, type ElementProxy, type EntryMethodNames } from '../model/proxy';

/**
 * An entry method to call with a result: on one chare, or broadcast to a
 * collection or a section. Build it with `charm.callback(proxy, 'method')`.
 * Like a Future, it is sent a value with `send(value)`: code that is given
 * "a callback" (Charm4py's futures and proxy methods alike) calls `send`.
 */
export class Callback {
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

/** A callback to `method` of the chare, collection or section behind `proxy`. */
export function callback<T>(proxy: ElementProxy<T> | CollectionProxy<T>, method: EntryMethodNames<T>): Callback {
  const target = proxy as unknown as CallTarget;
  if (typeof proxy !== 'object' || proxy === null || !isProxy(target)) throw new TypeError('charm.callback: expected a proxy to a chare or collection');
  const id = target.__ref.info.methodIds.get(method);
  if (id === undefined) throw new TypeError(`charm.callback: chare class ${target.__ref.info.name} has no entry method "${String(method)}"`);
  return new Callback(target, id);
}

/** Where results of a reduction go. */
export type ReductionTarget = Future<unknown, never> | Future<unknown> | Callback;

export function isTarget(value: unknown): value is ReductionTarget {
  return value instanceof Future || value instanceof Callback;
}

export function deliverResult(target: ReductionTarget, value: unknown): void {
  if (target instanceof Callback) target.send(value);
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
