/**
 * Conditional entry methods (Charm4py's `@when`): a method guarded by a
 * condition over the chare's state and the call's arguments. A call that
 * arrives while its condition is false waits, with the other waiting calls
 * of that chare in arrival order, and is tried again after each entry
 * method of the chare runs and after each continuation of one (see
 * model/activity.ts). `Chare.wait(condition)` waits the same way.
 *
 * A condition is a predicate, tried again in arrival order over the
 * waiting calls, or a match of a message tag against the chare's state
 * (`{ state, tag }`, Charm4py's `@when('self.x == arg')`): those calls
 * wait by tag value, and releasing one is a lookup, not a scan. Releases
 * run in a loop, not nested in each other, so chains of any length are
 * released. Waiting calls live with the chare object on its PE: a chare
 * with waiting calls should not migrate.
 */
import type { Chare } from './model/chare';
import type { ChareClassInfo } from './model/registry';
import { trackContinuations } from './model/activity';

/** A predicate over the chare and the call's arguments. */
export type Predicate = (self: Chare<never>, ...args: unknown[]) => boolean;

/** Runs a call when `state(chare)` equals `tag(...args)` (SameValueZero). */
export interface Match {
  state(self: Chare<never>): unknown;
  tag(...args: unknown[]): unknown;
}

export type Condition = Predicate | Match;

/** A call (or a `wait`) waiting on a chare. */
export interface Waiting {
  /** Whether it may run now; undefined when the check failed it (it is dropped). */
  check(): boolean | undefined;
  run(): void;
  /** Fails it (its match's state could not be read). */
  fail(error: unknown): void;
}

interface Queue {
  /** Predicate calls and waits, in arrival order. */
  list: Waiting[];
  /** Match calls, by match, by tag value, in arrival order. */
  byTag: Map<Match, Map<unknown, Waiting[]>>;
  retrying: boolean;
  again: boolean;
}

const guards = new Map<ChareClassInfo, Map<number, Condition>>();
const queues = new WeakMap<Chare<never>, Queue>();

/** Registers `condition` for method `methodId` of the class `info`. */
export function addGuard(info: ChareClassInfo, methodId: number, condition: Condition): void {
  let byMethod = guards.get(info);
  if (!byMethod) guards.set(info, (byMethod = new Map()));
  byMethod.set(methodId, condition);
  trackContinuations(retryWaiting);
}

/** The guard of a method, if it has one. */
export function guardOf(info: ChareClassInfo, methodId: number): Condition | undefined {
  return guards.get(info)?.get(methodId);
}

function queueOf(element: Chare<never>): Queue {
  let q = queues.get(element);
  if (!q) queues.set(element, (q = { list: [], byTag: new Map(), retrying: false, again: false }));
  return q;
}

/** Parks a call whose condition does not hold yet (`tag`: its tag value, for a match condition). */
export function park(element: Chare<never>, call: Waiting, match?: Match, tag?: unknown): void {
  const q = queueOf(element);
  if (!match) {
    q.list.push(call);
    return;
  }
  let byValue = q.byTag.get(match);
  if (!byValue) q.byTag.set(match, (byValue = new Map()));
  const calls = byValue.get(tag);
  if (calls) calls.push(call);
  else byValue.set(tag, [call]);
}

/** Resolves once `condition()` holds, tried after each entry method (or continuation) of `element`. */
export function waitUntil(element: Chare<never>, condition: () => boolean): Promise<void> {
  trackContinuations(retryWaiting);
  return new Promise((resolve, reject) => {
    const check = (): boolean | undefined => {
      try {
        return Boolean(condition());
      } catch (error) {
        reject(error);
        return undefined;
      }
    };
    const verdict = check();
    if (verdict) resolve();
    else if (verdict === false) park(element, { check, run: resolve, fail: reject });
  });
}

/** The first waiting call that may run now (removed from its queue), or undefined. */
function next(element: Chare<never>, q: Queue): Waiting | undefined {
  for (let i = 0; i < q.list.length; i++) {
    const verdict = q.list[i].check();
    if (verdict === false) continue;
    const [call] = q.list.splice(i, 1);
    if (verdict) return call;
    i--; // dropped: its check failed it
  }
  for (const [match, byValue] of q.byTag) {
    let value: unknown;
    try {
      value = match.state(element);
    } catch (error) {
      for (const calls of byValue.values()) for (const call of calls) call.fail(error);
      q.byTag.delete(match);
      continue;
    }
    const calls = byValue.get(value);
    if (!calls) continue;
    const call = calls.shift()!;
    if (calls.length === 0) byValue.delete(value);
    if (byValue.size === 0) q.byTag.delete(match);
    return call;
  }
  return undefined;
}

/**
 * After an entry method (or a continuation of one) of `element`: runs the
 * waiting calls that may run now, each one enabling others perhaps, in a
 * loop. A run that re-enters (an entry method ending inside it) only asks
 * the loop for another round.
 */
export function retryWaiting(element: Chare<never>): void {
  const q = queues.get(element);
  if (!q) return;
  if (q.retrying) {
    q.again = true;
    return;
  }
  q.retrying = true;
  try {
    for (;;) {
      q.again = false;
      const call = next(element, q);
      if (call) call.run();
      else if (!q.again) break;
    }
  } finally {
    q.retrying = false;
    if (q.list.length === 0 && q.byTag.size === 0) queues.delete(element);
  }
}
