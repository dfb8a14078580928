// Inserting an index that already exists is an error naming the array and
// the index (and the PE that asked); nobody awaits an insertion, so it ends the job.
import { charm, Chare } from '../../lib';

class Cell extends Chare<readonly number[]> {}
charm.register(Cell);

charm.start(async () => {
  const cells = charm.createArray(Cell, { ndims: 2 });
  cells.ckInsert([3, 4]);
  await cells.ckDoneInserting();
  cells.ckInsert([3, 4]);
  await cells.ckDoneInserting();
  console.log('inserted twice?!');
  charm.exit(0);
});
