// ckMigrate of an element that declared itself not migratable, from main
// on PE 0 to an element on PE 1: nobody awaits a ckMigrate, so the job
// ends, and the error names the call as made and the PE it came from
// (reported there, as a fire-and-forget call that was not delivered).
import { charm, Chare } from '../../lib';

class Pinned extends Chare<[number]> {
  override migratable = false;
  where(): number {
    return charm.myPe();
  }
}
charm.register(Pinned);

charm.start(async () => {
  const pinned = charm.createArray(Pinned, [2]);
  console.log(`Pinned[1] on PE ${await pinned.at([1]).ret.where()}`);
  pinned.at([1]).ckMigrate(0);
  await charm.sleep(10);
  console.log(`migrated?! (on PE ${await pinned.at([1]).ret.where()})`);
  charm.exit(0);
});
