/**
 * A Map for entries that come and go one or a few at a time in a
 * long-lived owner: reductions in flight, futures waiting. V8 shrinks a
 * Map's table when a deletion leaves it under a quarter full, and makes
 * the new table where the old one lives: in old space, once the Map has
 * survived two scavenges. A Map going from one entry to none at every
 * reduction did that each time: the reduction manager's and the futures'
 * made 0.95 KB of old-space garbage per awaited broadcast at np 1
 * (sampling heap profile, objects dead by mark-compact), a mark-compact
 * every ~40,000 broadcasts. Here, deleting the last entry drops the Map
 * (a later one is new: young, and gone at the next scavenge).
 *
 * Most of the time such a map holds one entry (one reduction in flight,
 * one awaited future): that entry is kept in two fields, with no Map at
 * all, which saves a Map and its table per entry (and the hashing). A Map
 * is made when a second entry comes, and dropped when the last one goes.
 * Keys compare with ===, which is the Map's SameValueZero except for NaN:
 * keys here are ids and reduction numbers.
 */
export class TurnoverMap<K, V> {
  private map: Map<K, V> | undefined;
  /** The only entry, while there is no Map (`sole`: whether there is one). */
  private sole = false;
  private soleKey: K | undefined;
  private soleValue: V | undefined;

  get size(): number {
    return this.map !== undefined ? this.map.size : this.sole ? 1 : 0;
  }

  get(key: K): V | undefined {
    if (this.map !== undefined) return this.map.get(key);
    return this.sole && this.soleKey === key ? this.soleValue : undefined;
  }

  has(key: K): boolean {
    if (this.map !== undefined) return this.map.has(key);
    return this.sole && this.soleKey === key;
  }

  set(key: K, value: V): void {
    if (this.map !== undefined) {
      this.map.set(key, value);
    } else if (!this.sole || this.soleKey === key) {
      this.sole = true;
      this.soleKey = key;
      this.soleValue = value;
    } else {
      this.map = new Map<K, V>([[this.soleKey!, this.soleValue!]]);
      this.map.set(key, value);
      this.clearSole();
    }
  }

  delete(key: K): void {
    if (this.map !== undefined) {
      if (this.map.size === 1 && this.map.has(key)) this.map = undefined;
      else this.map.delete(key);
    } else if (this.sole && this.soleKey === key) {
      this.clearSole();
    }
  }

  /** The entries, for the rare walk over them all (an array deleted whole abandons its reductions). */
  entries(): [K, V][] {
    if (this.map !== undefined) return [...this.map];
    return this.sole ? [[this.soleKey!, this.soleValue!]] : [];
  }

  /** Lets go of the sole entry's key and value (the value may be large). */
  private clearSole(): void {
    this.sole = false;
    this.soleKey = undefined;
    this.soleValue = undefined;
  }
}
