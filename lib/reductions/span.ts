/**
 * The PEs a reduction spans, as the reduction manager sees them: a root
 * that completes reductions, this PE's parent and number of children in a
 * spanning tree, and how a message goes to every PE of the span. A
 * collection's reductions span every PE (the tree of lib/tree.ts rooted at
 * PE 0); a section's span the PEs of its members (lib/sections/), rooted
 * at the section's first PE. The same convergecast runs over both.
 */
import { Kind } from '../codec/wire';
import { runtime } from '../model/context';
import { childrenOf, parentOf } from '../tree';

export interface Span {
  /** The kind of message the span's reduction steps travel in, addressed by its target field. */
  readonly kind: Kind.Reduction | Kind.Section;
  /** The PE that completes reductions (and receives late contributions). */
  readonly root: number;
  /** This PE's parent in the span's tree (-1 at the root). */
  parent(): number;
  /** How many children this PE has in the span's tree: partial results it waits for. */
  children(): number;
  /** At the root: sends the reduction message in the scheduler's writer to every PE of the span, the root included. */
  broadcast(): void;
}

/** Every PE, rooted at PE 0: a collection's reductions. */
export const everyPe: Span = {
  kind: Kind.Reduction,
  root: 0,
  parent: () => parentOf(runtime().myPe, 0, runtime().numPes),
  children: () => childrenOf(runtime().myPe, 0, runtime().numPes).length,
  broadcast: () => runtime().scheduler.broadcast(),
};
