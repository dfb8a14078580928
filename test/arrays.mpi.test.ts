// Chare arrays in a real MPI job: dense arrays of 1 to 6 dimensions,
// sparse insertion, user-defined keys, deletion, custom maps, buffering
// before insertion, and migration with exactly-once delivery.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, RemoteError, type ArrayIndex, type ArrayProxy, type CollectionProxy } from '../lib';

type Tuple = readonly number[];

class Cell extends Chare<Tuple> {
  received = 0;
  bcasts = 0;
  log: number[] = [];
  constructor(readonly tag = 'cell') {
    super();
  }
  where(): { pe: number; index: ArrayIndex; tag: string } {
    return { pe: charm.myPe(), index: this.thisIndex, tag: this.tag };
  }
  ping(n: number): void {
    this.received++;
    this.log.push(n);
  }
  bcast(): void {
    this.bcasts++;
  }
  stats(): { received: number; bcasts: number; log: number[]; pe: number } {
    return { received: this.received, bcasts: this.bcasts, log: this.log, pe: charm.myPe() };
  }
  moveTo(pe: number): void {
    this.migrate(pe);
  }
  /** Visits PEs in turn: `laps` rounds over every PE, moving after each hop's arrival. */
  tour(laps: number, done: Future<number>): void {
    this.toursLeft = laps * charm.numPes();
    this.done = done;
    this.hop();
  }
  toursLeft = 0;
  visited: number[] = [];
  done: Future<number> | undefined;
  hop(): void {
    this.visited.push(charm.myPe());
    if (this.toursLeft-- === 0) {
      this.done!.send(this.visited.length);
      return;
    }
    const next = (charm.myPe() + 1) % charm.numPes();
    if (next === charm.myPe()) this.thisElement.hop(); // one PE: moving to itself is no move
    else this.migrate(next);
  }
  override onMigrated(): void {
    // Keep moving: schedule the next hop through a message to ourselves.
    if (this.toursLeft >= 0 && this.done) this.thisElement.hop();
  }
  visits(): number[] {
    return this.visited;
  }
  /** Deletes this element (awaiting the home's acknowledgement). */
  async leave(): Promise<void> {
    await this.thisElement.ckDestroy();
  }
  gate: Future<string> | undefined;
  async waitThenReport(): Promise<string> {
    this.gate = charm.createFuture<string>();
    const v = await this.gate;
    return `${v} on ${charm.myPe()}`;
  }
  open(value: string): void {
    this.gate!.send(value);
  }
  fail(): void {
    throw new Error('cell failure');
  }
}
charm.register(Cell);

class Keyed extends Chare<string | Uint8Array> {
  constructor(readonly tag: string) {
    super();
  }
  where(): { pe: number; index: ArrayIndex; tag: string } {
    return { pe: charm.myPe(), index: this.thisIndex, tag: this.tag };
  }
}
charm.register(Keyed);

class Pinned extends Chare<Tuple> {
  override migratable = false;
  tryMove(pe: number): string {
    try {
      this.migrate(pe);
      return 'moved';
    } catch (error) {
      return (error as Error).message;
    }
  }
}
charm.register(Pinned);

/** Group that inserts into a sparse array from every PE. */
class Inserter extends Chare {
  insertMany(array: ArrayProxy<Cell>, perPe: number): void {
    for (let i = 0; i < perPe; i++) array.ckInsert([this.thisIndex * 1000 + i], [`from${this.thisIndex}`]);
  }
  pingMany(array: ArrayProxy<Cell>, index: number, count: number, base = 0): void {
    for (let i = 0; i < count; i++) array.at([index]).ping(this.thisIndex * 100000 + base + i);
  }
}
charm.register(Inserter);

function lastPe(index: ArrayIndex, numPes: number): number {
  void index;
  return numPes - 1;
}
charm.registerMap(lastPe);

const product = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

