// Migration cost: an array element with a small state (16 numbers and a
// short string) moves back and forth between PEs 0 and 1: time per move.
//   mpirun -np 2 node dist/bench/cases/migration.js
//
// The same measurement as Charm++'s anchor (bench-src/charm/ckmigrate.C,
// after benchmarks/charm++/migrate/migrateHello.C):
// - each move is the migration message and then, on arrival, a call of the
//   element to itself through its proxy (ckJustMigrated() sends
//   thisProxy[thisIndex].next(), which asks for the next move): here one
//   message between the PEs and one local message per move, where Charm++
//   8.0 sends 1.5 and 2 (its migrateMe is a local ckEmigrate message, and
//   PE 1 tells its reduction parent PE 0 each time the element leaves it:
//   AddToInactiveList; counted with callgrind, docs/internals.md);
// - the element carries its 16 numbers, its label and the moves left, and
//   nothing else (Charm++'s pup);
// - a trial is timed by main on PE 0, from the first call (bounce) to the
//   trial's end reported back to main, over an even number of moves (it ends
//   on PE 0, where it started).
// Charm++'s element reports to mainProxy, a readonly, not part of its state;
// here the trial's future is main's, in this module on PE 0, where the
// element ends every trial, so it does not travel either.
import { charm, Chare, Future } from '../../lib';
import { TRIALS, report, trials } from './report';

/** PE 0 only: the future of the trial under way (Charm++'s mainProxy.trialDone). */
let trialDone: Future<void> | undefined;

class Mover extends Chare<readonly number[]> {
  state = new Array<number>(16).fill(1.5);
  label = 'a small state';
  private left = 0;

  bounce(moves: number): void {
    this.left = moves;
    this.migrate(1 - charm.myPe());
  }

  override onMigrated(): void {
    this.thisElement.next();
  }

  next(): void {
    if (--this.left > 0) this.migrate(1 - charm.myPe());
    else trialDone!.send();
  }
}
charm.register(Mover);

charm.start(async () => {
  if (charm.numPes() !== 2) charm.abort('migration needs 2 PEs');
  const mover = charm.createArray(Mover, [1]).at([0]);
  const moves = 2000; // even: a trial ends on PE 0
  const samples = await trials(TRIALS, async () => {
    trialDone = charm.createFuture<void>();
    const t0 = performance.now();
    mover.bounce(moves);
    await trialDone;
    return ((performance.now() - t0) * 1000) / moves;
  });
  report('migration', { bytes: 0 }, samples, 'us');
  charm.exit();
});
