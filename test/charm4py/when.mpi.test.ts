// np: 1 2 3 4
// Charm4py's tests/when, ported: 100,000 calls waiting on a message tag,
// a stencil whose coroutines gate their neighbours' messages, every shape
// of condition, conditions over state alone, calls from many PEs in tag
// order.
import * as assert from 'uvu/assert';
import { port, runPorts, range, sample, mod } from './port';
import { charm, Chare, Reducer, RemoteError, type ArrayProxy, type ElementProxy, type Future } from '../../lib';

// ---------------------------------------------------------------- perf_test.py

const MAX_VALS = 10000;
const PHASE_NUM = 10;

class PerfWorker extends Chare {
  curId = 0;
  phaseCnt = 0;
  private doneFuture: Future<void> | undefined;
  start(doneFuture: Future<void>): void {
    this.curId = 0;
    this.phaseCnt = 0;
    this.doneFuture = doneFuture;
  }
  recvId(id: number): void {
    assert.is(id, this.curId);
    this.phaseCnt += 1;
    if (this.phaseCnt === PHASE_NUM) {
      this.phaseCnt = 0;
      this.curId += 1;
      if (this.curId === MAX_VALS) this.contribute(undefined, Reducer.nop, this.doneFuture!);
    }
  }
}
charm.register(PerfWorker);
// @when("self.cur_id == id"): calls wait by tag; each release is a lookup.
charm.when(PerfWorker, 'recvId', { state: (self) => self.curId, tag: (id) => id });

port('when/perf_test.py', async () => {
  const g = charm.createGroup(PerfWorker);
  const ids = sample(range(MAX_VALS), MAX_VALS); // shuffled
  const done = charm.createFuture();
  await g.awaitable.start(done);
  const t0 = charm.wallTime();
  for (const id of ids) for (let k = 0; k < PHASE_NUM; k++) g.recvId(id);
  await done;
  console.log('Elapsed=', charm.wallTime() - t0);
});

// ---------------------------------------------------------------- stencil.py

const NUM_ITER = 500;
const CHARES_PER_PE = 8;

class Cell extends Chare<readonly number[]> {
  readonly nbs: ElementProxy<Cell>[] = [];
  iteration = -1;
  msgsRecvd = 0;
  private iterComplete: Future<void> | undefined;
  constructor(numChares: number) {
    super();
    const idx = this.thisIndex[0];
    const proxy = this.thisProxy;
    for (let i = 1; i < 4; i++) {
      this.nbs.push(proxy[(idx + i) % numChares]);
      this.nbs.push(proxy[mod(idx - i, numChares)]);
    }
  }
  async work(doneFut: Future<void>): Promise<void> {
    for (this.iteration = 0; this.iteration < NUM_ITER; this.iteration++) {
      for (const nb of this.nbs) nb.recvData(this.iteration, null);
      this.iterComplete = charm.createFuture();
      await this.iterComplete;
    }
    this.contribute(undefined, Reducer.nop, doneFut); // self.reduce(done_fut)
  }
  /** Runs when `this.iteration === iteration`: early messages wait for this cell's coroutine to get there. */
  recvData(iteration: number, data: null): void {
    void iteration;
    void data;
    this.msgsRecvd += 1;
    if (this.msgsRecvd === this.nbs.length) {
      this.msgsRecvd = 0;
      this.iterComplete!.send();
    }
  }
}
charm.register(Cell);
charm.when(Cell, 'recvData', (self, iteration) => self.iteration === iteration);

port('when/stencil.py', async () => {
  const numChares = charm.numPes() * CHARES_PER_PE;
  const cells = charm.createArray(Cell, numChares, [numChares]);
  await charm.awaitCreation(cells);
  const f = charm.createFuture();
  cells.work(f);
  await f;
});

// ---------------------------------------------------------------- test_when_syntax.py

/**
 * The original checks how Charm4py parses condition strings into three
 * kinds: a message tag matched against an attribute (MsgTagCond), a
 * condition over state and message (ChareStateMsgCond), over state alone
 * (ChareStateCond). Conditions are functions or { state, tag } here, so
 * the port checks that each of those conditions gates its calls as it
 * should: a call waits while its condition is false and runs once it holds.
 */
