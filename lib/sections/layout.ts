/**
 * Where a section's members are, as every PE computes it from the section
 * alone: member k (its slot, in member order, parts in order) belongs to
 * PE pes[k], fixed when the section is created (the PE the creator would
 * have sent it a call to). The section's PEs are those PEs, each once, in
 * order of first appearance: the first is the root of the section's tree
 * (lib/tree.ts's edgesIn). A PE of the section delivers
 * multicasts to its members and combines their contributions.
 */
import type { ChareIndex } from '../model/chare';
import type { CallTarget } from '../model/proxy';

/** The members of one collection, in member order. */
export interface Part {
  collection: CallTarget;
  members: ChareIndex[];
}

export interface SectionData {
  id: number;
  parts: Part[];
  /** Per slot: the PE the member belongs to. */
  pes: number[];
}

/** A member as its section PE sees it. */
export interface LocalMember {
  slot: number;
  /** Which part (collection) it is in. */
  part: number;
  index: ChareIndex;
}

/** The section's PEs, each once, in order of first appearance (the root first). */
export function sectionPes(pes: readonly number[]): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const pe of pes) {
    if (seen.has(pe)) continue;
    seen.add(pe);
    out.push(pe);
  }
  return out;
}

/** The members that belong to `pe`, in member order. */
export function membersOf(data: Pick<SectionData, 'parts' | 'pes'>, pe: number): LocalMember[] {
  const out: LocalMember[] = [];
  let slot = 0;
  data.parts.forEach((part, p) => {
    for (const index of part.members) {
      if (data.pes[slot] === pe) out.push({ slot, part: p, index });
      slot++;
    }
  });
  return out;
}

/** How many members the section has. */
export const sizeOf = (parts: readonly Part[]): number => parts.reduce((n, p) => n + p.members.length, 0);
