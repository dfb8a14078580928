/** The runtime as a group: `charm.thisProxy[pe].ret.myPe()` asks another PE. */
import { Chare } from '../model/chare';
import { runtime } from '../model/context';
import { requestExit, abortJob } from './lifecycle';
import { peStats, type PeStats } from '../profiling/profile';

/** The chare class of `charm.thisProxy`: one member per PE, answering for the runtime there. */
export class CharmRemote extends Chare {
  /** The PE this member runs on. */
  myPe(): number {
    return runtime().myPe;
  }
  /** Number of PEs in the job. */
  numPes(): number {
    return runtime().numPes;
  }
  /** Host number of this member's PE. */
  myHost(): number {
    const rt = runtime();
    return rt.hostOfPe[rt.myPe];
  }
  /** Number of hosts in the job. */
  numHosts(): number {
    return runtime().numHosts;
  }
  /** What this PE measured (see charm.printStats). */
  stats(): PeStats {
    return peStats(runtime().scheduler.counters);
  }
  /** Ends the job with `code`. */
  exit(code = 0): void {
    requestExit(code);
  }
  // @console: exec, eval and updateGlobals go here.

  /** Aborts the job with `message`. */
  abort(message: string): void {
    abortJob(message);
  }
}
