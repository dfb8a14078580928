/**
 * Failed futures nobody has awaited yet. A future may fail before its
 * caller gets round to awaiting it: Charm4py's `fs = [pool.submit(...)
 * ...]; for f in fs: f.get()`, or `const f = p.awaitable.m(); ...; await
 * f`. Node calls that an unhandled rejection, which ends the job; for a
 * future it only means "not yet". So a future's failure is held here, and
 * its error goes to whoever awaits it later (Node says so:
 * 'rejectionHandled'). It is fatal, as any unhandled failure, once the
 * future can no longer be awaited: when nothing holds it any more (it is
 * garbage-collected), or when the job exits with it still unawaited.
 * Other promises are not held: a rejection nobody handles is fatal at once.
 *
 * Whether anything still holds a future only a collection can tell, and an
 * idle PE may not collect for minutes: while failures are held, a full
 * collection runs FIRST_CHECK_MS after a failure is held, then at doubling
 * intervals up to LAST_CHECK_MS (a cost only programs with a failed,
 * unawaited future pay: a full collection of a 311 MB heap took 190 ms, so
 * a fixed 0.5 s took 38% of a PE that kept such a future for long). A
 * failure dropped unawaited ends the job within about 0.5 s when it is
 * dropped soon after failing. Bounded: the table holds futures weakly, and
 * an entry goes when the future is awaited, collected (reported) or the
 * job ends.
 */
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';

const FIRST_CHECK_MS = 500;
const LAST_CHECK_MS = 30_000;

interface Held {
  readonly future: WeakRef<Promise<unknown>>;
  readonly error: unknown;
  /** What the fatal report says the failure is ("on PE p: a call made in X.m failed and nobody awaited its result"). */
  readonly where: string;
}

/** Held failures by a number of their own (the finalizer's holdings cannot be the future: that would keep it). */
const held = new Map<number, Held>();
const numberOf = new WeakMap<Promise<unknown>, number>();
let next = 0;
let report: (error: unknown, where: string) => void = () => {};

const collected = new FinalizationRegistry<number>((n) => {
  const h = held.get(n);
  if (!h) return;
  held.delete(n);
  report(h.error, `${h.where} (the future was dropped without being awaited)`);
});

/**
 * Follows the rejections of futures from now on: `fatal` is how a failure
 * nobody can await any more is reported (the unhandled-rejection path).
 */
export function holdUnawaitedFailures(fatal: (error: unknown, where: string) => void): void {
  report = fatal;
  process.on('rejectionHandled', (promise: Promise<unknown>) => {
    const n = numberOf.get(promise);
    if (n === undefined) return;
    numberOf.delete(promise);
    held.delete(n);
    collected.unregister(promise);
  });
}

let checking: NodeJS.Timeout | undefined;
/** When the check scheduled runs (performance.now()), and the interval after it. */
let dueAt = 0;
let wait = FIRST_CHECK_MS;
let collectGarbage: (() => void) | undefined;

/** A failure was held: collects within FIRST_CHECK_MS, then at doubling intervals while failures are held (the finalizer above reports the dropped ones). */
function checkWhileHeld(): void {
  wait = FIRST_CHECK_MS;
  if (checking !== undefined && dueAt - performance.now() <= FIRST_CHECK_MS) return;
  clearTimeout(checking);
  scheduleCheck();
}

function scheduleCheck(): void {
  dueAt = performance.now() + wait;
  checking = setTimeout(() => {
    checking = undefined;
    if (held.size === 0) return;
    if (!collectGarbage) {
      setFlagsFromString('--expose-gc');
      collectGarbage = runInNewContext('gc') as () => void;
    }
    collectGarbage();
    wait = Math.min(2 * wait, LAST_CHECK_MS);
    scheduleCheck();
  }, wait).unref();
}

/** Holds the failure of `future`, rejected with `error` and not awaited yet; `where` describes it for the report. */
export function holdFailure(future: Promise<unknown>, error: unknown, where: string): void {
  const n = next++;
  held.set(n, { future: new WeakRef(future), error, where });
  numberOf.set(future, n);
  collected.register(future, n, future);
  checkWhileHeld();
}

/** At exit: reports the failures still held (the first ends the job, except at the console, where errors do not). */
export function reportHeldFailures(): void {
  for (const [n, h] of held) {
    held.delete(n);
    // Collected, its finalizer not run yet (it would not run now): dropped unawaited all the same.
    report(h.error, `${h.where} (${h.future.deref() === undefined ? 'the future was dropped without being awaited' : 'the job exited before it was awaited'})`);
  }
}
