// Collectives over a chare array with one element per PE: a broadcast
// whose completion main awaits, and allreduce of one number and of a
// 1 MiB Float64Array per element (as MPI_Allreduce).
//   mpirun -np N node dist/bench/cases/collectives.js
import { charm, Chare, Future, Reducer } from '../../lib';
import { TRIALS, iterationsFor, report, trials } from './report';

class Member extends Chare<readonly number[]> {
  tick(): void {}

  /** `count` allreduces in a row; element 0 reports the time per allreduce in microseconds. */
  async allreduce(count: number, doubles: number, done: Future<number>): Promise<void> {
    const data = doubles === 1 ? 1 : new Float64Array(doubles).fill(1);
    const start = performance.now();
    for (let i = 0; i < count; i++) await this.allReduce(data, Reducer.sum);
    if (this.thisIndex[0] === 0) done.send(((performance.now() - start) * 1000) / count);
  }
}
charm.register(Member);

charm.start(async () => {
  const np = charm.numPes();
  const members = charm.createArray(Member, [np]);
  const n = iterationsFor(30);
  const broadcast = await trials(TRIALS, async () => {
    const start = performance.now();
    for (let i = 0; i < n; i++) await members.awaitable.tick();
    return ((performance.now() - start) * 1000) / n;
  });
  report('broadcast', { bytes: 8 }, broadcast, 'us');
  for (const doubles of [1, 131072]) {
    const count = iterationsFor(doubles === 1 ? 20 : 3000);
    const samples = await trials(TRIALS, async () => {
      const done = charm.createFuture<number>();
      members.allreduce(count, doubles, done);
      return await done;
    });
    report('reduction', { bytes: doubles * 8 }, samples, 'us');
  }
  charm.exit();
});
