// The task pool in a real MPI job: map with and without chunks, results in
// order, many tiny tasks, single tasks, streaming results, nested tasks,
// registered and source-shipped functions, errors with the PE they
// happened on, bad input.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, RemoteError, SerializationError, type Registered } from '../lib';

function square(x: number): number {
  return x * x;
}
charm.pool.register(square);

/** Fibonacci with nested pool tasks down to a cutoff: more parents wait at once than there are worker slots. */
async function fib(n: number): Promise<number> {
  if (n < 12) {
    const serial = (k: number): number => (k < 2 ? k : serial(k - 1) + serial(k - 2));
    return serial(n);
  }
  const [a, b] = await Promise.all([charm.pool.submit(fib, n - 1), charm.pool.map(fib, [n - 2])]);
  return a + b[0];
}
charm.pool.register(fib);

/** Registered functions run as themselves: imports (charm) work. */
function whereAmI(): number {
  return charm.myPe();
}
charm.pool.register(whereAmI);

/** Sums a task's data, whatever shape it came in: what reached the worker. */
function total(x: { values: Float64Array | number[]; label: string }): string {
  let sum = 0;
  for (const v of x.values) sum += v;
  return `${x.label}:${x.values.constructor.name}:${x.values.length}:${sum}`;
}
charm.pool.register(total);

/** A large typed array back from a worker (a segment of the results). */
function ramp(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => i);
}
charm.pool.register(ramp);

function negate(x: number): number {
  return -x;
}
charm.pool.register(negate);

/** A parent task: -(x * x), by two jobs of its own. */
async function squareThenNegate(x: number): Promise<number> {
  const [s] = await charm.pool.map(square, [x]);
  const [n] = await charm.pool.map(negate, [s]);
  return n;
}
charm.pool.register(squareThenNegate);

function failOn(x: number): number {
  if (x === 7) throw new RangeError(`task ${x} failed`);
  return x;
}
charm.pool.register(failOn);

function unsendable(): () => void {
  return () => {};
}
charm.pool.register(unsendable);

/** Turns source tasks on where it is called (only PE 0, or every PE). */
class SourceSwitch extends Chare {
  allow(): void {
    charm.pool.allowSourceTasks();
  }
  /** Takes a registered function in a call (Charm4py's dist-task-scheduler sends its workers one) and applies it. */
  apply(fn: Registered<(x: number) => number>, xs: number[]): number[] {
    return xs.map((x) => fn(x));
  }
  /** A plain function parameter: no function can be sent to it (types), and an unregistered one is refused at the call. */
  applyAny(fn: (x: number) => number): number {
    return fn(1);
  }
}
charm.register(SourceSwitch);
const triple = charm.pool.register((x: number) => 3 * x, 'triple');

const workers = (): number[] => (charm.numPes() === 1 ? [0] : Array.from({ length: charm.numPes() - 1 }, (_, i) => i + 1));

async function rejection(promise: PromiseLike<unknown>): Promise<RemoteError> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, RemoteError);
    return error as RemoteError;
  }
  throw new Error('expected the pool to reject');
}

test('map: results in item order, with and without chunks', async () => {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const squares = items.map((i) => i * i);
  assert.equal(await charm.pool.map(square, items), squares);
  for (const chunksize of [1, 7, 100, 1000]) assert.equal(await charm.pool.map(square, items, { chunksize }), squares);
  assert.equal(await charm.pool.map(square, new Set([3, 1, 2]).values()), [9, 1, 4], 'any iterable');
  assert.equal(await charm.pool.map(square, []), []);
});

