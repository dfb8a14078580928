// Conditional entry methods (when): calls wait until their condition over
// the chare's state and arguments holds; iteration-matched halo exchange;
// long chains released by one arrival; waiting calls that travel with a
// migrating element, or fail when it is deleted.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, Reducer, RemoteError } from '../lib';

type Index = readonly number[];

/** A ring of elements exchanging one value per iteration with both neighbours. */
class Ring extends Chare<Index> {
  iteration = 0;
  value = this.thisIndex[0];
  received = 0;
  sum = 0;
  log: number[] = [];
  done: Future<number> | undefined;
  iterations = 0;

  start(iterations: number, done: Future<number>): void {
    this.iterations = iterations;
    this.done = done;
    this.send();
  }

  private send(): void {
    const n = this.size();
    for (const d of [n - 1, 1]) this.thisProxy.at([(this.thisIndex[0] + d) % n]).halo(this.iteration, this.value);
  }

  private size(): number {
    return 2 * charm.numPes() + 1;
  }

  /** Runs only for the current iteration: early calls wait. */
  halo(iteration: number, value: number): void {
    this.log.push(iteration);
    this.sum += value;
    if (++this.received < 2) return;
    this.received = 0;
    this.value = this.sum + this.value;
    this.sum = 0;
    if (++this.iteration === this.iterations) this.contribute(this.value, Reducer.sum, this.done!);
    else this.send();
  }

  history(): number[] {
    return this.log;
  }

  failing(x: number): number {
    return x;
  }
}
charm.register(Ring);
charm.when(Ring, 'halo', (self, iteration) => iteration === self.iteration);
charm.when(Ring, 'failing', (_self, x) => {
  if (x < 0) throw new RangeError('negative input to the condition');
  return true;
});

test('iteration-matched halo exchange: early halos wait for their iteration', async () => {
  const n = 2 * charm.numPes() + 1;
  const ring = charm.createArray(Ring, [n]);
  const done = charm.createFuture<number>();
  const iterations = 30;
  ring.start(iterations, done);
  // The same computation done serially.
  let values = Array.from({ length: n }, (_, i) => i);
  for (let it = 0; it < iterations; it++) values = values.map((v, i) => v + values[(i + n - 1) % n] + values[(i + 1) % n]);
  assert.is(await done, values.reduce((a, b) => a + b, 0));
  for (const log of await ring.ret.history()) {
    assert.equal(log, Array.from({ length: 2 * iterations }, (_, k) => Math.floor(k / 2)), 'halos ran in iteration order');
  }
});

test('a condition that throws fails the call with the error', async () => {
  const ring = charm.createArray(Ring, [1]);
  assert.is(await ring.at([0]).ret.failing(5), 5);
  try {
    await ring.at([0]).ret.failing(-1);
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, 'negative input to the condition');
    assert.match((error as Error).message, 'Ring.failing (its when condition)');
  }
});

/** Takes numbered calls strictly in order: call n waits until every call before it ran. */
class Sequence extends Chare<Index> {
  expected = 0;
  ran: number[] = [];
  take(n: number): number {
    this.ran.push(n);
    this.expected = n + 1;
    return charm.myPe();
  }
  moveTo(pe: number): void {
    this.migrate(pe);
  }
  count(): number {
    return this.ran.length;
  }
  inOrder(): boolean {
    return this.ran.every((n, i) => n === i);
  }
}
charm.register(Sequence);
charm.when(Sequence, 'take', (self, n) => n === self.expected);

test('100,000 waiting calls released by one arrival run in order, in constant stack', async () => {
  const s = charm.createArray(Sequence, [1]);
  const n = 100_000;
  for (let k = 1; k < n; k++) s.at([0]).take(k);
  await charm.waitQD(); // all of them wait
  assert.is(await s.at([0]).ret.count(), 0);
  s.at([0]).take(0);
  assert.is(await s.at([0]).ret.count(), n);
  assert.ok(await s.at([0]).ret.inOrder());
});

test('a chain waiting in reverse order is released too (one scan per call)', async () => {
  const s = charm.createArray(Sequence, [1]);
  const n = 2000;
  for (let k = n - 1; k >= 1; k--) s.at([0]).take(k);
  s.at([0]).take(0);
  await charm.waitQD();
  assert.is(await s.at([0]).ret.count(), n);
  assert.ok(await s.at([0]).ret.inOrder());
});

test('waiting calls migrate with their element and answer from where they run', async () => {
  const s = charm.createArray(Sequence, [2]);
  const last = charm.numPes() - 1;
  // Results of calls that wait, from one element and from a broadcast to both.
  const waiting = [3, 2, 1].map((k) => s.at([0]).ret.take(k));
  const broadcast = s.ret.take(4);
  await charm.waitQD();
  s.at([0]).moveTo(last);
  s.at([1]).moveTo(last);
  await charm.waitQD();
  s.at([1]).take(0);
  for (const k of [1, 2, 3]) s.at([1]).take(k);
  s.at([0]).take(0);
  assert.equal(await Promise.all(waiting), [last, last, last], 'ran on the PE they moved to');
  assert.equal(await broadcast, [last, last]);
  assert.ok(await s.at([0]).ret.inOrder());
  assert.is(await s.at([0]).ret.count(), 5);
});

test('calls waiting on a deleted element fail, naming the element and the method', async () => {
  const s = charm.createArray(Sequence, { ndims: 1 });
  s.ckInsert([7], [], { onPE: charm.numPes() - 1 });
  await s.ckDoneInserting();
  const outcome = s.at([7]).ret.take(5).then(
    () => new Error('a call waiting on a deleted element completed'),
    (error: unknown) => error,
  );
  await charm.waitQD();
  await s.at([7]).ckDestroy();
  const error = await outcome;
  assert.instance(error, RemoteError);
  assert.match((error as Error).message, 'Sequence[7] was deleted while its call to take waited for its when condition');
});

test('bad input: unknown method, condition not a function', () => {
  assert.throws(() => charm.when(Ring, 'nope' as never, () => true), /Ring has no entry method "nope"/);
  assert.throws(() => charm.when(Ring, 'halo', 3 as never), /the condition must be a function/);
});

runTests();
