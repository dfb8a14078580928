// Sections of groups and arrays in a real MPI job: selection by list,
// predicate and slice, multicast exactly once, results in member order,
// section reductions, split and union, sections as arguments, and members
// that migrate while the section keeps calling them; a job that makes a
// section per iteration keeps only the sections it still holds.
import { queryObjects, setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, Reducer, type ArrayProxy, type Section } from '../lib';
import { internedSections } from '../lib/sections/sections';
import { sectionEntries } from '../lib/sections/branch';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

type Index = readonly number[];

class Member extends Chare<Index> {
  hits = 0;
  hit(): void {
    this.hits++;
  }
  where(): [Index, number] {
    return [this.thisIndex, charm.myPe()];
  }
  count(): number {
    return this.hits;
  }
  reduceOver(section: Section<Member>, f: Future<number>): void {
    this.contribute(this.thisIndex[0] + 1, Reducer.sum, f, section);
  }
  callAll(section: Section<Member>): void {
    section.hit();
  }
  wander(): void {
    this.migrate((charm.myPe() + 1) % charm.numPes());
  }
  /** Never runs: its callers pass what cannot be sent after the section. */
  take(_section: Section<Member>, _x: unknown): void {}
  /** The section last received, kept (every other one received is let go). */
  held: Section<Member> | undefined;
  receive(section: Section<Member>, keep: boolean): void {
    if (keep) this.held = section;
  }
}
charm.register(Member);

class G extends Chare {
  hits = 0;
  hit(): number {
    return ++this.hits;
  }
  sum(section: Section<G>, f: Future<number>): void {
    this.contribute(this.thisIndex * 10, Reducer.sum, f, section);
  }
}
charm.register(G);

