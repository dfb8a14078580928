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

/**
 * Parent (-1 for the root) and children of `pe` in the tree over the PEs
 * of `list` (each once), rooted at list[0]: position k in the list has the
 * edges PE k has in the tree over list.length PEs rooted at 0. `pe` must
 * be in the list. Sections and charm.getTopoTreeEdges use it.
 */
export function edgesIn(list: readonly number[], pe: number, k = branching): { parent: number; children: number[] } {
  const position = list.indexOf(pe);
  const parent = parentOf(position, 0, list.length, k);
  return { parent: parent < 0 ? -1 : list[parent], children: childrenOf(position, 0, list.length, k).map((p) => list[p]) };
}
