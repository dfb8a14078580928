// np: 1 2 3 4
// Charm4py's tests/qd/qd.py, ported: quiescence detection with every kind
// of callback (an entry method of the main chare, a group, an array, a
// group member, an array element, a future, and waitQD).
import * as assert from 'uvu/assert';
import { port, runPorts, busyWait, mod, asGroup, asArray } from './port';
import { charm, Chare, Future, Reducer, type ArrayProxy, type Callback, type CollectionProxy, type ElementProxy } from '../../lib';

const CHARES_PER_PE = 8;
const LOAD = 0.03; // in secs
const WORK_TIME = CHARES_PER_PE * LOAD;

class QdWorker extends Chare<readonly number[]> {
  readonly nbs: ElementProxy<QdWorker>[] = [];
  // Counted from creation and reset by check(): the original also resets it in
  // start(), where a neighbour's message may already have arrived.
  msgsRcvd = 0;
  constructor(numChares: number) {
    super();
    const idx = this.thisIndex[0];
    const proxy = this.thisProxy;
    this.nbs.push(proxy[(idx + 1) % numChares]);
    this.nbs.push(proxy[(idx + 2) % numChares]);
    this.nbs.push(proxy[mod(idx - 1, numChares)]);
    this.nbs.push(proxy[mod(idx - 2, numChares)]);
  }
  start(): void {
    busyWait(LOAD);
    for (const nb of this.nbs) nb.recvMsg();
  }
  recvMsg(): void {
    this.msgsRcvd += 1;
  }
  check(cb: Future<void>): void {
    assert.is(this.msgsRcvd, this.nbs.length);
    this.contribute(undefined, Reducer.nop, cb);
    this.msgsRcvd = 0;
  }
}
charm.register(QdWorker);

class QdReceiver extends Chare<number | readonly number[]> {
  firstTime = true;
  constructor(private readonly mainProxy: CollectionProxy<QdMain>) {
    super();
  }
  recvQD(): void {
    if (this.firstTime) {
      // QD callback sent to every element in this collection
      this.firstTime = false;
      this.contribute(undefined, Reducer.nop, charm.callback(this.mainProxy, 'recvQD'));
    } else {
      // QD callback was only to me
      assert.ok(this.thisIndex === 1 || (Array.isArray(this.thisIndex) && this.thisIndex.length === 1 && this.thisIndex[0] === 1));
      this.mainProxy.recvQD();
    }
  }
}
charm.register(QdReceiver);

class QdMain extends Chare {
  qdReached = false;
  private workers: ArrayProxy<QdWorker> | undefined;

  async run(): Promise<void> {
    assert.ok(charm.numPes() > 1);
    const numChares = charm.numPes() * CHARES_PER_PE;
    this.workers = charm.createArray(QdWorker, numChares, [numChares]);
    console.log('WORK_TIME=', WORK_TIME);
    const qdGroupReceivers = charm.createGroup(asGroup(QdReceiver), [this.thisProxy]);
    const qdArrayReceivers = charm.createArray(asArray(QdReceiver), charm.numPes(), [this.thisProxy]);
    await charm.awaitCreation(this.workers, qdGroupReceivers, qdArrayReceivers);

    await this.testQD(charm.callback(this.thisProxy, 'recvQD'));
    await this.testQD(charm.callback(qdGroupReceivers, 'recvQD'));
    await this.testQD(charm.callback(qdArrayReceivers, 'recvQD'));
    await this.testQD(charm.callback(qdGroupReceivers[1], 'recvQD'));
    await this.testQD(charm.callback(qdArrayReceivers[1], 'recvQD'));
    await this.testQD(charm.createFuture());
    await this.testQD(undefined);
  }

  private async testQD(callback: Callback | Future<void> | undefined): Promise<void> {
    this.qdReached = false;
    const checkFut = charm.createFuture();
    const t0 = charm.wallTime();
    this.workers!.start();
    if (callback !== undefined) {
      charm.startQD(callback);
      if (callback instanceof Future) {
        await callback;
        console.log('QD reached');
      } else {
        await this.wait(() => this.qdReached);
      }
    } else {
      await charm.waitQD();
    }
    assert.ok(charm.wallTime() - t0 > WORK_TIME);
    this.workers!.check(checkFut);
    await checkFut;
  }

  recvQD(): void {
    console.log('QD reached');
    this.qdReached = true;
  }
}
charm.register(QdMain);

port(
  'qd/qd.py',
  async () => {
    const main = charm.createChare(QdMain, [], { onPE: 0 });
    await main.awaitable.run();
  },
  { minPes: 2 },
);

runPorts();
