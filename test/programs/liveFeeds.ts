// The live view's feeds (test/liveview.test.ts): liveViz in request mode
// (frames are drawn only while a viewer wants them), an array that
// balances its uneven load every half second, and output from every PE.
// Run with +liveview 0; the CCS handler `stop` ends it.
//   mpirun -np 3 node dist/test/programs/liveFeeds.js +liveview 0
import { charm, Chare, Future, Reducer, liveViz, type LiveVizRequest } from '../../lib';

const TILES = 6;
const TILE = 10;

/** One gray tile per element; every pixel of frame n is n % 250 + 1. */
class Painter extends Chare<readonly [number]> {
  draw(request: LiveVizRequest): void {
    const value = (request.frame % 250) + 1;
    liveViz.deposit(this, { x: this.thisIndex[0] * TILE, y: 0, width: TILE, height: TILE }, new Uint8Array(TILE * TILE).fill(value));
  }
}
charm.register(Painter);

/** Uneven work, then AtSync: every call is one load-balancing step. */
class Worker extends Chare<readonly [number]> {
  private done: Future<void> | undefined;
  step(done: Future<void>): void {
    this.done = done;
    const end = performance.now() + (this.thisIndex[0] % 4 === 0 ? 2 : 0.2);
    while (performance.now() < end) {
      // uneven load for the balancer to see
    }
    this.AtSync();
  }
  override resumeFromSync(): void {
    this.contribute(undefined, Reducer.nop, this.done!);
  }
}
charm.register(Worker);

class Speaker extends Chare {
  say(step: number): void {
    console.log(`step ${step}: hello from PE ${charm.myPe()}`);
  }
}
charm.register(Speaker);

charm.start(async () => {
  const painters = charm.createArray(Painter, [TILES]);
  const workers = charm.createArray(Worker, [16], [], { loadBalancing: 'GreedyLB' });
  const speakers = charm.createGroup(Speaker);
  let stopping = false;
  charm.ccs.register('stop', () => {
    stopping = true;
    return 'stopping';
  });
  charm.ccs.register('bytes', () => new Uint8Array([1, 2, 3, 10]));
  await liveViz.init({ width: TILES * TILE, height: TILE, format: 'gray' }, { onRequest: charm.callback(painters, 'draw'), maxFps: 50 });
  for (let step = 0; !stopping; step++) {
    const done = charm.createFuture();
    workers.step(done);
    await done;
    await speakers.awaitable.say(step);
    await charm.sleep(0.5);
  }
  charm.exit();
});
