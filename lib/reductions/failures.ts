/**
 * The failures a reduction collects on its way to PE 0: members' errors
 * (a broadcast's replies) and the reduction's own (mismatched reducers, a
 * reducer that threw, a member counted twice). They merge up the tree like
 * contributions; the first FAILURES_NAMED travel in full and the rest are
 * counted, so a failing reduction's messages do not grow with the
 * failures' number (though a failing partial keeps its valid
 * contributions' value, `valid`, as a succeeding one would carry it). At
 * PE 0 they become one error: the first failure, naming the others.
 */
import { failureOf, type Failure } from '../model/failure';
import { lengthsMessage, mergeCensus, type Combined, type LengthCensus } from './lengths';

/** Failures named in full in a rejection; beyond, they are counted. */
const FAILURES_NAMED = 10;

/** Failures so far (the first FAILURES_NAMED), and how many there were. */
export interface Failures {
  failures: Failure[];
  total: number;
  /** Contributions of different lengths (lengths.ts): one failure more, its error made at PE 0 from the whole census. */
  lengths: LengthCensus | undefined;
  /**
   * The failing partial's valid contributions, combined (none once a
   * census counted them): they travel here, as a failing partial carries
   * no value, so that a census met later counts them (partials.ts).
   */
  valid: Combined | undefined;
}

/** One failure, here: `error` raised in `where` on this PE. */
export function failing(error: unknown, where: string): Failures {
  return { failures: [failureOf(error, where)], total: 1, lengths: undefined, valid: undefined };
}

/** The failure of contributions of different lengths, as found so far. */
export function failingLengths(census: LengthCensus): Failures {
  return { failures: [], total: 0, lengths: census, valid: undefined };
}

/** Failures `a` and `b` together; their valid contributions are the caller's to merge (partials.ts), so `valid` is left unset. */
export function mergeFailures(a: Failures | undefined, b: Failures | undefined): Failures | undefined {
  if (!a || !b) return a ?? b;
  const lengths = a.lengths && b.lengths ? mergeCensus(a.lengths, b.lengths) : (a.lengths ?? b.lengths);
  return { failures: a.failures.concat(b.failures).slice(0, FAILURES_NAMED), total: a.total + b.total, lengths, valid: undefined };
}

/** Every failure named (`place`: the reduction's own failures' where), the lengths' first: its first is the error's. */
export function namedFailures(error: Failures, place: string): Failure[] {
  if (!error.lengths) return error.failures;
  return [failureOf(new TypeError(lengthsMessage(error.lengths)), place, error.lengths.pe), ...error.failures];
}

/**
 * PE 0: the error reduction `place` raises (the first failure's name and
 * stack). Its message names the other failures: members' in full, and the
 * reduction's own (`where` is `place`) found on several PEs by what
 * follows the first one's lead ("contributions of different lengths to
 * Reducer.sum (…): 2 from …, 3 from …; 2 from …, 3 from …"), so that
 * neither repeats the reduction's name.
 */
export function combinedError(error: Failures, place: string): Error {
  const [first, ...rest] = namedFailures(error, place);
  const colon = first.message.indexOf(': ');
  const lead = first.where === place && colon >= 0 ? first.message.slice(0, colon + 2) : undefined;
  const details: string[] = [];
  const others: string[] = [];
  let members = 0;
  for (const f of rest) {
    if (f.where !== place) members++;
    if (lead !== undefined && f.where === place && f.message.startsWith(lead)) {
      const detail = f.message.slice(lead.length);
      if (!details.includes(detail) && first.message.slice(lead.length) !== detail) details.push(detail);
    } else {
      others.push(`${f.name} on PE ${f.pe} in ${f.where}: ${f.message}`);
    }
  }
  let message = [first.message, ...details].join('; ');
  const unnamed = error.total - error.failures.length; // the lengths' failure is not in total
  if (unnamed > 0) others.push(`${unnamed} more`);
  if (others.length > 0) message += first.where !== place && members === rest.length ? ` (${error.total} members failed; also: ${others.join('; ')})` : ` (also: ${others.join('; ')})`;
  return Object.assign(new Error(message), { name: first.name, stack: first.stack.replace(first.message, message) });
}
