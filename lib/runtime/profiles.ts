/**
 * The `+stats` table and the `+trace` file: the PEs' profiles (Profile
 * messages) gathered on one PE and written there. At exit every PE sends
 * its own to PE 0 with its acknowledgement (lifecycle.ts). On a fatal
 * error the PE that has it asks every PE for theirs (Exit Abort) and
 * writes what came within FATAL_WAIT_MS before the job is aborted: the
 * crashed run is the one its user most needs to look at.
 */
import { writeFileSync } from 'fs';
import { performance } from '../clock';
import { ExitStep, Kind, readExit, readProfile, writeExit, writeProfile } from '../codec/wire';
import type { Reader } from '../codec/reader';
import { writeAll } from '../errors';
import { isStarted, runtime } from '../model/context';
import { formatStats, peStats, profileOptions, traceEvents, traceFile, type PeStats, type TraceEvent } from '../profiling/profile';

/** How long a PE with a fatal error waits for the other PEs' profiles: they answer at once unless stuck in a synchronous loop. */
const FATAL_WAIT_MS = 2000;

/** The profiles received here (PE 0 at exit, the failing PE on a fatal error). */
const profiles: { stats: PeStats; events: TraceEvent[] }[] = [];

/** Handler of Profile messages: one per PE kept (an exit's still in flight when a fatal error asked again, or two PEs failing at once, bring more). */
export function receiveProfile(r: Reader): void {
  const profile = readProfile(r) as { stats: PeStats; events: TraceEvent[] };
  if (!profiles.some((p) => p.stats.pe === profile.stats.pe)) profiles.push(profile);
}

/** Sends this PE's profile to `pe`, if profiling. */
export function sendProfile(pe: number): void {
  const profile = profileOptions();
  if (!profile.stats && !profile.trace) return;
  const scheduler = runtime().scheduler;
  writeProfile(scheduler.writer, { stats: peStats(scheduler.counters), events: profile.trace ? traceEvents() : [] });
  scheduler.send(pe);
}

/** Writes the stats table and the trace file from the profiles received; `ending`, after a fatal error, says what is missing. */
export function reportProfiles(ending = ''): void {
  const options = profileOptions();
  profiles.sort((a, b) => a.stats.pe - b.stats.pe);
  if (options.stats) writeAll(1, formatStats(profiles.map((p) => p.stats)) + (ending ? `(${ending})\n` : ''));
  if (options.trace) {
    writeFileSync(options.trace, traceFile(profiles.map((p) => p.events)));
    writeAll(1, `charmts: trace of ${profiles.length} PEs written to ${options.trace}${ending ? ` (${ending})` : ''}\n`);
  }
}

/**
 * On a fatal error (errors.ts `fatal`, after the error is printed): asks every PE
 * for its profile, waits at most FATAL_WAIT_MS for them, running nothing
 * else (the other messages are kept, never delivered), and writes them.
 */
export function reportBeforeAbort(): void {
  const options = profileOptions();
  if ((!options.stats && !options.trace) || !isStarted()) return;
  const rt = runtime();
  const { scheduler } = rt;
  scheduler.holdAllBut([Kind.Exit, Kind.Profile]);
  // Only Abort from here on (lifecycle.ts's handler answers it the same way on the other PEs): a Done of an
  // exit already under way would otherwise finish this PE with the exit's code instead of aborting the job.
  scheduler.on(Kind.Exit, (r) => {
    if (readExit(r).step === ExitStep.Abort) sendProfile(r.source);
  });
  profiles.length = 0; // an exit under way may have brought some: every PE sends again
  writeExit(scheduler.writer, ExitStep.Abort, 1);
  scheduler.broadcast(); // this PE's own copy too: its profile comes the same way
  const deadline = performance.now() + FATAL_WAIT_MS;
  while (profiles.length < rt.numPes && performance.now() < deadline) scheduler.pollOnce();
  const missing = Array.from({ length: rt.numPes }, (_, pe) => pe).filter((pe) => !profiles.some((p) => p.stats.pe === pe));
  const absent = missing.length ? `; PE${missing.length > 1 ? 's' : ''} ${missing.join(', ')} did not answer within ${FATAL_WAIT_MS / 1000} s` : '';
  reportProfiles(`the job ended on the fatal error above, on PE ${rt.myPe}${absent}`);
}
