// The waiting calls of `when` (lib/when.ts), in-process: released in
// arrival order pass after pass, in constant stack however long the chain
// released by one arrival, and handed over whole when the chare moves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { park, retryWaiting, restoreWaiting, takeWaiting, waitingCalls, type WaitingCall } from '../../lib/when';
import type { Chare } from '../../lib/model/chare';

/** A chare stand-in (when.ts only keys its queues by the object) with a counter the calls wait on. */
function chare(): Chare<never> & { next: number; ran: number[] } {
  return { next: 0, ran: [] } as unknown as Chare<never> & { next: number; ran: number[] };
}

/** Retries the way invoke does: each released call runs, then retries (re-entrantly) itself. */
function release(c: ReturnType<typeof chare>): void {
  const run = (call: WaitingCall): void => {
    c.ran.push(call.methodId);
    c.next = call.methodId + 1;
    retryWaiting(c, holds, run); // what a released call's own entry method does when it returns
  };
  const holds = (call: WaitingCall): boolean => call.methodId === c.next;
  retryWaiting(c, holds, run);
}

test('a chain of 100,000 waiting calls released by one arrival runs in order, in constant stack', () => {
  const c = chare();
  for (let k = 1; k <= 100_000; k++) park(c, { methodId: k, args: [], reply: undefined });
  c.next = 1;
  release(c);
  assert.is(c.ran.length, 100_000);
  assert.ok(c.ran.every((k, i) => k === i + 1));
  assert.equal(waitingCalls(c), []);
});

test('calls that become runnable in reverse arrival order are released, one pass each', () => {
  const c = chare();
  for (let k = 2000; k >= 1; k--) park(c, { methodId: k, args: [], reply: undefined });
  c.next = 1;
  release(c);
  assert.is(c.ran.length, 2000);
  assert.ok(c.ran.every((k, i) => k === i + 1));
});

test('a condition that throws drops its call (the caller hears of it) and the others go on', () => {
  const c = chare();
  park(c, { methodId: 1, args: [], reply: undefined });
  park(c, { methodId: 2, args: [], reply: undefined });
  const ran: number[] = [];
  retryWaiting(c, (call) => (call.methodId === 1 ? undefined : true), (call) => ran.push(call.methodId));
  assert.equal(ran, [2]);
  assert.equal(waitingCalls(c), []);
});

test('the waiting calls move whole with their chare, in arrival order', () => {
  const a = chare();
  for (const k of [3, 1, 2]) park(a, { methodId: k, args: [k], reply: { data: k } });
  const moving = takeWaiting(a);
  assert.equal(waitingCalls(a), []);
  const b = chare();
  restoreWaiting(b, moving);
  assert.equal(waitingCalls(b).map((w) => w.methodId), [3, 1, 2]);
  b.next = 1;
  release(b);
  assert.equal(b.ran, [1, 2, 3]);
});

test.run();
