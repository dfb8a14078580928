/**
 * Automatic restart, charmrun's part (`+checkpoint-dir DIR +restarts K`),
 * as Charm++'s fault tolerance restarts from the last checkpoint: when a
 * rank dies (killed by a signal or crashed: mpirun then exits with 128 +
 * the signal), the job runs again from the newest complete checkpoint in
 * DIR (from the start if there is none yet), at most K times, each restart
 * reported on stderr. A job that ends with an exit code of its own
 * (charm.exit(n), a fatal error, a refused restart) is not run again, nor
 * one that charmrun itself was told to stop.
 *
 * No runtime here: charmrun is a plain Node process.
 */
import { constants } from 'os';
import * as path from 'path';
import { describeCheckpoint, latestCheckpoint } from './manifest';
import type { CheckpointFlags } from './options';

/** How one mpirun ended. */
export interface JobEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs the job (`run` starts mpirun with the extra program arguments
 * given, the checkpoint flags) until it ends for good; returns the exit
 * code for charmrun.
 */
export async function runWithRestarts(flags: CheckpointFlags, run: (extraArgs: string[]) => Promise<JobEnd>, stopped: () => boolean, log: (line: string) => void): Promise<number> {
  let restart = flags.restart;
  for (let restarts = 0; ; restarts++) {
    const extra = [...(flags.checkpointDir !== undefined ? ['+checkpoint-dir', flags.checkpointDir] : []), ...(restart !== undefined ? ['+restart', restart] : [])];
    const end = await run(extra);
    const code = end.code ?? (end.signal ? 128 + (constants.signals[end.signal] ?? 0) : 1);
    if (code <= 128 || stopped() || restarts >= flags.restarts || flags.checkpointDir === undefined) return code;
    const dir = path.resolve(flags.checkpointDir);
    const latest = latestCheckpoint(dir);
    const cause = end.signal ? `mpirun was killed by ${end.signal}` : `a rank died (mpirun exit code ${code}: signal ${code - 128})`;
    log(`charmrun: ${cause}; restart ${restarts + 1} of ${flags.restarts}, from ${latest ? describeCheckpoint(dir, latest) : `the start (no complete checkpoint in ${dir} yet)`}\n`);
    restart = latest ? dir : undefined;
  }
}
