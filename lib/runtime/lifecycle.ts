/**
 * Start-up and shut-down of a PE: MPI initialization, handler wiring
 * and the message loop (start.ts installs the services and runs `main`
 * on PE 0), and the exit protocol.
 *
 * Exit: an exit is requested from PE 0, which broadcasts it; every PE then
 * ends its unfinished output lines (console/output.ts) and acknowledges, so no line printed before
 * `charm.exit` is lost; then all PEs finalize MPI and exit with the code.
 * An exit always ends the job: a PE that does not acknowledge within the
 * grace period (CHARMTS_EXIT_GRACE seconds, 10 by default: a PE stuck in
 * a long synchronous loop) is named and the job is aborted, and so is a
 * job whose PE 0 does not start an exit another PE asked for, or whose
 * final barrier does not complete.
 *
 * A PE that leaves any other way (process.exit in user code) takes the job
 * down with it, saying which PE left and with what code.
 *
 * Exits after the first (a second `charm.exit`, or members that all call
 * it) change nothing, as CkExit in Charm++: the first one PE 0 takes sets
 * the code. PE 0 says so once on stderr when a later one asks for another
 * code, which would otherwise be lost without a word; repeats of the same
 * code are silent (every member calling `charm.exit()` is common).
 */
import { mpi } from '../transport/binding';
import { ExitStep, Kind, readExit, writeExit } from '../codec/wire';
import type { Reader } from '../codec/reader';
import { Scheduler } from '../scheduler/scheduler';
import { abortNow, describeOrigin, fatal, originOf, setFatalReport, uncaught, writeAll } from '../errors';
import { runtime, setRuntime, isStarted } from '../model/context';
import { Future, receiveFutureValue } from '../model/future';
import { holdFailure, holdUnawaitedFailures, reportHeldFailures } from './unawaited';
import { DEFAULT_EXIT_GRACE_SECONDS, exitGraceSeconds, runtimeWords } from './options';
import { receiveCall, receiveControl, receiveCreate, receiveReduction } from '../collections/collections';
import { flushOutput, receivePrint, setUpOutput } from '../console/output';
import { receiveQuiescence } from '../quiescence';
import { receiveSection } from '../sections/branch';
import { followingPromises, madeIn, trackContinuations } from '../model/activity';
import { availableParallelism } from 'os';
import { sharesCores } from './cores';
import { markExit } from '../checkpoint/exitMark';
import { tierUpSooner } from './tiering';
import { touchYoungGeneration } from './youngGeneration';
import { configureProfiling, type ProfileOptions } from '../profiling/profile';
import { receiveProfile, reportBeforeAbort, reportProfiles, sendProfile } from './profiles';

let exiting = false;
let exitCode = 0;
/** PE 0: the exit that started the job's end (its code and PE), and whether a later one with another code was reported. */
const first = { code: 0, pe: 0, reported: false };
/** PE 0: the PEs that acknowledged the exit. */
const acknowledged = new Set<number>();
/** Set when this PE leaves through the exit protocol (a process exit otherwise is a PE failing). */
let leaving = false;

/** How long PEs have to answer an exit before the job is aborted. */
function exitGraceMs(): number {
  // A bad value stopped the job at start (environmentProblem); one set after start falls back to the default.
  const seconds = exitGraceSeconds();
  return (Number.isNaN(seconds) ? DEFAULT_EXIT_GRACE_SECONDS : seconds) * 1000;
}

/** Aborts the job if the exit has not got further within the grace period. */
function exitWatchdog(stuck: () => string | undefined): void {
  setTimeout(() => {
    const problem = stuck();
    if (problem) abortJob(problem);
  }, exitGraceMs()).unref();
}

/** The option that has every promise followed from the start, so that an unhandled rejection names the entry method that made the promise. */
export const ASYNC_ORIGINS = '+asyncOrigins';

/**
 * What an unhandled rejection of `promise` is said to come from: the chare
 * code that made the call (a future's) or the promise (when promises are
 * followed: model/activity.ts), or plainly that it is not known.
 */
