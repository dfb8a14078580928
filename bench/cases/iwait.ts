// Waiting on many futures: charm.iwait over n futures fulfilled by a group
// member (on the last PE), and charm.pool.imap over n tiny tasks (one task
// per chunk), for growing n. The cost per future is what scales: flat when
// the whole costs O(n), growing with n when it costs O(n^2).
//   mpirun -np 2 node dist/bench/cases/iwait.js
import { charm, Chare, type Future } from '../../lib';
import { report, trials } from './report';

class Fulfiller extends Chare {
  /** Fulfils each future with its position, last first (the worst order for a scan from the front). */
  fulfil(futures: Future<number>[]): void {
    for (let i = futures.length - 1; i >= 0; i--) futures[i].send(i);
  }
}
charm.register(Fulfiller);

function tiny(x: number): number {
  return x + 1;
}
charm.pool.register(tiny);

charm.start(async () => {
  const fulfiller = charm.createGroup(Fulfiller)[charm.numPes() - 1];
  for (const n of [1000, 4000, 16000]) {
    const samples = await trials(5, async () => {
      const futures = Array.from({ length: n }, () => charm.createFuture<number>());
      const start = performance.now();
      fulfiller.fulfil(futures);
      let sum = 0;
      for await (const v of charm.iwait(futures)) sum += v;
      if (sum !== (n * (n - 1)) / 2) throw new Error('iwait lost values');
      return ((performance.now() - start) * 1000) / n;
    });
    report('iwait-per-future', { futures: n }, samples, 'us');
  }
  for (const n of [1000, 4000]) {
    const items = Array.from({ length: n }, (_, i) => i);
    const samples = await trials(5, async () => {
      const start = performance.now();
      let count = 0;
      for await (const { value } of charm.pool.imap(tiny, items)) count += value > 0 ? 1 : 0;
      if (count !== n) throw new Error('imap lost results');
      return ((performance.now() - start) * 1000) / n;
    });
    report('imap-per-task', { tasks: n }, samples, 'us');
  }
  charm.exit();
});
