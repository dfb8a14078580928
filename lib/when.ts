/**
 * Conditional entry methods (Charm4py's `@when`): a method guarded by a
 * condition over the chare's state and the call's arguments. A call that
 * arrives while its condition is false waits, with the other waiting calls
 * of that chare in arrival order, and is tried again after each entry
 * method of the chare runs.
 *
 * Releasing: after an entry method runs, the waiting calls are scanned in
 * arrival order and each one whose condition holds runs (and is removed);
 * if any ran, the scan repeats, since they changed the state (Charm4py's
 * flush of its wait queues). The scan is a loop, not a recursion: a call
 * released by the scan runs while the scan is in progress, and its own
 * retry only asks the running scan for another pass. So a chain of any
 * length released by one arrival runs in constant stack, in one pass when
 * the calls wait in the order they become runnable.
 *
 * Waiting calls are data (method, arguments, where the reply goes), so a
 * migrating array element takes them along (localArray.ts).
 */
import type { Chare } from './model/chare';
import type { ChareClassInfo } from './model/registry';

type Guard = (self: Chare<never>, ...args: unknown[]) => boolean;

/** A call waiting for its condition; `reply` is the invoke layer's (opaque here). */
export interface WaitingCall<R = unknown> {
  methodId: number;
  args: unknown[];
  reply: R;
}

interface Queue {
  calls: WaitingCall[];
  /** A scan is running (a retry from inside it only asks for another pass). */
  scanning: boolean;
  again: boolean;
}

const guards = new Map<ChareClassInfo, Map<number, Guard>>();
const queues = new WeakMap<Chare<never>, Queue>();

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
export function park(element: Chare<never>, call: WaitingCall): void {
  const queue = queues.get(element);
  if (queue) queue.calls.push(call);
  else queues.set(element, { calls: [call], scanning: false, again: false });
}

/**
 * After an entry method of `element` ran: runs, in arrival order, the
 * waiting calls whose condition now holds, until a pass runs none.
 * `holds` evaluates a call's condition (reporting a throwing guard as the
 * call's error and returning undefined then: the call is dropped).
 */
export function retryWaiting(element: Chare<never>, holds: (call: WaitingCall) => boolean | undefined, run: (call: WaitingCall) => void): void {
  const queue = queues.get(element);
  if (!queue) return;
  if (queue.scanning) {
    queue.again = true;
    return;
  }
  queue.scanning = true;
  try {
    do {
      queue.again = false;
      // Calls parked during the pass (by released calls) are kept and scanned next pass.
      const calls = queue.calls;
      queue.calls = [];
      let kept = 0;
      for (let i = 0; i < calls.length; i++) {
        const call = calls[i];
        const verdict = holds(call);
        if (verdict === false) {
          calls[kept++] = call;
          continue;
        }
        queue.again = true;
        if (verdict) run(call);
      }
      calls.length = kept;
      queue.calls = kept ? (queue.calls.length ? calls.concat(queue.calls) : calls) : queue.calls;
    } while (queue.again && queue.calls.length > 0);
  } finally {
    queue.scanning = false;
    if (queue.calls.length === 0) queues.delete(element);
  }
}

/** The calls waiting on `element`, in arrival order (left in place). */
export function waitingCalls(element: Chare<never>): readonly WaitingCall[] {
  return queues.get(element)?.calls ?? [];
}

/** Removes and returns the calls waiting on `element` (it migrates or is deleted). */
export function takeWaiting(element: Chare<never>): WaitingCall[] {
  const queue = queues.get(element);
  if (!queue) return [];
  queues.delete(element);
  return queue.calls;
}

/** Gives an arrived element the calls that waited on it before it moved. */
export function restoreWaiting(element: Chare<never>, calls: WaitingCall[]): void {
  for (const call of calls) park(element, call);
}