function rejectionOrigin(promise: Promise<unknown>): string {
  const call = originOf(promise);
  if (call) return `: a call made in ${call} failed and nobody awaited its result`;
  const made = madeIn(promise);
  if (made) return `: a promise made in ${describeOrigin(made.className, made.method, made.index)} was rejected and nobody handled it`;
  if (followingPromises()) return ' (unhandled promise rejection: a failed call or promise nobody awaited; no entry method is known to have made it: main, a constructor, a timer or I/O callback?)';
  return ` (unhandled promise rejection: a failed call or promise nobody awaited; which entry method made it is not known: run with ${ASYNC_ORIGINS} to have it named)`;
}

/** Initializes MPI and this PE's runtime, runs `onStarted`, then starts the message loop. */
export function startRuntime(profile: ProfileOptions, onStarted: () => void): void {
  if (isStarted()) throw new Error('charm.start: the runtime is already started');
  tierUpSooner();
  // Before MPI_Init, which waits for every rank: the PEs do it at once, and no message waits for it.
  touchYoungGeneration();
  const info = mpi.Init();
  configureProfiling(profile, runtimeWords(), info.rank);
  const sameHost = info.hostOfRank.filter((host) => host === info.hostOfRank[info.rank]).length;
  const scheduler = new Scheduler(info.rank, info.size, sharesCores(sameHost, availableParallelism(), process.env));
  const where = (): string => `on PE ${info.rank}`;
  scheduler.onFatal = (error) => fatal(error, where());
  process.on('uncaughtException', (error) => uncaught(error, `${where()} (uncaught exception)`));
  if (runtimeWords().includes(ASYNC_ORIGINS)) trackContinuations();
  holdUnawaitedFailures(uncaught);
  process.on('unhandledRejection', (error, promise) => {
    const context = `${where()}${rejectionOrigin(promise)}`;
    // A future may still be awaited later: its failure waits for that (unawaited.ts).
    if (promise instanceof Future) holdFailure(promise, error, context);
    else uncaught(error, context);
  });
  process.on('exit', (code) => {
    if (leaving) return;
    writeAll(2, `charmts: PE ${info.rank} exited with code ${code} outside charm.exit (process.exit?); ending the job\n`);
    mpi.Abort(code || 1);
  });
  setRuntime({
    myPe: info.rank,
    numPes: info.size,
    hostOfPe: info.hostOfRank,
    numHosts: new Set(info.hostOfRank).size,
    scheduler,
  });
  scheduler.on(Kind.Call, receiveCall);
  scheduler.on(Kind.FutureValue, receiveFutureValue);
  scheduler.on(Kind.Create, receiveCreate);
  scheduler.on(Kind.Exit, receiveExit);
  scheduler.on(Kind.Print, receivePrint);
  scheduler.on(Kind.Quiescence, receiveQuiescence);
  scheduler.on(Kind.Reduction, receiveReduction);
  scheduler.on(Kind.ArrayControl, receiveControl);
  scheduler.on(Kind.Section, receiveSection);
  scheduler.on(Kind.Profile, receiveProfile);
  setFatalReport(reportBeforeAbort);
  setUpOutput(runtime());
  onStarted();
  mpi.Barrier(); // every PE is ready before main runs anywhere
  scheduler.start();
}

