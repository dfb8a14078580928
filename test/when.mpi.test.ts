// Conditional entry methods (when): calls wait until their condition over
// the chare's state and arguments holds; iteration-matched halo exchange.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, Reducer } from '../lib';

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

test('bad input: unknown method, condition not a function', () => {
  assert.throws(() => charm.when(Ring, 'nope' as never, () => true), /Ring has no entry method "nope"/);
  assert.throws(() => charm.when(Ring, 'halo', 3 as never), /the condition must be a function/);
});

runTests();
