/**
 * A Map for entries that come and go one or a few at a time in a
 * long-lived owner: reductions in flight, futures waiting. V8 shrinks a
 * Map's table when a deletion leaves it under a quarter full, and makes
 * the new table where the old one lives: in old space, once the Map has
 * survived two scavenges. A Map going from one entry to none at every
 * reduction did that each time: the reduction manager's and the futures'
 * made 0.95 KB of old-space garbage per awaited broadcast at np 1
 * (sampling heap profile, objects dead by mark-compact), a mark-compact
 * every ~40,000 broadcasts. Here, deleting the last entry starts a new
 * Map instead: young, and gone at the next scavenge.
 */
export class TurnoverMap<K, V> {
  private map = new Map<K, V>();

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    this.map.set(key, value);
  }

  delete(key: K): void {
    if (this.map.size === 1 && this.map.has(key)) this.map = new Map();
    else this.map.delete(key);
  }
}
