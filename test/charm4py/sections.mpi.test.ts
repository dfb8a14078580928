// np: 1 2 3 4
// Charm4py's tests/sections, ported: allReduce over a section, sections
// as callbacks, groups on a subset of PEs, random splits and combinations
// of sections of many collections, sections by member function and by
// list, and slices.
import * as assert from 'uvu/assert';
import { port, runPorts, sample, randint, range, asGroup, asArray } from './port';
import { charm, Chare, Reducer, type ArrayProxy, type Callback, type Collection, type CollectionProxy, type Future, type Section } from '../../lib';

// ---------------------------------------------------------------- allreduce.py

const NUM_ITER = 100;

class AllreduceTest extends Chare {
  numallreduce = 0;
  async work(f: Future<void[], void>, numchares: number, secproxy?: Section<AllreduceTest>): Promise<void> {
    for (let i = 0; i < NUM_ITER; i++) {
      const result = await this.allReduce(1, Reducer.sum, secproxy);
      assert.is(result, numchares);
      this.numallreduce += 1;
    }
    if (this.thisIndex === 0) f.send();
  }
  verify(): void {
    if (this.thisIndex % 2 === 0) assert.is(this.numallreduce, 2 * NUM_ITER);
    else assert.is(this.numallreduce, NUM_ITER);
  }
}
charm.register(AllreduceTest);

port(
  'sections/allreduce.py',
  async () => {
    assert.is(charm.numPes() % 2, 0);
    const g = charm.createGroup(AllreduceTest);
    const gsec = charm.createSection(g, { start: 0, stop: charm.numPes(), step: 2 }); // g[::2]: the even members
    const f = charm.createFuture<void>(2);
    g.work(f, charm.numPes());
    gsec.work(f, charm.numPes() / 2, gsec);
    await f;
    await g.awaitable.verify();
  },
  { evenPes: true },
);

// ---------------------------------------------------------------- callbacks.py

/** Python's member function odd_idx_chares: the odd members form section 0. */
const oddIdxChares = (index: number | readonly number[]): boolean => (typeof index === 'number' ? index : index[0]) % 2 === 1;

function assertAllclose(actual: ArrayLike<number>, desired: ArrayLike<number>, tol: number): void {
  assert.is(actual.length, desired.length);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i] - desired[i]) <= tol);
}

class CallbackTest extends Chare<number | readonly number[]> {
  readonly idx = typeof this.thisIndex === 'number' ? this.thisIndex : this.thisIndex[0];
  secProxy: Section<CallbackTest> | undefined;
  future: Future<number> | undefined;
  expected: unknown;
  setSecProxy(proxy: Section<CallbackTest>): void {
    this.secProxy = proxy;
  }
  setTest(future: Future<number>, expected: unknown): void {
    this.future = future;
    this.expected = expected;
  }
  recvResult(result?: unknown): void {
    assert.is(this.idx % 2, 1);
    if (result instanceof Float64Array) assertAllclose(result, this.expected as Float64Array, 1e-1);
    else assert.equal(result, this.expected);
    this.contribute(1, Reducer.sum, this.future!, this.secProxy);
  }
  work1(cb: Callback, secProxy?: Section<CallbackTest>): void {
    this.contribute(3, Reducer.sum, cb, secProxy);
  }
  work2(cb: Callback, secProxy?: Section<CallbackTest>): void {
    const data = Float64Array.from(range(100));
    this.contribute(data, Reducer.sum, cb, secProxy);
  }
  work3(cb: Callback, secProxy?: Section<CallbackTest>): void {
    this.contribute(String(this.idx), Reducer.gather, cb, secProxy);
  }
  work4(cb: Callback, secProxy?: Section<CallbackTest>): void {
    this.contribute(undefined, Reducer.nop, cb, secProxy);
  }
  work5(cb: Callback): void {
    if (this.idx === 1) cb.send('test section callback'); // calling a callback: Python's cb(value)
  }
}
charm.register(CallbackTest);

