// main's arguments are the program's: the runtime's own options
// (+balancer NAME, +stats, +trace FILE) are not among them, nor among
// charm.args() on every PE.
//   mpirun -np N node dist/test/programs/mainArgs.js 8 4 +balancer GreedyLB +stats
import { charm, Chare } from '../../lib';

const program = (args: string[]): string[] => args.filter((a) => !a.startsWith('--charmts-process-test'));

/** Each PE's charm.args(): the same list as main's. */
class Reader extends Chare {
  args(): string[] {
    return program(charm.args());
  }
}
charm.register(Reader);

charm.start(async (args) => {
  console.log(`args=${JSON.stringify(program(args))}`);
  const everywhere = await charm.createGroup(Reader).ret.args();
  console.log(`charm.args=${JSON.stringify(everywhere)}`);
  charm.exit(0);
});
