/**
 * The `charm` object's questions about the job's layout: this PE and the
 * PE count, hosts and the PEs on each, and the runtime's spanning trees
 * (Charm4py's charm.myPe, getHostPes, getTopoTreeEdges, ...). The Charm
 * class (charm.ts) extends it: the answers come from the runtime's context
 * and lib/topology.ts, and take no part in the runtime's other business.
 */
import { runtime } from '../model/context';
import { hostPes, peHost, peHostRank, subtrees, treeEdges, type TreeEdges } from '../topology';

/** The PE, host and spanning-tree queries of `charm` (see Charm). */
export class CharmTopology {
  /** This PE's number, 0..numPes()-1. */
  myPe(): number {
    return runtime('charm.myPe').myPe;
  }

  /** Number of PEs (MPI ranks) in the job. */
  numPes(): number {
    return runtime('charm.numPes').numPes;
  }

  /** Number of hosts the job runs on. */
  numHosts(): number {
    return runtime('charm.numHosts').numHosts;
  }

  /** This PE's host, 0..numHosts()-1 (hosts numbered by their lowest PE). */
  myHost(): number {
    const rt = runtime('charm.myHost');
    return rt.hostOfPe[rt.myPe];
  }

  /** The PEs of host `host` (0..numHosts()-1), in order (Charm4py's getHostPes). */
  getHostPes(host: number): number[] {
    return hostPes(host);
  }

  /** The number of PEs on host `host`. */
  getHostNumPes(host: number): number {
    return hostPes(host).length;
  }

  /** The lowest PE of host `host` (its rank 0). */
  getHostFirstPe(host: number): number {
    return hostPes(host)[0];
  }

  /** The host PE `pe` runs on. */
  getPeHost(pe: number): number {
    return peHost(pe);
  }

  /** PE `pe`'s rank on its host: 0 for the host's lowest PE, and so on. */
  getPeHostRank(pe: number): number {
    return peHostRank(pe);
  }

  /**
   * `pe`'s parent (undefined for the root) and children in the runtime's
   * spanning tree rooted at `root` over `pes` (default: every PE), with
   * `bfactor` children per PE (default: the runtime's). With `pes`, `root`
   * comes first in it. (Charm4py returns a (parent, children) tuple.)
   *
   * @example
   * const { parent, children } = charm.getTopoTreeEdges(charm.myPe(), 0);
   */
  getTopoTreeEdges(pe: number, root: number, pes?: readonly number[], bfactor?: number): TreeEdges {
    return treeEdges(pe, root, pes, bfactor);
  }

  /**
   * The subtrees under `root` in the spanning tree over `pes` (root first):
   * a list of PEs per child of the root, that child first. Splitting a
   * subtree's list again gives its own subtrees.
   */
  getTopoSubtrees(root: number, pes: readonly number[], bfactor?: number): number[][] {
    return subtrees(root, pes, bfactor);
  }
}
