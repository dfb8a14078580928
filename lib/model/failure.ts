/**
 * A failure as it travels (a member's error in a broadcast's replies, a
 * reduction's own): plain data a RemoteError is built from. Apart from
 * future.ts, so that the reductions' pure parts (partials, failures) load
 * without the runtime's error reporting and the MPI binding behind it.
 */
import { runtime } from './context';

/** A failure as it travels: what a RemoteError is built from. */
export interface Failure {
  message: string;
  name: string;
  stack: string;
  /** "Class.method (index i)" or another description of what failed. */
  where: string;
  /** PE it failed on. */
  pe: number;
}

/** The travelling form of `error`, raised in `where` on PE `pe` (default: this one). */
export function failureOf(error: unknown, where: string, pe = runtime().myPe): Failure {
  const e = error instanceof Error ? error : new Error(String(error));
  return { message: e.message, name: e.name, stack: e.stack ?? '', where, pe };
}
