// Exits after the first change nothing: `twice` has PE 1's member call
// charm.exit(0) and then charm.exit(5) (both reach PE 0, in order: the job
// exits 0 and PE 0 says once that the 5 was not taken); `every` has every
// member and main call charm.exit(0) (silent, exit code 0).
//   mpirun -np N node dist/test/programs/exitTwice.js twice|every
import { charm, Chare } from '../../lib';

class Quitter extends Chare {
  twice(): void {
    charm.exit(0);
    charm.exit(5);
    charm.exit(6);
  }
  quit(): void {
    charm.exit(0);
  }
}
charm.register(Quitter);

charm.start(async (args) => {
  const g = charm.createGroup(Quitter);
  if (args[0] === 'twice') {
    g[charm.numPes() - 1].twice();
  } else {
    g.quit();
    charm.exit(0);
  }
});
