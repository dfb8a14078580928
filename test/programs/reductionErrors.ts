// Reductions that fail: contributions of different lengths, or of different
// reducers, from the elements of one array (modes: lengths, reducers,
// lengths-callback). main prints the error its future gets, or the callback
// target makes the job end with the error (fatal).
import { charm, Chare, Reducer, type Future } from '../../lib';

const mode = charm.args().find((a) => !a.startsWith('--')) ?? 'lengths';

class R extends Chare<[number]> {
  lengths(done: Future<number[]> | undefined): void {
    // Odd elements contribute 3 values, even ones 2: at np 2 each PE finds the mismatch among its own two elements.
    const n = this.thisIndex[0] % 2 === 1 ? 3 : 2;
    const data = new Array<number>(n).fill(1);
    this.contribute(data, Reducer.sum, done ?? charm.callback(this.thisProxy[0], 'result'));
  }
  reducers(done: Future<number>): void {
    this.contribute(1, this.thisIndex[0] === 1 ? Reducer.max : Reducer.sum, done);
  }
  result(value: unknown): void {
    console.log(`result ${JSON.stringify(value)}`);
  }
}
charm.register(R);

charm.start(async () => {
  const members = charm.createArray(R, [4]);
  if (mode === 'lengths-callback') {
    members.lengths(undefined);
    await charm.sleep(20);
    charm.exit(0);
    return;
  }
  const done = charm.createFuture<unknown>();
  if (mode === 'reducers') members.reducers(done as Future<number>);
  else members.lengths(done as Future<number[]>);
  try {
    console.log(`value ${JSON.stringify(await done)}`);
  } catch (error) {
    console.log(`error: ${(error as Error).message}`);
    console.log(`length: ${(error as Error).message.length}`);
  }
  charm.exit(0);
});