test('tasks carry their items as they were at the call, large typed arrays and transfers included', async () => {
  const big = Float64Array.from({ length: 5000 }, (_, i) => i); // 40 KB: a segment
  const moved = Float64Array.from({ length: 600 }, () => 2);
  const items = [
    { values: big, label: 'big' },
    { values: [1, 2, 3], label: 'small' },
    { values: charm.transfer(moved), label: 'moved' },
    { values: new Float64Array(3).fill(1), label: 'tiny' },
    { values: big.subarray(10, 20), label: 'view' },
  ];
  for (const chunksize of [1, 2, 5]) {
    if (chunksize > 1) items[2].values = charm.transfer(Float64Array.from({ length: 600 }, () => 2));
    const pending = charm.pool.map(total, items, { chunksize });
    big.fill(-1, 0, 10); // after the call: not seen by the tasks
    (items[1].values as number[]).push(100);
    assert.equal(await pending, ['big:Float64Array:5000:12497500', 'small:Array:3:6', 'moved:Float64Array:600:1200', 'tiny:Float64Array:3:3', 'view:Float64Array:10:145'], `chunksize ${chunksize}`);
    assert.is(items[2].values.length, 0, 'a transferred array is detached at the call');
    big.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    (items[1].values as number[]).pop();
  }
  const ramps = await charm.pool.map(ramp, [4000, 3, 4000], { chunksize: 2 });
  assert.equal(ramps.map((r) => [r.length, r[r.length - 1]]), [[4000, 3999], [3, 2], [4000, 3999]]);
  assert.is(await charm.pool.submit(total, { values: big, label: 'one' }), 'one:Float64Array:5000:12497500');
});

test('tasks run on the workers: PEs 1 and up, or PE 0 alone', async () => {
  const where = await charm.pool.map(whereAmI, new Array(4 * charm.numPes()).fill(0));
  assert.equal([...new Set(where)].sort(), workers());
});

test('many tiny tasks, one per message and in chunks', async () => {
  const items = Array.from({ length: 5000 }, (_, i) => i);
  const expected = items.reduce((a, i) => a + i * i, 0);
  for (const chunksize of [1, 250]) {
    const sum = (await charm.pool.map(square, items, { chunksize })).reduce((a, b) => a + b, 0);
    assert.is(sum, expected, `chunksize ${chunksize}`);
  }
});

test('jobs of different functions take turns on the same workers, each chunk running its own job\'s function', async () => {
  // Each parent task waits for two jobs of its own, of other functions: its
  // slot goes to chunks of those, so chunks of many jobs alternate on every
  // worker, and a chunk travels without its function when its worker got
  // that of its job last.
  const items = Array.from({ length: 24 }, (_, i) => i + 1);
  assert.equal(await charm.pool.map(squareThenNegate, items), items.map((i) => -i * i));
});

test('submit and mapAsync return futures; several jobs at once', async () => {
  const one = charm.pool.submit(square, 12);
  const many = charm.pool.mapAsync(square, [3, 4], { chunksize: 2 });
  const again = charm.pool.mapAsync(whereAmI, [0, 0, 0]);
  assert.equal(await Promise.all([one, many]), [144, [9, 16]]);
  assert.is((await again).length, 3);
});

test('imap yields every result once, with its index, as chunks complete', async () => {
  const items = Array.from({ length: 60 }, (_, i) => i);
  for (const chunksize of [1, 8]) {
    const seen = new Array<number | undefined>(items.length);
    for await (const { index, value } of charm.pool.imap(square, items, { chunksize })) {
      assert.is(seen[index], undefined, `index ${index} once`);
      seen[index] = value;
    }
    assert.equal(seen, items.map((i) => i * i));
  }
  const empty: unknown[] = [];
  for await (const r of charm.pool.imap(square, [])) empty.push(r);
  assert.is(empty.length, 0);
});

test('tasks create and await tasks of their own (recursive fibonacci)', async () => {
  assert.is(await charm.pool.submit(fib, 16), 987);
});

