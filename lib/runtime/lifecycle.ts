/**
 * Start-up and shut-down of a PE: MPI initialization, handler wiring,
 * running `main` on PE 0, and the exit protocol. An exit is requested from
 * PE 0, which broadcasts it; every PE then ends its unfinished output lines
 * (console/output.ts) and acknowledges, so no line printed before
 * `charm.exit` is lost; then all PEs finalize MPI and exit with the code.
 */
import { mpi } from '../transport/binding';
import { ExitStep, Kind, readExit, readProfile, writeExit, writeProfile } from '../codec/wire';
import type { Reader } from '../codec/reader';
import { Scheduler } from '../scheduler/scheduler';
import { abortNow, fatal, uncaught, writeAll } from '../errors';
import { runtime, setRuntime, isStarted } from '../model/context';
import { receiveFutureValue } from '../model/future';
import { receiveCall, receiveControl, receiveCreate, receiveReduction } from '../collections/collections';
import { flushOutput, receivePrint, setUpOutput } from '../console/output';
import { receiveQuiescence } from '../quiescence';
import { receiveSection } from '../sections/sections';
import { writeFileSync } from 'fs';
import { availableParallelism } from 'os';
import { configureProfiling, formatStats, peStats, profileOptions, traceEvents, traceFile, type PeStats, type ProfileOptions, type TraceEvent } from '../profiling/profile';

let exiting = false;
let exitCode = 0;
let acknowledged = 0;
/** PE 0: what every PE measured, sent with its exit acknowledgement. */
const profiles: { stats: PeStats; events: TraceEvent[] }[] = [];

/** Initializes MPI and this PE's runtime, runs `onStarted`, then starts the message loop. */
export function startRuntime(profile: ProfileOptions, onStarted: () => void): void {
  if (isStarted()) throw new Error('charm.start: the runtime is already started');
  const info = mpi.Init();
  configureProfiling(profile, process.argv, info.rank);
  const sameHost = info.hostOfRank.filter((host) => host === info.hostOfRank[info.rank]).length;
  const scheduler = new Scheduler(info.rank, info.size, sameHost > availableParallelism());
  const where = (): string => `on PE ${info.rank}`;
  scheduler.onFatal = (error) => fatal(error, where());
  process.on('uncaughtException', (error) => uncaught(error, `${where()} (uncaught exception)`));
  process.on('unhandledRejection', (error) => uncaught(error, `${where()} (unhandled promise rejection: a failed call nobody awaited)`));
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
  scheduler.on(Kind.Profile, (r) => profiles.push(readProfile(r) as { stats: PeStats; events: TraceEvent[] }));
  setUpOutput(runtime());
  onStarted();
  mpi.Barrier(); // every PE is ready before main runs anywhere
  scheduler.start();
}

/** Ends the job with `code`, from any PE. */
export function requestExit(code: number): void {
  const rt = runtime('charm.exit');
  writeExit(rt.scheduler.writer, rt.myPe === 0 ? ExitStep.Exit : ExitStep.Request, code);
  if (rt.myPe === 0) {
    if (!exiting) rt.scheduler.broadcast();
    exiting = true;
  } else {
    rt.scheduler.send(0);
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
    requestExit(code);
  } else if (step === ExitStep.Exit) {
    exitCode = code;
    exiting = true;
    // From here on only output and acknowledgements matter: calls still in flight are dropped.
    for (const kind of [Kind.Call, Kind.Create, Kind.FutureValue, Kind.Quiescence, Kind.Reduction, Kind.ArrayControl, Kind.Section]) rt.scheduler.on(kind, () => {});
    flushOutput();
    const profile = profileOptions();
    if (profile.stats || profile.trace) {
      writeProfile(rt.scheduler.writer, { stats: peStats(rt.scheduler.counters), events: profile.trace ? traceEvents() : [] });
      rt.scheduler.send(0);
    }
    writeExit(rt.scheduler.writer, ExitStep.Done, code);
    rt.scheduler.send(0);
    if (rt.myPe !== 0) finish(rt.scheduler);
  } else if (++acknowledged === rt.numPes) {
    reportProfiles();
    finish(rt.scheduler);
  }
}

/** PE 0 at exit: the stats table and the trace file, if asked for. */
function reportProfiles(): void {
  const options = profileOptions();
  profiles.sort((a, b) => a.stats.pe - b.stats.pe);
  if (options.stats) writeAll(1, formatStats(profiles.map((p) => p.stats)));
  if (options.trace) {
    writeFileSync(options.trace, traceFile(profiles.map((p) => p.events)));
    writeAll(1, `charmts: trace of ${profiles.length} PEs written to ${options.trace}\n`);
  }
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
  while (mpi.PendingBytes() > 0) scheduler.pollOnce();
  mpi.BarrierStart();
  while (!mpi.BarrierDone()) scheduler.pollOnce();
  mpi.Finalize();
  process.exit(exitCode);
}
