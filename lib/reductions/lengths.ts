/**
 * Contributions of different lengths to an element-wise reducer (a sum of
 * arrays where one element gives 3 numbers and another 4): who gave which
 * length. The first mismatch, found where two partials meet on some PE
 * (partials.ts, merge), starts a census of the lengths; every partial
 * merged with it afterwards, up the tree to PE 0, is counted under its
 * length instead of being dropped (the valid contributions of a partial
 * that fails otherwise too as well), and censuses found on several PEs merge
 * like failures (failures.ts). So the reduction's error names every length
 * given and who gave it, at any PE count and tree shape. Bounded like the
 * failures: a few lengths, and a few contributors per length, are named;
 * the rest are counted.
 */
import type { DifferentLengths } from './reducers';

/** Lengths named in the error; contributions of further lengths are counted. */
const LENGTHS_NAMED = 4;
/** Contributors named per length; beyond, counted. */
const CONTRIBUTORS_NAMED = 3;

/** A census: plain data, as it travels up the tree in a partial's failures. */
export interface LengthCensus {
  reducer: string;
  /** Where in the contributions the arrays are ([]: the contributions themselves; [1]: their second values). */
  path: number[];
  /** The PE that found the first mismatch (the error is raised as there). */
  pe: number;
  /** Per length, shortest first: [length, contributions, the first CONTRIBUTORS_NAMED contributors ("element [3] on PE 1")]. */
  lengths: [number, number, string[]][];
  /** Contributions of lengths beyond the LENGTHS_NAMED named. */
  others: number;
}

/** A group of contributions of one length: how many, and who gave them (the first contributor of a merged partial). */
export type Contributions = readonly [count: number, who: string];

/** Contributions combined (`acc`, as a partial's), how many, and who gave the first. */
export interface Combined {
  acc: unknown;
  contributions: Contributions;
}

/** The census of the mismatch `error` between two partials (`first`, `second`; their lengths are the error's), found on PE `pe`. */
export function census(error: DifferentLengths, first: Contributions, second: Contributions, pe: number): LengthCensus {
  const c: LengthCensus = { reducer: error.reducer, path: error.path, pe, lengths: [], others: 0 };
  count(c, error.lengths[0], first[0], [first[1]]);
  count(c, error.lengths[1], second[0], [second[1]]);
  return c;
}

/** Counts `contributions` (a partial whose combined value is `acc`) under the length of its arrays at the census' path. */
export function countPartial(c: LengthCensus, acc: unknown, contributions: Contributions): void {
  let at = acc;
  for (const i of c.path) at = (at as unknown[] | undefined)?.[i];
  // Not arrays there: it fails to combine differently, and is only counted by the reduction.
  if (Array.isArray(at) || ArrayBuffer.isView(at)) count(c, (at as ArrayLike<unknown>).length, contributions[0], [contributions[1]]);
}

/** Adds census `b` into `a` (owned by the caller); returns `a`. */
export function mergeCensus(a: LengthCensus, b: LengthCensus): LengthCensus {
  for (const [length, n, who] of b.lengths) count(a, length, n, who);
  a.others += b.others;
  return a;
}

function count(c: LengthCensus, length: number, n: number, who: readonly string[]): void {
  let entry = c.lengths.find((e) => e[0] === length);
  if (!entry) {
    if (c.lengths.length >= LENGTHS_NAMED) {
      c.others += n;
      return;
    }
    c.lengths.push((entry = [length, 0, []]));
    c.lengths.sort((x, y) => x[0] - y[0]);
  }
  entry[1] += n;
  // In index and PE order. Only a partial's first contributor has a name
  // (partials carry one): contributions of one length that merged before
  // the first mismatch are counted under their first one's name, so the
  // names given can depend on the order partials met ('2 from 2
  // contributions: element [0] on PE 0 and 1 more'); the counts do not.
  entry[2] = [...entry[2], ...who].sort((x, y) => x.localeCompare(y, 'en', { numeric: true })).slice(0, CONTRIBUTORS_NAMED);
}

/**
 * The error's message: "contributions of different lengths to Reducer.sum
 * (every contributor must give the same length): 2 from element [0] on
 * PE 0 and element [2] on PE 1; 3 from 5 contributions: element [1] on
 * PE 0, element [3] on PE 1, element [7] on PE 2 and 2 more".
 */
export function lengthsMessage(c: LengthCensus): string {
  const groups = c.lengths.map(([length, n, who]) => `${length} from ${n > who.length ? `${n} contributions: ${who.join(', ')} and ${n - who.length} more` : joinAnd(who)}`);
  if (c.others > 0) groups.push(`other lengths from ${c.others} more contribution${c.others > 1 ? 's' : ''}`);
  const nested = c.path.length > 0 ? ` (the arrays at ${c.path.map((i) => `[${i}]`).join('')} of their contributions)` : '';
  return `contributions of different lengths to Reducer.${c.reducer} (every contributor must give the same length): ${groups.join('; ')}${nested}`;
}

const joinAnd = (names: readonly string[]): string => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`);
