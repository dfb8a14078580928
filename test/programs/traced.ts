// A run with messages of every kind, for the trace test (test/trace.test.ts):
// broadcasts to a group and an array, element calls, reductions to a
// future, futures replied from async methods, channels, quiescence, sends
// from main (outside any delivery) and from code after an await.
//   mpirun -np 4 node dist/test/programs/traced.js +trace FILE
import { charm, Chare, Channel, Reducer, type ElementProxy } from '../../lib';

class Worker extends Chare<[number]> {
  async work(n: number, done: unknown): Promise<void> {
    let x = 0;
    for (let i = 0; i < 20_000; i++) x += Math.sqrt(i + n);
    // One contribution 20 ms late (ten times HINT_DELAY_MS) keeps the others waiting: their PEs hint and the
    // root announces the reduction down the tree (a Start), which the trace test looks for. Without it a Start
    // came only when a PE happened to wait 2 ms, and the test failed now and then.
    if (n === 0 && this.thisIndex[0] === 7) await charm.sleep(0.02);
    this.contribute(x > 0 ? 1 : 0, Reducer.sum, done as never);
  }

  async later(): Promise<number> {
    await charm.sleep(0.001);
    this.thisProxy[(this.thisIndex[0] + 1) % 8].ping(); // a send after an await
    return this.thisIndex[0];
  }

  ping(): void {}
}
charm.register(Worker);

class Peer extends Chare {
  async echo(other: ElementProxy<Peer>, rounds: number): Promise<void> {
    const ch = new Channel(this, other);
    for (let i = 0; i < rounds; i++) ch.send(((await ch.recv()) as number) + 1);
  }
  async start(other: ElementProxy<Peer>, rounds: number): Promise<number> {
    const ch = new Channel(this, other);
    let value = 0;
    for (let i = 0; i < rounds; i++) {
      ch.send(value);
      value = (await ch.recv()) as number;
    }
    return value;
  }
}
charm.register(Peer);

charm.start(async () => {
  const workers = charm.createArray(Worker, 8);
  for (let step = 0; step < 5; step++) {
    const done = charm.createFuture<number>();
    workers.work(step, done);
    if ((await done) !== 8) throw new Error('the reduction lost a contribution');
  }
  await workers.ret.later();
  if (charm.numPes() > 1) {
    const peers = charm.createGroup(Peer);
    const last = charm.numPes() - 1;
    peers[last].echo(peers[0], 10);
    if ((await peers[0].ret.start(peers[last], 10)) !== 10) throw new Error('the channel lost a value');
  }
  await charm.waitQD();
  charm.exit(0);
});
