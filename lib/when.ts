/**
 * Conditional entry methods (Charm4py's `@when`): a method guarded by a
 * condition over the chare's state and the call's arguments. A call that
 * arrives while its condition is false waits, with the other waiting calls
 * of that chare in arrival order, and is tried again after each entry
 * method of the chare runs. Waiting calls live with the chare object on
 * its PE: a chare with waiting calls should not migrate.
 */
import type { Chare } from './model/chare';
import type { ChareClassInfo } from './model/registry';

type Guard = (self: Chare<never>, ...args: unknown[]) => boolean;

interface Waiting {
  methodId: number;
  args: unknown[];
  run: () => void;
}

const guards = new Map<ChareClassInfo, Map<number, Guard>>();
const waiting = new WeakMap<Chare<never>, Waiting[]>();

/** Registers `condition` for method `methodId` of the class `info`. */
export function addGuard(info: ChareClassInfo, methodId: number, condition: Guard): void {
  let byMethod = guards.get(info);
  if (!byMethod) guards.set(info, (byMethod = new Map()));
  byMethod.set(methodId, condition);
}

/** The guard of a method, if it has one. */
export function guardOf(info: ChareClassInfo, methodId: number): Guard | undefined {
  return guards.get(info)?.get(methodId);
}

/** Parks a call whose condition does not hold yet. */
export function park(element: Chare<never>, methodId: number, args: unknown[], run: () => void): void {
  const list = waiting.get(element);
  const call = { methodId, args, run };
  if (list) list.push(call);
  else waiting.set(element, [call]);
}

/**
 * After an entry method of `element` ran: runs, in arrival order, the
 * waiting calls whose condition now holds (each may enable others).
 * `holds` evaluates a call's condition (reporting a throwing guard as the
 * call's error and returning undefined then).
 */
export function retryWaiting(element: Chare<never>, holds: (call: Waiting) => boolean | undefined): void {
  const list = waiting.get(element);
  if (!list) return;
  let progress = true;
  while (progress && list.length) {
    progress = false;
    for (let i = 0; i < list.length; i++) {
      const verdict = holds(list[i]);
      if (verdict === false) continue;
      const [call] = list.splice(i, 1);
      if (verdict) call.run();
      progress = true;
      break;
    }
  }
  if (list.length === 0) waiting.delete(element);
}

/** Calls of `element` waiting for their condition (a checkpoint cannot save them). */
export function waitingCalls(element: Chare<never>): number {
  return waiting.get(element)?.length ?? 0;
}
