// Console output routing: every PE prints many long lines at once, then the
// job exits; each line must reach stdout exactly once and whole.
//   mpirun -np 4 node dist/test/programs/output.js [lines]
import { charm, Chare } from '../../lib';

const PAD = 'pad=' + 'abcdefghij'.repeat(20);

class Spammer extends Chare {
  spam(lines: number): void {
    const pe = charm.myPe();
    for (let i = 0; i < lines; i++) console.log(`pe=${pe} line=${i} ${PAD}`);
  }
}
charm.register(Spammer);

charm.start(async (args) => {
  const lines = Number(args[0] ?? 300);
  const g = charm.createGroup(Spammer);
  await g.awaitable.spam(lines);
  charm.exit(0);
});
