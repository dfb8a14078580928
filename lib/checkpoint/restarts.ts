/**
 * Automatic restart, charmrun's part (`+checkpoint-dir DIR +restarts K`),
 * as Charm++'s fault tolerance restarts from the last checkpoint: when a
 * rank dies (killed by a signal or crashed: mpirun then exits with 128 +
 * the signal), the job runs again from the newest complete checkpoint, at
 * most K times, each restart reported on stderr. The newest is DIR's;
 * while DIR has none, the one the run that died had restarted from (the
 * job's own `+restart R`, a resubmitted job going on in a new DIR), and
 * with neither the job starts over. A job that ends with an exit code of
 * its own (charm.exit(n), a fatal error, a refused restart) is not run
 * again, nor one whose rank died after the program called charm.exit()
 * (exitMark.ts). Nor is one that charmrun was told to stop (Ctrl-C,
 * SIGTERM from a batch system at its time limit): charmrun then exits as
 * a process killed by that signal (128 + its number), and, as when no
 * restart is left, names the checkpoint to go on from with `+restart`.
 *
 * No runtime here: charmrun is a plain Node process.
 */
import { constants } from 'os';
import * as path from 'path';
import { describeCheckpoint, latestCheckpoint, type Manifest } from './manifest';
import type { CheckpointFlags } from './options';
import { takeExitMark } from './exitMark';

/** How one mpirun ended. */
export interface JobEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A complete checkpoint and its directory (absolute). */
interface Found {
  dir: string;
  manifest: Manifest;
}

/** The newest complete checkpoint a run could go on from: `checkpointDir`'s, else `restartedFrom`'s, else none. */
function newest(checkpointDir: string | undefined, restartedFrom: string | undefined): Found | undefined {
  for (const given of [checkpointDir, restartedFrom]) {
    if (given === undefined) continue;
    const dir = path.resolve(given);
    const manifest = latestCheckpoint(dir);
    if (manifest) return { dir, manifest };
  }
  return undefined;
}

/** "; the newest checkpoint is ...: go on from it with +restart DIR", or nothing when there is none. */
function goOnFrom(found: Found | undefined): string {
  return found ? `; the newest checkpoint is ${describeCheckpoint(found.dir, found.manifest)}: go on from it with +restart ${found.dir}` : '';
}

/**
 * Runs the job (`run` starts mpirun with the extra program arguments
 * given, the checkpoint flags) until it ends for good; returns the exit
 * code for charmrun. `stopped` gives the signal charmrun was stopped by
 * (and passed on to mpirun), if any.
 */
export async function runWithRestarts(flags: CheckpointFlags, run: (extraArgs: string[]) => Promise<JobEnd>, stopped: () => NodeJS.Signals | undefined, log: (line: string) => void): Promise<number> {
  let restart = flags.restart;
  for (let restarts = 0; ; restarts++) {
    const extra = [...(flags.checkpointDir !== undefined ? ['+checkpoint-dir', flags.checkpointDir] : []), ...(restart !== undefined ? ['+restart', restart] : [])];
    if (flags.checkpointDir !== undefined) takeExitMark(path.resolve(flags.checkpointDir)); // an earlier charmrun's
    const end = await run(extra);
    const exited = flags.checkpointDir === undefined ? undefined : takeExitMark(path.resolve(flags.checkpointDir));
    const code = end.code ?? (end.signal ? 128 + (constants.signals[end.signal] ?? 0) : 1);
    const signal = stopped();
    if (signal !== undefined) {
      // mpirun, passed the signal, exits 1 (Open MPI): the batch script is told what stopped the job, as by a process the signal killed.
      if (flags.checkpointDir !== undefined || restart !== undefined) log(`charmrun: stopped by ${signal}${goOnFrom(newest(flags.checkpointDir, restart))}\n`);
      return 128 + (constants.signals[signal] ?? 0);
    }
    if (code <= 128 || flags.checkpointDir === undefined) return code;
    if (exited !== undefined) {
      log(`charmrun: a rank died (mpirun exit code ${code}) after the program called charm.exit(${exited}): not restarted, which would redo its work since the last checkpoint\n`);
      return code;
    }
    const from = newest(flags.checkpointDir, restart);
    const cause = end.signal ? `mpirun was killed by ${end.signal}` : `a rank died (mpirun exit code ${code}: signal ${code - 128})`;
    if (restarts >= flags.restarts) {
      const left = flags.restarts === 0 ? '' : `; no restart left (+restarts ${flags.restarts})`;
      if (left !== '' || from) log(`charmrun: ${cause}${left}${goOnFrom(from)}\n`);
      return code;
    }
    const dir = path.resolve(flags.checkpointDir);
    const whence = !from
      ? `the start (no complete checkpoint in ${dir} yet)`
      : from.dir === dir
        ? describeCheckpoint(from.dir, from.manifest)
        : `${describeCheckpoint(from.dir, from.manifest)}, the one it was started from (none in ${dir} yet)`;
    log(`charmrun: ${cause}; restart ${restarts + 1} of ${flags.restarts}, from ${whence}\n`);
    restart = from?.dir;
  }
}