class Syntax extends Chare {
  iterations = 0;
  x = 0;
  y = 0;
  z = 0;
  readonly log: string[] = [];
  set(state: { iterations?: number; x?: number; y?: number; z?: number }): void {
    Object.assign(this, state);
  }
  ran(): string[] {
    return this.log.splice(0);
  }
  tagIter(iter: number, x: number, y: number): void {
    this.log.push(`tagIter ${iter} ${x} ${y}`);
  }
  tagX(iter: number, x: number, y: number): void {
    this.log.push(`tagX ${iter} ${x} ${y}`);
  }
  tagY(iter: number, x: number, y: number): void {
    this.log.push(`tagY ${iter} ${x} ${y}`);
  }
  stateMsg(iter: number, x: number, y: number): void {
    this.log.push(`stateMsg ${iter} ${x} ${y}`);
  }
  msgLess(iter: number, x: number, y: number): void {
    this.log.push(`msgLess ${iter} ${x} ${y}`);
  }
  msgSame(iter: number, x: number, y: number): void {
    this.log.push(`msgSame ${iter} ${x} ${y}`);
  }
  msgIter(iter: number, x: number, y: number): void {
    this.log.push(`msgIter ${iter} ${x} ${y}`);
  }
  stateX(iter: number, x: number, y: number): void {
    this.log.push(`stateX ${iter} ${x} ${y}`);
  }
  stateSum(iter: number, x: number, y: number): void {
    this.log.push(`stateSum ${iter} ${x} ${y}`);
  }
  stateError(iter: number, x: number, y: number): void {
    this.log.push(`stateError ${iter} ${x} ${y}`);
  }
}
charm.register(Syntax);
charm.when(Syntax, 'tagIter', { state: (self) => self.iterations, tag: (iter) => iter }); // 'self.iterations == iter'
charm.when(Syntax, 'tagX', { state: (self) => self.x, tag: (_iter, x) => x }); // 'self.x == x'
charm.when(Syntax, 'tagY', { state: (self) => self.x, tag: (_iter, _x, y) => y }); // 'y    ==    self.x  '
charm.when(Syntax, 'stateMsg', (self, _iter, x, y) => self.x === x + y); // 'self.x == x + y'
charm.when(Syntax, 'msgLess', (_self, _iter, x, y) => x < y); // 'x < y'
charm.when(Syntax, 'msgSame', (_self, _iter, _x, y) => y === y); // 'y == y'
charm.when(Syntax, 'msgIter', (_self, iter) => Boolean(iter)); // 'iter'
charm.when(Syntax, 'stateX', (self) => Boolean(self.x)); // 'self.x'
charm.when(Syntax, 'stateSum', (self) => self.x + self.y === 3); // 'self.x + self.y == 3'
const error = (): number => (0, eval)('error') as number; // a name defined nowhere, as the original's `error`
charm.when(Syntax, 'stateError', (self) => self.x > self.y + 2 / 3 + self.z + error()); // 'self.x > (self.y + 2/3 + self.z + error)'

port('when/test_when_syntax.py', async () => {
  const s = charm.createChare(Syntax, [], { onPE: charm.numPes() - 1 });
  const expect = async (lines: string[]): Promise<void> => assert.equal(await s.ret.ran(), lines);
  // a message tag against an attribute: each call runs when the attribute reaches its tag
  s.tagIter(2, 0, 0);
  s.tagIter(0, 0, 0);
  await expect(['tagIter 0 0 0']);
  await s.awaitable.set({ iterations: 2 });
  await expect(['tagIter 2 0 0']);
  s.tagX(0, 5, 0);
  s.tagY(0, 0, 5);
  await expect([]);
  await s.awaitable.set({ x: 5 });
  await expect(['tagX 0 5 0', 'tagY 0 0 5']);
  // state and message
  s.stateMsg(0, 2, 4);
  await expect([]);
  await s.awaitable.set({ x: 6 });
  await expect(['stateMsg 0 2 4']);
  // message only: decided at arrival
  s.msgLess(0, 1, 2);
  s.msgSame(0, 0, 7);
  s.msgIter(3, 0, 0);
  await expect(['msgLess 0 1 2', 'msgSame 0 0 7', 'msgIter 3 0 0']);
  s.msgLess(0, 2, 1); // never holds: it waits for ever
  s.msgIter(0, 0, 0);
  await s.awaitable.set({ x: 0 });
  await expect([]);
  // state only
  s.stateX(1, 0, 0);
  s.stateSum(1, 0, 0);
  await expect([]);
  await s.awaitable.set({ x: 1 });
  await expect(['stateX 1 0 0']);
  await s.awaitable.set({ y: 2 });
  await expect(['stateSum 1 0 0']);
  // a condition naming something undefined fails its call, naming the condition
  let failed: unknown;
  await s.ret.stateError(0, 0, 0).then(undefined, (e: unknown) => (failed = e));
  assert.ok(failed instanceof RemoteError && failed.remoteName === 'ReferenceError' && failed.where.includes('stateError (its when condition)'), String(failed));
});