port(
  'sections/callbacks.py',
  async () => {
    assert.is(charm.numPes() % 2, 0);
    const g = charm.createGroup(asGroup(CallbackTest));
    const gSec = charm.createSection(g, oddIdxChares);
    await g.awaitable.setSecProxy(gSec);
    const N = charm.numPes() * 10;
    const a = charm.createArray(asArray(CallbackTest), N);
    const aSec = charm.createSection(a, oddIdxChares);
    await a.awaitable.setSecProxy(aSec);
    const collections: [Collection<CallbackTest>, Section<CallbackTest>, number][] = [
      [g, gSec, charm.numPes()],
      [a, aSec, N],
    ];
    for (const [collection, secProxy, numchares] of collections) {
      const recvResult = charm.callback(secProxy, 'recvResult');
      const half = Math.floor(numchares / 2);

      let f = charm.createFuture<number>();
      await collection.awaitable.setTest(f, numchares * 3);
      collection.work1(recvResult);
      assert.is(await f, half);

      f = charm.createFuture<number>();
      await secProxy.awaitable.setTest(f, half * 3);
      secProxy.work1(recvResult, secProxy);
      assert.is(await f, half);

      f = charm.createFuture<number>();
      await collection.awaitable.setTest(f, Float64Array.from(range(100), (x) => x * numchares));
      collection.work2(recvResult);
      assert.is(await f, half);

      f = charm.createFuture<number>();
      await secProxy.awaitable.setTest(f, Float64Array.from(range(100), (x) => x * half));
      secProxy.work2(recvResult, secProxy);
      assert.is(await f, half);

      f = charm.createFuture<number>();
      await collection.awaitable.setTest(f, range(numchares).map(String));
      collection.work3(recvResult);
      assert.is(await f, half);

      f = charm.createFuture<number>();
      await secProxy.awaitable.setTest(f, range(numchares).filter((i) => i % 2 === 1).map(String));
      secProxy.work3(recvResult, secProxy);
      assert.is(await f, half);

      f = charm.createFuture<number>();
      await collection.awaitable.setTest(f, undefined);
      collection.work4(recvResult);
      assert.is(await f, half);

      f = charm.createFuture<number>();
      await secProxy.awaitable.setTest(f, undefined);
      secProxy.work4(recvResult, secProxy);
      assert.is(await f, half);

      f = charm.createFuture<number>();
      await collection.awaitable.setTest(f, 'test section callback');
      collection.work5(recvResult);
      assert.is(await f, half);

      f = charm.createFuture<number>();
      await collection.awaitable.setTest(f, undefined);
      charm.startQD(recvResult);
      assert.is(await f, half);
    }
  },
  { evenPes: true },
);

// ---------------------------------------------------------------- constrained_groups.py

const constrained = globalThis as unknown as { sectionPes: number[] };

class ConstrainedTest extends Chare {
  constructor(x: number) {
    super();
    assert.is(x, 4862);
    assert.ok(constrained.sectionPes.includes(this.thisIndex));
  }
  test(): void {
    assert.ok(constrained.sectionPes.includes(this.thisIndex));
  }
  test2(): number {
    return 34589;
  }
  getIdx(): number {
    return this.thisIndex;
  }
  async testallreduce(): Promise<void> {
    const result = await this.allReduce(this.thisIndex, Reducer.gather);
    assert.equal(result, [...constrained.sectionPes].sort((x, y) => x - y));
  }
}
charm.register(ConstrainedTest);

port(
  'sections/constrained_groups.py',
  async () => {
    assert.ok(charm.numPes() > 1);
    const sectionPes = sample(range(charm.numPes()), Math.floor(charm.numPes() / 2));
    await charm.thisProxy.awaitable.updateGlobals({ sectionPes });
    const g = charm.createGroup(ConstrainedTest, [4862], { onPEs: sectionPes });
    assert.is(await g[sectionPes[0]].ret.test2(), 34589);
    await g.awaitable.test();
    assert.equal(await g.ret.getIdx(), [...sectionPes].sort((x, y) => x - y));
    assert.is(await g[sectionPes[0]].ret.getIdx(), sectionPes[0]);
    await g.awaitable.testallreduce();
  },
  { minPes: 2 },
);