/** One per PE: how many sections this PE's tables hold once unreachable ones are collected. */
class Tables extends Chare {
  async sections(): Promise<number> {
    // Finalizers run after a GC, as tasks of their own, not all at once: collect until the count stops falling.
    let last = Infinity;
    for (let round = 0; round < 20 && (round < 3 || internedSections() < last); round++) {
      last = internedSections();
      collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return internedSections();
  }
  /** Live JS objects on this PE after full collections (after `sections()`, whose finalizers have run). */
  objects(): number {
    collectGarbage();
    return queryObjects(Object, { format: 'count' }) as number;
  }
  /** Branches of sections, and sections with messages held, on this PE. */
  branches(): number {
    return sectionEntries();
  }
}
charm.register(Tables);

test('array sections by list, predicate and slice: calls reach each member once; results in member order', async () => {
  const arr = charm.createArray(Member, [12]);
  const byList = charm.createSection(arr, [[7], [2], [5]]);
  assert.equal(byList.members, [[7], [2], [5]]);
  assert.equal((await byList.ret.where()).map(([i]) => i), [[7], [2], [5]]);
  const evens = charm.createSection(arr, (i) => i[0] % 2 === 0);
  const slice = charm.createSection(arr, { start: 1, stop: 12, step: 3 });
  for (let k = 0; k < 5; k++) evens.hit();
  await slice.awaitable.hit();
  await charm.waitQD();
  const counts = await arr.ret.count();
  counts.forEach((c, i) => assert.is(c, (i % 2 === 0 ? 5 : 0) + ([1, 4, 7, 10].includes(i) ? 1 : 0), `element ${i}`));
});

test('2D array and group sections; split and union', async () => {
  const grid = charm.createArray(Member, [3, 3]);
  const diagonal = charm.createSection(grid, (i) => i[0] === i[1]);
  assert.equal((await diagonal.ret.where()).map(([i]) => i), [[0, 0], [1, 1], [2, 2]]);
  const [first, second] = diagonal.split(2);
  assert.equal(first.members, [[0, 0], [1, 1]]);
  assert.equal(second.members, [[2, 2]]);
  const [corner, rest] = diagonal.split((i) => i[0] === 0);
  assert.equal(corner.members, [[0, 0]]);
  assert.equal(rest.union(corner).members, [[1, 1], [2, 2], [0, 0]]);
  const group = charm.createGroup(G);
  const all = charm.createSection(group, { start: 0, stop: charm.numPes() });
  assert.equal(await all.ret.hit(), new Array(charm.numPes()).fill(1));
});

test('section reductions over the members only; sections travel as arguments', async () => {
  const arr = charm.createArray(Member, [10]);
  const odd = charm.createSection(arr, (i) => i[0] % 2 === 1);
  const f = charm.createFuture<number>();
  odd.reduceOver(odd, f);
  assert.is(await f, 2 + 4 + 6 + 8 + 10);
  const g = charm.createFuture<number>();
  odd.reduceOver(odd, g);
  assert.is(await g, 30, 'a second reduction over the same section');
  arr.at([0]).callAll(odd);
  await charm.waitQD();
  assert.equal(await odd.ret.count(), [1, 1, 1, 1, 1]);
  const group = charm.createGroup(G);
  const sec = charm.createSection(group, [charm.numPes() - 1, 0]);
  const h = charm.createFuture<number>();
  sec.sum(sec, h);
  assert.is(await h, (charm.numPes() - 1) * 10);
});

test('members that migrate keep receiving the section\'s calls', async () => {
  const arr = charm.createArray(Member, [8]);
  const sec = charm.createSection(arr, [[1], [3], [6]]);
  for (let round = 0; round < 10; round++) {
    sec.wander();
    sec.hit();
  }
  await charm.waitQD();
  assert.equal(await sec.ret.count(), [10, 10, 10]);
  const f = charm.createFuture<number>();
  sec.reduceOver(sec, f);
  assert.is(await f, 2 + 4 + 7);
});

test('bad input: empty selections, indices out of range, not a collection', () => {
  const arr = charm.createArray(Member, [4]);
  const other = charm.createArray(Member, [4]);
  assert.throws(() => charm.createSection(arr, []), /the selection is empty/);
  assert.throws(() => charm.createSection(arr, () => false), /the selection is empty/);
  assert.throws(() => charm.createSection(arr, [[9]]), /out of range/);
  assert.throws(() => charm.createSection(charm.createGroup(G), [charm.numPes()]), /out of range/);
  // Sections of different collections combine (charm.combine; test/charm4py/sections tests them in use).
  assert.equal(charm.createSection(arr, [[1]]).union(charm.createSection(other, [[1]])).members, [[1], [1]]);
  assert.throws(() => charm.createSection(arr.at([1]) as never, [[1]]), /expected the proxy of a group, an array or a section/);
  // Slices: one per dimension of a dense array (the types say so where the index type has a fixed arity; Index here does not).
  const grid = charm.createArray(Member, [2, 3]);
  assert.equal(charm.createSection(grid, [{ start: 0, stop: 2 }, { start: 2, stop: 3 }]).members, [[0, 2], [1, 2]]);
  assert.throws(() => charm.createSection(grid, { start: 0, stop: 2 }), /charm\.createSection\(Member\): one slice selects from a group or a 1D array; this array has 2 dimensions: give one slice per dimension, e.g\. \[\{ start, stop \}, \{ start, stop \}\]/);
  assert.throws(() => charm.createSection(arr, [{ start: 0, stop: 2 }, { start: 0, stop: 2 }]), /2 slices select from a 2D array; this array has 1 dimension:/);
  assert.throws(() => charm.createSection(charm.createGroup(G), [{ start: 0, stop: 1 }, { start: 0, stop: 1 }] as never), /a group takes one slice of PEs, not 2/);
  const sparse = charm.createArray(Member, { ndims: 1 });
  assert.throws(() => charm.createSection(sparse, { start: 0, stop: 2 }), /a sparse array has no known list of indices to slice: select members by a list/);
  assert.throws(() => charm.createSection(sparse, () => true), /a sparse array has no known list of indices for a predicate to choose from/);
});

/** A section's `ret` and `awaitable` faces, the section proxy itself left to the collector. */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
function facesOnly(arr: ArrayProxy<Member>, last: number) {
  const section = charm.createSection(arr, [[0], [last]]);
  return { ret: section.ret, awaitable: section.awaitable };
}

test('a section kept only through its ret or awaitable face still answers after the section proxy is collected', async () => {
  const n = 2 * charm.numPes();
  const arr = charm.createArray(Member, [n]);
  const { ret, awaitable } = facesOnly(arr, n - 1);
  assert.is((await ret.count()).length, 2);
  for (let i = 0; i < 5; i++) {
    collectGarbage();
    await charm.sleep(0.02); // finalizers run, and a Drop would go out
  }
  await charm.waitQD();
  assert.is((await ret.count()).length, 2);
  await awaitable.hit();
});

test('10,000 sections made one per iteration and dropped: no PE keeps them', async () => {
  const n = 2 * charm.numPes();
  const arr = charm.createArray(Member, [n]);
  const tables = charm.createGroup(Tables);
  await charm.waitQD();
  const before = await tables.ret.sections();
  const branchesBefore = await tables.ret.branches();
  const kept = charm.createSection(arr, [[0], [n - 1]]);
  for (let i = 0; i < 10_000; i++) {
    const section = charm.createSection(arr, [[i % n], [(i + 1) % n]]);
    if (i % 1000 === 0) await section.awaitable.hit(); // some used, on every PE of theirs
  }
  await charm.waitQD(); // every Establish has arrived (those sent on down a section's tree too)
  const after = await tables.ret.sections();
  console.log(`[report] sections held per PE after 10,000 made: ${after.join(' ')} (before: ${before.join(' ')})`);
  // Bounded: the section still held, and at most a few that something recent may still reach.
  for (let pe = 0; pe < after.length; pe++) assert.ok(after[pe] <= before[pe] + 4, `PE ${pe} holds ${after[pe]} sections (${before[pe]} before)`);
  await charm.waitQD(); // the Drops of the sections collected have gone down their trees
  const branches = await tables.ret.branches();
  console.log(`[report] section branches per PE after 10,000 made: ${branches.join(' ')} (before: ${branchesBefore.join(' ')})`);
  for (let pe = 0; pe < branches.length; pe++) assert.ok(branches[pe] <= branchesBefore[pe] + 4, `PE ${pe} keeps ${branches[pe]} section branches (${branchesBefore[pe]} before)`);
  assert.is((await kept.ret.count()).length, 2, 'a section still held works');
});

test('a section sent in a message every iteration keeps nothing per message on its receivers: one proxy while held, the branches of its one Establish', async () => {
  const n = 2 * charm.numPes();
  const arr = charm.createArray(Member, [n]);
  const tables = charm.createGroup(Tables);
  const section = charm.createSection(arr, [[0], [n - 1]]);
  const round = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i++) {
      arr.at([i % n]).receive(section, i % 3 === 0);
      if (i % 100 === 99) await charm.waitQD();
    }
    await charm.waitQD();
  };
  await round(0, 200);
  const before = await tables.ret.sections();
  const objectsBefore = await tables.ret.objects();
  const branchesBefore = await tables.ret.branches();
  await round(200, 5200);
  const after = await tables.ret.sections();
  const objects = await tables.ret.objects();
  const branches = await tables.ret.branches();
  const gained = objects.map((k, pe) => k - objectsBefore[pe]);
  console.log(`[report] one section sent 5,000 times: objects gained per PE ${gained.join(' ')}`);
  for (let pe = 0; pe < gained.length; pe++) assert.ok(gained[pe] < 200, `PE ${pe} gained ${gained[pe]} objects`);
  console.log(`[report] one section sent 5,000 times: sections held per PE ${after.join(' ')} (before: ${before.join(' ')}), branches ${branches.join(' ')} (before: ${branchesBefore.join(' ')})`);
  for (let pe = 0; pe < after.length; pe++) assert.ok(after[pe] <= before[pe] + 1, `PE ${pe} holds ${after[pe]} sections (${before[pe]} before)`);
  assert.equal(branches, branchesBefore, 'no branch more');
  assert.is((await section.ret.count()).length, 2, 'the section still works');
});

test('sections passed to calls refused at the caller (a later argument cannot be sent) and dropped: no PE keeps their branches', async () => {
  const n = 2 * charm.numPes();
  const arr = charm.createArray(Member, [n]);
  const tables = charm.createGroup(Tables);
  await charm.waitQD();
  await tables.ret.sections();
  const branchesBefore = await tables.ret.branches();
  const unsendable = (): number => 1;
  for (let i = 0; i < 500; i++) {
    const section = charm.createSection(arr, [[i % n], [(i + 1) % n]]);
    assert.throws(() => arr.at([0]).take(section, unsendable), /a function/);
  }
  await charm.waitQD();
  await tables.ret.sections(); // collected, and their Drops sent
  await charm.waitQD();
  const branches = await tables.ret.branches();
  console.log(`[report] section branches per PE after 500 passed to refused calls: ${branches.join(' ')} (before: ${branchesBefore.join(' ')})`);
  for (let pe = 0; pe < branches.length; pe++) assert.ok(branches[pe] <= branchesBefore[pe] + 4, `PE ${pe} keeps ${branches[pe]} section branches (${branchesBefore[pe]} before)`);
});

runTests();
