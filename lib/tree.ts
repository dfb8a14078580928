/**
 * The one spanning tree over PEs, used by broadcasts, reductions,
 * quiescence detection and sections: a k-ary tree over PEs numbered
 * relative to the root, so any PE can be the root.
 */

/** Branching factor of the tree (Charm++ uses 4 by default). */
export let branching = 4;

export function setBranching(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`tree branching must be a positive integer, got ${k}`);
  branching = k;
}

/** Children of `pe` in the tree rooted at `root` over `n` PEs. */
export function childrenOf(pe: number, root: number, n: number, k = branching): number[] {
  const relative = (pe - root + n) % n;
  const out: number[] = [];
  for (let c = relative * k + 1; c <= relative * k + k && c < n; c++) out.push((c + root) % n);
  return out;
}

/** Parent of `pe` in the tree rooted at `root` over `n` PEs, or -1 for the root. */
export function parentOf(pe: number, root: number, n: number, k = branching): number {
  const relative = (pe - root + n) % n;
  if (relative === 0) return -1;
  return (Math.floor((relative - 1) / k) + root) % n;
}
