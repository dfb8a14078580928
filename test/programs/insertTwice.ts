// Inserting an index that already exists is an error naming the array and
// the index (and the PE that asked); nobody awaits an insertion, so it ends
// the job. Also after its earlier element was deleted twice at once: the
// second deletion's call is refused (nothing left to delete), and that ends
// its mark at the home; a mark left over made the last insertion wait for
// a deletion that never comes, for good.
import { charm, Chare } from '../../lib';

class Cell extends Chare<readonly number[]> {}
charm.register(Cell);

charm.start(async () => {
  const cells = charm.createArray(Cell, { ndims: 2 });
  cells.ckInsert([3, 4], [], { onPE: charm.numPes() - 1 });
  await cells.ckDoneInserting();
  const twice = await Promise.allSettled([cells.at([3, 4]).ckDestroy(), cells.at([3, 4]).ckDestroy()]);
  console.log(`deleted twice: ${twice.map((s) => (s.status === 'fulfilled' ? 'done' : (s.reason as Error).message)).join('; ')}`);
  cells.ckInsert([3, 4]);
  await cells.ckDoneInserting();
  cells.ckInsert([3, 4]);
  await cells.ckDoneInserting();
  console.log('inserted twice?!');
  charm.exit(0);
});
