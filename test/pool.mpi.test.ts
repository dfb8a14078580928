// The task pool in a real MPI job: map with and without chunks, results in
// order, many tiny tasks, single tasks, nested tasks, registered and
// source-shipped functions, errors with the PE they happened on, bad input.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, RemoteError } from '../lib';

function square(x: number): number {
  return x * x;
}
charm.pool.register(square);

/** Fibonacci with nested pool tasks down to a cutoff. */
async function fib(n: number): Promise<number> {
  if (n < 12) {
    const plain = (k: number): number => (k < 2 ? k : plain(k - 1) + plain(k - 2));
    return plain(n);
  }
  const [a, b] = await charm.pool.map(fib, [n - 1, n - 2]);
  return a + b;
}
charm.pool.register(fib);

function whereAmI(): number {
  return charm.myPe();
}
charm.pool.register(whereAmI);

function failOn(x: number): number {
  if (x === 7) throw new RangeError(`task ${x} failed`);
  return x;
}
charm.pool.register(failOn);

test('map: results in item order, with and without chunks', async () => {
  const items = Array.from({ length: 100 }, (_, i) => i);
  assert.equal(await charm.pool.map(square, items), items.map((i) => i * i));
  for (const chunksize of [1, 7, 100, 1000]) assert.equal(await charm.pool.map(square, items, { chunksize }), items.map((i) => i * i));
  assert.equal(await charm.pool.map(square, []), []);
});

test('functions without registration travel as source text (pure functions: no imports or closures)', async () => {
  assert.equal(await charm.pool.map((x: number) => `pe-independent ${x + 1}`, [1, 2, 3]), ['pe-independent 2', 'pe-independent 3', 'pe-independent 4']);
  assert.equal(await charm.pool.map(async (x: number) => x * 2, [5, 6], { chunksize: 2 }), [10, 12]);
  const where = await charm.pool.map(whereAmI, new Array(8).fill(0));
  for (const pe of where) assert.ok(charm.numPes() === 1 ? pe === 0 : pe > 0, `tasks run on workers (PE ${pe})`);
});

test('many tiny tasks', async () => {
  const items = Array.from({ length: 5000 }, (_, i) => i);
  const sum = (await charm.pool.map(square, items, { chunksize: 250 })).reduce((a, b) => a + b, 0);
  assert.is(sum, items.reduce((a, i) => a + i * i, 0));
});

test('single tasks and the mapAsync future', async () => {
  assert.is(await charm.pool.submit((a: number, b: string) => `${b}${a}`, 4, 'x'), 'x4');
  const f = charm.pool.mapAsync(square, [3, 4]);
  assert.equal(await f, [9, 16]);
});

test('tasks create and await tasks of their own (recursive fibonacci)', async () => {
  assert.is(await charm.pool.submit(fib, 16), 987);
});

test('a task that throws rejects the result with its message and PE', async () => {
  try {
    await charm.pool.map(failOn, Array.from({ length: 20 }, (_, i) => i), { chunksize: 3 });
    assert.unreachable('the task error must reject the map');
  } catch (error) {
    assert.instance(error, RemoteError);
    const e = error as RemoteError;
    assert.match(e.message, 'task 7 failed');
    assert.is(e.remoteName, 'RangeError');
    assert.ok(charm.numPes() === 1 ? e.pe === 0 : e.pe > 0);
    assert.match(e.message, `PE ${e.pe}`);
  }
  // The pool keeps working afterwards.
  assert.equal(await charm.pool.map(square, [2]), [4]);
});

test('bad input: not a function, functions with no source, bad chunk sizes, non-iterables', () => {
  assert.throws(() => charm.pool.map(3 as never, [1]), /charm\.pool\.map: expected a function, got number/);
  assert.throws(() => charm.pool.map(Math.max, [1]), /has no source to ship/);
  assert.throws(() => charm.pool.map(square.bind(null), [1]), /has no source to ship/);
  assert.throws(() => charm.pool.map(square, [1], { chunksize: 0 }), /chunksize must be a positive integer/);
  assert.throws(() => charm.pool.map(square, [1], { chunksize: 1.5 }), /chunksize must be a positive integer/);
  assert.throws(() => charm.pool.map(square, 5 as never), /items must be iterable/);
});

runTests();
