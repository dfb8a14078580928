// Charm4py's tests/callbacks, ported: reduction results sent to an element,
// a broadcast or a future, passed around as "a callback" and called; and
// timers calling entry methods (scheduleCallableAfter).
import * as assert from 'uvu/assert';
import { port, runPorts } from './port';
import { charm, Chare, Reducer, type Callback, type CollectionProxy, type Future } from '../../lib';

// ---------------------------------------------------------------- callbacks.py

const expectedSum = (): number => (charm.numPes() * (charm.numPes() - 1)) / 2;

class CbController extends Chare<readonly number[]> {
  /** `callback` is a future or an entry method: both are sent the result (Python calls either one). */
  async start(workers: CollectionProxy<CbWorker>, callback: Future<number> | Callback): Promise<void> {
    const f = charm.createFuture<number>();
    workers.work(f);
    const result = await f;
    callback.send(result);
  }
}
charm.register(CbController);

class CbWorker extends Chare {
  work(callback: Future<number> | Callback): void {
    this.contribute(this.thisIndex, Reducer.sum, callback);
  }
}
charm.register(CbWorker);

class CbReceiver extends Chare<readonly number[]> {
  constructor(private readonly main: CollectionProxy<CbMain>) {
    super();
  }
  getResult(result: number): void {
    assert.is(result, expectedSum());
    this.main.workDone(this.thisIndex[0]);
  }
  getResultBroadcast(result: number): void {
    assert.is(result, expectedSum());
    this.contribute(1, Reducer.sum, charm.callback(this.main, 'workDone'));
  }
}
charm.register(CbReceiver);

class CbMain extends Chare {
  done = -1;
  async run(): Promise<void> {
    assert.ok(charm.numPes() >= 4);
    const workers = charm.createGroup(CbWorker);
    const controllers = charm.createArray(CbController, charm.numPes());
    const receivers = charm.createArray(CbReceiver, charm.numPes(), [this.thisProxy]);
    workers.work(charm.callback(receivers[1], 'getResult'));
    await this.wait(() => this.done === 1);
    this.done = -1;

    controllers[1].start(workers, charm.callback(receivers[2], 'getResult'));
    await this.wait(() => this.done === 2);
    this.done = -1;

    controllers[2].start(workers, charm.callback(receivers, 'getResultBroadcast'));
    await this.wait(() => this.done === charm.numPes());
    this.done = -1;

    const f = charm.createFuture<number>();
    controllers[3].start(workers, f);
    assert.is(await f, expectedSum());
  }
  workDone(srcInfo: number): void {
    this.done = srcInfo;
  }
}
charm.register(CbMain);

port(
  'callbacks/callbacks.py',
  async () => {
    const main = charm.createChare(CbMain, [], { onPE: 0 });
    await main.awaitable.run();
  },
  { minPes: 4 },
);

// ---------------------------------------------------------------- schedule_cb.py

const NUM_CHARES = 4;
/** The original waits 1 s per step; a quarter of that here, with the same 10% margin. */
const STEP = 0.25;

class ScheduleTest extends Chare<readonly number[]> {
  readonly t0 = charm.wallTime();
  constructor(private readonly finished: Future<void>) {
    super();
  }
  start(): void {
    charm.scheduleAfter(charm.callback(this.thisElement, 'next'), STEP, [-1]);
  }
  next(fromElem: number): void {
    const elapsed = charm.wallTime() - this.t0;
    console.log(JSON.stringify(this.thisIndex), 'time=', elapsed, 'from=', fromElem);
    assert.is(fromElem, this.thisIndex[0] - 1);
    assert.ok(elapsed > (this.thisIndex[0] + 0.9) * STEP);
    if (this.thisIndex[0] === NUM_CHARES - 1) {
      console.log('DONE');
      this.finished.send(); // the original exits here
    } else {
      charm.scheduleAfter(charm.callback(this.thisProxy[this.thisIndex[0] + 1], 'next'), STEP, [this.thisIndex[0]]);
    }
  }
}
charm.register(ScheduleTest);

port('callbacks/schedule_cb.py', async () => {
  const finished = charm.createFuture();
  const a = charm.createArray(ScheduleTest, NUM_CHARES, [finished]);
  a[0].start();
  await finished;
});

runPorts();
