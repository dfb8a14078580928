// main's arguments are the program's: the runtime's own options
// (+balancer NAME, +stats, +trace FILE) are not among them.
//   mpirun -np N node dist/test/programs/mainArgs.js 8 4 +balancer GreedyLB +stats
import { charm } from '../../lib';

charm.start((args) => {
  console.log(`args=${JSON.stringify(args.filter((a) => !a.startsWith('--charmts-process-test')))}`);
  charm.exit(0);
});
