// A call with a result through a proxy to a chare on the same PE (no MPI),
// beside the least work such a call must do: copy the arguments and resume
// an awaiting caller.
//   mpirun -np 1 node dist/bench/cases/samePe.js
import { charm, Chare } from '../../lib';
import { TRIALS, report, trials } from './report';

class Adder extends Chare {
  add(a: number, b: number): number {
    return a + b;
  }
}
charm.register(Adder);

charm.start(async () => {
  const adder = charm.createChare(Adder, [], { onPE: charm.myPe() });
  const plain = { add: (a: number, b: number): number => a + b };
  const n = 50_000;
  const proxy = await trials(TRIALS, async () => {
    const start = performance.now();
    for (let i = 0; i < n; i++) await adder.ret.add(i, 1);
    return ((performance.now() - start) * 1000) / n;
  });
  const least = await trials(TRIALS, async () => {
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const args = structuredClone([i, 1]);
      await Promise.resolve().then(() => plain.add(args[0], args[1]));
    }
    return ((performance.now() - start) * 1000) / n;
  });
  report('same-pe-call', {}, proxy, 'us');
  report('promise-then-copy', {}, least, 'us');
  charm.exit();
});
