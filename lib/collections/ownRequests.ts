/**
 * PE 0's requests to itself for its sequencer (sequencer.ts): a broadcast
 * sent as a request (one with segments), an insertion, the end of
 * insertions. PE 0 numbers a broadcast of its own at once, without a
 * request, unless one of these, asked for before it, still waits in PE
 * 0's local queue: it must be taken first, as it would be in turn. Other
 * messages in the queue (a stencil's halos between PE 0's own elements) do
 * not hold the broadcast back: behind them, a main chare's per-iteration
 * broadcast in jacobi2d at np 2 left PE 0 12-18 ms after the call while
 * PE 1 waited. (A whole-array deletion needs no mark: from the call on,
 * the array's proxies refuse every call on the PE that asked for it.)
 */
import type { Scheduler } from '../scheduler/scheduler';

/** The local queue's mark (Scheduler.localMark) after the last such request. */
let upTo = 0;

/** PE 0 has just sent itself a request for its sequencer. */
export function sentOwnRequest(scheduler: Scheduler): void {
  upTo = scheduler.localMark();
}

/** Every request PE 0 sent itself for its sequencer has been taken from its local queue. */
export function ownRequestsTaken(scheduler: Scheduler): boolean {
  return scheduler.localPassed(upTo);
}
