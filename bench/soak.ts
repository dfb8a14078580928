// Soak: PE 0 sends 1 KiB calls to PE 1 as fast as it can for minutes while
// PE 1 does some work per call, so it cannot keep up. Back-pressure must
// slow the sender down instead of letting memory grow: every 10 s this
// prints both PEs' resident memory and the calls sent and handled.
//   mpirun -np 2 node dist/bench/soak.js [seconds]      (make soak SECONDS=120)
import { charm, Chare } from '../lib';

class Receiver extends Chare {
  handled = 0;
  take(data: Uint8Array): void {
    // About 5 us of work per call: slower than the sender can send.
    const end = performance.now() + 0.005;
    let x = data[0];
    while (performance.now() < end) x++;
    this.handled += x >= 0 ? 1 : 0;
  }
  status(): { rssMB: number; handled: number } {
    return { rssMB: process.memoryUsage().rss / 2 ** 20, handled: this.handled };
  }
}
charm.register(Receiver);

charm.start(async (args) => {
  if (charm.numPes() < 2) charm.abort('soak needs 2 PEs');
  const seconds = Number(args[0] ?? 120);
  const group = charm.createGroup(Receiver);
  const target = group[1];
  const payload = new Uint8Array(1024).fill(1);
  const start = performance.now();
  let sent = 0;
  let nextReport = 10;
  const samples: number[][] = [];
  console.log('   s   sent/s   handled/s   PE0 RSS MB   PE1 RSS MB');
  let last = { t: 0, sent: 0, handled: 0 };
  while ((performance.now() - start) / 1000 < seconds) {
    for (let i = 0; i < 1000; i++) target.take(payload);
    sent += 1000;
    await new Promise((resolve) => setImmediate(resolve)); // let the PE receive too
    const t = (performance.now() - start) / 1000;
    if (t >= nextReport) {
      nextReport += 10;
      const [pe0, pe1] = await group.ret.status();
      const row = [t, (sent - last.sent) / (t - last.t), (pe1.handled - last.handled) / (t - last.t), pe0.rssMB, pe1.rssMB];
      samples.push(row);
      last = { t, sent, handled: pe1.handled };
      console.log(`${t.toFixed(0).padStart(4)} ${row[1].toFixed(0).padStart(8)} ${row[2].toFixed(0).padStart(11)} ${row[3].toFixed(1).padStart(12)} ${row[4].toFixed(1).padStart(12)}`);
    }
  }
  const afterWarmUp = samples.slice(1);
  if (afterWarmUp.length) {
    const range = (k: number): string => `${Math.min(...afterWarmUp.map((r) => r[k])).toFixed(1)}..${Math.max(...afterWarmUp.map((r) => r[k])).toFixed(1)} MB`;
    console.log(`after warm-up: PE 0 RSS ${range(3)}, PE 1 RSS ${range(4)}; ${sent} calls sent`);
  }
  charm.exit();
});