test('a task that throws rejects the result with its message, error class and PE', async () => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  for (const chunksize of [1, 3]) {
    const e = await rejection(charm.pool.map(failOn, items, { chunksize }));
    assert.match(e.message, 'task 7 failed');
    assert.match(e.message, 'charm.pool task failOn (item 7)');
    assert.is(e.remoteName, 'RangeError');
    assert.ok(workers().includes(e.pe), `ran on a worker (PE ${e.pe})`);
    assert.match(e.message, `on PE ${e.pe}`);
  }
  const submitted = await rejection(charm.pool.submit(failOn, 7));
  assert.is(submitted.remoteName, 'RangeError');
  // Tasks that carry their function name it, and their place in the list (it said "a task of a batch").
  assert.match(submitted.message, /in charm\.pool task failOn: /);
  for (const chunksize of [1, 2]) {
    assert.match((await rejection(charm.pool.submitAll([[square, 1], [square, 2], [failOn, 7]], { chunksize }))).message, /in charm\.pool task failOn \(task 2\): /);
  }
  const streamed = async (): Promise<void> => {
    for await (const r of charm.pool.imap(failOn, items, { chunksize: 4 })) void r;
  };
  assert.match((await rejection(streamed())).message, 'task 7 failed');
  // Results that cannot travel back fail like a throw.
  assert.is((await rejection(charm.pool.submit(unsendable))).remoteName, 'SerializationError');
  // The pool keeps working afterwards, with every worker slot back.
  assert.equal(await charm.pool.map(square, items, { chunksize: 2 }), items.map((i) => i * i));
});

test('a failed chunk that is the last of its job to report rejects its own futures (imap, multiFuture)', async () => {
  // Its futures were left out of those rejected: a job's only chunk failing, or (one worker, ncores 1,
  // running chunks in order) its last one, hung imap and the failed tasks' futures for good.
  const streamed = async (items: number[], options: { chunksize?: number; ncores?: number }): Promise<number[]> => {
    const indices: number[] = [];
    for await (const { index } of charm.pool.imap(failOn, items, options)) indices.push(index);
    return indices;
  };
  assert.match((await rejection(streamed([7], {}))).message, 'task 7 failed');
  assert.match((await rejection(streamed([0, 1, 2, 3, 4, 5, 6, 7], { chunksize: 4, ncores: 1 }))).message, 'task 7 failed');
  for (const future of charm.pool.mapAsync(failOn, [6, 7], { chunksize: 2, multiFuture: true })) assert.is((await rejection(future)).remoteName, 'RangeError');
  const last = charm.pool.submitAllAsync([[failOn, 0], [failOn, 1], [failOn, 7]], { chunksize: 1, ncores: 1, multiFuture: true });
  assert.equal(await Promise.all(last.slice(0, 2)), [0, 1]);
  assert.is((await rejection(last[2])).remoteName, 'RangeError');
});

test('a function registered on PE 0 only fails on the workers that lack it, naming the PE', async () => {
  const onlyHere = charm.pool.register((x: number) => x + 1, 'registeredOnPe0Only');
  if (charm.numPes() === 1) {
    assert.equal(await charm.pool.map(onlyHere, [1, 2]), [2, 3]);
    return;
  }
  const e = await rejection(charm.pool.map(onlyHere, [1, 2]));
  assert.match(e.message, 'no function "registeredOnPe0Only" is registered on this PE');
  assert.ok(e.pe > 0);
});

test('a registered function travels in any call as its name and runs as itself there; an unregistered one is refused naming charm.pool.register', async () => {
  const switches = charm.createGroup(SourceSwitch);
  const last = charm.numPes() - 1;
  assert.equal(await switches[last].ret.apply(triple, [1, 2, 7]), [3, 6, 21]);
  assert.equal(await switches.ret.apply(charm.pool.register(square), [4]), new Array(charm.numPes()).fill([16]));
  assert.throws(
    () => switches[last].applyAny(((x: number) => x) as never),
    (e: Error) => e instanceof SerializationError && e.message.endsWith('cannot be sent; send data, or a proxy to a chare (a function registered on every PE with charm.pool.register(fn) at module load travels as its name)'),
  );
});

test('unregistered functions are refused by default, at the call', () => {
  assert.throws(() => charm.pool.map((x: number) => x + 1, [1]), /charm\.pool\.map: an anonymous function is not registered; register it with charm\.pool\.register\(fn\).*allowSourceTasks/);
  function named(): number {
    return 1;
  }
  assert.throws(() => charm.pool.submit(named), /charm\.pool\.submit: function named is not registered/);
});

