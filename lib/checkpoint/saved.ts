/**
 * What collections hand to a checkpoint and get back at a restart: the
 * shapes shared by lib/collections/ and lib/checkpoint/ (types only).
 */
import type { Chare, MemberState } from '../model/chare';
import type { ChareClassInfo } from '../model/registry';
import type { ReductionManager } from '../reductions/manager';
import type { ArrayIndex } from '../collections/arrayIndex';
import type { Numbering } from '../collections/sequencer';
import type { ArrayShape, MigrantState } from '../codec/wire';

/** A collection's part on one PE, as a checkpoint sees it. */
export interface LocalSnapshot {
  /** This PE's members, with the runtime's bookkeeping. */
  members: { chare: Chare<never>; state: MemberState }[];
  /** The collection's reductions on this PE (undefined for a singleton). */
  reductions: ReductionManager | undefined;
  /** Arrays, on PE 0: what the array has numbered, and its censuses not complete. */
  numbering?: Numbering & { pendingCensuses: number };
}

/**
 * A member as a restart gets it: its record (lib/migration/member.ts),
 * and `readState`, which reads its own state (what its pack() returned)
 * when called while the rebuilt member travels; given `into` (the member,
 * when it has no unpack hook), it may assign a plain object's fields to
 * it as it reads them, and then returns it.
 */
export interface RestoredMember {
  record: MigrantState;
  readState: (into?: object) => unknown;
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
  members: RestoredMember[];
  /** Dense arrays: deleted indices whose home is this PE (they stay deleted). */
  deleted: ArrayIndex[];
  /** Singletons: the PE it lives on now. */
  pe: number;
  /** Groups created on some PEs only (`onPEs`): those PEs; undefined for every PE. */
  pes: readonly number[] | undefined;
  /** Arrays: shape, map and load-balancing strategy. */
  shape: ArrayShape | undefined;
  /** Arrays: what the checkpointed run had numbered (broadcasts go on from there). */
  numbering: Numbering | undefined;
}