// ---------------------------------------------------------------- multirand-split-combine.py

const NUM_ARRAYS = 10;
const NUM_GROUPS = 10;
const NUM_GEN = 300;
const multirand = globalThis as unknown as { DATA_VERIFY: number };

/** One member as the original names it: (collection id, index tuple). */
type Elem = [number, number[]];
const elemKey = ([cid, idx]: Elem): string => `${cid}:${idx.join(',')}`;

charm.registerReducer<Elem[]>('mygather', (a, b) => a.concat(b));
const mygather = Reducer.named('mygather');

class MultiTest extends Chare<number | readonly number[]> {
  readonly idx: number[];
  readonly secProxies = new Map<number, Section<MultiTest>>(); // sid -> proxy
  constructor(private readonly cid: number) {
    super();
    this.idx = typeof this.thisIndex === 'number' ? [this.thisIndex] : [...this.thisIndex];
  }
  getIds(f: Future<Elem[]>): void {
    this.contribute([[this.cid, this.idx]], mygather, f);
  }
  recvSecProxy(sid: number, proxy: Section<MultiTest>): void {
    assert.not.ok(this.secProxies.has(sid));
    this.secProxies.set(sid, proxy);
  }
  recvBcast(x: number, f: Future<Elem[]>, sid?: number): void {
    assert.is(x, multirand.DATA_VERIFY);
    const section = sid !== undefined ? this.secProxies.get(sid) : undefined;
    this.contribute([[this.cid, this.idx]], mygather, f, section);
  }
}
charm.register(MultiTest);

/** A collection or a section, with the members it must reach (the original's Collection class). */
class MultiCollection {
  readonly elems = new Set<string>();
  constructor(
    elems: Elem[],
    readonly proxy: Collection<MultiTest> | Section<MultiTest, unknown>,
    /** Section id given by main (Python's proxy.section[1]), or undefined for a whole collection. */
    readonly sid: number | undefined,
    readonly list: Elem[] = [],
  ) {
    this.addElems(elems);
  }
  addElems(elems: Elem[]): void {
    // collections resulting from combining sections could get the same element from different sections
    for (const e of elems) {
      if (!this.elems.has(elemKey(e))) this.list.push(e);
      this.elems.add(elemKey(e));
    }
  }
  verify(result: Elem[]): void {
    assert.equal(new Set(result.map(elemKey)), this.elems);
  }
}

