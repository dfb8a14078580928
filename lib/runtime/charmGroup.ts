/** The runtime as a group: `charm.thisProxy[pe].ret.myPe()` asks another PE. */
import { Chare } from '../model/chare';
import { runtime } from '../model/context';
import { forwardValue, type Future } from '../model/future';
import { requestExit, abortJob } from './lifecycle';
import { peStats, type PeStats } from '../profiling/profile';
import { evalHere, execHere, updateGlobalsHere } from '../console/remoteCode';

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
  /** Runs `code` (statements) in this PE's global scope. Needs remote code enabled. */
  exec(code: string): void {
    execHere(code);
  }
  /** Evaluates `expression` in this PE's global scope and returns its value. Needs remote code enabled. */
  eval(expression: string): unknown {
    return evalHere(expression);
  }
  /** Sets global variables on this PE. Needs remote code enabled. */
  updateGlobals(globals: Record<string, unknown>): void {
    updateGlobalsHere(globals);
  }

  /** @internal On the PE owning `future`: sends its value, once it has it, into `slot` of `to` (a future sent a future). */
  forwardFuture(future: Future<unknown>, to: Future<unknown>, slot: number): void {
    forwardValue(future, to, slot);
  }

  /** Aborts the job with `message`. */
  abort(message: string): void {
    abortJob(message);
  }
}
