/**
 * The elements of one array living on this PE, by key (localArray.ts):
 * what calls are delivered to, broadcasts reach and checkpoints save. An
 * element here is an object per stay: one that leaves and comes back is a
 * new one, so an entry method's element can be checked to still be the
 * one living here (`holds`).
 */
import type { Chare, MemberState } from '../model/chare';
import { keyOf, type ArrayIndex, type IndexKey } from './arrayIndex';
import type { Element } from './broadcasts';

/** An element living here, with its key. */
export interface Resident extends Element {
  readonly key: IndexKey;
}

/** A new element object for `chare` at `index` (not in place until added). */
export function resident(chare: Chare<never>, index: ArrayIndex, state: MemberState): Resident {
  return { chare, index, key: keyOf(index), state };
}

export class Residents {
  /** Replaced, not emptied, when the last one goes: see remove. */
  private map = new Map<IndexKey, Resident>();
  /** Grows with every element added or taken out: an element found before at a key is still the one there while it is the same. */
  changes = 0;
  /** The last key looked up with get and what it found, until the elements change (see get). */
  private lastKey: IndexKey | undefined = undefined;
  private last: Resident | undefined = undefined;

  /**
   * The element at `key`. The last one found is kept (until the elements
   * change): a PE's calls mostly go to the element the last one went to
   * (ping-pong, a neighbour exchange's burst), and then take no lookup.
   */
  get(key: IndexKey): Resident | undefined {
    if (key === this.lastKey) return this.last;
    const element = this.map.get(key);
    this.lastKey = key;
    this.last = element;
    return element;
  }

  has(key: IndexKey): boolean {
    return this.map.has(key);
  }

  values(): IterableIterator<Resident> {
    return this.map.values();
  }

  /** Whether `element` is (still) the one living here at its key. */
  holds(element: Resident): boolean {
    return this.map.get(element.key) === element;
  }

  /** The element `chare` is, if it lives here (its object, not an older one of the same index). */
  of(chare: Chare<never>): Resident | undefined {
    const element = this.map.get(keyOf(chare.thisIndex as ArrayIndex));
    return element?.chare === chare ? element : undefined;
  }

  add(element: Resident): void {
    this.changed();
    this.map.set(element.key, element);
  }

  /**
   * Takes the element at `key` out. A Map left empty by a deletion shrinks
   * its table (a runtime call, and a new table in old space once the Map
   * is old): a PE's only element migrating did that at every move. The
   * last one drops the Map instead, as TurnoverMap does
   * (lib/turnoverMap.ts); a loop over the old Map's values (a broadcast's)
   * is at its end then, and elements are added by message handlers only,
   * never during one.
   */
  remove(key: IndexKey): void {
    this.changed();
    if (this.map.size === 1) this.map = new Map();
    else this.map.delete(key);
  }

  /** The elements changed: what get kept is forgotten (a departed element is not kept alive by it). */
  private changed(): void {
    this.changes++;
    this.lastKey = undefined;
    this.last = undefined;
  }

  /** Every element leaves at once (the array was deleted); a loop over values() still sees them. */
  clear(): void {
    this.changed();
    this.map = new Map();
  }
}
