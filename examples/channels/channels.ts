// Channels: the members of a group form a ring of channels; a Float64Array
// travels around it `laps` times, each member adding its PE number to
// every element. Each member awaits its left neighbour and sends right.
//   mpirun -np 4 node dist/examples/channels/channels.js [laps]
import { charm, Chare, Channel } from '../../lib';

class Stage extends Chare {
  async pass(laps: number, length: number): Promise<number> {
    const n = charm.numPes();
    const left = new Channel<Float64Array>(this, this.thisProxy[(this.thisIndex + n - 1) % n]);
    const right = new Channel<Float64Array>(this, this.thisProxy[(this.thisIndex + 1) % n]);
    if (this.thisIndex === 0) right.send(new Float64Array(length));
    for (let lap = 0; lap < laps; lap++) {
      const data = await left.recv();
      for (let i = 0; i < data.length; i++) data[i] += this.thisIndex;
      if (this.thisIndex !== 0 || lap < laps - 1) right.send(data);
      else return data[0];
    }
    return -1;
  }
}
charm.register(Stage);

charm.start(async (args) => {
  if (charm.numPes() < 2) charm.abort('the ring needs at least 2 PEs');
  const laps = Number(args[0] ?? 100);
  const stages = charm.createGroup(Stage);
  const t0 = charm.wallTime();
  const results = await stages.ret.pass(laps, 1 << 16);
  const seconds = charm.wallTime() - t0;
  const n = charm.numPes();
  const expected = (laps * n * (n - 1)) / 2;
  console.log(`${laps} laps of a 512 KiB array around ${n} PEs in ${seconds.toFixed(3)} s (${((seconds / laps / n) * 1e6).toFixed(1)} us per hop)`);
  console.log(`channels: every element is ${results[0]} (expected ${expected})`);
  charm.exit(results[0] === expected ? 0 : 1);
});
