// Pool throughput: tiny tasks through charm.pool.map, one per message and
// in chunks of 100: tasks per second.
//   mpirun -np N node dist/bench/cases/pool.js
import { charm } from '../../lib';
import { TRIALS, report, trials } from './report';

function tiny(x: number): number {
  return x + 1;
}
charm.pool.register(tiny);

charm.start(async () => {
  const items = Array.from({ length: 2000 }, (_, i) => i);
  for (const chunksize of [1, 100]) {
    const samples = await trials(TRIALS, async () => {
      const start = performance.now();
      await charm.pool.map(tiny, items, { chunksize });
      return items.length / ((performance.now() - start) / 1000);
    });
    report('pool-map', { chunksize, tasks: items.length }, samples, 'tasks/s');
  }
  charm.exit();
});
