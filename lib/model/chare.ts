/** The base class of every chare. */
import { setChareBase } from './registry';
import { waitUntil } from '../when';
import type { CollectionProxy, ElementProxy, CollectionRef } from './proxy';
import type { Reducer } from '../reductions/reducers';
import type { ReductionTarget } from '../reductions/targets';

/** Index of a chare in its collection: a PE for groups, a tuple or key for arrays. */
export type ChareIndex = number | readonly number[] | string | Uint8Array;

/** What a collection does for its members: reductions, migration, deletion. */
export interface MemberServices {
  readonly ref: CollectionRef;
  contribute(chare: Chare<never>, data: unknown, reducer: Reducer, target: ReductionTarget | 'all'): Promise<unknown> | undefined;
  migrate(chare: Chare<never>, toPe: number): void;
  atSync(chare: Chare<never>): void;
}

/** The runtime's bookkeeping for one member; it travels with a migrating member. */
export interface MemberState {
  readonly services: MemberServices;
  /** Next reduction number, per stream. */
  next: number[];
  /** Last array broadcast delivered (arrays only). */
  bcastSeq: number;
  /** Location version: grows with every move (arrays only). */
  epoch: number;
  /** Async entry methods started and not finished. */
  running: number;
  /** PE to move to once no entry method is suspended, or -1. */
  migrateTo: number;
  /** Milliseconds spent in its entry methods since the last load-balancing step. */
  load: number;
  /** Moving as part of a load-balancing step: reports arrival to the step. */
  balancing: boolean;
  /** Called AtSync in the entry method now running: reports its load when it returns. */
  atSync: boolean;
  /** Next reduction number per section id (section reductions). */
  sections: Record<number, number>;
  /** Settles when its async set-up (`onCreated`) has finished, if it has one running. */
  created?: Promise<void>;
}

/** How a section reduces a member's contribution (set on section proxies). */
type SectionContribute = (chare: Chare<never>, data: unknown, reducer: Reducer, target: ReductionTarget) => void;
/** How a section runs an allReduce over its members (set on section proxies). */
type SectionAllReduce = (chare: Chare<never>, data: unknown, reducer: Reducer) => Promise<unknown>;

interface Identity {
  index: ChareIndex;
  member: MemberState;
}

let constructing: Identity | undefined;

/** @internal Runs `build` with the identity the next constructed Chare takes. */
export function constructWith<T>(identity: Identity, build: () => T): T {
  constructing = identity;
  try {
    return build();
  } finally {
    constructing = undefined;
  }
}

/** @internal Gives an object made without its constructor (a migrated member) its identity. */
export function adopt(chare: Chare<never>, identity: Identity): void {
  Object.defineProperty(chare, '__member', { value: identity.member, writable: true, enumerable: false });
  Object.defineProperty(chare, 'thisIndex', { value: identity.index, enumerable: false });
}

/** @internal The runtime state of a member. */
export function memberOf(chare: Chare<never>): MemberState {
  return (chare as unknown as { __member: MemberState }).__member;
}

/**
 * Base class of chares: objects whose methods (entry methods) are called
 * through proxies, from any PE. Create them with `charm.createChare`,
 * `charm.createGroup` or `charm.createArray`, never with `new`.
 *
 * @typeParam I - the type of `thisIndex`: a PE number for groups, a tuple
 * such as `[number, number]` for a 2D array, `string` for keyed arrays.
 */
export class Chare<I extends ChareIndex = number> {
  /** This chare's index in its collection (its PE, for a group member). */
  declare readonly thisIndex: I;

  constructor() {
    const identity = constructing;
    if (!identity) {
      throw new Error(`charmts: ${new.target.name} is a chare: create it with charm.createChare, charm.createGroup or charm.createArray, not with new`);
    }
    constructing = undefined; // chares created by this constructor get their own identity
    adopt(this as unknown as Chare<never>, identity);
  }

  /** Proxy to the whole collection: calling a method on it broadcasts. Index it for one member. */
  get thisProxy(): CollectionProxy<this> {
    return memberOf(this as unknown as Chare<never>).services.ref.proxy() as CollectionProxy<this>;
  }

  /** Proxy to this chare itself. */
  get thisElement(): ElementProxy<this> {
    return memberOf(this as unknown as Chare<never>).services.ref.element(this.thisIndex) as ElementProxy<this>;
  }

  /**
   * Contributes `data` to the collection's next reduction, combined with
   * `reducer`; the result goes to `target` (a future, or a callback from
   * `charm.callback`). Every member must contribute for it to complete.
   * For an empty reduction (completion only) contribute `undefined` with `Reducer.nop`.
   * With `section` (from `charm.createSection`), the reduction is over the
   * section's members only.
   */
  contribute(data: unknown, reducer: Reducer, target: ReductionTarget, section?: unknown): void {
    if (section !== undefined) {
      // A section knows how to reduce over its members (lib/sections/).
      const reduce = (section as { __contribute?: SectionContribute } | null)?.__contribute;
      if (typeof reduce !== 'function') throw new TypeError(`${memberOf(this as unknown as Chare<never>).services.ref.info.name}${JSON.stringify(this.thisIndex)}.contribute: the fourth argument must be a section`);
      reduce(this as unknown as Chare<never>, data, reducer, target);
    } else memberOf(this as unknown as Chare<never>).services.contribute(this as unknown as Chare<never>, data, reducer, target);
  }

  /**
   * Contributes to a reduction whose result comes back to every
   * contributor; with `section`, a reduction over that section's members.
   */
  allReduce<R = unknown>(data: unknown, reducer: Reducer, section?: unknown): Promise<R> {
    if (section !== undefined) {
      const reduce = (section as { __allReduce?: SectionAllReduce } | null)?.__allReduce;
      if (typeof reduce !== 'function') throw new TypeError(`${memberOf(this as unknown as Chare<never>).services.ref.info.name}${JSON.stringify(this.thisIndex)}.allReduce: the third argument must be a section`);
      return reduce(this as unknown as Chare<never>, data, reducer) as Promise<R>;
    }
    return memberOf(this as unknown as Chare<never>).services.contribute(this as unknown as Chare<never>, data, reducer, 'all') as Promise<R>;
  }

  /**
   * Load balancing (arrays created with `loadBalancing`): this element is
   * ready for a balancing step. When every element has called it, the
   * balancer moves elements by their measured load, then calls each
   * element's `resumeFromSync()`.
   */
  AtSync(): void {
    memberOf(this as unknown as Chare<never>).services.atSync(this as unknown as Chare<never>);
  }

  /**
   * Resolves once `condition()` holds (Charm4py's `self.wait('cond')`),
   * tried after each entry method of this chare and after each
   * continuation of one, as `when` conditions are. Await it inside an async
   * entry method: only that method waits; the chare keeps receiving calls.
   * A condition that throws rejects the promise.
   *
   * @example
   * await this.wait(() => this.received === this.neighbours.length);
   */
  wait(condition: () => boolean): Promise<void> {
    if (typeof condition !== 'function') throw new TypeError(`${memberOf(this as unknown as Chare<never>).services.ref.info.name}.wait: the condition must be a function`);
    return waitUntil(this as unknown as Chare<never>, condition);
  }

  /**
   * Moves this array element to PE `toPe`. If one of its async entry
   * methods is suspended, the move happens when none is.
   */
  migrate(toPe: number): void {
    memberOf(this as unknown as Chare<never>).services.migrate(this as unknown as Chare<never>, toPe);
  }
}

setChareBase(Chare.prototype);