test('dense arrays of 1 to 6 dimensions: every element exists once, thisIndex is its tuple, results in index order', async () => {
  for (const dims of [[7], [3, 4], [2, 3, 2], [2, 2, 2, 2], [2, 1, 2, 1, 2], [1, 2, 1, 2, 1, 2]]) {
    const arr = charm.createArray(Cell, dims);
    const all = await arr.ret.where();
    assert.is(all.length, product(dims), `count for [${dims}]`);
    const indices = all.map((e) => (e.index as Tuple).join(','));
    const expected: string[] = [];
    const walk = (prefix: number[], d: number): void => {
      if (d === dims.length) expected.push(prefix.join(','));
      else for (let i = 0; i < dims[d]; i++) walk([...prefix, i], d + 1);
    };
    walk([], 0);
    assert.equal(indices, expected, `index order for [${dims}]`);
    const last = dims.map((n) => n - 1);
    const one = await arr.at(last).ret.where();
    assert.equal(one.index, last);
  }
  const oneD = charm.createArray(Cell, 5, ['x']);
  assert.equal((await oneD[3].ret.where()).index, [3]);
  assert.is((await oneD[3].ret.where()).tag, 'x');
});

test('block map spreads a dense array over the PEs', async () => {
  const arr = charm.createArray(Cell, [4 * charm.numPes()]);
  const pes = (await arr.ret.where()).map((e) => e.pe);
  for (let pe = 0; pe < charm.numPes(); pe++) assert.is(pes.filter((p) => p === pe).length, 4);
});

test('custom map: every element on the last PE', async () => {
  const arr = charm.createArray(Cell, [6], [], { map: lastPe });
  const pes = (await arr.ret.where()).map((e) => e.pe);
  assert.equal(pes, new Array(6).fill(charm.numPes() - 1));
});

/** A program's mistake: a map that differs between PEs (PE 0 places every index on PE 1, the others on PE 0). */
function notTheSame(index: ArrayIndex, numPes: number): number {
  void index;
  return charm.myPe() === 0 ? 1 % numPes : 0;
}
charm.registerMap(notTheSame);
test('a map that differs between PEs: a call to an index the home holds for is refused, naming the map, the element and both PEs (it went round PEs 0 and 1 for good)', async () => {
  if (charm.numPes() < 2) return;
  const arr = charm.createArray(Cell, { ndims: 1 }, [], { map: notTheSame });
  try {
    await arr.at([7]).ret.where();
    assert.unreachable('the call was delivered');
  } catch (error) {
    assert.match(
      (error as Error).message,
      'Cell[7]: array map "notTheSame" differs between PEs: on PE 0 it places the element on PE 1, on PE 1 on PE 0 (a map must give every PE the same PE for an index): the call to where was not delivered',
    );
  }
});

test('sparse arrays: insertion from every PE, onPE placement, doneInserting, broadcast reaches all', async () => {
  const arr = charm.createArray(Cell, { ndims: 1 });
  const inserters = charm.createGroup(Inserter);
  await inserters.awaitable.insertMany(arr, 3);
  arr.ckInsert([99999], ['placed'], { onPE: charm.numPes() - 1 });
  // Charm4py's spelling in untyped code is refused, not dropped (the element went to the map's PE).
  assert.throws(() => arr.ckInsert([99998], ['placed'], { onPe: 0 } as never), /Cell\.ckInsert: unknown option "onPe"; did you mean "onPE"\?/);
  await arr.ckDoneInserting();
  const all = await arr.ret.where();
  const expected: number[] = [];
  for (let pe = 0; pe < charm.numPes(); pe++) for (let i = 0; i < 3; i++) expected.push(pe * 1000 + i);
  expected.push(99999);
  assert.equal(all.map((e) => (e.index as Tuple)[0]), expected);
  assert.is(all[all.length - 1].pe, charm.numPes() - 1);
  assert.is(all[0].tag, 'from0');
});

test('user-defined keys: strings and bytes', async () => {
  const arr = charm.createArray(Keyed, { keys: true });
  for (const name of ['carol', 'alice', 'bob']) arr.ckInsert(name, [name.toUpperCase()]);
  arr.ckInsert(new Uint8Array([1, 2, 3]), ['bytes']);
  await arr.ckDoneInserting();
  assert.is((await arr.at('alice').ret.where()).tag, 'ALICE');
  assert.is((await arr.at(new Uint8Array([1, 2, 3])).ret.where()).tag, 'bytes');
  const all = await arr.ret.where();
  assert.equal(all.slice(0, 3).map((e) => e.index), ['alice', 'bob', 'carol']);
});

