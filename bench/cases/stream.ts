// Streaming message rate: PE 0 makes many fire-and-forget calls carrying
// 16 bytes (two float64s) to a group member on PE 1, then one call with a
// result to learn that all arrived: calls per second.
//   mpirun -np 2 node dist/bench/cases/stream.js
import { charm, Chare } from '../../lib';
import { TRIALS, report, trials } from './report';

class Sink extends Chare {
  count = 0;
  take(a: number, b: number): void {
    this.count += a > b ? 1 : 1;
  }
  total(): number {
    return this.count;
  }
}
charm.register(Sink);

charm.start(async () => {
  if (charm.numPes() < 2) charm.abort('stream needs 2 PEs');
  const sink = charm.createGroup(Sink)[1];
  const n = 200_000;
  const samples = await trials(TRIALS, async () => {
    const start = performance.now();
    for (let i = 0; i < n; i++) sink.take(i + 0.5, 0.25);
    await sink.ret.total();
    return n / ((performance.now() - start) / 1000);
  });
  report('stream-rate', { bytes: 16 }, samples, 'msg/s');
  charm.exit();
});