// ---------------------------------------------------------------- when_test.py

const GRP_TO_SEND = 20;

class WhenTest extends Chare {
  msgsRcvd = 0; // for PE 0
  current = 1; // for PE 0
  msgsSent = 0; // for PEs != 0
  constructor(
    private readonly numParticipants: number,
    private readonly done: Future<void>,
  ) {
    super();
  }
  testWhen(id: number, msg: string): void {
    assert.ok(charm.myPe() === 0 && this.current === id && msg === 'hi');
    console.log(id + ' ' + this.msgsRcvd);
    this.msgsRcvd += 1;
    if (this.msgsRcvd >= GRP_TO_SEND) {
      this.msgsRcvd = 0;
      this.current += 1;
      if (this.current > this.numParticipants) this.done.send(); // the original exits here
    }
  }
  run(): void {
    if (charm.myPe() === 0 || charm.myPe() > this.numParticipants) return;
    this.thisProxy[0].testWhen(charm.myPe(), 'hi');
    this.msgsSent += 1;
    if (this.msgsSent < GRP_TO_SEND) this.thisProxy[this.thisIndex].run();
  }
}
charm.register(WhenTest);
charm.when(WhenTest, 'testWhen', { state: (self) => self.current, tag: (id) => id }); // @when("self.current == id")

port(
  'when/when_test.py',
  async () => {
    const numParticipants = Math.min(charm.numPes() - 1, 31);
    const done = charm.createFuture();
    charm.createGroup(WhenTest, [numParticipants, done]).run();
    await done;
  },
  { minPes: 3 },
);

// ---------------------------------------------------------------- when_test2.py

const X = 3;
const Y = 7;
const Z = 11;
const WORKER_ITERS = 10;
const TASKS_PER_WORKER = 40;
const NUM_ITERS = 30;
const MAX_CHARES = 128;
const whenGlobals = globalThis as unknown as { TEST_WHEN_GLOBAL: number };
whenGlobals.TEST_WHEN_GLOBAL = 33;

class Worker2 extends Chare<readonly number[]> {
  ready = true;
  constructor(private readonly controller: ElementProxy<Controller2>) {
    super();
  }
  startWork(x: number, y: number, z: number): void {
    assert.ok(this.ready);
    this.ready = false;
    this.thisElement.doWork(x, y, z); // thisProxy[thisIndex]
  }
  doWork(x: number, y: number, z: number): void {
    assert.not.ok(this.ready);
    let result = 0;
    for (let k = 0; k < WORKER_ITERS; k++) result += x * y * z;
    this.thisElement.workDone(result);
  }
  workDone(result: number): void {
    assert.not.ok(this.ready);
    assert.is(result, X * Y * Z * WORKER_ITERS);
    this.ready = true;
    this.controller.taskDone();
  }
}
charm.register(Worker2);
charm.when(Worker2, 'startWork', (self) => self.ready && whenGlobals.TEST_WHEN_GLOBAL === 33);

class Controller2 extends Chare {
  tasksCompleted = 0;
  iteration = 0;
  private workers: ArrayProxy<Worker2> | undefined;
  private numWorkers = 0;
  constructor(private readonly done: Future<void>) {
    super();
  }
  start(workers: ArrayProxy<Worker2>, numWorkers: number): void {
    this.workers = workers;
    this.numWorkers = numWorkers;
    this.thisProxy.sendWork();
  }
  sendWork(): void {
    for (let i = 0; i < this.numWorkers; i++) for (let k = 0; k < TASKS_PER_WORKER; k++) this.workers![i].startWork(X, Y, Z);
  }
  taskDone(): void {
    this.tasksCompleted += 1;
    if (this.tasksCompleted === this.numWorkers * TASKS_PER_WORKER) {
      this.tasksCompleted = 0;
      this.iteration += 1;
      if (this.iteration === NUM_ITERS) this.done.send(); // the original prints the stats and exits
      else this.sendWork();
    }
  }
}
charm.register(Controller2);

port('when/when_test2.py', async () => {
  const numWorkers = Math.min(charm.numPes() * 8, MAX_CHARES);
  const done = charm.createFuture();
  const controller = charm.createChare(Controller2, [done], { onPE: 0 });
  const workers = charm.createArray(Worker2, numWorkers, [controller]);
  controller.start(workers, numWorkers);
  await done;
  await charm.printStats();
});

runPorts({ stats: true });
