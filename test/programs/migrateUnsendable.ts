// An element whose own fields hold what cannot be sent (a function) asks
// to migrate: the job ends naming the element and the field, and says how
// to leave the field out (pack/unpack) or keep the element in place.
import { charm, Chare } from '../../lib';

class Holder extends Chare<[number]> {
  fn = (): number => 1;
  move(pe: number): void {
    this.migrate(pe);
  }
}
charm.register(Holder);

charm.start(async () => {
  const holders = charm.createArray(Holder, [2]);
  holders.at([0]).move(1);
  await charm.sleep(10);
  console.log('migrated?!');
  charm.exit(0);
});
