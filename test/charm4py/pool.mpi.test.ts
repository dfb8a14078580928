// np: 1 2 4 5
// Charm4py's tests/pool, ported: map with chunks over plain and coroutine
// functions, a batch of tasks of several functions (submit), and jobs
// limited to a number of workers (ncores).
import * as assert from 'uvu/assert';
import { port, runPorts, range } from './port';
import { charm } from '../../lib';

const NUM_TRIALS = 10;

function square(x: number): number {
  return x ** 2;
}
/** A coroutine task (`@coro`): it may wait for futures. */
async function squareCoro(x: number): Promise<number> {
  charm.createFuture();
  return x ** 2;
}
function addVal(x: number): number {
  return x + 5;
}
async function addValCoro(x: number): Promise<number> {
  charm.createFuture();
  return x + 5;
}
for (const fn of [square, squareCoro, addVal, addValCoro]) charm.pool.register(fn);

port('pool/pool.py', async () => {
  const NUM_TASKS = (charm.numPes() - 1) * 100;

  // test charm.pool.map()
  const tasks = range(NUM_TASKS);
  for (const chunksize of [1, 8]) {
    for (const func of [square, squareCoro] as ((x: number) => number | Promise<number>)[]) {
      const t0 = charm.wallTime();
      for (let k = 0; k < NUM_TRIALS; k++) {
        const result = await charm.pool.map(func, tasks, { chunksize });
        assert.equal(result, await Promise.all(tasks.map((x) => func(x))));
      }
      console.log('Elapsed=', charm.wallTime() - t0);
    }
  }

  // test charm.pool.submit() of a list of tasks (submitAll here)
  const funcs = [square, squareCoro, addVal, addValCoro];
  const calls = range(NUM_TASKS).map((i) => [funcs[i % funcs.length], i] as const);
  for (const chunksize of [1, 8]) {
    const t0 = charm.wallTime();
    for (let k = 0; k < NUM_TRIALS; k++) {
      const result = await charm.pool.submitAll(calls, { chunksize });
      assert.equal(result, await Promise.all(calls.map(([f, x]) => f(x))));
    }
    console.log('Elapsed=', charm.wallTime() - t0);
  }
});

port(
  'pool/pool_ncores.py',
  async () => {
    assert.ok(charm.numPes() >= 4, 'Run this test with at least 4 PEs');
    const tasks1 = range(400);
    const tasks2 = range(200);
    const results1 = charm.pool.mapAsync(square, tasks1, { ncores: 2 });
    const results2 = charm.pool.mapAsync(addVal, tasks2, { ncores: 1 });
    assert.equal(await results2, tasks2.map(addVal));
    assert.equal(await results1, tasks1.map(square));
  },
  { minPes: 4 },
);

runPorts();
