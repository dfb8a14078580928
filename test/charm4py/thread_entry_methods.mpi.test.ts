// Charm4py's tests/thread_entry_methods, ported: coroutine entry methods
// (async methods here) that wait for futures, broadcasts that complete
// when every member has finished, `when` on coroutines, main waiting on
// conditions, and coroutine constructors (async set-up in onCreated).
import * as assert from 'uvu/assert';
import { port, runPorts, busyWait, range, asGroup, asArray } from './port';
import { charm, Chare, Reducer, type CollectionProxy, type Future } from '../../lib';

/** Counts a chare's async entry methods running (Charm4py's `_numthreads`). */
class Threads {
  running = 0;
  async run<T>(body: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await body();
    } finally {
      this.running--;
    }
  }
}

// ---------------------------------------------------------------- future_bcast.py

class BcastTest extends Chare<number | readonly number[]> {
  /** Python's time.sleep: it holds the PE. */
  work(sleepTimes: number[]): void {
    busyWait(sleepTimes[typeof this.thisIndex === 'number' ? this.thisIndex : this.thisIndex[0]]);
  }
}
charm.register(BcastTest);

/** The original's uniform(0.5, 1.5) s, a tenth of that here. */
const randomSleeps = (): number[] => range(charm.numPes()).map(() => 0.05 + Math.random() * 0.1);

port('thread_entry_methods/future_bcast.py', async () => {
  const a = charm.createArray(asArray(BcastTest), charm.numPes());
  let sleepTimes = randomSleeps();
  // the original: work() runs on PE 0 before the broadcast goes out, so PE 0 does not wait
  sleepTimes[0] = 0.0;
  let t0 = charm.wallTime();
  await a.awaitable.work(sleepTimes); // wait for broadcast to complete
  let waitTime = charm.wallTime() - t0;
  assert.ok(waitTime >= Math.max(...sleepTimes));
  console.log(waitTime, Math.max(...sleepTimes));

  const g = charm.createGroup(asGroup(BcastTest));
  sleepTimes = randomSleeps();
  sleepTimes[0] = 0.0;
  t0 = charm.wallTime();
  await g.awaitable.work(sleepTimes);
  waitTime = charm.wallTime() - t0;
  assert.ok(waitTime >= Math.max(...sleepTimes));
  console.log(waitTime, Math.max(...sleepTimes));
});

// ---------------------------------------------------------------- future_reduction.py

// Reducer.addReducer(my_sum): a reducer of the contributions (here two at a time).
const mySum = charm.registerReducer<number>('my_sum', (a, b) => a + b);

class FutureReductionTest extends Chare {
  constructor(future1: Future<number>, future2: Future<number>) {
    super();
    this.contribute(1, Reducer.sum, future1);
    this.contribute(1, mySum, future2);
  }
}
charm.register(FutureReductionTest);

port('thread_entry_methods/future_reduction.py', async () => {
  const f1 = charm.createFuture<number>();
  const f2 = charm.createFuture<number>();
  charm.createGroup(FutureReductionTest, [f1, f2]);
  assert.is(await f1, charm.numPes());
  assert.is(await f2, charm.numPes());
});

// ---------------------------------------------------------------- test1.py and test1_when.py

const ITERATIONS = 30;
/** What main gives every PE's globals. */
const shared = globalThis as unknown as { numChares: number; testGroup: CollectionProxy<ValGroup> };

class ValGroup extends Chare {
  getVal(): number {
    return 73 + charm.myPe();
  }
}
charm.register(ValGroup);

class Test1 extends Chare<readonly number[]> {
  readonly threads = new Threads();
  /** `done` stands for the original's `thisProxy[0].done`, which printed the stats and exited. */
  constructor(private readonly done: Future<void>) {
    super();
    // gather the PEs of every element and broadcast the list to every member
    this.contribute(charm.myPe(), Reducer.gather, charm.callback(this.thisProxy, 'start'));
  }
  async start(pes: number[]): Promise<void> {
    await this.threads.run(async () => {
      for (let j = 0; j < ITERATIONS; j++) {
        for (let i = 0; i < shared.numChares; i++) {
          const x = await this.thisProxy[i].ret.getVal();
          assert.is(x, 53 * i * (73 + pes[i]));
        }
      }
      this.contribute(undefined, Reducer.nop, charm.callback(this.thisProxy, 'verify')); // self.reduce(self.thisProxy.verify)
    });
  }
  async getVal(): Promise<number> {
    return this.threads.run(async () => 53 * (await shared.testGroup[charm.myPe()].ret.getVal()) * this.thisIndex[0]);
  }
  verify(): void {
    assert.is(this.threads.running, 0);
    this.contribute(undefined, Reducer.nop, this.done);
  }
}
charm.register(Test1);

