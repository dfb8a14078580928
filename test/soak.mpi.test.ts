// Long runs leave nothing behind, and deliver everything once: each case
// runs a feature for a warm-up, counts the live JS objects on every PE
// (v8.queryObjects after full GCs: an entry in any runtime table is at
// least one object), runs it ROUNDS more times and counts again. A table
// that keeps one entry per iteration grows by ROUNDS or more objects on
// some PE; a bounded one by a few dozen at most. Deliveries are counted
// against sends in the same cases.
import { setFlagsFromString, queryObjects } from 'v8';
import { runInNewContext } from 'vm';
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Channel, Reducer, type ArrayProxy, type CollectionProxy, type Future } from '../lib';
import { CACHE_KEPT, TOMBSTONES_KEPT } from '../lib/location/locations';
import { localCollection } from '../lib/collections/collections';
import type { LocalArray } from '../lib/collections/localArray';
import type { CallTarget } from '../lib/model/proxy';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Iterations between the two counts: a leak of one object per iteration shows as ROUNDS objects. */
const ROUNDS = 200;
/** Objects a PE may gain over ROUNDS iterations (lazily made tables, a compiled function's literals). */
const SLACK = ROUNDS / 4;

/** Live JS objects on this PE after full collections (finalizers, which run in tasks after a GC, included). */
async function liveObjects(): Promise<number> {
  for (let k = 0; k < 3; k++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  collectGarbage();
  return queryObjects(Object, { format: 'count' }) as number;
}

/** One per PE: counts objects, takes calls, and talks on channels. */
class Probe extends Chare {
  got = 0;
  async objects(): Promise<number> {
    return liveObjects();
  }
  ping(x: number): number {
    this.got++;
    return x + 1;
  }
  fail(x: number): number {
    this.got++;
    throw new Error(`failed on purpose ${x}`);
  }
  fulfil(f: Future<number>): void {
    this.got++;
    f.send(1);
  }
  received(): number {
    return this.got;
  }
  /** Entries of this PE's location cache of array `id`. */
  cached(id: number): number {
    return (localCollection(id) as LocalArray | undefined)?.routing.cachedLocations() ?? 0;
  }
  /** Never runs: its callers pass what cannot be sent after `f`. */
  take(f: Future<number>, _x: unknown): void {
    f.send(1);
  }
  /** Makes futures and drops them unfulfilled, never having sent them anywhere. */
  dropFutures(): void {
    charm.createFuture<number>();
    charm.createFuture<number>(3);
  }
  /** `rounds` values to the next PE's member and as many from the previous one, on one channel each way. */
  async ring(rounds: number): Promise<number> {
    const n = charm.numPes();
    const right = new Channel<number>(this, this.thisProxy[(this.thisIndex + 1) % n], 5);
    const left = new Channel<number>(this, this.thisProxy[(this.thisIndex + n - 1) % n], 5);
    let sum = 0;
    for (let i = 0; i < rounds; i++) {
      right.send(i);
      sum += await left.recv();
    }
    return sum;
  }
}
charm.register(Probe);

class Cell extends Chare<readonly number[]> {
  got = 0;
  expected = 0;
  ping(x: number): number {
    this.got++;
    return x;
  }
  hit(): void {
    this.got++;
  }
  received(): number {
    return this.got;
  }
  async sums(rounds: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < rounds; i++) total += await this.allReduce(1, Reducer.sum);
    return total;
  }
  toFuture(f: Future<number>): void {
    this.contribute(1, Reducer.sum, f);
  }
  /** Runs only when `n` is the next number (charm.when below): calls sent out of order wait. */
  take(n: number): void {
    if (n !== this.expected) throw new Error(`take(${n}) ran before take(${this.expected})`);
    this.expected++;
    this.got++;
  }
  moveTo(pe: number): void {
    this.migrate(pe);
  }
}
charm.register(Cell);
charm.when(Cell, 'take', (self, n) => n === self.expected);

function square(x: number): number {
  return x * x;
}
charm.pool.register(square);

