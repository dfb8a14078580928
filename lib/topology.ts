/**
 * The machine as the runtime sees it: which PEs share a host, and the
 * spanning trees the runtime sends along (Charm4py's topology API). Hosts
 * are numbered by their lowest PE; a PE's rank on its host counts the PEs
 * below it there. The trees are the runtime's own (lib/tree.ts): a k-ary
 * tree over a list of PEs, in list order, rooted at its first PE, as
 * broadcasts, reductions and section multicasts use.
 */
import { runtime } from './model/context';
import { branching, childrenOf, edgesIn, parentOf } from './tree';

/** A PE's place in a spanning tree. */
export interface TreeEdges {
  /** Its parent, or undefined for the root. */
  parent: number | undefined;
  /** Its children, in order. */
  children: number[];
}

/** `pe`, when it is a PE of this job; `name` is the parameter it came as (a list in the place of a PE is named as what it is, not as a PE out of range). */
function checkPe(where: string, pe: unknown, numPes: number, name = 'pe'): number {
  if (typeof pe !== 'number' || !Number.isInteger(pe)) throw new TypeError(`${where}: ${name} must be a PE number, got ${Array.isArray(pe) ? `an array ([${String(pe)}])` : `${typeof pe} ${String(pe)}`}`);
  if (pe < 0 || pe >= numPes) throw new RangeError(`${where}: PE ${pe} is out of range (0..${numPes - 1})`);
  return pe;
}

function checkHost(where: string, host: unknown): number {
  const numHosts = runtime(where).numHosts;
  if (typeof host !== 'number' || !Number.isInteger(host) || host < 0 || host >= numHosts) throw new RangeError(`${where}: host ${String(host)} is out of range (0..${numHosts - 1})`);
  return host;
}

/** The PEs of host `host`, in order. */
export function hostPes(host: number): number[] {
  checkHost('charm.getHostPes', host);
  const out: number[] = [];
  runtime().hostOfPe.forEach((h, pe) => {
    if (h === host) out.push(pe);
  });
  return out;
}

/** The host PE `pe` runs on. */
export function peHost(pe: number): number {
  const rt = runtime('charm.getPeHost');
  return rt.hostOfPe[checkPe('charm.getPeHost', pe, rt.numPes)];
}

/** PE `pe`'s rank on its host: how many PEs of its host are below it. */
export function peHostRank(pe: number): number {
  const rt = runtime('charm.getPeHostRank');
  const host = rt.hostOfPe[checkPe('charm.getPeHostRank', pe, rt.numPes)];
  let rank = 0;
  for (let other = 0; other < pe; other++) if (rt.hostOfPe[other] === host) rank++;
  return rank;
}

function checkBranching(where: string, k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new RangeError(`${where}: bfactor must be a positive integer, got ${String(k)}`);
  return k;
}

/** A list of distinct PEs, checked; `root` must come first. */
function checkList(where: string, pes: readonly number[], root: number): readonly number[] {
  const numPes = runtime(where).numPes;
  if (!Array.isArray(pes) || pes.length === 0) throw new TypeError(`${where}: pes must be a non-empty array of PEs`);
  for (const pe of pes) checkPe(where, pe, numPes, 'each of pes');
  if (new Set(pes).size !== pes.length) throw new RangeError(`${where}: pes lists a PE twice`);
  if (pes[0] !== root) throw new RangeError(`${where}: the root (PE ${root}) must be the first of pes, not PE ${pes[0]}`);
  return pes;
}

/**
 * Parent and children of `pe` in the spanning tree rooted at `root` over
 * `pes` (every PE by default, in PE order from the root), with `bfactor`
 * children per PE (default: the runtime's branching factor).
 */
export function treeEdges(pe: number, root: number, pes?: readonly number[], bfactor: number = branching): TreeEdges {
  const where = 'charm.getTopoTreeEdges';
  const k = checkBranching(where, bfactor);
  const numPes = runtime(where).numPes;
  checkPe(where, root, numPes, 'root');
  checkPe(where, pe, numPes);
  if (pes === undefined) {
    const parent = parentOf(pe, root, numPes, k);
    return { parent: parent < 0 ? undefined : parent, children: childrenOf(pe, root, numPes, k) };
  }
  const list = checkList(where, pes, root);
  if (!list.includes(pe)) throw new RangeError(`${where}: PE ${pe} is not one of pes`);
  const { parent, children } = edgesIn(list, pe, k);
  return { parent: parent < 0 ? undefined : parent, children };
}

/**
 * The subtrees under `root` in the spanning tree over `pes` (root first):
 * one list per child of the root, that child first, then the rest of its
 * subtree. Calling this again on a subtree's list splits it further.
 */
export function subtrees(root: number, pes: readonly number[], bfactor: number = branching): number[][] {
  const where = 'charm.getTopoSubtrees';
  const k = checkBranching(where, bfactor);
  const list = checkList(where, pes, root);
  const below = (position: number): number[] => [position, ...childrenOf(position, 0, list.length, k).flatMap(below)];
  return childrenOf(0, 0, list.length, k).map((child) => below(child).map((p) => list[p]));
}