test('messages sent before an element is inserted are delivered after', async () => {
  const arr = charm.createArray(Cell, { ndims: 1 });
  const inserters = charm.createGroup(Inserter);
  await inserters.awaitable.pingMany(arr, 5, 10);
  arr.ckInsert([5]);
  await arr.ckDoneInserting();
  // A ping sent before the others finished may still be on its way to the home (MPI orders messages per pair only).
  await charm.waitQD();
  const stats = await arr.at([5]).ret.stats();
  assert.is(stats.received, 10 * charm.numPes());
  for (let pe = 0; pe < charm.numPes(); pe++) {
    const fromPe = stats.log.filter((n) => Math.floor(n / 100000) === pe);
    assert.equal(fromPe, Array.from({ length: 10 }, (_, i) => pe * 100000 + i), `order from PE ${pe}`);
  }
});

test('deletion: calls to a deleted element fail at the sender; the index can be inserted again', async () => {
  const arr = charm.createArray(Cell, { ndims: 2 });
  arr.ckInsert([1, 1], ['first']);
  await arr.ckDoneInserting();
  arr.at([1, 1]).ping(1);
  await arr.at([1, 1]).ckDestroy();
  try {
    await arr.at([1, 1]).ret.where();
    assert.unreachable('a call to a deleted element must fail');
  } catch (error) {
    assert.instance(error, RemoteError);
    assert.match((error as Error).message, 'Cell[1, 1] was deleted');
  }
  arr.ckInsert([1, 1], ['second'], { onPE: charm.numPes() - 1 });
  await arr.ckDoneInserting();
  const again = await arr.at([1, 1]).ret.stats();
  assert.is(again.received, 0);
  assert.is((await arr.at([1, 1]).ret.where()).tag, 'second');
  assert.is((await arr.ret.where()).length, 1);
});

test('an array with no elements: broadcasts complete (.ret gives []), and insertion after them is not held up', async () => {
  const arr = charm.createArray(Cell, { ndims: 1 });
  await arr.awaitable.bcast();
  assert.equal(await arr.ret.where(), []);
  arr.bcast(); // no reply wanted: the census an insertion starts after it has no element to ask
  arr.ckInsert([7], ['late'], { onPE: charm.numPes() - 1 });
  await arr.ckDoneInserting();
  const [only] = await arr.ret.stats();
  assert.is(only.bcasts, 0, 'an element inserted after a broadcast does not run it');
  assert.equal((await arr.ret.where()).map((w) => w.tag), ['late']);
});

test('broadcasts numbered while the last elements are being deleted complete with what is left', async () => {
  for (let round = 0; round < 10; round++) {
    const arr = charm.createArray(Cell, { ndims: 1 });
    for (let pe = 0; pe < charm.numPes(); pe++) arr.ckInsert([pe], [], { onPE: pe });
    await arr.ckDoneInserting();
    const gone = arr.awaitable.leave();
    // Each element either runs these before it goes, or is gone: no reply is owed by an element that never ran them.
    const replies = await arr.ret.where();
    assert.ok(replies.length <= charm.numPes(), `round ${round}: ${replies.length} replies`);
    await arr.awaitable.bcast();
    await gone;
    assert.equal(await arr.ret.where(), [], `round ${round}: every element is deleted`);
    arr.ckInsert([0], ['again']);
    await arr.ckDoneInserting();
    assert.equal((await arr.ret.where()).map((w) => w.tag), ['again']);
  }
});

