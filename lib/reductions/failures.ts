/**
 * The failures a reduction collects on its way to PE 0: members' errors
 * (a broadcast's replies) and the reduction's own (mismatched reducers, a
 * reducer that threw, a member counted twice). They merge up the tree like
 * contributions; the first FAILURES_NAMED travel in full and the rest are
 * counted, so a failing reduction's messages stay small at any scale. At
 * PE 0 they become one error: the first failure, naming the others.
 */
import { failureOf, type Failure } from '../model/future';

/** Failures named in full in a rejection; beyond, they are counted. */
const FAILURES_NAMED = 10;

/** Failures so far (the first FAILURES_NAMED), and how many there were. */
export interface Failures {
  failures: Failure[];
  total: number;
}

/** One failure, here: `error` raised in `where` on this PE. */
export function failing(error: unknown, where: string): Failures {
  return { failures: [failureOf(error, where)], total: 1 };
}

export function mergeFailures(a: Failures | undefined, b: Failures | undefined): Failures | undefined {
  if (!a || !b) return a ?? b;
  return { failures: a.failures.concat(b.failures).slice(0, FAILURES_NAMED), total: a.total + b.total };
}

/** PE 0: the error a failed reduction raises (the first failure's name and stack; its message names the others). */
export function combinedError(error: Failures): Error {
  const first = error.failures[0];
  const others = error.failures.slice(1).map((f) => `${f.name} on PE ${f.pe} in ${f.where}: ${f.message}`);
  if (error.total > error.failures.length) others.push(`${error.total - error.failures.length} more`);
  const message = others.length ? `${first.message} (${error.total} members failed; also: ${others.join('; ')})` : first.message;
  return Object.assign(new Error(message), { name: first.name, stack: first.stack.replace(first.message, message) });
}
