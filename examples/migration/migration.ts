// Migration: one element of a chare array tours every PE while the other
// elements keep sending it messages and main keeps broadcasting to the
// array. Senders never learn where it is: the location manager forwards
// and corrects their caches. At the end each count is exact.
//
//   mpirun -np 4 node dist/examples/migration/migration.js [laps]
import { charm, Chare, Future } from '../../lib';

type Index = readonly [number];

class Traveller extends Chare<Index> {
  messages = 0;
  broadcasts = 0;
  visited: number[] = [];
  private movesLeft = 0;
  private arrived: Future<number[]> | undefined;

  /** Element 0: visit every PE `laps` times, then report the PEs visited. */
  tour(laps: number, arrived: Future<number[]>): void {
    this.movesLeft = laps * charm.numPes();
    this.arrived = arrived;
    this.visit();
  }

  visit(): void {
    this.visited.push(charm.myPe());
    if (this.movesLeft-- <= 0) {
      this.arrived?.send(this.visited);
      return;
    }
    const next = (charm.myPe() + 1) % charm.numPes();
    if (next === charm.myPe()) this.thisElement.visit();
    else this.migrate(next);
  }

  override onMigrated(): void {
    console.log(`element ${this.thisIndex[0]} arrived on PE ${charm.myPe()} having received ${this.messages} messages and ${this.broadcasts} broadcasts`);
    this.thisElement.visit();
  }

  /** Other elements: send `count` messages to element 0. */
  chatter(count: number): void {
    for (let i = 0; i < count; i++) this.thisProxy.at([0]).hello(this.thisIndex[0]);
  }

  hello(from: number): void {
    void from;
    this.messages++;
  }

  news(): void {
    this.broadcasts++;
  }

  counts(): { messages: number; broadcasts: number; pe: number } {
    return { messages: this.messages, broadcasts: this.broadcasts, pe: charm.myPe() };
  }
}
charm.register(Traveller);

charm.start(async (args) => {
  const laps = Number(args[0] ?? 2);
  const elements = 2 * charm.numPes();
  const array = charm.createArray(Traveller, [elements]);
  const arrived = charm.createFuture<number[]>();
  array.at([0]).tour(laps, arrived);
  let sent = 0;
  let broadcasts = 0;
  for (let round = 0; round < 10; round++) {
    for (let e = 1; e < elements; e++) array.at([e]).chatter(10);
    sent += (elements - 1) * 10;
    array.news();
    broadcasts++;
    await charm.sleep(0.001);
  }
  const visited = await arrived;
  await charm.waitQD();
  const counts = await array.at([0]).ret.counts();
  console.log(`element 0 visited PEs ${visited.join(' ')}`);
  console.log(`element 0 received ${counts.messages} of ${sent} messages and ${counts.broadcasts} of ${broadcasts} broadcasts, now on PE ${counts.pe}`);
  charm.exit(counts.messages === sent && counts.broadcasts === broadcasts ? 0 : 1);
});
