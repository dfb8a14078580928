// np: 1 2 3 4
// Charm4py's tests/entry_methods, ported: element proxies of arrays and
// groups, proxies in globals, default and named arguments, and the three
// ways to call (send, ret, awaitable) on elements and broadcasts.
import * as assert from 'uvu/assert';
import { port, runPorts, sample, mod, asGroup, asArray } from './port';
import { charm, Chare, Reducer, type CollectionProxy, type ArrayProxy, type Future } from '../../lib';

// ---------------------------------------------------------------- array_element_proxy.py

class ArrayElementTest extends Chare<readonly number[]> {
  count = 0;
  say(msg: string, done: Future<void>): void {
    this.count += 1;
    console.log('Say', msg, 'called on', JSON.stringify(this.thisIndex), 'on PE', charm.myPe());
    if (this.count === 2) {
      assert.equal(this.thisIndex, [3]);
      done.send();
    }
  }
  start(done: Future<void>): void {
    const proxy = this.thisProxy[3];
    proxy.say('bye', done);
    proxy.say('bye', done);
  }
}
charm.register(ArrayElementTest);

port('entry_methods/array_element_proxy.py', async () => {
  const arr = charm.createArray(ArrayElementTest, 6);
  const done = charm.createFuture();
  arr[0].start(done);
  await done; // the original exits from say(); here say() fulfils the future main waits on
});

// ---------------------------------------------------------------- bcast_globals.py

/** What main puts in every PE's globals (Python's module globals). */
interface BcastGlobals {
  group1Proxy: CollectionProxy<BcastTest>;
  group2Proxy: CollectionProxy<BcastTest>;
  doneFuture: Future<void>;
}
const bcastGlobals = globalThis as unknown as BcastGlobals;

class BcastTest extends Chare {
  start(): void {
    bcastGlobals.group2Proxy[(this.thisIndex + 1) % charm.numPes()].ping();
  }
  ping(): void {
    bcastGlobals.group1Proxy[mod(this.thisIndex - 1, charm.numPes())].pong();
  }
  pong(): void {
    this.contribute(undefined, Reducer.nop, bcastGlobals.doneFuture);
  }
}
charm.register(BcastTest);

port('entry_methods/bcast_globals.py', async () => {
  const g1 = charm.createGroup(BcastTest);
  const g2 = charm.createGroup(BcastTest);
  const done = charm.createFuture();
  const mainGlobals: BcastGlobals = { group1Proxy: g1, group2Proxy: g2, doneFuture: done };
  await charm.thisProxy.awaitable.updateGlobals(mainGlobals as unknown as Record<string, unknown>);
  bcastGlobals.group1Proxy.start();
  await done;
});

// ---------------------------------------------------------------- entrymethod_args_kwargs.py

/** The arguments recv expects, by name: TypeScript has no keyword arguments, so calls by name pass one object. */
interface RecvArgs {
  x: number;
  y: number;
  a?: number;
  b?: number;
}

class ArgsTest extends Chare<number | readonly number[]> {
  expected: Required<RecvArgs> = { x: 0, y: 0, a: 0, b: 0 };
  startPhase(x: number, y: number, a: number, b: number): void {
    this.expected = { x, y, a, b };
  }
  /** Positional arguments with defaults (`def recv(self, x, y, a=33, b=44)`). */
  recv(x: number, y: number, a = 33, b = 44): void {
    assert.is(x, this.expected.x);
    assert.is(y, this.expected.y);
    assert.is(a, this.expected.a);
    assert.is(b, this.expected.b);
  }
  /** The same method called with keyword arguments (`recv(y=2, x=1)`): one object, defaults filled in. */
  recvNamed({ x, y, a = 33, b = 44 }: RecvArgs): void {
    this.recv(x, y, a, b);
  }
}
charm.register(ArgsTest);

/** The original's main chare: its collections include its own proxy. */
class ArgsMain extends ArgsTest {
  async run(): Promise<void> {
    assert.ok(charm.numPes() >= 2);
    const g = charm.createGroup(asGroup(ArgsTest));
    const a = charm.createArray(asArray(ArgsTest), charm.numPes() * 4);
    const self = this.thisProxy;
    const collections = [g, a, self];

    await self.awaitable.startPhase(1, 2, 33, 44);
    await g.awaitable.startPhase(1, 2, 33, 44);
    await a.awaitable.startPhase(1, 2, 33, 44);
    for (const collection of collections) {
      await collection.awaitable.recv(1, 2);
      await collection.awaitable.recv(1, 2, 33);
      await collection.awaitable.recv(1, 2, 33, 44);
      await collection.awaitable.recvNamed({ y: 2, x: 1 });
      await collection.awaitable.recvNamed({ b: 44, a: 33, y: 2, x: 1 });
      let singleChare: number;
      if (collection === g) singleChare = 1;
      else if (collection === (a as unknown)) singleChare = 4;
      else continue;
      await collection[singleChare].awaitable.recv(1, 2);
      await collection[singleChare].awaitable.recv(1, 2, 33);
      await collection[singleChare].awaitable.recv(1, 2, 33, 44);
      await collection[singleChare].awaitable.recvNamed({ y: 2, x: 1 });
      await collection[singleChare].awaitable.recvNamed({ b: 44, a: 33, y: 2, x: 1 });
    }

    await self.awaitable.startPhase(10, 20, 3000, 4000);
    await g.awaitable.startPhase(10, 20, 3000, 4000);
    await a.awaitable.startPhase(10, 20, 3000, 4000);
    for (const collection of collections) {
      await collection.awaitable.recv(10, 20, 3000, 4000);
      await collection.awaitable.recvNamed({ x: 10, y: 20, a: 3000, b: 4000 }); // recv(10, 20, 3000, b=4000)
      await collection.awaitable.recvNamed({ b: 4000, a: 3000, y: 20, x: 10 });
      let singleChare: number;
      if (collection === g) singleChare = 1;
      else if (collection === (a as unknown)) singleChare = 4;
      else continue;
      await collection[singleChare].awaitable.recvNamed({ x: 10, y: 20, a: 3000, b: 4000 });
      await collection[singleChare].awaitable.recvNamed({ b: 4000, a: 3000, y: 20, x: 10 });
    }
    // An argument left undefined takes its default, as an omitted one does.
    await self.awaitable.startPhase(1, 2, 33, 4000);
    await self.awaitable.recv(1, 2, undefined, 4000);
  }
}
charm.register(ArgsMain);

