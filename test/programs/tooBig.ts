// A call whose message would exceed MPI's 2 GiB limit fails at the caller
// with a clear error, before anything is sent; the job goes on.
import { charm, Chare } from '../../lib';

class Sink extends Chare {
  take(data: Uint8Array): number {
    return data.length;
  }
}
charm.register(Sink);

charm.start(async () => {
  const g = charm.createGroup(Sink);
  const huge = Buffer.allocUnsafe(2 ** 31); // one byte over the limit, with the header
  try {
    g[charm.numPes() - 1].take(huge);
    console.log('sent?!');
  } catch (error) {
    console.log(`refused: ${(error as Error).message}`);
  }
  console.log(`small still works: ${await g[charm.numPes() - 1].ret.take(new Uint8Array(10))}`);
  charm.exit();
});
