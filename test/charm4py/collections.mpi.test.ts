// np: 1 2 4 5
// Charm4py's tests/collections and tests/array_maps, ported: arrays created
// from another PE through the runtime group, classes of the same name from
// two modules, proxy equality, one class in a group and an array, and
// array maps of 1 to 6 dimensions.
import * as assert from 'uvu/assert';
import { port, runPorts, asGroup, asArray } from './port';
import * as aux from './proxies_same_name_aux';
import { charm, Chare, Reducer, type ArrayIndex, type ArrayProxy, type Callback, type CollectionProxy, type Future } from '../../lib';

// ---------------------------------------------------------------- async_array_creation.py

class AsyncTest extends Chare<readonly number[]> {
  constructor(private readonly val = 0) {
    super();
  }
  work(cb: Future<number>, x = 0): void {
    this.contribute(x + this.val, Reducer.sum, cb);
  }
  work2(cb: Future<number>): void {
    this.contribute(charm.myPe(), Reducer.sum, cb);
  }
}
charm.register(AsyncTest);

class AsyncController extends Chare {
  async start(): Promise<void> {
    assert.is(charm.myPe(), 1);

    let N = charm.numPes() * 3;
    // TYPES: the runtime group's generic createArray loses its type parameter through .ret
    const a1 = (await charm.thisProxy[0].ret.createArray(AsyncTest, N)) as ArrayProxy<AsyncTest>;
    let f = charm.createFuture<number>();
    a1.work(f, 5);
    assert.is(await f, N * 5);

    N = 25;
    const a2 = (await charm.thisProxy[0].ret.createArray(AsyncTest, [5, 5], [33])) as ArrayProxy<AsyncTest>;
    f = charm.createFuture<number>();
    a2.work(f, 6);
    assert.is(await f, N * (6 + 33));
  }
}
charm.register(AsyncController);

port(
  'collections/async_array_creation.py',
  async () => {
    const controller = charm.createChare(AsyncController, [], { onPE: 1 });
    await controller.awaitable.start(); // the original exits from start()
  },
  { minPes: 2 },
);

// ---------------------------------------------------------------- proxies_same_name.py

class Hello extends Chare {
  check1(): number {
    assert.is(charm.myPe(), 3);
    return 68425;
  }
}
charm.register(Hello);

class SameNameTest extends Chare {
  constructor() {
    super();
    assert.is(charm.myPe(), 2);
  }
  async test(proxy: CollectionProxy<aux.Hello>, methodName: 'check2'): Promise<void> {
    assert.is(await proxy[1].ret[methodName](), 32255);
  }
}
// The original's class is named Test in both modules; here this one keeps the name Test.
charm.register(SameNameTest, { name: 'Test' });

port(
  'collections/proxies_same_name.py',
  async () => {
    assert.ok(charm.numPes() >= 4);
    const g1 = charm.createGroup(Hello);
    const g2 = charm.createGroup(aux.Hello);
    const tester1 = charm.createChare(SameNameTest, [], { onPE: 2 });
    const tester2 = charm.createChare(aux.Test, [], { onPE: 1 });
    await charm.awaitCreation(g2, g1, tester2, tester1);
    await tester1.awaitable.test(g2, 'check2');
    await tester2.awaitable.test(g1, 'check1');
  },
  { minPes: 4 },
);

// ---------------------------------------------------------------- proxy_eq.py

class EqTest extends Chare<number | readonly number[]> {
  /** The collection's proxy, or with `elem` this chare's own (Python's `thisProxy[thisIndex]`). */
  getProxy(elem = false): unknown {
    return elem ? this.thisElement : this.thisProxy;
  }
  echo(proxy: unknown): unknown {
    return proxy;
  }
}
charm.register(EqTest);

