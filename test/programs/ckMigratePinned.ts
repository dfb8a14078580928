// ckMigrate of an element that declared itself not migratable, from main
// on PE 0 to an element on PE 1: nobody awaits a ckMigrate, so the job
// ends, and the error names the call as made and the PE it came from
// (reported there, as a fire-and-forget call that was not delivered).
// With `local`, the element is on PE 0 too (asked to go to PE 1).
import { charm, Chare } from '../../lib';

class Pinned extends Chare<[number]> {
  override migratable = false;
  where(): number {
    return charm.myPe();
  }
}
charm.register(Pinned);

charm.start(async (args) => {
  const pinned = charm.createArray(Pinned, [2]);
  const [index, to] = args[0] === 'local' ? [0, 1] : [1, 0];
  console.log(`Pinned[${index}] on PE ${await pinned.at([index]).ret.where()}`);
  pinned.at([index]).ckMigrate(to);
  await charm.sleep(10);
  console.log(`migrated?! (on PE ${await pinned.at([index]).ret.where()})`);
  charm.exit(0);
});
