// Charm4py's tests/dcopy and tests/benchmark, ported: large buffers sent
// as bytes, as lists and as typed arrays to neighbours on other PEs and to
// oneself, arriving intact; and a ping-pong between two array elements.
import * as assert from 'uvu/assert';
import { port, runPorts, mod } from './port';
import { charm, Chare, Reducer, type ElementProxy, type Future } from '../../lib';

// ---------------------------------------------------------------- dcopy/test_dcopy.py

/** The original runs 50 iterations; 10 here (each moves every buffer to three chares). */
const MAX_ITER = 10;
const DATA_LEN = 15000; // number of doubles
const CHARES_PER_PE = 10;

function assertAllclose(actual: ArrayLike<number>, desired: ArrayLike<number>, atol: number): void {
  assert.is(actual.length, desired.length);
  for (let i = 0; i < desired.length; i++) if (!(Math.abs(actual[i] - desired[i]) <= atol + 1e-7 * Math.abs(desired[i]))) assert.unreachable(`element ${i}: ${actual[i]} vs ${desired[i]}`);
}

class DcopyTest extends Chare<readonly number[]> {
  readonly x = Float64Array.from({ length: DATA_LEN }, (_, i) => i);
  /** y.tobytes(): the bytes of the doubles. */
  readonly S1: Uint8Array;
  /** array.array('d', y): a plain list of numbers. */
  readonly S2: number[];
  /** y itself: a typed array (numpy). */
  readonly S3: Float64Array;
  msgsRcvd = 0;
  private nbs: ElementProxy<DcopyTest>[] = [];
  constructor(private readonly main: ElementProxy<DcopyMain>) {
    super();
    const y = this.x.map((v) => v * (this.thisIndex[0] + 1));
    this.S1 = new Uint8Array(y.buffer.slice(0));
    this.S2 = Array.from(y);
    this.S3 = y;
    this.contribute(charm.myPe(), Reducer.gather, charm.callback(this.thisProxy, 'recvLocations'));
  }
  recvLocations(locations: number[]): void {
    const loc = new Map<number, number[]>();
    locations.forEach((pe, chareIdx) => (loc.get(pe) ?? loc.set(pe, []).get(pe)!).push(chareIdx));
    const myPe = charm.myPe();
    const myPos = loc.get(myPe)!.indexOf(this.thisIndex[0]);
    // i-th chare in a PE sends to i-th chare in PE-1 and PE+1 and to itself
    const nb1 = this.thisProxy[loc.get(mod(myPe - 1, charm.numPes()))![myPos]];
    const nb2 = this.thisProxy[loc.get((myPe + 1) % charm.numPes())![myPos]];
    this.nbs = [nb1, nb2, this.thisElement];
    this.contribute(undefined, Reducer.nop, charm.callback(this.main, 'start'));
  }
  doIteration(): void {
    for (const nb of this.nbs) nb.recvData(this.thisIndex, this.S1, this.S2, this.S3);
  }
  recvData(src: readonly number[], d1: Uint8Array, d2: number[], d3: Float64Array): void {
    this.msgsRcvd += 1;
    const desired = this.x.map((v) => v * (src[0] + 1));
    const v1 = new Float64Array(d1.buffer.slice(d1.byteOffset, d1.byteOffset + d1.byteLength)); // numpy.frombuffer
    assertAllclose(v1, desired, 1e-7);
    assertAllclose(Float64Array.from(d2), desired, 1e-7);
    assertAllclose(d3, desired, 1e-7);
    if (this.msgsRcvd === 3) {
      this.msgsRcvd = 0;
      this.contribute(undefined, Reducer.nop, charm.callback(this.main, 'iterationComplete'));
    }
  }
}
charm.register(DcopyTest);

class DcopyMain extends Chare {
  iterations = 0;
  startTime = 0;
  private testProxy: { doIteration(): void } | undefined;
  constructor(private readonly done: Future<void>) {
    super();
  }
  create(): void {
    this.testProxy = charm.createArray(DcopyTest, charm.numPes() * CHARES_PER_PE, [this.thisElement]);
  }
  start(): void {
    this.iterations = 0;
    this.startTime = charm.wallTime();
    this.testProxy!.doIteration();
  }
  iterationComplete(): void {
    if (this.iterations % 10 === 0) console.log('Iteration', this.iterations, 'complete');
    this.iterations += 1;
    if (this.iterations === MAX_ITER) {
      console.log('Program done. Total time =', charm.wallTime() - this.startTime);
      this.done.send(); // the original prints the stats and exits
    } else {
      this.testProxy!.doIteration();
    }
  }
}
charm.register(DcopyMain);

port('dcopy/test_dcopy.py', async () => {
  const done = charm.createFuture();
  charm.createChare(DcopyMain, [done], { onPE: 0 }).create();
  await done;
  await charm.printStats();
});

// ---------------------------------------------------------------- benchmark/pingpong.py

/** The original times 10000 round trips; 2000 here (the time is printed, not checked). */
const NITER = 2000;

class Ping extends Chare<readonly number[]> {
  readonly myIndex = this.thisIndex[0];
  readonly neighbor: ElementProxy<Ping>;
  iter = 0;
  startTime = 0;
  private doneFuture: Future<number> | undefined;
  constructor() {
    super();
    this.neighbor = this.thisProxy[this.myIndex === 0 ? 1 : 0];
  }
  start(doneFuture: Future<number>, threaded = false): void {
    this.doneFuture = doneFuture;
    this.iter = 0;
    const data = 3;
    this.startTime = charm.wallTime();
    if (threaded) this.neighbor.recvTh(data);
    else this.neighbor.recv(data);
  }
  recv(data: number): void {
    if (this.myIndex === 0) {
      this.iter += 1;
      if (this.iter === NITER) {
        this.doneFuture!.send(charm.wallTime() - this.startTime);
        return;
      }
    }
    this.neighbor.recv(data);
  }
  /** The coroutine version (`@coro recv_th`). */
  async recvTh(data: number): Promise<void> {
    if (this.myIndex === 0) {
      this.iter += 1;
      if (this.iter === NITER) {
        this.doneFuture!.send(charm.wallTime() - this.startTime);
        return;
      }
    }
    this.neighbor.recvTh(data);
  }
}
charm.register(Ping);

port('benchmark/pingpong.py', async () => {
  // The original takes `-t` for the coroutine version; both run here.
  for (const threaded of [false, true]) {
    const pings = charm.createArray(Ping, 2);
    await charm.awaitCreation(pings);
    for (let k = 0; k < 2; k++) {
      const doneFuture = charm.createFuture<number>();
      pings[0].start(doneFuture, threaded);
      const totalTime = await doneFuture;
      console.log('ping pong time per iter (us)=', (totalTime / NITER) * 1000000, threaded ? '(coroutines)' : '');
    }
  }
});

runPorts();
