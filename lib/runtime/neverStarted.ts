/**
 * A program that registers chare classes and never calls `charm.start`
 * runs nothing and, left alone, ends silently with exit code 0 on every
 * PE (Charm4py too). PE 0 says so in one line on stderr when the process
 * runs out of work; the exit code stays 0, as in Charm4py (a module that
 * registers classes may be run on its own on purpose), and a program that
 * registers nothing (charmts imported for its types, a plain script) stays
 * silent.
 */
import { isStarted } from '../model/context';
import { writeAll } from '../errors';

const registered: string[] = [];

/** The rank of this process under mpirun (Open MPI, MPICH, PMIx), 0 under plain node: MPI is not initialized before `charm.start`. */
function launcherRank(env: NodeJS.ProcessEnv): number {
  return Number(env.OMPI_COMM_WORLD_RANK ?? env.PMIX_RANK ?? env.PMI_RANK ?? 0);
}

/** Notes a chare class registered by the program: PE 0 names it at exit if `charm.start` never ran. */
export function expectStart(name: string): void {
  registered.push(name);
  if (registered.length > 1) return;
  // beforeExit: the natural end only (not process.exit, not a crash, which says what happened itself).
  process.once('beforeExit', () => {
    if (isStarted() || launcherRank(process.env) !== 0) return;
    const shown = registered.length > 3 ? `${registered.slice(0, 3).join(', ')} and ${registered.length - 3} more` : registered.join(', ');
    writeAll(2, `charmts: chare classes were registered (${shown}) but charm.start(main) was never called, so nothing ran; end the program with charm.start(main)\n`);
  });
}
