// One load-balancing step (GreedyLB) over 1,000 elements with uneven
// load: time from the elements' AtSync to every resumeFromSync.
//   mpirun -np N node dist/bench/cases/balancing.js
import { charm, Chare, Future, Reducer } from '../../lib';
import { TRIALS, report, trials } from './report';

class Piece extends Chare<readonly number[]> {
  private done: Future<number> | undefined;
  private synced = 0;
  step(done: Future<number>): void {
    this.done = done;
    const end = performance.now() + (this.thisIndex[0] % 10 === 0 ? 0.05 : 0.005);
    while (performance.now() < end) {
      // uneven work, so the balancer has something to move
    }
    this.synced = performance.now();
    this.AtSync();
  }
  override resumeFromSync(): void {
    this.contribute(performance.now() - this.synced, Reducer.max, this.done!);
  }
}
charm.register(Piece);

charm.start(async () => {
  const pieces = charm.createArray(Piece, [1000], [], { loadBalancing: 'GreedyLB' });
  const samples = await trials(TRIALS, async () => {
    const done = charm.createFuture<number>();
    pieces.step(done);
    return (await done) * 1000;
  });
  report('lb-step', { elements: 1000 }, samples, 'us');
  charm.exit();
});