test('migration through the proxy and from inside; state survives; location caches follow', async () => {
  const arr = charm.createArray(Cell, [2]);
  for (let i = 0; i < 5; i++) arr.at([0]).ping(i);
  const target = charm.numPes() - 1;
  arr.at([0]).ckMigrate(target);
  for (let i = 5; i < 10; i++) arr.at([0]).ping(i);
  const s = await arr.at([0]).ret.stats();
  assert.is(s.pe, target);
  assert.equal(s.log, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  arr.at([1]).moveTo(0);
  assert.is((await arr.at([1]).ret.where()).pe, 0);
});

test('a touring element meets every message and broadcast exactly once', async () => {
  const n = 4;
  const arr = charm.createArray(Cell, [n]);
  const laps = 3;
  const done = charm.createFuture<number>();
  arr.at([0]).tour(laps, done);
  const inserters = charm.createGroup(Inserter);
  let broadcasts = 0;
  for (let round = 0; round < 20; round++) {
    inserters.pingMany(arr, 0, 5, round * 5);
    arr.bcast();
    broadcasts++;
  }
  const hops = await done;
  assert.is(hops, laps * charm.numPes() + 1);
  await charm.waitQD();
  const stats = await arr.at([0]).ret.stats();
  assert.is(stats.received, 20 * 5 * charm.numPes());
  assert.is(new Set(stats.log).size, stats.log.length, 'no duplicates');
  assert.is(stats.bcasts, broadcasts);
  for (const other of await arr.ret.stats()) assert.is(other.bcasts, broadcasts);
  const visits = await arr.at([0]).ret.visits();
  assert.is(visits.length, laps * charm.numPes() + 1);
});

test('migration waits for a suspended async entry method to finish', async () => {
  const arr = charm.createArray(Cell, [1], [], { map: lastPe });
  const pending = arr.at([0]).ret.waitThenReport();
  arr.at([0]).ckMigrate(0);
  await charm.sleep(0.02);
  assert.is((await arr.at([0]).ret.where()).pe, charm.numPes() - 1, 'still pinned by the suspended method');
  arr.at([0]).open('resumed');
  assert.is(await pending, `resumed on ${charm.numPes() - 1}`);
  await charm.waitQD();
  assert.is((await arr.at([0]).ret.where()).pe, 0);
});

test('element proxies are kept per index, up to a bound: naming ever new indices does not grow a PE without end', async () => {
  const arr = charm.createArray(Cell, { ndims: 1 });
  const first = arr.at([0]);
  assert.ok(arr.at([0]) === first, 'the same proxy while kept');
  for (let i = 1; i <= 70_000; i++) arr.at([i]); // more than are kept: the cache starts again
  assert.ok(arr.at([0]) !== first, 'the first one was let go');
  const dense = charm.createArray(Cell, [5000]);
  for (let i = 0; i < 5000; i++) void dense[i];
  const own = Object.getOwnPropertyNames(dense).filter((k) => /^\d+$/.test(k)).length;
  assert.is(own, 4096, 'proxy[i] is kept as an own element for the first 4096 only');
  assert.equal(await dense[4999].ret.where(), await dense.at([4999]).ret.where(), 'members past the bound still answer');
});

test('bad input: non-migratable elements, indices of the wrong shape, out of range', async () => {
  const pinned = charm.createArray(Pinned, [1]);
  assert.is(await pinned.at([0]).ret.tryMove(0), 'Pinned[0].migrate: this element declared itself not migratable', 'named as the element called it (a ckMigrate: failures.test.ts)');
  const arr = charm.createArray(Cell, [2, 2]);
  assert.throws(() => arr.at([1]), /has 1 dimension\(s\); this array has 2/);
  assert.throws(() => arr.at([2, 0]), /out of range for extents \[2, 2\]/);
  assert.throws(() => arr.at([0, -1] as never), /must be a non-negative integer/);
  // Charm4py's a[(1, 0)] / self.thisProxy[self.thisIndex]: a property named "1,0".
  assert.throws(() => (arr as unknown as Record<string, unknown>)[[1, 0].toString()], /proxy\[\[1,0\]\] of chare class \w+ reads a property "1,0", not an element: write proxy\.at\(\[1,0\]\)/);
  assert.throws(() => (arr as ArrayProxy<Cell>).ckInsert([0, 0]), /dense arrays are created whole/); // a compile error without the cast (test/types/creation.ts)
  assert.throws(() => charm.createArray(Cell, [1, 1, 1, 1, 1, 1, 1]), /1 to 6 dimensions/);
  const keyed = charm.createArray(Keyed, { keys: true });
  assert.throws(() => keyed.at([1] as never), /indexed by string or bytes keys/);
  const sparse = charm.createArray(Cell, { ndims: 1 });
  assert.throws(() => sparse.ckInsert([0], [], { onPE: charm.numPes() }), /onPE \d+ is out of range/);
  try {
    await arr.at([0, 0]).ret.fail();
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, 'cell failure');
  }
  try {
    await arr.awaitable.fail();
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, 'cell failure');
  }
  void (null as unknown as CollectionProxy<Cell>);
});

runTests();
