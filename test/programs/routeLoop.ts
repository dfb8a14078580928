// A call nobody awaits, going round two PEs whose location caches were made
// to disagree (each says the element is on the other; as only a runtime bug
// could, through the array's part on each PE): the job ends, naming the
// element, the method and the PEs, instead of the call circling for ever.
import { charm, Chare } from '../../lib';
import { localCollection } from '../../lib/collections/collections';
import type { ArrayRef } from '../../lib/collections/arrays';
import type { Locations } from '../../lib/location/locations';
import type { CallTarget } from '../../lib/model/proxy';

class Cell extends Chare<readonly number[]> {
  hello(): void {
    console.log('delivered?!');
  }
}
charm.register(Cell);

class Corrupter extends Chare {
  pointAt(id: number, index: number, pe: number): void {
    (localCollection(id) as unknown as { locations: Locations }).locations.learn(index, pe, 1_000_000, false);
  }
}
charm.register(Corrupter);

charm.start(async () => {
  const cells = charm.createArray(Cell, { ndims: 1 });
  const ref = (cells as unknown as CallTarget).__ref as ArrayRef;
  const home = ref.homeOf([7] as never);
  const other = (home + 1) % charm.numPes();
  const corrupters = charm.createGroup(Corrupter);
  await corrupters.at(home).awaitable.pointAt(ref.id, 7, other);
  await corrupters.at(other).awaitable.pointAt(ref.id, 7, home);
  cells.at([7]).hello();
  await charm.sleep(10);
  console.log('still circling?!');
  charm.exit(0);
});
