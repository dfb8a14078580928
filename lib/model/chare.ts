/** The base class of every chare. */
import { setChareBase } from './registry';
import type { CollectionProxy, ElementProxy } from './proxy';
import type { CollectionRef } from './proxy';

/** Index of a chare in its collection: a PE for groups, a tuple or key for arrays. */
export type ChareIndex = number | readonly number[] | string;

interface Identity {
  collection: CollectionRef;
  index: ChareIndex;
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
 * Base class of chares: objects whose methods (entry methods) are called
 * through proxies, from any PE. Create them with `charm.createChare`,
 * `charm.createGroup` or `charm.createArray`, never with `new`.
 *
 * @typeParam I - the type of `thisIndex` (a PE number for groups).
 */
export class Chare<I extends ChareIndex = number> {
  /** @internal */
  readonly __collection: CollectionRef;
  /** This chare's index in its collection (its PE, for a group member). */
  readonly thisIndex: I;

  constructor() {
    const identity = constructing;
    if (!identity) {
      throw new Error(`charmts: ${new.target.name} is a chare: create it with charm.createChare, charm.createGroup or charm.createArray, not with new`);
    }
    constructing = undefined; // chares created by this constructor get their own identity
    this.__collection = identity.collection;
    this.thisIndex = identity.index as I;
  }

  /** Proxy to the whole collection: calling a method on it broadcasts. Index it for one member. */
  get thisProxy(): CollectionProxy<this> {
    return this.__collection.proxy() as CollectionProxy<this>;
  }

  /** Proxy to this chare itself. */
  get thisElement(): ElementProxy<this> {
    return this.__collection.element(this.thisIndex) as ElementProxy<this>;
  }
}

setChareBase(Chare.prototype);
