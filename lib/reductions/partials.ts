/**
 * A reduction's partial results: one contribution (a piece), or several
 * merged on their way up the spanning tree (manager.ts). A piece holds the
 * contribution copied at the call and lifted by its reducer, or the error
 * of a member whose method failed; merging combines values with the
 * reducer and keeps failures (failures.ts), so a reduction that fails
 * still counts every contribution and PE 0 can name each failure.
 */
import { copyValue } from '../codec/clone';
import { isImmutable } from '../codec/values';
import { SerializationError } from '../codec/serializationError';
import type { Failure } from '../model/failure';
import { describe as describeIndex, type ArrayIndex } from '../collections/arrayIndex';
import { runtime } from '../model/context';
import { DifferentLengths, reducerImpl } from './reducers';
import { failing, failingLengths, mergeFailures, type Failures } from './failures';
import { census, countPartial, type Combined } from './lengths';
import type { ReductionTarget } from './targets';

/**
 * Target of a reduction in flight: a future or callback, "every
 * contributor" (allreduce), or a runtime step on PE 0 ("@name", handled by
 * the collection's system handler).
 */
export type Destination = ReductionTarget | 'all' | `@${string}`;

export interface Partial {
  count: number;
  reducer: string | undefined;
  destination: Destination | undefined;
  acc: unknown;
  hasAcc: boolean;
  /** Failures so far (failures.ts). */
  error: Failures | undefined;
  /** The first contributor (index and PE, -1: none yet) of `reducer`: a mixed-reducers error names it. */
  by: ArrayIndex | number | undefined;
  byPe: number;
}

/**
 * Partials are created with every field set, in one order: adding fields
 * later changed their hidden class at each merge, and the writes that did
 * it were a sixth of a broadcast's CPU time at np 1.
 */
export function emptyPartial(): Partial {
  return { count: 0, reducer: undefined, destination: undefined, acc: undefined, hasAcc: false, error: undefined, by: undefined, byPe: -1 };
}

/**
 * One member's contribution to reduction `r` of `describe`: `data` copied
 * (it may be reused at once) and lifted by `reducer`, or `failed`. `named`
 * names the value in an error, should it not be copyable; by default
 * "contribution of member i to reduction r (a broadcast result) of ...",
 * built only then.
 */
export function pieceOf(index: ArrayIndex | number, data: unknown, reducer: string, destination: Destination, failed: Failure | undefined, r: number, replies: boolean, describe: string, named?: string): Partial {
  const pe = runtime().myPe;
  if (failed) return { count: 1, reducer, destination, acc: undefined, hasAcc: false, error: { failures: [failed], total: 1, lengths: undefined, valid: undefined }, by: index, byPe: pe };
  // Named only for a value that copyValue could refuse (building the name cost more than the rest of a number's contribution).
  const copied = isImmutable(data) ? data : copyValue(data, named ?? `contribution of ${typeof index === 'number' ? `member ${index}` : `element ${JSON.stringify(index)}`} to reduction ${r}${replies ? ' (a broadcast result)' : ''} of ${describe}`);
  return { count: 1, reducer, destination, acc: reducerImpl(reducer).lift(copied, index), hasAcc: true, error: undefined, by: index, byPe: pe };
}

/** Where a reduction's own failures happen (their `where`): "reduction r of array X (collection c)". */
export function reductionPlace(r: number, replies: boolean, describe: string): string {
  return `reduction ${r}${replies ? ' (broadcast replies)' : ''} of ${describe}`;
}

