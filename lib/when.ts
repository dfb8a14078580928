/**
 * Conditional entry methods (Charm4py's `@when`): a method guarded by a
 * condition over the chare's state and the call's arguments. A call that
 * arrives while its condition is false waits, with the other waiting calls
 * of that chare in arrival order, and is tried again after each entry
 * method of the chare runs, and after each continuation of one (see
 * model/activity.ts). `Chare.wait(condition)` waits the same way.
 *
 * A condition is a predicate, or a match of a message tag against the
 * chare's state (`{ state, tag }`, Charm4py's `@when('self.x == arg')`):
 * calls of a match wait by tag value, so releasing one is a lookup, not a
 * scan, however many wait.
 *
 * Releasing: after an entry method runs, the waiting calls are scanned in
 * arrival order and each one whose condition holds runs (and is removed);
 * then the calls waiting by tag whose tag the state now matches run; if
 * any ran, the scan repeats, since they changed the state (Charm4py's
 * flush of its wait queues). The scan is a loop, not a recursion: a call
 * released by the scan runs while the scan is in progress, and its own
 * retry only asks the running scan for another pass. So a chain of any
 * length released by one arrival runs in constant stack, in one pass when
 * the calls wait in the order they become runnable.
 *
 * Waiting calls are data (method, arguments, where the reply goes), so a
 * migrating array element takes them along (localArray.ts); waits of
 * `Chare.wait` belong to a suspended method, which keeps its chare in place.
 */
import type { Chare } from './model/chare';
import { classInfo, noEntryMethod, type ChareClass, type ChareClassInfo } from './model/registry';
import { trackContinuations } from './model/activity';

/** A predicate over the chare and the call's arguments. */
export type Guard = (self: Chare<never>, ...args: unknown[]) => boolean;

/** Runs a call when `state(chare)` equals `tag(...args)` (SameValueZero). */
export interface Match {
  state(self: Chare<never>): unknown;
  tag(...args: unknown[]): unknown;
}

export type Condition = Guard | Match;

/** A call waiting for its condition; `reply` is the invoke layer's (opaque here). */
export interface WaitingCall<R = unknown> {
  methodId: number;
  args: unknown[];
  reply: R;
}

/** A `Chare.wait` in progress. */
interface Wait {
  holds(): boolean | undefined;
  resolve(): void;
}

interface Queue {
  calls: WaitingCall[];
  /** Calls of match conditions, by match, by tag value, each with its arrival number. */
  byTag: Map<Match, Map<unknown, [number, WaitingCall][]>>;
  tagged: number;
  waits: Wait[];
  /** Arrival numbers (so that calls leave in arrival order, whichever list they wait in). */
  arrived: number;
  /** A scan is running (a retry from inside it only asks for another pass). */
  scanning: boolean;
  again: boolean;
}

const guards = new Map<unknown, Map<number, Condition>>();
const queues = new WeakMap<Chare<never>, Queue>();
/** A call or wait ever waited on this PE: until then hasWaiting (asked after every call) costs no lookup. */
let everWaited = false;
/** Arrival numbers of calls waiting by predicate (those by tag keep theirs beside them). */
const arrivals = new WeakMap<WaitingCall, number>();

/**
 * `charm.when`: guards entry method `method` of `cls` with `condition`, a
 * predicate or a `{ state, tag }` match. Throws a TypeError naming the
 * class and method for a method it does not have or another condition.
 */
export function guardMethod(cls: ChareClass, method: string, condition: unknown): void {
  const info = classInfo(cls, 'charm.when');
  const id = info.methodIds.get(method);
  if (id === undefined) throw noEntryMethod(info, String(method), 'charm.when');
  const match = condition as { state?: unknown; tag?: unknown } | null;
  const isMatch = typeof match === 'object' && match !== null && typeof match.state === 'function' && typeof match.tag === 'function';
  if (typeof condition !== 'function' && !isMatch) throw new TypeError(`charm.when(${info.name}.${method}): the condition must be a function or { state, tag } functions`);
  let byMethod = guards.get(info.cls);
  if (!byMethod) guards.set(info.cls, (byMethod = new Map()));
  byMethod.set(id, condition as Condition);
  trackContinuations();
}

/** The guard of a method, if it has one. */
export function guardOf(info: ChareClassInfo, methodId: number): Condition | undefined {
  // Asked at every call: a program with no conditions pays no lookup.
  return guards.size === 0 ? undefined : guards.get(info.cls)?.get(methodId);
}

/** True when calls or waits of `element` are waiting (the common case, false, costs one lookup; none before anything ever waited). */
export function hasWaiting(element: Chare<never>): boolean {
  return everWaited && queues.has(element);
}

