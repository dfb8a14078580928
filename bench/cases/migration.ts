// Migration cost: an array element with a small state (16 numbers and a
// short string) moves back and forth between PEs 0 and 1: time per move.
//   mpirun -np 2 node dist/bench/cases/migration.js
import { charm, Chare, Future } from '../../lib';
import { TRIALS, report, trials } from './report';

class Mover extends Chare<readonly number[]> {
  state = new Array<number>(16).fill(1.5);
  label = 'a small state';
  private left = 0;
  private done: Future<number> | undefined;
  private started = 0;

  bounce(moves: number, done: Future<number>): void {
    this.left = moves;
    this.done = done;
    this.started = performance.now();
    this.migrate(1 - charm.myPe());
  }

  onMigrated(): void {
    if (--this.left > 0) this.migrate(1 - charm.myPe());
    else this.done!.send(((performance.now() - this.started) * 1000) / 1);
  }
}
charm.register(Mover);

charm.start(async () => {
  if (charm.numPes() < 2) charm.abort('migration needs 2 PEs');
  const mover = charm.createArray(Mover, [1]).at([0]);
  const moves = 2000;
  const samples = await trials(TRIALS, async () => {
    const done = charm.createFuture<number>();
    mover.bounce(moves, done);
    return (await done) / moves;
  });
  report('migration', { bytes: 0 }, samples, 'us');
  charm.exit();
});
