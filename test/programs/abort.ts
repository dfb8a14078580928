// charm.abort(reason) on PE 1 ends the whole job at once, non-zero.
//   mpirun -np 2 node dist/test/programs/abort.js
import { charm, Chare } from '../../lib';

class Aborter extends Chare {
  die(reason: string): void {
    console.log(`about to abort on pe=${charm.myPe()}`);
    charm.abort(reason);
  }
}
charm.register(Aborter);

charm.start(async () => {
  const g = charm.createGroup(Aborter);
  g[1].die('some reason: the sky fell');
  // main stays alive: only the abort may end the job
});