/**
 * Runs `step` (one iteration each call, i its number) for a warm-up of
 * ROUNDS / 4, counts every PE's objects, runs ROUNDS more, waits for
 * quiescence, and asserts that no PE gained more than SLACK objects.
 */
async function bounded(probe: CollectionProxy<Probe>, what: string, step: (i: number) => Promise<void>): Promise<void> {
  let i = 0;
  for (; i < ROUNDS / 4; i++) await step(i);
  await charm.waitQD();
  const before = await probe.ret.objects();
  for (const end = i + ROUNDS; i < end; i++) await step(i);
  await charm.waitQD();
  const after = await probe.ret.objects();
  const gained = after.map((n, pe) => n - before[pe]);
  console.log(`[report] ${what}: objects gained per PE over ${ROUNDS} iterations ${gained.join('/')}`);
  gained.forEach((n, pe) => assert.ok(n < SLACK, `${what}: PE ${pe} kept ${n} more objects after ${ROUNDS} more iterations`));
}

/** The message of the error `call` rejects with ('' if it does not). */
async function failure(call: PromiseLike<unknown>): Promise<string> {
  try {
    await call;
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

test('awaited calls, awaited broadcasts and calls whose future nobody awaits keep nothing, and each is delivered once', async () => {
  const probe = charm.createGroup(Probe);
  const np = charm.numPes();
  await bounded(probe, 'awaited calls and broadcasts', async (i) => {
    assert.is(await probe[i % np].ret.ping(i), i + 1);
    assert.equal(await probe.ret.ping(i), new Array(np).fill(i + 1));
    void probe[(i + 1) % np].ret.ping(i); // a future nobody awaits
    probe[i % np].fulfil(charm.createFuture<number>()); // fulfilled, never awaited
  });
  await charm.waitQD();
  // Per iteration: one call, one broadcast (a call per PE), one unawaited call, one fulfil.
  assert.is(sum(await probe.ret.received()), (ROUNDS / 4 + ROUNDS) * (3 + np));
});

test('futures made and dropped, never fulfilled nor sent, keep nothing', async () => {
  const probe = charm.createGroup(Probe);
  const np = charm.numPes();
  await bounded(probe, 'futures dropped unfulfilled', async (i) => {
    charm.createFuture<number>();
    await probe[i % np].ret.dropFutures();
  });
});

test('calls refused at the caller because an argument after a future cannot be sent keep nothing of the future', async () => {
  const probe = charm.createGroup(Probe);
  const np = charm.numPes();
  const unsendable = (): number => 1;
  await bounded(probe, 'calls refused after a future argument', async (i) => {
    const f = charm.createFuture<number>();
    assert.throws(() => probe[i % np].take(f, unsendable), /a function/);
    assert.throws(() => probe.take(f, unsendable), /a function/);
    assert.throws(() => probe[(i + 1) % np].take(f, { deeper: [unsendable] }), /a function/);
    const g = charm.createFuture<unknown>();
    assert.throws(() => g.send([f, unsendable]), /a function/);
    g.send(0);
    await g;
  });
  assert.is(sum(await probe.ret.received()), 0, 'no call ran');
});

test('errors thrown in entry methods that callers await keep nothing', async () => {
  const probe = charm.createGroup(Probe);
  const np = charm.numPes();
  await bounded(probe, 'awaited calls that throw', async (i) => {
    assert.match(await failure(probe[i % np].ret.fail(i)), `failed on purpose ${i}`);
    assert.match(await failure(probe.ret.fail(i)), `failed on purpose ${i}`);
  });
  assert.is(sum(await probe.ret.received()), (ROUNDS / 4 + ROUNDS) * (1 + np));
});

test('allReduce in a loop, and contributions to futures, keep nothing', async () => {
  const probe = charm.createGroup(Probe);
  const cells = charm.createArray(Cell, [2 * charm.numPes()]);
  const n = 2 * charm.numPes();
  await bounded(probe, 'allReduce', async () => {
    assert.equal(await cells.ret.sums(4), new Array(n).fill(4 * n));
    const f = charm.createFuture<number>();
    cells.toFuture(f);
    assert.is(await f, n);
  });
});

test('elements inserted and deleted at the same indices, and elements migrating, keep nothing', async () => {
  const probe = charm.createGroup(Probe);
  const np = charm.numPes();
  const sparse = charm.createArray(Cell, { ndims: 1 });
  const dense: ArrayProxy<Cell> = charm.createArray(Cell, [2 * np]);
  await bounded(probe, 'insertion, deletion and migration', async (i) => {
    for (let k = 0; k < np; k++) sparse.ckInsert([k], [], { onPE: (i + k) % np });
    await sparse.ckDoneInserting();
    assert.is(await sparse[i % np].ret.ping(i), i);
    for (let k = 0; k < np; k++) await sparse[k].ckDestroy();
    dense[i % (2 * np)].moveTo((i + 1) % np);
    assert.is(await dense[(i + 3) % (2 * np)].ret.ping(i), i);
  });
});

test('elements inserted and deleted at ever-new indices keep a bounded number of tombstones at their home; late calls to the latest are refused', async () => {
  const np = charm.numPes();
  // The PE that names the indices keeps an element proxy per index (up to 65,536, arrays.ts): the home is
  // watched, another PE, which names none. With one PE there is no other.
  if (np === 1) return;
  const probe = charm.createGroup(Probe);
  const sparse = charm.createArray(Cell, { ndims: 1 });
  const home = np - 1;
  const at = (n: number): number => n * np + home; // homed on PE `home` (sparse 1D: index % PEs)
  const cycle = async (n: number): Promise<void> => {
    sparse.ckInsert([at(n)], [], { onPE: home });
    await sparse.ckDoneInserting();
    assert.is(await sparse.at([at(n)]).ret.ping(n), n);
    await sparse.at([at(n)]).ckDestroy();
  };
  let n = 0;
  for (; n < TOMBSTONES_KEPT + ROUNDS / 4; n++) await cycle(n);
  await charm.waitQD();
  const before = (await probe.ret.objects())[home];
  for (const end = n + ROUNDS * 2; n < end; n++) await cycle(n);
  await charm.waitQD();
  const gained = (await probe.ret.objects())[home] - before;
  console.log(`[report] deletion at new indices: objects gained at the home over ${ROUNDS * 2} iterations ${gained}`);
  assert.ok(gained < SLACK, `the home kept ${gained} more objects after ${ROUNDS * 2} more deletions at new indices`);
  assert.match(await failure(sparse.at([at(n - 1)]).ret.ping(0)), 'was deleted');
  // An index whose tombstone is forgotten takes an element again, which gets its calls.
  sparse.ckInsert([at(0)], [], { onPE: 0 });
  await sparse.ckDoneInserting();
  assert.is(await sparse.at([at(0)]).ret.ping(7), 7);
});

test('elements inserted away from their home, called, moved and deleted at ever-new indices leave a bounded location cache on every PE; calls still find the elements', async () => {
  const np = charm.numPes();
  if (np === 1) return; // every element lives at its home: nothing is cached
  const probe = charm.createGroup(Probe);
  const sparse = charm.createArray(Cell, { ndims: 1 });
  const id = (sparse as unknown as CallTarget).__ref.id;
  const batch = 64;
  const onPe = (n: number, step: number): number => (n + step) % np; // the home is n % np (sparse 1D)
  const each = (b: number, f: (n: number) => unknown): Promise<unknown[]> => Promise.all(Array.from({ length: batch }, (_, k) => f(b * batch + k)));
  // One element that stays, away from its home, moved once: the PEs' entries for it are forgotten on the way.
  const stays = 1 << 30;
  sparse.ckInsert([stays], [], { onPE: onPe(stays, 1) });
  await sparse.ckDoneInserting();
  assert.is(await sparse.at([stays]).ret.ping(1), 1);
  sparse.at([stays]).moveTo(onPe(stays, 2));
  assert.is(await sparse.at([stays]).ret.ping(2), 2);
  // Each batch: inserted on the PE after the home, called from PE 0 (which learns where), moved on, called, deleted.
  const cycle = async (b: number): Promise<void> => {
    await each(b, (n) => sparse.ckInsert([n], [], { onPE: onPe(n, 1) }));
    await sparse.ckDoneInserting();
    await each(b, async (n) => assert.is(await sparse.at([n]).ret.ping(n), n));
    await each(b, (n) => sparse.at([n]).moveTo(onPe(n, 2)));
    await each(b, async (n) => assert.is(await sparse.at([n]).ret.ping(n), n));
    await each(b, (n) => sparse.at([n]).ckDestroy());
  };
  const batches = Math.ceil((2 * CACHE_KEPT) / batch);
  const counts: number[][] = [];
  for (let b = 0; b < batches; b++) {
    await cycle(b);
    if ((b + 1) % (batches / 4) === 0) counts.push(await probe.ret.cached(id));
  }
  console.log(`[report] location cache entries per PE after each quarter of ${batches * batch} elements: ${counts.map((c) => c.join('/')).join(', ')} (bound ${CACHE_KEPT})`);
  for (const c of counts) c.forEach((n, pe) => assert.ok(n <= CACHE_KEPT, `PE ${pe} keeps ${n} location cache entries (bound ${CACHE_KEPT})`));
  assert.is(await sparse.at([stays]).ret.ping(3), 3, 'the element that stayed is found from PE 0 after its entries were forgotten');
  assert.match(await failure(sparse.at([batches * batch - 1]).ret.ping(0)), 'was deleted');
});

test("an element's own PE and its home keep no location cache entry for it: residents are found first, the home's record serves calls", async () => {
  const np = charm.numPes();
  if (np === 1) return;
  const probe = charm.createGroup(Probe);
  const sparse = charm.createArray(Cell, { ndims: 1 });
  const id = (sparse as unknown as CallTarget).__ref.id;
  const n = 256;
  const indices = Array.from({ length: n }, (_, k) => k * np); // all homed on PE 0, made on PE 1
  for (const i of indices) sparse.ckInsert([i], [], { onPE: 1 });
  await sparse.ckDoneInserting();
  const made = await probe.ret.cached(id);
  await Promise.all(indices.map((i) => sparse.at([i]).ckDestroy()));
  const deleted = await probe.ret.cached(id);
  console.log(`[report] location cache entries per PE with ${n} elements on PE 1 homed on PE 0: ${made.join('/')}; after their deletion: ${deleted.join('/')}`);
  made.forEach((c, pe) => assert.is(c, 0, `PE ${pe}: ${c} entries (the elements' own PE learned their location)`));
  assert.is(deleted[0], 0, `the home keeps ${deleted[0]} entries: its tombstones are records, not cache entries`);
  assert.ok(deleted[1] <= n, 'the deleting PE keeps each deletion\'s epoch (refuses late updates)');
});

test('charm.when calls that wait, quiescence detection and pool tasks keep nothing, and each call runs once', async () => {
  const probe = charm.createGroup(Probe);
  const cells = charm.createArray(Cell, [charm.numPes()]);
  await bounded(probe, 'when, waitQD and pool', async (i) => {
    // Out of order, to each element (an array broadcast is kept for elements yet to come until a census: bounded, not tested here).
    for (let k = 3; k >= 0; k--) for (let e = 0; e < charm.numPes(); e++) cells[e].take(4 * i + k);
    await charm.waitQD();
    assert.is(await charm.pool.submit(square, i), i * i);
  });
  assert.equal(await cells.ret.received(), new Array(charm.numPes()).fill(4 * (ROUNDS / 4 + ROUNDS)));
});

test('a channel used for many rounds keeps nothing, and every value arrives once, in order', async () => {
  const probe = charm.createGroup(Probe);
  const rounds = 25;
  await bounded(probe, 'channel rounds', async () => {
    assert.equal(await probe.ret.ring(rounds), new Array(charm.numPes()).fill((rounds * (rounds - 1)) / 2));
  });
});

runTests();