/** Merges `piece` into `into`, both of reduction `r` of `describe` (`replies`: a broadcast's replies). A reducer that throws, or two reducers, make the reduction fail. */
export function merge(into: Partial, piece: Partial, r: number, replies: boolean, describe: string): void {
  if (piece.error !== undefined || into.error !== undefined) {
    mergeFailing(into, piece, replies);
  } else if (into.reducer !== undefined && piece.reducer !== undefined && into.reducer !== piece.reducer) {
    into.error = keepValid(failing(new Error(`contributors used different reducers: ${into.reducer} by ${contributor(into)}, ${piece.reducer} by ${contributor(piece)}`), reductionPlace(r, replies, describe)), into, replies);
  } else if (piece.hasAcc) {
    try {
      into.acc = into.hasAcc ? reducerImpl(piece.reducer!).combine(into.acc, piece.acc) : piece.acc;
      into.hasAcc = true;
    } catch (error) {
      into.error =
        error instanceof DifferentLengths
          ? failingLengths(census(error, [into.count, contributor(into)], [piece.count, contributor(piece)], runtime().myPe))
          : keepValid(failing(combineFailure(error, into, piece), reductionPlace(r, replies, describe)), into, replies);
    }
  }
  into.count += piece.count;
  if (into.reducer === undefined) {
    into.reducer = piece.reducer;
    into.by = piece.by;
    into.byPe = piece.byPe;
  }
  into.destination ??= piece.destination;
}

/**
 * Merges two partials, one failing at least: failures and censuses merge
 * (failures.ts). The valid contributions of both are counted by the
 * census, if there is one; otherwise they are combined and kept in the
 * failures (`valid`: a failing partial's own value field is empty), so that
 * a census met later, here or up the tree, counts them too. Before, they
 * were dropped, and the census left out their lengths and contributors.
 * A broadcast's replies keep none: their reducers make no census.
 */
function mergeFailing(into: Partial, piece: Partial, replies: boolean): void {
  const a = validOf(into);
  const b = validOf(piece);
  const error = mergeFailures(into.error, piece.error)!;
  into.error = error;
  into.acc = undefined;
  into.hasAcc = false;
  error.valid = undefined;
  if (error.lengths) {
    if (a) countPartial(error.lengths, a.acc, a.contributions);
    if (b) countPartial(error.lengths, b.acc, b.contributions);
  } else if (!replies && a && b && into.reducer === piece.reducer) {
    try {
      error.valid = { acc: reducerImpl(into.reducer!).combine(a.acc, b.acc), contributions: [a.contributions[0] + b.contributions[0], a.contributions[1]] };
    } catch (e) {
      // Another failure (a value the reducer cannot combine) is not named: the reduction fails already.
      if (e instanceof DifferentLengths) error.lengths = census(e, a.contributions, b.contributions, runtime().myPe);
      else error.valid = a;
    }
  } else if (!replies) {
    error.valid = a ?? b;
  }
}

/** The valid contributions of a partial (of a failing one: those its failures keep), or none. */
function validOf(partial: Partial): Combined | undefined {
  if (partial.error !== undefined) return partial.error.valid;
  return partial.hasAcc ? { acc: partial.acc, contributions: [partial.count, contributor(partial)] } : undefined;
}

/** `error`, the first failure of `partial`, keeping the partial's valid contributions so far (mergeFailing). */
function keepValid(error: Failures, partial: Partial, replies: boolean): Failures {
  if (!replies) error.valid = validOf(partial);
  return error;
}

/** The reduction's error when its reducer could not combine `piece` into `into` (other than for lengths: lengths.ts): its message and the two contributors. */
function combineFailure(error: unknown, into: Partial, piece: Partial): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  return Object.assign(new Error(`${e.message}, combining the contribution of ${contributors(piece)} with that of ${contributors(into)}`), { name: e.name });
}

/** A partial's first contributor, and how many more it holds: "element [3] on PE 1 (and 2 more contributions)". */
function contributors(partial: Partial): string {
  return `${contributor(partial)}${partial.count > 1 ? ` (and ${partial.count - 1} more contribution${partial.count > 2 ? 's' : ''})` : ''}`;
}

/** Who contributed first to a partial, for an error: "element [3] on PE 1" ("member i" in a group or section). */
function contributor(partial: Partial): string {
  const { by, byPe } = partial;
  return `${typeof by === 'number' ? `member ${by}` : by === undefined ? 'a member' : `element ${describeIndex(by)}`}${byPe >= 0 ? ` on PE ${byPe}` : ''}`;
}

/** A value of reduction `r` that cannot be sent: its error names the reduction (the places are made once per manager, without it). */
export function naming(failure: unknown, r: number): unknown {
  return failure instanceof SerializationError ? new SerializationError(failure.path.replace('a reduction of', `reduction ${r} of`), failure.reason.replace('a reduction of', `reduction ${r} of`)) : failure;
}
