// charm.exit(code) called on PE 1: the job ends with that code, and every
// line printed (on any PE) before the exit is on stdout.
//   mpirun -np N node dist/test/programs/exitCode.js [code]
import { charm, Chare } from '../../lib';

class Printer extends Chare {
  hello(): void {
    for (let i = 0; i < 3; i++) console.log(`before-exit pe=${charm.myPe()} i=${i}`);
  }
  quit(code: number): void {
    console.log(`last-words pe=${charm.myPe()} code=${code}`);
    charm.exit(code);
  }
}
charm.register(Printer);

charm.start(async (args) => {
  const code = Number(args[0] ?? 3);
  const g = charm.createGroup(Printer);
  await g.awaitable.hello();
  g[1].quit(code);
});
