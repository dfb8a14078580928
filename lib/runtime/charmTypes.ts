/**
 * The helper types of the `charm` object's signatures: the arguments of a
 * creation call, a `charm.when` tag match, `charm.register`'s options.
 * lib/index.ts exports them with the `charm` object (charm.ts), whose
 * methods take them.
 */
import type { ArrayProxy, CollectionProxy, ElementProxy } from '../model/proxy';
import type { Section } from '../sections/sections';

/** A proxy whose creation can be awaited: a chare, a group, an array, a section. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- proxies of any chare class
export type Creatable = ElementProxy<any> | CollectionProxy<any> | ArrayProxy<any, any> | Section<any, any>;

/**
 * The arguments after the class in a creation call: the constructor's
 * arguments `A` (optional when the constructor needs none), then options `O`.
 */
export type CreateArgs<A extends readonly unknown[], O> = [] extends A ? [args?: A, options?: O] : [args: A, options?: O];

/** The constructor arguments `A` after the class (optional when the constructor needs none). */
export type ConstructorArgs<A extends readonly unknown[]> = [] extends A ? [args?: A] : [args: A];

/** The argument types of method `M` of `T`. */
export type MethodArgs<T, M extends keyof T> = T[M] extends (...a: infer A) => unknown ? A : never;

/** A `charm.when` condition matching a message tag against the chare's state. */
export interface WhenMatch<C, A extends unknown[]> {
  /** The chare's value the tag must equal (e.g. its iteration). */
  state(self: C): unknown;
  /** The call's tag, from its arguments. */
  tag(...args: A): unknown;
}

/** Options of `charm.register` for one class. */
export interface RegisterOptions {
  /** The name the class is known by on every PE (default: its class name). */
  name: string;
}
