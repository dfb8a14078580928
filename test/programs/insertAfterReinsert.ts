// Inserting an index that exists is refused, also once its home has deleted
// an earlier element there and another PE has inserted it again: the
// home's notice of its own deletion must not mark the new element as being
// deleted (sent to itself, the notice waited behind the home's local work
// while the deletion and the new insertion went ahead by MPI, and the
// insertion below then waited for good). np 2: index [1]'s home is PE 1.
import { charm, Chare, type ArrayProxy, type CollectionProxy } from '../../lib';

class Cell extends Chare<readonly number[]> {
  where(): number {
    return charm.myPe();
  }
}
charm.register(Cell);

class Helper extends Chare {
  noop(): void {}
  /** On the home: deletes [1] behind a backlog of local calls, then has PE 0 insert it again. */
  async deleteAndReinsert(cells: ArrayProxy<Cell>, helpers: CollectionProxy<Helper>): Promise<void> {
    for (let i = 0; i < 100_000; i++) this.thisElement.noop();
    await cells.at([1]).ckDestroy();
    await helpers[0].ret.reinsert(cells);
  }
  async reinsert(cells: ArrayProxy<Cell>): Promise<void> {
    cells.ckInsert([1], [], { onPE: 0 });
    await cells.ckDoneInserting();
  }
}
charm.register(Helper);

charm.start(async () => {
  const cells = charm.createArray(Cell, { ndims: 1 });
  const helpers = charm.createGroup(Helper);
  // Made on its home, then moved away: the home's cache knows where, so its ckDestroy goes there directly.
  cells.ckInsert([1], [], { onPE: 1 });
  await cells.ckDoneInserting();
  cells.at([1]).ckMigrate(0);
  await charm.waitQD();
  await helpers[1].ret.deleteAndReinsert(cells, helpers);
  console.log(`reinserted on PE ${await cells.at([1]).ret.where()}`);
  await charm.waitQD();
  cells.ckInsert([1], [], { onPE: 0 });
  await cells.ckDoneInserting();
  console.log('inserted twice?!');
  charm.exit(0);
});