class Test1When extends Chare<readonly number[]> {
  iteration = 0;
  msgsRcvd = 0;
  constructor(private readonly done: Future<void>) {
    super();
    this.contribute(charm.myPe(), Reducer.gather, charm.callback(this.thisProxy, 'start'));
  }
  async start(pes: number[]): Promise<void> {
    for (let j = 0; j < ITERATIONS; j++) {
      for (let i = 0; i < shared.numChares; i++) {
        const x = await this.thisProxy[i].ret.getVal(j);
        assert.is(x, 53 * i * (73 + pes[i]) * j);
      }
    }
    this.contribute(undefined, Reducer.nop, this.done);
  }
  /** Runs when `this.iteration === iteration` (see charm.when below). */
  async getVal(iteration: number): Promise<number> {
    void iteration;
    const result = 53 * (await shared.testGroup[charm.myPe()].ret.getVal()) * this.thisIndex[0] * this.iteration;
    this.msgsRcvd += 1;
    if (this.msgsRcvd === shared.numChares) {
      this.msgsRcvd = 0;
      this.iteration += 1;
    }
    return result;
  }
}
charm.register(Test1When);
// @when('self.iteration == iteration'): a message tag matched against the chare's state.
charm.when(Test1When, 'getVal', { state: (self) => self.iteration, tag: (iteration) => iteration });

async function test1Main(cls: typeof Test1 | typeof Test1When): Promise<void> {
  // every chare sends to every other so don't want a ton of chares
  const numChares = Math.min(charm.numPes() * 8, 32);
  const testGroup = charm.createGroup(ValGroup);
  await charm.thisProxy.awaitable.updateGlobals({ numChares, testGroup });
  const done = charm.createFuture();
  charm.createArray(cls as typeof Test1, numChares, [done]);
  await done;
  await charm.printStats();
}

port('thread_entry_methods/test1.py', () => test1Main(Test1));
port('thread_entry_methods/test1_when.py', () => test1Main(Test1When));

// ---------------------------------------------------------------- test2.py

const NUM_ITER = 300;

class Test2 extends Chare<number | readonly number[]> {
  readonly threads = new Threads();
  iteration = 0;
  private doneFuture: Future<void> | undefined;
  async start(doneFuture: Future<void>): Promise<void> {
    await this.threads.run(async () => {
      this.doneFuture = doneFuture;
      this.iteration = 0;
      for (let k = 0; k < NUM_ITER; k++) assert.is(await this.thisElement.ret.work(), 3625); // thisProxy[thisIndex]
      this.contribute(undefined, Reducer.nop, charm.callback(this.thisProxy, 'verify'));
    });
  }
  async work(): Promise<number> {
    return this.threads.run(async () => {
      if (this.iteration % 2 === 0) {
        const mype = charm.myPe();
        assert.is(await charm.thisProxy[mype].ret.myPe(), mype);
      }
      this.iteration += 1;
      return 3625;
    });
  }
  verify(): void {
    assert.is(this.threads.running, 0);
    this.contribute(undefined, Reducer.nop, this.doneFuture!);
  }
}
charm.register(Test2);

port('thread_entry_methods/test2.py', async () => {
  const numChares = charm.numPes() * 10;
  const a = charm.createArray(asArray(Test2), numChares);
  const g = charm.createGroup(asGroup(Test2));
  await charm.awaitCreation(a, g);
  const f1 = charm.createFuture();
  const f2 = charm.createFuture();
  a.start(f1);
  g.start(f2);
  await f1;
  await f2;
});

// ---------------------------------------------------------------- test_main.py

class MainTest extends Chare {
  getData(): number {
    return this.thisIndex ** 2;
  }
}
charm.register(MainTest);