port('sections/multirand-split-combine.py', async () => {
  let nextSid = 0;
  /** Which collection id each collection proxy has (proxies are unique objects: a map works). */
  const cidOf = new Map<unknown, number>();
  const collections: MultiCollection[] = [];
  let cid = 0;
  for (let k = 0; k < NUM_ARRAYS; k++) {
    const proxy = charm.createArray(asArray(MultiTest), randint(1, charm.numPes() * 10), [cid]);
    const f = charm.createFuture<Elem[]>();
    proxy.getIds(f);
    const elems = await f;
    assert.is(new Set(elems.map(elemKey)).size, elems.length);
    collections.push(new MultiCollection(elems, proxy, undefined));
    cidOf.set(proxy, cid++);
  }
  for (let k = 0; k < NUM_GROUPS; k++) {
    const proxy = charm.createGroup(asGroup(MultiTest), [cid]);
    const f = charm.createFuture<Elem[]>();
    proxy.getIds(f);
    collections.push(new MultiCollection(await f, proxy, undefined));
    cidOf.set(proxy, cid++);
  }

  /** The original's Collection.split: N random sections, disjoint or not, made by a membership function. */
  const split = (c: MultiCollection, N: number): MultiCollection[] => {
    const insections = new Map<string, number[]>(); // (cid, idx) -> section numbers
    let sections: Elem[][];
    if (Math.random() <= 0.5) {
      // disjoint
      const elems = sample(c.list, c.list.length);
      sections = range(N).map((i) => elems.slice(Math.floor((i * elems.length) / N), Math.floor(((i + 1) * elems.length) / N)));
      sections.forEach((section, i) => {
        for (const e of section) {
          assert.not.ok(insections.has(elemKey(e)));
          insections.set(elemKey(e), [i]);
        }
      });
    } else {
      // chance of non disjoint sections
      sections = range(N).map(() => sample(c.list, Math.max(Math.floor(c.list.length / N), 1)));
      sections.forEach((section, i) => {
        for (const e of section) insections.set(elemKey(e), [...(insections.get(elemKey(e)) ?? []), i]);
      });
    }
    assert.is(sections.length, N);
    for (const section of sections) assert.ok(section.length > 0);
    // Charm4py's split(proxy, N, inSections) evaluates the function on each member; here on its index and collection.
    const inSections = (index: number | readonly number[], collection: unknown): number[] =>
      insections.get(elemKey([cidOf.get(collection)!, typeof index === 'number' ? [index] : [...index]])) ?? [];
    const proxies = range(N).map((i) =>
      // TYPES: a section of a group, an array or a section, by one predicate
      charm.createSection(c.proxy as Section<MultiTest, number | readonly number[]>, (index, collection) => inSections(index, collection).includes(i)),
    );
    assert.is(proxies.length, N);
    return proxies.map((proxy, i) => new MultiCollection(sections[i], proxy, nextSid++));
  };

  let sectionsSplit = 0;
  let sectionsCombined = 0;
  for (let i = 0; i < NUM_GEN; i++) {
    if (i < 20 || Math.random() <= 0.5) {
      // split
      let c: MultiCollection;
      do c = collections[randint(0, collections.length - 1)];
      while (c.elems.size <= 1);
      const N = Math.random() < 0.9 ? randint(1, Math.floor(c.elems.size / 2)) : randint(1, c.elems.size);
      collections.push(...split(c, N));
      if (c.sid !== undefined) sectionsSplit += 1;
    } else {
      // combine
      const N = randint(2, 10);
      const cs = sample(collections, N);
      const proxy = charm.combine(...cs.map((x) => x.proxy));
      assert.ok('members' in proxy && typeof proxy.split === 'function'); // hasattr(c.proxy, 'section') and c.proxy.issec
      const c = new MultiCollection([], proxy, nextSid++);
      for (const c_ of cs) c.addElems(c_.list);
      sectionsCombined += 1;
      collections.push(c);
    }
  }
  console.log(collections.length, 'collections created, sections_split=', sectionsSplit, 'sections_combined=', sectionsCombined);

  for (const c of collections) {
    if (c.sid !== undefined) await (c.proxy as Section<MultiTest>).awaitable.recvSecProxy(c.sid, c.proxy as Section<MultiTest>);
  }
  const futures = collections.map(() => charm.createFuture<Elem[]>());
  await charm.thisProxy.awaitable.updateGlobals({ DATA_VERIFY: randint(0, 100000) });
  const data = multirand.DATA_VERIFY;
  collections.forEach((c, i) => c.proxy.recvBcast(data, futures[i], c.sid));
  for (let i = 0; i < futures.length; i++) collections[i].verify(await futures[i]);
  console.log('DONE');
});

// ---------------------------------------------------------------- simple.py

type Index = readonly number[];
/** Python's member function: section 0 for odd second coordinates, none (-1) otherwise. */
const member = (index: Index): number => (index[1] % 2 === 1 ? 0 : -1);

