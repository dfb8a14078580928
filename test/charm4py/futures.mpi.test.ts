// Charm4py's tests/futures, ported: iwait in completion order, multi-value
// futures, futures created and awaited inside chares, futures as reduction
// targets of another element's callback.
import * as assert from 'uvu/assert';
import { port, runPorts, range } from './port';
import { charm, Chare, Reducer, type Future } from '../../lib';

// ---------------------------------------------------------------- iwait.py

class IwaitTest extends Chare {
  /**
   * Fulfils future i, then lets the next member go. The original orders the
   * completions by sleeping i * 0.5 s; a chain gives the same order without
   * depending on timing. The chain passes through member 0 (on PE 0, where
   * the futures are awaited): messages between two PEs keep their order, so
   * value i has reached PE 0 before member i + 1 is told to send its own.
   * (Straight from member i to i + 1, values i and i + 1 would come from
   * different PEs, which nothing orders.)
   */
  work(futures: Future<number>[]): void {
    futures[this.thisIndex].send(this.thisIndex);
    if (this.thisIndex + 1 < futures.length) this.thisProxy[0].next(this.thisIndex + 1, futures);
  }

  next(i: number, futures: Future<number>[]): void {
    this.thisProxy[i].work(futures);
  }
}
charm.register(IwaitTest);

port('futures/iwait.py', async () => {
  const N = Math.min(4, charm.numPes());
  const g = charm.createGroup(IwaitTest);
  const futures = range(N).map(() => charm.createFuture<number>());
  g[0].work(futures);
  futures.reverse();
  const t0 = charm.wallTime();
  let idx = 0;
  for await (const value of charm.iwait(futures)) {
    assert.is(value, idx);
    idx += 1;
    console.log(charm.wallTime() - t0);
  }
  assert.is(idx, N);
});

// ---------------------------------------------------------------- multi_futures.py

const CHARES_PER_PE = 4;

class MultiTest extends Chare<readonly number[]> {
  getData(future: Future<number[], number>): void {
    future.send(this.thisIndex[0]);
  }
}
charm.register(MultiTest);

port('futures/multi_futures.py', async () => {
  const numChares = Math.min(charm.numPes() * CHARES_PER_PE, 64);
  const testProxy = charm.createArray(MultiTest, numChares);
  const f = charm.createFuture<number>(numChares);
  testProxy.getData(f);
  const data = await f;
  console.log('[Main] Received data: ' + JSON.stringify(data));
  assert.equal([...data].sort((x, y) => x - y), range(numChares), 'Multi-futures failed!');
  console.log('[Main] All done.');
});

// ---------------------------------------------------------------- test_different_coroutines.py

const TEST_VALUE = 42;

class CoroutinesTest extends Chare {
  private readonly testFuture = charm.createFuture<number>();
  constructor(private readonly doneFuture: Future<number>) {
    super();
  }
  async sendFuture(): Promise<void> {
    this.testFuture.send(TEST_VALUE);
  }
  async waitFuture(): Promise<void> {
    const data = await this.testFuture;
    assert.is(data, TEST_VALUE);
    this.doneFuture.send(data);
  }
}
charm.register(CoroutinesTest);

port(
  'futures/test_different_coroutines.py',
  async () => {
    let doneFuture = charm.createFuture<number>();
    let testChare = charm.createChare(CoroutinesTest, [doneFuture], { onPE: 1 });
    await testChare.awaitable.sendFuture();
    testChare.waitFuture();
    assert.is(await doneFuture, TEST_VALUE);

    doneFuture = charm.createFuture<number>();
    testChare = charm.createChare(CoroutinesTest, [doneFuture], { onPE: 1 });
    // now make sure it works when we wait before sending
    testChare.waitFuture();
    testChare.sendFuture();
    assert.is(await doneFuture, TEST_VALUE);
  },
  { minPes: 2 },
);

// ---------------------------------------------------------------- test_futures.py

class StatsTest extends Chare<readonly number[]> {
  private futures: [Future<number>, Future<number>, Future<number>] | undefined;
  getStats(futures: [Future<number>, Future<number>, Future<number>]): void {
    if (this.thisIndex[0] === 0) this.futures = futures;
    const target = charm.callback(this.thisProxy[0], 'collectStats');
    this.contribute(this.thisIndex[0], Reducer.sum, target);
    this.contribute(this.thisIndex[0], Reducer.min, target);
    this.contribute(this.thisIndex[0], Reducer.max, target);
  }
  collectStats(statResult: number): void {
    assert.is(this.thisIndex[0], 0, 'Reduction target incorrect!');
    const [sumFuture, minFuture, maxFuture] = this.futures!;
    if (statResult === 0) minFuture.send(statResult);
    else if (statResult === charm.numPes() * CHARES_PER_PE - 1) maxFuture.send(statResult);
    else sumFuture.send(statResult);
  }
}
charm.register(StatsTest);

port('futures/test_futures.py', async () => {
  const testProxy = charm.createArray(StatsTest, charm.numPes() * CHARES_PER_PE);
  const sumF = charm.createFuture<number>();
  const minF = charm.createFuture<number>();
  const maxF = charm.createFuture<number>();
  testProxy.getStats([sumF, minF, maxF]);
  console.log(`[Main] Sum: ${await sumF}, Min: ${await minF}, Max: ${await maxF}`);
  // The original only prints; the values are what each future's branch implies.
  const n = charm.numPes() * CHARES_PER_PE;
  assert.is(await sumF, (n * (n - 1)) / 2);
  console.log('[Main] All done.');
});

runPorts();
