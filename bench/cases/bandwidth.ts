// Large-message bandwidth: ping-pong of a Float64Array between group
// members on PEs 0 and 1, 64 KiB to 64 MiB, each way either a plain send
// (the message carries a copy, made at the call) or a transfer
// (charm.transfer: the memory moves, the sender's view is detached). The
// receiver sends back what it received. Round-trip time per size, as
// bench/c/pingpong.c measures it for C (the runner turns both into MB/s).
// The clock starts after a first round trip, which wakes the other PE
// (idle between trials, it may be asleep): this measures the transfer,
// not how fast an idle PE wakes up (bench/cases/pingpong.ts includes that).
//   mpirun -np 2 node dist/bench/cases/bandwidth.js [plain|transfer] [bytes...]
import { charm, Chare, type Future } from '../../lib';
import { report, timedTrials } from './report';
import { BANDWIDTH_SIZES } from '../sizes';
/** Trials per size (each of a few round trips, as in the C program). */
const TRIALS = 21;

class Bouncer extends Chare {
  private left = 0;
  private transfer = false;
  private started = 0;
  private done: Future<number> | undefined;
  /** The message of the next trial, made (and its pages mapped) before the clock starts, as C's buffer is. */
  private first: Float64Array | undefined;

  prepare(bytes: number): void {
    if (this.first?.byteLength !== bytes) this.first = new Float64Array(bytes / 8).fill(1);
  }
  serve(count: number, transfer: boolean, done: Future<number>): void {
    this.left = count + 1; // the first round trip is not timed
    this.started = 0;
    this.transfer = transfer;
    this.done = done;
    const first = this.first!;
    // A transfer takes the array away: prepare() makes the next one.
    this.first = transfer ? undefined : first;
    this.send(first);
  }
  /** The other end bounces every message back; this end counts the round trips. */
  bounce(x: Float64Array, transfer: boolean): void {
    if (!this.done) {
      this.transfer = transfer;
      this.send(x);
    } else if (--this.left > 0) {
      if (this.started === 0) this.started = performance.now();
      this.send(x);
    } else {
      this.done.send(performance.now() - this.started);
    }
  }
  private send(x: Float64Array): void {
    this.thisProxy[1 - this.thisIndex].bounce(this.transfer ? charm.transfer(x) : x, this.transfer);
  }
}
charm.register(Bouncer);

charm.start(async (args) => {
  const mode = args[0] === 'transfer' ? 'transfer' : 'plain';
  if (charm.numPes() < 2) charm.abort('bandwidth needs 2 PEs');
  const starter = charm.createGroup(Bouncer)[0];
  const sizes = args.length > 1 ? args.slice(1).map(Number) : BANDWIDTH_SIZES;
  for (const bytes of sizes) {
    // As many round trips per trial as the C program makes: its count to start with, then trials of MIN_TRIAL_US.
    const samples = await timedTrials(TRIALS, Math.max(4, Math.floor(1000 / (1 + bytes / 2000))), async (n) => {
      await starter.awaitable.prepare(bytes);
      const done = charm.createFuture<number>();
      starter.serve(n, mode === 'transfer', done);
      return ((await done) * 1000) / n;
    });
    report(`bandwidth-${mode}`, { bytes }, samples, 'us');
  }
  charm.exit();
});