test('source tasks: a worker that has not allowed them refuses them; once every PE has, they run', async () => {
  const toggle = charm.createGroup(SourceSwitch);
  await toggle[0].awaitable.allow();
  if (charm.numPes() > 1) {
    const e = await rejection(charm.pool.map((x: number) => x + 1, [1]));
    assert.match(e.message, 'refuses tasks sent as source text');
    assert.ok(e.pe > 0, `refused on a worker (PE ${e.pe})`);
  }
  await toggle.awaitable.allow();
  assert.equal(await charm.pool.map((x: number) => `item ${x + 1}`, [1, 2, 3]), ['item 2', 'item 3', 'item 4']);
  assert.equal(await charm.pool.map(async (x: number) => x * 2, [5, 6], { chunksize: 2 }), [10, 12]);
  const shorthand = { triple(x: number): number { return 3 * x; } };
  assert.equal(await charm.pool.map(shorthand.triple, [1, 2]), [3, 6]);
  assert.is(await charm.pool.submit(function add(a: number, b: number): number { return a + b; }, 2, 3), 5);
  // Source carries no closures: a captured variable is not there on the worker.
  const offset = 10;
  const e = await rejection(charm.pool.submit((x: number) => x + offset, 1));
  assert.match(e.message, 'offset is not defined');
  // Registered functions still travel by name (and keep their imports).
  assert.equal([...new Set(await charm.pool.map(whereAmI, new Array(8).fill(0)))].sort(), workers());
});

test('a future is not a number: given as an item (or without await), its arithmetic fails naming await, where it was NaN', async () => {
  const f = charm.createFuture<number>();
  assert.throws(() => (f as unknown as number) * 2, /a Future is not its value: await it/);
  assert.throws(() => (f as unknown as string) + '', /forgotten await/);
  assert.is(`${String(f)}`, '[object Promise]');
  f.send(3);
  assert.is(await f, 3);
  // On a worker it arrives as a reference to PE 0's future: square(future) was NaN.
  const e = await rejection(charm.pool.map(square, [f as never]));
  assert.is(e.remoteName, 'TypeError');
  assert.match(e.message, 'a Future is not its value');
});

test('bad input: not a function, no source, bad chunk sizes, bad items', () => {
  assert.throws(() => charm.pool.map(3 as never, [1]), /charm\.pool\.map: expected a function, got number/);
  assert.throws(() => charm.pool.submit(null as never), /charm\.pool\.submit: expected a function, got null/);
  assert.throws(() => charm.pool.map(Math.max, [1]), /function max is native or bound and has no source to send/);
  assert.throws(() => charm.pool.map(square.bind(null), [1]), /function bound square is native or bound/);
  for (const chunksize of [0, -1, 1.5, '2' as never, NaN]) {
    assert.throws(() => charm.pool.imap(square, [1], { chunksize }), /charm\.pool\.imap: chunksize must be a positive integer/);
  }
  assert.throws(() => charm.pool.map(square, 5 as never), /charm\.pool\.map: items must be iterable, got number/);
  assert.throws(() => charm.pool.map(square, [1], { chunkSize: 4 } as never), /charm\.pool\.map: unknown option "chunkSize"; did you mean "chunksize"\?/);
  // Charm4py's pool.map(f, items, chunksize) said positionally.
  assert.throws(() => charm.pool.map(square, [1], 4 as never), /charm\.pool\.map: options must be an object \(its options: [a-zA-Z, ]+\), got number 4/);
  assert.throws(() => charm.pool.submitAll([[square, 1]], { multi_future: true } as never), /charm\.pool\.submitAll: unknown option "multi_future"; did you mean "multiFuture"\?/);
  assert.throws(() => charm.pool.map(square, [Symbol('x') as never]), (e: unknown) => e instanceof SerializationError && /^charm\.pool\.map/.test(e.message));
  assert.throws(() => charm.pool.register((() => 1) as never, ''), /charm\.pool\.register: the function has no name/);
  assert.throws(() => charm.pool.register((x: number) => x, 'square'), /another function is already registered as "square"/);
});

runTests();