function queueOf(element: Chare<never>): Queue {
  let queue = queues.get(element);
  if (!queue) {
    everWaited = true;
    queues.set(element, (queue = { calls: [], byTag: new Map(), tagged: 0, waits: [], arrived: 0, scanning: false, again: false }));
  }
  return queue;
}

/** Parks a call whose condition does not hold yet (by tag, for a match condition). */
export function park(element: Chare<never>, call: WaitingCall): void {
  const queue = queueOf(element);
  const guard = guards.get(element.constructor)?.get(call.methodId);
  if (!guard || typeof guard === 'function') {
    queue.calls.push(call);
    arrivals.set(call, queue.arrived++);
    return;
  }
  const tag = guard.tag(...call.args);
  let byValue = queue.byTag.get(guard);
  if (!byValue) queue.byTag.set(guard, (byValue = new Map()));
  const calls = byValue.get(tag);
  const entry: [number, WaitingCall] = [queue.arrived++, call];
  if (calls) calls.push(entry);
  else byValue.set(tag, [entry]);
  queue.tagged++;
}

/** Resolves once `condition()` holds, tried after each entry method (or continuation) of `element`. */
export function waitUntil(element: Chare<never>, condition: () => boolean): Promise<void> {
  trackContinuations();
  return new Promise((resolve, reject) => {
    const holds = (): boolean | undefined => {
      try {
        return Boolean(condition());
      } catch (error) {
        reject(error);
        return undefined;
      }
    };
    const verdict = holds();
    if (verdict) resolve();
    else if (verdict === false) queueOf(element).waits.push({ holds, resolve });
  });
}

const isEmpty = (queue: Queue): boolean => queue.calls.length === 0 && queue.tagged === 0 && queue.waits.length === 0;

/**
 * One call waiting by tag whose tag the state now matches, removed; or
 * undefined. A match whose state cannot be read fails its calls (through
 * `holds`, which reports each one's error).
 */
function nextTagged(element: Chare<never>, queue: Queue, holds: (call: WaitingCall) => boolean | undefined): WaitingCall | undefined {
  for (const [match, byValue] of queue.byTag) {
    let value: unknown;
    try {
      value = match.state(element);
    } catch {
      queue.byTag.delete(match);
      for (const calls of byValue.values()) {
        queue.tagged -= calls.length;
        for (const [, call] of calls) holds(call);
      }
      continue;
    }
    const calls = byValue.get(value);
    if (!calls) continue;
    const [, call] = calls.shift()!;
    if (calls.length === 0) byValue.delete(value);
    if (byValue.size === 0) queue.byTag.delete(match);
    queue.tagged--;
    return call;
  }
  return undefined;
}

/**
 * After an entry method (or a continuation of one) of `element`: runs, in
 * arrival order, the waiting calls whose condition now holds, until a pass
 * runs none; resolves the waits whose condition holds. `holds` evaluates a
 * call's condition (reporting a throwing guard as the call's error and
 * returning undefined then: the call is dropped).
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
      for (let call = nextTagged(element, queue, holds); call; call = nextTagged(element, queue, holds)) {
        queue.again = true;
        run(call);
      }
    } while (queue.again && (queue.calls.length > 0 || queue.tagged > 0));
    // Waits resume later (their continuation retries again).
    if (queue.waits.length) queue.waits = queue.waits.filter((w) => (w.holds() ? (w.resolve(), false) : true));
  } finally {
    queue.scanning = false;
    if (isEmpty(queue)) queues.delete(element);
  }
}

/** The calls waiting on `element`, in arrival order (left in place). */
/** No waiting calls: shared (every move asks). */
const NO_CALLS: readonly WaitingCall[] = Object.freeze([]);

export function waitingCalls(element: Chare<never>): readonly WaitingCall[] {
  const queue = queues.get(element);
  if (!queue) return NO_CALLS;
  if (queue.tagged === 0) return queue.calls;
  const all: [number, WaitingCall][] = queue.calls.map((c) => [arrivals.get(c) ?? 0, c]);
  for (const byValue of queue.byTag.values()) for (const calls of byValue.values()) all.push(...calls);
  return all.sort((a, b) => a[0] - b[0]).map(([, c]) => c);
}

/** Removes and returns the calls waiting on `element` (it migrates or is deleted). */
export function takeWaiting(element: Chare<never>): WaitingCall[] {
  const queue = queues.get(element);
  if (!queue) return [];
  const calls = waitingCalls(element).slice();
  if (queue.waits.length === 0) queues.delete(element);
  else Object.assign(queue, { calls: [], byTag: new Map(), tagged: 0 });
  return calls;
}

/** Gives an arrived element the calls that waited on it before it moved. */
export function restoreWaiting(element: Chare<never>, calls: WaitingCall[]): void {
  for (const call of calls) park(element, call);
}
