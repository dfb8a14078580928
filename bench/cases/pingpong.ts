// Ping-pong between two group members or two array elements on PEs 0 and
// 1, typed-array payloads of 8 B to 4 MiB: round-trip time. Many short
// trials (5 ms at least, MIN_TRIAL_US), as in bench/c/pingpong.c: their
// median ignores the rare millisecond stalls of a shared machine. The
// spread (max / median trial) is widest at 512 B: every ten trials or so
// each PE scavenges, and a V8 thread then frees the buffers of the arrays
// received since, taking a core from a polling PE (lib/codec/fresh.ts).
//   mpirun -np 2 node dist/bench/cases/pingpong.js group|array [bytes...]
import { charm, Chare, Future } from '../../lib';
import { PINGPONG_SIZES } from '../sizes';
import { report, timedTrials } from './report';

/** Shared by both kinds of player: bounce `payload` `count` times, then report the time. */
abstract class Player<I extends number | readonly number[]> extends Chare<I> {
  private left = 0;
  private started = 0;
  private done: Future<number> | undefined;
  private peer: { bounce(x: Float64Array): void } | undefined;
  /** Made once per size, off the clock (as C's buffer is): fresh megabytes page-fault on first touch. */
  private payload = new Float64Array(0);

  protected abstract other(): { bounce(x: Float64Array): void };

  serve(count: number, bytes: number, done: Future<number>): void {
    if (this.payload.byteLength !== bytes) this.payload = new Float64Array(bytes / 8).fill(1);
    this.left = count;
    this.done = done;
    this.started = performance.now();
    (this.peer ??= this.other()).bounce(this.payload);
  }

  bounce(x: Float64Array): void {
    if (!this.done) {
      (this.peer ??= this.other()).bounce(x); // the responder
      return;
    }
    if (--this.left > 0) this.peer!.bounce(x);
    else this.done.send(((performance.now() - this.started) * 1000) / 1);
  }
}

class GroupPlayer extends Player<number> {
  protected other(): { bounce(x: Float64Array): void } {
    return this.thisProxy[1 - this.thisIndex];
  }
}
charm.register(GroupPlayer);

class ArrayPlayer extends Player<readonly number[]> {
  protected other(): { bounce(x: Float64Array): void } {
    return this.thisProxy.at([1 - this.thisIndex[0]]);
  }
}
charm.register(ArrayPlayer);

/** Element i on PE i. */
function onItsOwnPe(index: readonly number[]): number {
  return index[0];
}
charm.registerMap(onItsOwnPe);

charm.start(async (args) => {
  const kind = args[0] === 'array' ? 'array' : 'group';
  if (charm.numPes() < 2) charm.abort('pingpong needs 2 PEs');
  const starter =
    kind === 'group' ? charm.createGroup(GroupPlayer)[0] : charm.createArray(ArrayPlayer, [2], [], { map: onItsOwnPe }).at([0]);
  const sizes = args.length > 1 ? args.slice(1).map(Number) : PINGPONG_SIZES;
  for (const bytes of sizes) {
    // The anchors' count (bench-src/*/pingpong) to start with.
    const samples = await timedTrials(41, Math.max(4, Math.floor(1000 / (2 + bytes / 1000))), async (n) => {
      const done = charm.createFuture<number>();
      starter.serve(n, bytes, done);
      return (await done) / n;
    });
    report(`pingpong-${kind}`, { bytes }, samples, 'us');
  }
  charm.exit();
});