port('thread_entry_methods/test_main.py', async () => {
  const grpProxy = charm.createGroup(MainTest);
  for (let i = 0; i < charm.numPes(); i++) {
    const data = await grpProxy[i].ret.getData();
    assert.is(data, i ** 2, 'Blocking call in main failed.');
    console.log('Test ' + i + ' sent data: ' + data);
  }
});

// ---------------------------------------------------------------- test_wait.py

const WAIT_ITER = 1000;
const CHARES_PER_PE = 8;
const MAX_CHARES = 128;
const waitGlobals = globalThis as unknown as { TEST_GLOBAL: number };
waitGlobals.TEST_GLOBAL = 33;
/** Charm4py's readonlies: set by main, read everywhere. */
const ro = { X: 0 };

class WaitWorker extends Chare<readonly number[]> {
  constructor(private readonly main: CollectionProxy<WaitMain>) {
    super();
  }
  sendVal(): void {
    this.main.collectResult(237, this.thisIndex[0] % 2);
  }
}
charm.register(WaitWorker);

class WaitMain extends Chare {
  numResponses1 = 0;
  numResponses2 = 0;
  result = 0;
  async run(): Promise<void> {
    ro.X = 47;
    const numChares = Math.min(charm.numPes() * CHARES_PER_PE, MAX_CHARES);
    assert.is(numChares % 2, 0);
    const workers = charm.createArray(WaitWorker, numChares, [this.thisProxy]);
    for (let i = 0; i < WAIT_ITER; i++) {
      workers.sendVal();
      await this.wait(() => this.numResponses1 === numChares / 2 && waitGlobals.TEST_GLOBAL === 33);
      await this.wait(() => this.numResponses2 === numChares / 2 && ro.X === 47);
      assert.is(this.result, numChares * 237);
      assert.is(this.numResponses1, numChares / 2);
      assert.is(this.numResponses2, numChares / 2);
      this.numResponses1 = this.numResponses2 = 0;
      this.result = 0;
    }
  }
  collectResult(result: number, tag: number): void {
    if (tag === 0) this.numResponses1 += 1;
    else this.numResponses2 += 1;
    this.result += result;
  }
}
charm.register(WaitMain);

port('thread_entry_methods/test_wait.py', async () => {
  const main = charm.createChare(WaitMain, [], { onPE: 0 });
  await main.awaitable.run();
  await charm.printStats();
});

// ---------------------------------------------------------------- threaded_ctors1.py

class Ctors1Test extends Chare<number | readonly number[]> {
  constructor(private readonly x: number) {
    super();
  }
  /** The coroutine constructor's body (`@coro def __init__`). */
  override async onCreated(): Promise<void> {
    await Promise.resolve();
    if (charm.myPe() === 0) console.log(JSON.stringify(this.thisIndex), this.x);
  }
}
charm.register(Ctors1Test);

port('thread_entry_methods/threaded_ctors1.py', async () => {
  const g = charm.createGroup(asGroup(Ctors1Test), [33]);
  const a = charm.createArray(asArray(Ctors1Test), charm.numPes() * 4, [50]);
  await charm.awaitCreation(g, a);
});

// ---------------------------------------------------------------- threaded_ctors2.py

class CtorsA extends Chare {
  x = 0;
  override async onCreated(): Promise<void> {
    this.x = 65824;
  }
  async getVal(): Promise<number> {
    return this.x;
  }
}
charm.register(CtorsA);

class CtorsB extends Chare<readonly number[]> {
  checked = false;
  constructor(private readonly grpProxy: CollectionProxy<CtorsA>) {
    super();
  }
  override async onCreated(): Promise<void> {
    const x = await this.grpProxy[this.thisIndex[0]].ret.getVal();
    assert.is(x, 65824);
    this.checked = true;
  }
  isChecked(): boolean {
    return this.checked;
  }
}
charm.register(CtorsB);

port('thread_entry_methods/threaded_ctors2.py', async () => {
  const g = charm.createGroup(CtorsA);
  const a = charm.createArray(CtorsB, charm.numPes(), [g]);
  await charm.awaitCreation(a);
  // Creation completed after every async set-up: each element has checked its value.
  assert.equal(await a.ret.isChecked(), range(charm.numPes()).map(() => true));
});

runPorts({ remoteCode: true, stats: true });
