// A job whose rank 1 dies after the program called charm.exit(): PE 1 is
// in a 5 s loop when the exit starts, and the test kills it on seeing
// "exiting". Under charmrun +restarts the job must not run again.
//   charmrun +p2 dist/test/programs/exitThenDie.js +checkpoint-dir DIR +restarts 2
import { charm, Chare } from '../../lib';

class Spinner extends Chare {
  spin(ms: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end);
  }
}
charm.register(Spinner);

charm.start(async () => {
  const spinners = charm.createGroup(Spinner);
  await spinners.awaitable.spin(0); // every member is made
  spinners[1].spin(5000);
  console.log('results written');
  console.log('exiting');
  charm.exit();
});
