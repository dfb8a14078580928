/**
 * Independent numbering sequences of a collection's reductions: user
 * contributions, replies to array broadcasts, load-balancing steps, and
 * array censuses (see lib/collections/sequencer.ts).
 */
export const enum Stream {
  User = 0,
  Replies = 1,
  Balance = 2,
  Census = 3,
}
export const STREAMS = 4;

/** Per member: the next reduction number it will contribute to, per stream. Travels with migrating members. */
export type MemberNext = number[];
