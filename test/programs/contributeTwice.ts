// A member that contributes twice to reductions whose target is one future:
// its second call joins the next reduction (as in Charm++), which, once the
// others contribute to it too, sends to the same future again. The job ends
// naming the future and this likely cause.
import { charm, Chare, Reducer, type Future } from '../../lib';

class Twice extends Chare<[number]> {
  add(done: Future<number>): void {
    this.contribute(1, Reducer.sum, done);
    if (this.thisIndex[0] === 0) this.contribute(1, Reducer.sum, done);
  }
  again(done: Future<number>): void {
    if (this.thisIndex[0] !== 0) this.contribute(1, Reducer.sum, done);
  }
}
charm.register(Twice);

charm.start(async () => {
  const done = charm.createFuture<number>();
  const members = charm.createArray(Twice, [3]);
  members.add(done);
  console.log(`first: ${await done}`);
  members.again(done);
  await charm.sleep(10);
  console.log('second value taken?!');
  charm.exit(0);
});
