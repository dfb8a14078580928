// Prints each PE's process id, then keeps the runtime busy with messages
// forever: only a signal ends it.
import { charm, Chare } from '../../lib';

class Pinger extends Chare {
  hello(): void {
    console.log(`pid pe=${charm.myPe()} ${process.pid}`);
  }
  ping(n: number): void {
    this.thisProxy[(charm.myPe() + 1) % charm.numPes()].ping(n + 1);
  }
}
charm.register(Pinger);

charm.start(async () => {
  const g = charm.createGroup(Pinger);
  await g.awaitable.hello();
  console.log('ready');
  g[0].ping(0);
});
