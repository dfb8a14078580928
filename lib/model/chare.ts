/** The base class of every chare. */
import { inspect } from 'util';
import { UNSENDABLE } from '../codec/values';
import { setChareBase } from './registry';
import { waitUntil } from '../when';
import { describeMember } from '../collections/arrayIndex';
import { describeTarget, type CollectionRef, type ThisElement, type ThisProxy } from './proxy';
import type { Reducer } from '../reductions/reducers';
import type { ReductionTarget } from '../reductions/targets';
import type { InputOf, ReducerKind, ResultOf, TargetOf, TupleInput, TupleKind } from '../reductions/kinds';
import type { Section } from '../sections/sections';

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
  /**
   * Its async entry methods started and not finished, by name, in the
   * order they started (undefined while none is): they pin the member
   * here, and the idle hint names the last (console/stuck.ts).
   */
  running: string[] | undefined;
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
  /** While its async set-up (`onCreated`) runs: settles when that has finished, and is cleared. */
  created?: Promise<void>;
  /**
   * Set when the member left its PE (an array element that migrated or was
   * deleted): its old object calling in is told why. (A WeakMap of departed
   * states cost 0.5-1 us per move to fill, and GC time to keep.)
   */
  departed: 'migrated' | 'deleted' | undefined;
  /** What released calls of it report their async methods to (its collection's tracker; model/invoke.ts' Track), once it has run a call. */
  track?: (pending: Promise<void>, member: Chare<never>, method: string) => void;
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

/**
 * @internal Makes a member of class `cls` without running its
 * constructors (a migrated or restored member): only Chare's runs, which
 * gives it its identity; the caller restores its fields.
 */
export function revive(cls: unknown, identity: Identity): Chare<never> {
  // As constructWith, without its closure: every arrival of a migrating element comes here.
  constructing = identity;
  try {
    return Reflect.construct(Chare, NO_ARGUMENTS, cls as new () => Chare<never>) as Chare<never>;
  } finally {
    constructing = undefined;
  }
}

const NO_ARGUMENTS: readonly never[] = Object.freeze([]);

/** Reads a member's runtime state (set in Chare's static block: its field is private). */
let memberField: (chare: Chare<never>) => MemberState;

