/**
 * The root's count of the members that take part in each reduction of a
 * collection (manager.ts): per stream, a base population that takes part
 * in every reduction from the first incomplete one on, and the changes
 * (members joining or leaving) that start at a later reduction. Changes
 * that apply to every reduction not yet complete are folded into the base
 * as reductions complete, so the list holds only changes still ahead of
 * the first incomplete reduction: nothing grows with the number of
 * reductions. Changes to the same stream from the same reduction are
 * summed into one entry: insertions and deletions between two reductions
 * all start at the same one, and a list of one entry each made every
 * count (one per change, tryComplete) scan all of them (16,000 deletions
 * took 141 s).
 */
export class Population {
  private readonly base: number[];
  private changes: [stream: number, from: number, delta: number][] = [];

  /** `initial` members take part in every stream from its first reduction on. */
  constructor(streams: number, initial: number) {
    this.base = Array.from({ length: streams }, () => initial);
  }

  /** Members joining (`delta` > 0) or leaving take part in `stream` from reduction `from` on. */
  change(stream: number, from: number, delta: number): void {
    const changes = this.changes;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i];
      if (c[0] !== stream || c[1] !== from) continue;
      c[2] += delta;
      if (c[2] === 0) changes.splice(i, 1);
      return;
    }
    changes.push([stream, from, delta]);
  }

  /** The members that take part in reduction `r` of `stream`. */
  of(stream: number, r: number): number {
    let n = this.base[stream];
    if (this.changes.length === 0) return n;
    for (const [s, from, delta] of this.changes) if (s === stream && from <= r) n += delta;
    return n;
  }

  /** Every reduction of `stream` before `r` is complete: the changes that apply from `r` on join the base. */
  fold(stream: number, r: number): void {
    if (this.changes.length === 0 || !this.changes.some(([s, from]) => s === stream && from <= r)) return;
    this.changes = this.changes.filter(([s, from, delta]) => {
      if (s !== stream || from > r) return true;
      this.base[stream] += delta;
      return false;
    });
  }
}