port(
  'entry_methods/entrymethod_args_kwargs.py',
  async () => {
    const main = charm.createChare(asGroup(ArgsMain), [], { onPE: 0 });
    await main.awaitable.run();
  },
  { minPes: 2 },
);

// ---------------------------------------------------------------- group_element_proxy.py

class GroupElementTest extends Chare {
  count = 0;
  say(msg: string, done: Future<void>): void {
    this.count += 1;
    console.log('Say', msg, 'on PE', charm.myPe());
    if (this.count === 2) {
      assert.is(charm.myPe(), 2);
      done.send();
    }
  }
  start(done: Future<void>): void {
    const proxy = this.thisProxy[2];
    this.thisProxy[1].say('hello', done);
    proxy.say('bye', done);
    proxy.say('bye', done);
  }
}
charm.register(GroupElementTest);

port(
  'entry_methods/group_element_proxy.py',
  async () => {
    const grp = charm.createGroup(GroupElementTest);
    const done = charm.createFuture();
    grp[0].start(done);
    await done;
  },
  { minPes: 3 },
);

// ---------------------------------------------------------------- retmodes.py

class RetTest extends Chare<number | readonly number[]> {
  readonly myval = 1 + Math.floor(Math.random() * 100);
  rcvdBcasts = 0;
  constructor(
    callback: Future<number[]>,
    private readonly callbackTestDone: Future<void>,
  ) {
    super();
    this.contribute(this.myval, Reducer.gather, callback);
  }
  getVal(bcast: boolean): number {
    if (bcast) {
      this.rcvdBcasts += 1;
      if (this.rcvdBcasts === 6) this.contribute(undefined, Reducer.nop, this.callbackTestDone);
    }
    return this.myval;
  }
  /** The coroutine version (`@coro`). */
  async getValTh(bcast: boolean): Promise<number> {
    await Promise.resolve();
    return this.getVal(bcast);
  }
}
charm.register(RetTest);

port('entry_methods/retmodes.py', async () => {
  const f1 = charm.createFuture<number[]>();
  const f2 = charm.createFuture<number[]>();
  const done1 = charm.createFuture();
  const done2 = charm.createFuture();
  const a = charm.createArray(asArray(RetTest), charm.numPes() * 10, [f1, done1]);
  const g = charm.createGroup(asGroup(RetTest), [f2, done2]);

  const collections: [CollectionProxy<RetTest> | ArrayProxy<RetTest>, number[], number][] = [
    [a, await f1, charm.numPes() * 10],
    [g, await f2, charm.numPes()],
  ];
  for (const [collection, vals, numElems] of collections) {
    const indexes = Array.from({ length: numElems }, (_, i) => i);
    const randomIdxs = sample(indexes, Math.floor(Math.max(indexes.length * 0.8, 1)));
    for (const randomIdx of randomIdxs) {
      let retval: unknown = collection[randomIdx].getVal(false);
      assert.is(retval, undefined);
      retval = await collection[randomIdx].ret.getVal(false);
      assert.is(retval, vals[randomIdx]);
      retval = collection[randomIdx].getValTh(false);
      assert.is(retval, undefined);
      retval = await collection[randomIdx].ret.getValTh(false);
      assert.is(retval, vals[randomIdx]);
    }
    let retval: unknown = collection.getVal(true);
    assert.is(retval, undefined);
    retval = await collection.awaitable.getVal(true);
    assert.is(retval, undefined);
    retval = await collection.ret.getVal(true);
    assert.equal(retval, vals);
    retval = collection.getValTh(true);
    assert.is(retval, undefined);
    retval = await collection.awaitable.getValTh(true);
    assert.is(retval, undefined);
    retval = await collection.ret.getValTh(true);
    assert.equal(retval, vals);
  }
  await done1;
  await done2;
});

runPorts({ remoteCode: true });
