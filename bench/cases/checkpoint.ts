// Checkpoint and restart cost per MiB of chare state: an array of 8
// elements per PE holding `mib` MiB of Float64Array in all.
//   mpirun -np N node dist/bench/cases/checkpoint.js DIR [mib]
//       checkpoints to DIR: time from charm.startCheckpoint to its
//       callback, per MiB; the last checkpoint is left for a restart
//   mpirun -np N node dist/bench/cases/checkpoint.js +restart DIR
//       the restart's own time (checking, reading, rebuilding), per MiB
import { charm, Chare, type CheckpointStatus } from '../../lib';
import { TRIALS, report, trials } from './report';

class Holder extends Chare<[number]> {
  data: Float64Array;
  constructor(doubles: number) {
    super();
    this.data = new Float64Array(doubles).fill(this.thisIndex[0] + 0.5);
  }
}

/** Told when the last checkpoint is written (the job ends) and when a job restarts from it (it reports, then ends). */
class Reporter extends Chare {
  constructor(private readonly mib: number) {
    super();
  }
  resume(status: CheckpointStatus): void {
    if (status.restarted) report('restart', { mib: this.mib, elements: 8 * status.pes }, [(status.seconds * 1e3) / this.mib], 'ms/MiB');
    charm.exit();
  }
}
charm.register(Holder, Reporter);

charm.start(async (args) => {
  const dir = args[0];
  const mib = Number(args[1] ?? 32);
  const elements = 8 * charm.numPes();
  charm.createArray(Holder, [elements], [Math.floor((mib * 2 ** 20) / 8 / elements)]);
  const samples = await trials(TRIALS, async () => {
    const written = charm.createFuture<CheckpointStatus>();
    const t0 = charm.wallTime();
    charm.startCheckpoint(dir, written);
    await written;
    return ((charm.wallTime() - t0) * 1e3) / mib;
  });
  report('checkpoint', { mib, elements }, samples, 'ms/MiB');
  charm.startCheckpoint(dir, charm.callback(charm.createChare(Reporter, [mib]), 'resume'));
});