/** @internal The runtime state of a member. */
export function memberOf(chare: Chare<never>): MemberState {
  return memberField(chare);
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
  // The identity is private: not among the fields a member travels with
  // (its own enumerable ones), and set by plain stores (a non-enumerable
  // property defined on each member cost 0.2-0.3 us, twice per member made).
  #member: MemberState;
  #index: I;

  static {
    memberField = (chare) => chare.#member;
  }

  constructor() {
    const identity = constructing;
    if (!identity) {
      throw new Error(`charmts: ${new.target.name} is a chare: create it with charm.createChare, charm.createGroup or charm.createArray, not with new`);
    }
    constructing = undefined; // chares created by this constructor get their own identity
    this.#member = identity.member;
    this.#index = identity.index as I;
  }

  /** Why a chare cannot be sent (codec/values.ts; `this` undefined when its class is registered as serializable). */
  [UNSENDABLE](this: Chare<I> | undefined): string {
    const what = this ? `${describeMember(this.constructor.name, this.#index)} is a chare` : 'it is a chare class';
    return `${what}: a chare stays where it lives; send its proxy (this.thisElement for itself, this.thisProxy for its collection)`;
  }

  /** This chare's index in its collection (its PE, for a group member). */
  get thisIndex(): I {
    return this.#index;
  }

  /**
   * Proxy to the whole collection: calling a method on it broadcasts. For
   * a group (`Chare`) it is a group proxy, `this.thisProxy[pe]` a member;
   * for an array (`Chare<[number, number]>` etc.) an array proxy,
   * `this.thisProxy.at(index)` an element, with `ckInsert`. Charm4py:
   * `self.thisProxy`.
   */
  get thisProxy(): ThisProxy<this, I> {
    return memberOf(this as unknown as Chare<never>).services.ref.proxy() as ThisProxy<this, I>;
  }

  /** Proxy to this chare itself (with `ckMigrate` and `ckDestroy` for an array element). Charm++: `thisProxy[thisIndex]`. */
  get thisElement(): ThisElement<this, I> {
    return memberOf(this as unknown as Chare<never>).services.ref.element(this.thisIndex) as ThisElement<this, I>;
  }

  /**
   * Contributes `data` to the collection's next reduction, combined with
   * `reducer`; the result goes to `target` (a future, or a callback from
   * `charm.callback`). Every member must contribute for it to complete.
   * For an empty reduction (completion only) contribute `undefined` with `Reducer.nop`.
   * With `section` (from `charm.createSection`), the reduction is over the
   * section's members only. Charm4py: `self.reduce(target, data, reducer)`;
   * Charm++: `contribute`.
   *
   * Types: `data` must be what `reducer` accepts (numbers, bigints, typed
   * arrays for `Reducer.sum`; booleans for `Reducer.logicalAnd`; a tuple
   * for `Reducer.tuple(...)`), and `target` must accept the result (a
   * `Future<number>` for a sum of numbers).
   *
   * @throws TypeError (at the call) if `reducer` is not a Reducer, `target`
   * not a future or callback, or `section` not a section holding this chare.
   */
  contribute<P extends readonly unknown[], const D extends TupleInput<P>>(data: D, reducer: Reducer<TupleKind<P>>, target: NoInfer<TargetOf<TupleKind<P>, D>>, section?: Section<unknown, unknown>): void;
  contribute<K extends ReducerKind, D extends InputOf<K>>(data: D, reducer: Reducer<K>, target: NoInfer<TargetOf<K, D>>, section?: Section<unknown, unknown>): void;
  contribute(data: unknown, reducer: Reducer, target: ReductionTarget, section?: unknown): void {
    if (section !== undefined) {
      // A section knows how to reduce over its members (lib/sections/).
      const reduce = (section as { __contribute?: SectionContribute } | null)?.__contribute;
      if (typeof reduce !== 'function') throw new TypeError(`${describeMember(memberOf(this as unknown as Chare<never>).services.ref.info.name, this.thisIndex)}.contribute: the fourth argument must be a section`);
      reduce(this as unknown as Chare<never>, data, reducer, target);
    } else memberOf(this as unknown as Chare<never>).services.contribute(this as unknown as Chare<never>, data, reducer, target);
  }

  /**
   * Contributes to a reduction whose result comes back to every
   * contributor: resolves with the combined value (typed by the reducer
   * and the data, as in `contribute`); with `section`, a reduction over
   * that section's members. Charm4py: `self.allreduce(data, reducer, section)`.
   */
  allReduce<P extends readonly unknown[], const D extends TupleInput<P>>(data: D, reducer: Reducer<TupleKind<P>>, section?: Section<unknown, unknown>): Promise<ResultOf<TupleKind<P>, D>>;
  allReduce<K extends ReducerKind, D extends InputOf<K>>(data: D, reducer: Reducer<K>, section?: Section<unknown, unknown>): Promise<ResultOf<K, D>>;
  allReduce(data: unknown, reducer: Reducer, section?: unknown): Promise<unknown> {
    if (section !== undefined) {
      const reduce = (section as { __allReduce?: SectionAllReduce } | null)?.__allReduce;
      if (typeof reduce !== 'function') throw new TypeError(`${describeMember(memberOf(this as unknown as Chare<never>).services.ref.info.name, this.thisIndex)}.allReduce: the third argument must be a section`);
      return reduce(this as unknown as Chare<never>, data, reducer);
    }
    return memberOf(this as unknown as Chare<never>).services.contribute(this as unknown as Chare<never>, data, reducer, 'all') as Promise<unknown>;
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

  // Hooks the runtime calls by name when a class has them. Declared (and
  // not implemented) so that a class's own is checked: its signature, and
  // its spelling under `noImplicitOverride` (`override resumeFromSync()`);
  // they are not entry methods, and proxies do not offer them.

  /**
   * Load balancing: runs on each element once a step is over (every
   * element called `AtSync()`), on the PE the element is now on; may be
   * async. Charm++ `ResumeFromSync()`, Charm4py `resumeFromSync()`.
   */
  resumeFromSync?(): void;

  /**
   * Migration: the state to carry instead of the own enumerable fields: a
   * plain object, or anything `unpack` takes. Errors name the element and
   * hook. Charm++ `pup`, Charm4py `__getstate__`.
   */
  pack?(): unknown;

  /** Migration: restores what `pack()` returned, on the new PE (default: assigns its fields). Charm4py `__setstate__`. */
  unpack?(state: unknown): void;

  /** Migration: runs on the new PE once the state is restored. Charm++ `ckJustMigrated()`, Charm4py `migrated()`. */
  onMigrated?(): void;

  /**
   * Set-up that may await, run right after the constructor as an entry
   * method is; `charm.awaitCreation` completes once it has finished
   * (Charm4py's coroutine constructors).
   */
  onCreated?(): void;

  /** `false`: the element never migrates: `migrate()` refuses, load balancers leave it where it is. Charm4py `setMigratable(False)`. */
  declare migratable?: boolean;

  /** How a chare prints: its class, collection, index and PE, then its fields. */
  [inspect.custom](depth: number, options: import('util').InspectOptions): string {
    const member = #member in this ? this.#member : undefined;
    const where = member ? describeTarget(member.services.ref, member.services.ref.constructor.name === 'SingletonRef' ? undefined : this.thisIndex) : 'not placed';
    const fields = inspect({ ...this }, { ...options, depth: options.depth === null ? null : depth });
    return `${this.constructor.name} (${where}) ${fields}`;
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
