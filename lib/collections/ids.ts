/**
 * Collection ids: unique over the job without coordination, and never
 * issued twice, restarts included.
 *
 * An id is a counter per PE interleaved by PE, doubled: (n * numPes +
 * creator) * 2, plus 1 for a collection created by a message straight to
 * one PE (singletons), 0 for one created by a broadcast (arrays, groups;
 * deleted.ts relies on the two being told apart). The runtime's own groups
 * (pool, CCS, liveViz, checkpoints) have fixed ids from FIXED_IDS up, and
 * charm.thisProxy's group is 0. A checkpoint saves the highest id any PE
 * has issued (the manifest's `collectionIds`), so that a restart, on any
 * number of PEs, numbers on above it: an array deleted before the
 * checkpoint is in no record, and its id must not come back.
 */
import { runtime } from '../model/context';

/** The runtime's own groups have fixed ids from here up, installed on every PE without a message. */
export const FIXED_IDS = 0xffff0000;

/** Collections of the runtime itself (charm.thisProxy's group, the pool, CCS, liveViz, checkpoints): never saved, never deleted. */
export const isRuntimeCollection = (id: number): boolean => id === 0 || id >= FIXED_IDS;

let counter = 0;

/** A new collection id (`direct`: created by a message straight to one PE, a singleton). */
export function newCollectionId(direct = false): number {
  const rt = runtime();
  return (++counter * rt.numPes + rt.myPe) * 2 + (direct ? 1 : 0);
}

/** The PE that issued collection id `id`. */
export const creatorOf = (id: number): number => Math.floor(id / 2) % runtime().numPes;

/** Every id this PE has issued is at most this (0: none yet). */
export function highestIssued(): number {
  const rt = runtime();
  return counter === 0 ? 0 : (counter * rt.numPes + rt.myPe) * 2 + 1;
}

/** Restart: ids issued from now on lie above `highest`, whatever the PE count was. */
export function issueAbove(highest: number): void {
  counter = Math.max(counter, Math.floor(highest / 2 / runtime().numPes));
}