/** Ends the job with `code`, from any PE (`from`: the PE that called charm.exit, when PE 0 handles its request). */
export function requestExit(code: number, from?: number): void {
  const rt = runtime('charm.exit');
  const caller = from ?? rt.myPe;
  if (rt.myPe === 0 && exiting) {
    if (code !== first.code && !first.reported) {
      first.reported = true;
      writeAll(2, `charmts: charm.exit(${code}) on PE ${caller} is ignored: charm.exit(${first.code}) on PE ${first.pe} came first, and the job ends with code ${first.code} (only the first exit counts)\n`);
    }
    return;
  }
  writeExit(rt.scheduler.writer, rt.myPe === 0 ? ExitStep.Exit : ExitStep.Request, code);
  if (rt.myPe === 0) {
    first.code = code;
    first.pe = caller;
    rt.scheduler.broadcast();
    exitWatchdog(() => {
      const missing = Array.from({ length: rt.numPes }, (_, pe) => pe).filter((pe) => !acknowledged.has(pe));
      if (missing.length === 0) return undefined;
      // A PE that stops receiving holds Open MPI's shared-memory fragments of every PE that sent
      // to it, and those PEs can then send nothing, their answer included (storm test, stuck).
      const several = missing.length > 1 ? ' one that stops receiving also holds up the PEs sending to it' : '';
      return `exit: ${missing.length === 1 ? 'PE' : 'PEs'} ${missing.join(', ')} did not answer within ${exitGraceMs() / 1000} s (stuck in a long synchronous loop?${several}); ending the job`;
    });
    exiting = true;
    markExit(runtimeWords(), code);
  } else {
    rt.scheduler.send(0);
    if (!exiting) exitWatchdog(() => (exiting ? undefined : `exit: PE ${rt.myPe} asked PE 0 to end the job and PE 0 did not start the exit within ${exitGraceMs() / 1000} s (stuck in a long synchronous loop?); ending the job`));
  }
}

/** Prints `message` and ends the whole job at once with a non-zero exit. */
export function abortJob(message: string): never {
  const pe = isStarted() ? `PE ${runtime().myPe}` : 'a PE';
  writeAll(2, `charmts: abort on ${pe}: ${message}\n`);
  return abortNow();
}

function receiveExit(r: Reader): void {
  const rt = runtime();
  const { step, code } = readExit(r);
  if (step === ExitStep.Request) {
    requestExit(code, r.source);
  } else if (step === ExitStep.Exit) {
    exitCode = code;
    exiting = true;
    // From here on only output and acknowledgements matter: calls still in flight are dropped.
    for (const kind of [Kind.Call, Kind.Create, Kind.FutureValue, Kind.Quiescence, Kind.Reduction, Kind.ArrayControl, Kind.Section]) rt.scheduler.on(kind, () => {});
    // Node emits 'rejectionHandled' for a held future awaited just before the exit only once the tick
    // queue is empty (a failure caught, then charm.exit()): held failures are reported after that.
    setImmediate(() => acknowledgeExit(code));
  } else if (step === ExitStep.Abort) {
    sendProfile(r.source); // a PE has a fatal error: the job is aborted next
  } else {
    acknowledged.add(r.source);
    if (acknowledged.size === rt.numPes) {
      reportProfiles();
      finish(rt.scheduler);
    }
  }
}

/** This PE's part of the exit, after the Exit reached it: held failures, output, profile, then the acknowledgement to PE 0. */
function acknowledgeExit(code: number): void {
  const rt = runtime();
  reportHeldFailures();
  flushOutput();
  sendProfile(0);
  writeExit(rt.scheduler.writer, ExitStep.Done, code);
  rt.scheduler.send(0);
  if (rt.myPe !== 0) finish(rt.scheduler);
}

/**
 * Stops the loop and leaves MPI together with every PE. Each PE keeps
 * receiving (calls still in flight are dropped; PE 0 still prints output)
 * until its own sends have completed, then joins a non-blocking barrier,
 * still receiving: when the barrier completes, every send of every PE has
 * completed, so MPI_Finalize finds nothing pending.
 */
function finish(scheduler: Scheduler): void {
  scheduler.stop();
  // Twice the grace: PE 0, which knows which PE did not answer, speaks first.
  const limit = 2 * exitGraceMs();
  const deadline = performance.now() + limit;
  const waitFor = (done: () => boolean, what: string): void => {
    while (!done()) {
      scheduler.pollOnce();
      if (performance.now() > deadline) abortJob(`exit: ${what} within ${limit / 1000} s; ending the job`);
    }
  };
  waitFor(() => mpi.PendingBytes() === 0, 'messages this PE sent were not received');
  mpi.BarrierStart();
  waitFor(() => mpi.BarrierDone(), 'not every PE reached the final barrier');
  leaving = true;
  mpi.Finalize();
  process.exit(exitCode);
}
