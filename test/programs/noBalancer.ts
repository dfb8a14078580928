// An array created with { loadBalancing: true }: one AtSync step. Without
// +balancer at launch the step moves nothing, and stderr says why once.
//   mpirun -np 2 node dist/test/programs/noBalancer.js [+balancer RotateLB]
import { charm, Chare, Future, Reducer } from '../../lib';

class Cell extends Chare<readonly number[]> {
  private done: Future<number[]> | undefined;
  step(done: Future<number[]>): void {
    this.done = done;
    this.AtSync();
  }
  override resumeFromSync(): void {
    this.contribute(charm.myPe(), Reducer.gather, this.done!);
  }
}
charm.register(Cell);

charm.start(async () => {
  const cells = charm.createArray(Cell, [2 * charm.numPes()], [], { loadBalancing: true });
  charm.createArray(Cell, [2], [], { loadBalancing: true }); // a second array: no second notice
  const done = charm.createFuture<number[]>();
  cells.step(done);
  console.log(`PEs after the step: ${(await done).join(' ')}`);
  charm.exit();
});
