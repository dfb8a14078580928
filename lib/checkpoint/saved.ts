/**
 * What collections hand to a checkpoint and get back at a restart: the
 * shapes shared by lib/collections/ and lib/checkpoint/ (types only).
 */
import type { Chare, ChareIndex, MemberState } from '../model/chare';
import type { ChareClassInfo } from '../model/registry';
import type { ReductionManager } from '../reductions/manager';
import type { ArrayIndex } from '../collections/arrayIndex';
import type { ArrayShape } from '../codec/wire';

/** A collection's part on one PE, as a checkpoint sees it. */
export interface LocalSnapshot {
  /** This PE's members, with the runtime's bookkeeping. */
  members: { chare: Chare<never>; state: MemberState }[];
  /** The collection's reductions on this PE (undefined for a singleton). */
  reductions: ReductionManager | undefined;
}

/** One member as a checkpoint file holds it (its index is in the file's table). */
export interface SavedMember {
  index: ChareIndex;
  /** Next reduction number per stream. */
  next: number[];
  /** Next reduction number per section id. */
  sections: Record<number, number>;
  /** What the member's pack() returned, or its own fields. */
  packed: unknown;
}

/** What a PE rebuilds of one collection at a restart. */
export interface RestoredPart {
  id: number;
  info: ChareClassInfo;
  /** Per stream: the first reduction the checkpointed run had not completed. */
  next: number[];
  /** Members of the whole collection (arrays: after deletions and insertions). */
  population: number;
  /** The members this PE gets. */
  members: SavedMember[];
  /** Dense arrays: deleted indices whose home is this PE (they stay deleted). */
  deleted: ArrayIndex[];
  /** Singletons: the PE it lives on now. */
  pe: number;
  /** Arrays: shape, map and load-balancing strategy. */
  shape: ArrayShape | undefined;
}