class SimpleTest extends Chare<Index> {
  readonly insection = member(this.thisIndex) >= 0;
  secProxy: Section<SimpleTest> | undefined;
  setSecProxy(proxy: Section<SimpleTest>): void {
    this.secProxy = proxy;
  }
  ping(f: Future<Index[]>): void {
    assert.ok(this.insection);
    this.contribute(this.thisIndex, Reducer.gather, f, this.secProxy);
  }
  getElems(): Index {
    return this.thisIndex;
  }
  ping2(f: Future<Index[]>, secProxy: Section<SimpleTest>): void {
    this.contribute(this.thisIndex, Reducer.gather, f, secProxy);
  }
}
charm.register(SimpleTest);

port('sections/simple.py', async () => {
  const array2d = charm.createArray(SimpleTest, [8, 8]);
  const array3d = charm.createArray(SimpleTest, [4, 5, 3]);
  const arrays: [ArrayProxy<SimpleTest>, number][] = [
    [array2d, 8 * 8],
    [array3d, 4 * 5 * 3],
  ];
  // for each array, create one section using member function to determine section membership
  for (const [array, size] of arrays) {
    const secProxy = charm.createSection(array, (i) => member(i) >= 0);
    await array.awaitable.setSecProxy(secProxy);
    const f = charm.createFuture<Index[]>();
    secProxy.ping(f);
    assert.ok((await f).length < size);
  }
  // for each array, create one section passing a random list of element indexes (half the size of the array)
  for (const [array, size] of arrays) {
    const elems = await array.ret.getElems();
    assert.is(elems.length, size);
    const sectionElems = sample(elems, Math.floor(size / 2));
    const secProxy = charm.createSection(array, sectionElems);
    const f = charm.createFuture<Index[]>();
    secProxy.ping2(f, secProxy);
    // Results come in the section's member order, the order of the list (Charm4py: index order, hence its sorted()).
    assert.equal(await f, sectionElems);
    assert.equal(await secProxy.ret.getElems(), sectionElems);
  }
});

// ---------------------------------------------------------------- slice.py

class SliceTest extends Chare<number | readonly number[]> {
  getIdx(): number | readonly number[] {
    return this.thisIndex;
  }
  async getIdxTh(): Promise<number | readonly number[]> {
    await Promise.resolve();
    return this.thisIndex;
  }
}
charm.register(SliceTest);

port(
  'sections/slice.py',
  async () => {
    const n = charm.numPes();
    const g: CollectionProxy<SliceTest> = charm.createGroup(asGroup(SliceTest));
    const elems = range(0, n, 2);
    assert.equal(await charm.createSection(g, { start: 0, stop: n, step: 2 }).ret.getIdx(), elems); // g[::2]
    assert.equal(await charm.createSection(g, { start: 0, stop: n, step: 2 }).ret.getIdxTh(), elems); // g[0::2]
    assert.equal(await charm.createSection(g, { start: 0, stop: n, step: 2 }).ret.getIdx(), elems); // g[:numPes:2]
    assert.not.equal(await charm.createSection(g, { start: 0, stop: n }).ret.getIdxTh(), elems); // g[0:numPes]

    const a1 = charm.createArray(asArray(SliceTest), [8, 8]);
    const a2 = charm.createArray(asArray(SliceTest), 64);

    let indexes = (await charm.createSection(a1, [{ start: 0, stop: 8, step: 2 }, { start: 1, stop: 8, step: 2 }]).ret.getIdx()) as number[][]; // a1[0:8:2, 1:8:2]
    assert.is(indexes.length, (8 * 8) / 4);
    for (const idx of indexes) {
      assert.is(idx.length, 2);
      assert.is(idx[0] % 2, 0);
      assert.is.not(idx[1] % 2, 0);
    }
    indexes = (await charm.createSection(a2, { start: 0, stop: 64, step: 5 }).ret.getIdxTh()) as number[][]; // a2[0:64:5]
    assert.is(indexes.length, 13);
    for (const idx of indexes) {
      assert.is(idx.length, 1);
      assert.is(idx[0] % 5, 0);
    }
  },
  { minPes: 2 }, // at 1 PE, g[0:1] is g[::2]: the original's != fails
);

runPorts({ remoteCode: true });