class EqMain extends Chare {
  // Python's == on proxies is === here: a proxy that travelled is the same object as the one obtained here.
  async run(): Promise<void> {
    assert.ok(charm.numPes() >= 4);
    const g1 = charm.createGroup(asGroup(EqTest));
    const g2 = charm.createGroup(asGroup(EqTest));
    const a = charm.createArray(asArray(EqTest), charm.numPes() * 8);
    const self = this.thisProxy as unknown; // unknown: TypeScript refuses === between types with nothing in common

    assert.ok(self === this.thisProxy);
    assert.ok(self !== g1);
    assert.ok(self !== a);

    assert.ok(g1 === g1);
    assert.ok(g1 === (await g1[2].ret.getProxy()));
    assert.ok(g1[2] === (await g1[2].ret.getProxy(true)));
    assert.ok((await g1[2].ret.getProxy()) === (await g1[3].ret.getProxy()));
    assert.ok((await g1[2].ret.getProxy(true)) !== (await g1[3].ret.getProxy(true)));

    assert.ok(g1 !== g2);
    assert.ok((await g1[2].ret.getProxy()) !== (await g2[2].ret.getProxy()));
    assert.ok((await g1[2].ret.getProxy(true)) !== (await g2[2].ret.getProxy(true)));

    assert.ok((g1 as unknown) !== a);
    assert.ok(a === a);
    assert.ok(a === (await a[12].ret.getProxy()));
    assert.ok(a[12] === (await a[12].ret.getProxy(true)));
    assert.ok(a[8] !== (await a[12].ret.getProxy(true)));

    // Every kind, however obtained: a chare's own proxies, sections, the runtime group.
    const single = charm.createChare(asGroup(EqTest), [], { onPE: 1 });
    assert.ok(single === (await single.ret.getProxy(true)));
    assert.ok(this.thisElement === (await g1[2].ret.echo(this.thisElement)));
    assert.ok(self === (await g1[3].ret.echo(this.thisProxy)));
    const section = charm.createSection(a, [[1], [3]]);
    assert.ok(section === (await g1[1].ret.echo(section)));
    assert.ok(section !== charm.createSection(a, [[1], [3]])); // another section of the same members
    assert.ok(charm.thisProxy === (await g1[1].ret.echo(charm.thisProxy)));
    assert.ok(charm.thisProxy[1] === (await g1[2].ret.echo(charm.thisProxy[1])));
  }
}
charm.register(EqMain);

port(
  'collections/proxy_eq.py',
  async () => {
    const main = charm.createChare(EqMain, [], { onPE: 0 });
    await main.awaitable.run();
  },
  { minPes: 4 },
);

// ---------------------------------------------------------------- test.py

const COLLECTIONS_CHARES_PER_PE = 5;

class SameClassTest extends Chare<number | readonly number[]> {
  constructor() {
    super();
    const myIndex = typeof this.thisIndex === 'number' ? this.thisIndex : this.thisIndex[0];
    if (charm.numPes() <= 20 || myIndex === 0) console.log('Test', JSON.stringify(this.thisIndex), 'created');
  }
  work(main: Callback): void {
    this.contribute(1, Reducer.sum, main);
  }
}
charm.register(SameClassTest);

class SameClassMain extends Chare {
  count = 0;
  countReductions = 0;
  constructor(private readonly finished: Future<void>) {
    super();
  }
  start(): void {
    charm.createGroup(asGroup(SameClassTest)).work(charm.callback(this.thisProxy, 'done'));
    charm.createArray(asArray(SameClassTest), charm.numPes() * COLLECTIONS_CHARES_PER_PE).work(charm.callback(this.thisProxy, 'done'));
  }
  done(result: number): void {
    this.count += result;
    this.countReductions += 1;
    if (this.countReductions === 2) {
      assert.is(this.count, charm.numPes() + charm.numPes() * COLLECTIONS_CHARES_PER_PE);
      console.log('Program done');
      this.finished.send(); // the original exits here
    }
  }
}
charm.register(SameClassMain);

port('collections/test.py', async () => {
  const finished = charm.createFuture();
  charm.createChare(SameClassMain, [finished], { onPE: 0 }).start();
  await finished;
});

// ---------------------------------------------------------------- array_maps/test1.py

/** Python's hash of an index tuple, modulo the PE count (any function of the index, the same on every PE). */
function indexToPe(index: ArrayIndex, numPes: number): number {
  let h = 0x345678;
  for (const i of index as readonly number[]) h = (Math.imul(h ^ i, 1000003) + 97531) >>> 0;
  return h % numPes;
}
/** Charm4py's ArrayMap subclass (a group with procNum) is a registered map function here. */
function myMap(index: ArrayIndex, numPes: number): number {
  return indexToPe(index, numPes);
}
charm.registerMap(myMap);

class MapChare extends Chare<readonly number[]> {
  constructor(last: boolean, done?: Future<void>) {
    super();
    assert.is(charm.myPe(), indexToPe(this.thisIndex, charm.numPes()), 'ArrayMap failed');
    if (last) this.contribute(undefined, Reducer.nop, done!); // the original's target exits the job
  }
}
charm.register(MapChare);

port('array_maps/test1.py', async () => {
  for (let nDims = 1; nDims <= 6; nDims++) {
    const dimSize = nDims <= 3 ? 4 : 2;
    if (nDims < 6) {
      const a = charm.createArray(MapChare, new Array<number>(nDims).fill(dimSize), [false], { map: myMap });
      await charm.awaitCreation(a); // the constructors' assertions have run
    } else {
      const done = charm.createFuture();
      const dynArray = charm.createArray(MapChare, { ndims: nDims }, [false], { map: myMap }); // (arguments of a sparse array: each insertion gives its own)
      const product = (n: number): number[][] => (n === 0 ? [[]] : product(n - 1).flatMap((p) => Array.from({ length: dimSize }, (_, i) => [...p, i])));
      for (const idx of product(nDims)) dynArray.ckInsert(idx, [true, done]);
      await dynArray.ckDoneInserting();
      await done;
    }
  }
});

runPorts();
