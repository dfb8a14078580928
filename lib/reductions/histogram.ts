/**
 * Counts per reduction number on one PE (manager.ts): how many members
 * here will next contribute to each reduction of a stream, or how many
 * replies each reduction is owed. There are few distinct numbers at a time
 * (members contribute to the same reduction or the next one), so they are
 * kept in two short lists, searched: a Map's insertion and
 * deletion per contribution (a member moving from r to r + 1) were a
 * twentieth of an awaited broadcast's CPU time at np 1. Every question
 * asked of it (`atOrBelow`) visits every entry, as it did over the Map: no
 * operation costs more than the questions do.
 */
export class Histogram {
  private readonly keys: number[] = [];
  private readonly counts: number[] = [];

  /** The count at `key` (0 if none). */
  get(key: number): number {
    const i = this.find(key);
    return i < 0 ? 0 : this.counts[i];
  }

  /**
   * Adds `delta` at `key`; an entry that falls to 0 goes (the last one
   * takes its place), except the only one, which stays at 0 until the
   * next key takes its place: a PE's only element migrating away and
   * another (or it) arriving popped and pushed both lists of each
   * stream's histogram at every move. A count of 0 answers every question
   * as no entry does.
   */
  add(key: number, delta: number): void {
    const keys = this.keys;
    const counts = this.counts;
    const i = this.find(key);
    if (i < 0) {
      if (delta === 0) return;
      if (keys.length === 1 && counts[0] === 0) {
        keys[0] = key;
        counts[0] = delta;
        return;
      }
      keys.push(key);
      counts.push(delta);
      return;
    }
    const n = counts[i] + delta;
    if (n !== 0) {
      counts[i] = n;
      return;
    }
    const last = keys.length - 1;
    if (last === 0) {
      counts[0] = 0;
      return;
    }
    keys[i] = keys[last];
    counts[i] = counts[last];
    keys.pop();
    counts.pop();
  }

  /**
   * Moves one count from `from` to `to` (a member going on to its next
   * reduction). The one member of a key with no count at `to` yet (every
   * awaited broadcast's on each PE with one element) has its key
   * rewritten in place, where taking its entry out and pushing a new one
   * popped and pushed both lists (the same two searches either way).
   */
  move(from: number, to: number): void {
    const i = this.find(from);
    if (i >= 0 && this.counts[i] === 1 && this.find(to) < 0) {
      this.keys[i] = to;
      return;
    }
    this.add(from, -1);
    this.add(to, 1);
  }

  /** Where `key` is, or -1 (a loop: lastIndexOf is a call into the runtime, not inlined). */
  private find(key: number): number {
    const keys = this.keys;
    for (let i = keys.length - 1; i >= 0; i--) if (keys[i] === key) return i;
    return -1;
  }

  /** The sum of the counts at keys up to `key`. */
  atOrBelow(key: number): number {
    let n = 0;
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] <= key) n += this.counts[i];
    return n;
  }
}
