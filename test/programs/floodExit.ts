// Every PE floods the others with calls (small and 1 MiB payloads) and PE 1
// calls charm.exit(0) in the middle of it: the job must still end cleanly.
import { charm, Chare } from '../../lib';

class Flooder extends Chare {
  received = 0;
  flood(rounds: number): void {
    const big = new Float64Array(128 * 1024);
    for (let i = 0; i < rounds; i++) {
      for (let pe = 0; pe < charm.numPes(); pe++) {
        if (pe === charm.myPe()) continue;
        this.thisProxy[pe].take(i, i % 50 === 0 ? big : null);
      }
    }
    if (charm.myPe() === 1 % charm.numPes()) {
      console.log(`exit requested on PE ${charm.myPe()}`);
      charm.exit(0);
    }
  }
  take(i: number, data: Float64Array | null): void {
    this.received += data ? 2 : 1;
    void i;
  }
}
charm.register(Flooder);

charm.start(() => {
  const g = charm.createGroup(Flooder);
  g.flood(2000);
});
