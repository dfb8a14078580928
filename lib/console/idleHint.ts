/**
 * A program that forgets `charm.exit()` never ends, and one whose main
 * awaits something nothing will send hangs without a word. PE 0 watches
 * from the start of main, in windows: when it has processed nothing for
 * half a window, it waits for quiescence twice, half a window apart, and if
 * nothing ran anywhere in between (only the first detection's own
 * completion, one message), the window was idle. Once the job has been
 * idle for the hint's time it prints one hint on stderr: while main
 * is still running, that nothing is left that could complete what it
 * awaits; once main has returned, that charm.exit() ends the job; in a
 * restarted job (main never runs), that a restart goes on only from the
 * checkpoint's callback. Each
 * hint at most once. CHARMTS_IDLE_HINT sets the seconds idle before a hint
 * (0: never); the hint says that many. CHARMTS_IDLE_ABORT (seconds; unset or
 * 0: never) has PE 0 end a job found idle over that time the same way,
 * with the hint's text and exit code 1: a batch job that hangs gives its
 * allocation back. One watch serves both: it checks in windows of half the
 * shorter of the two times (the last before a time shortened to what is
 * left), adds up the windows found idle in a row (a window with anything
 * run anywhere, or main's return, starts the count again), and hints or
 * ends the job once the count reaches each time. Two
 * watches taking turns (a wait for quiescence completes with a counted
 * message, which would read as activity to the other) ended a job with
 * CHARMTS_IDLE_ABORT=1 after 19 s, behind the hint's 10 s check. Idle means
 * no message anywhere: a job waiting on a timer (charm.sleep, scheduleAfter,
 * I/O) that long is idle too, so the value must exceed the longest such wait.
 */
import { runtime } from '../model/context';
import { quiescentTotal } from '../quiescence';
import { fatal } from '../errors';
import { idleAbortSeconds, idleHintSeconds } from '../runtime/options';
import { mainProgress } from '../runtime/mainProgress';

/** The completion of the first wait for quiescence is itself a counted message. */
const OWN_MESSAGES = 1;

/** At most 2^31 - 1 ms (24.8 days): past it setTimeout fires at once, with a warning, and a huge CHARMTS_IDLE_* spun. */
const sleep = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.min(seconds * 1000, 0x7fffffff)).unref());

/** Runs on PE 0 from the start of main (or of a restart); `waitQD` is charm.waitQD; main's progress is runtime/mainProgress.ts's. */
export class IdleHint {
  /** Seconds idle before the hint and before the end (0: off). */
  private hintAfter = 0;
  private abortAfter = 0;
  private hintedWaiting = false;
  private hintedReturned = false;
  private watching = false;

  constructor(
    private readonly waitQD: () => Promise<void>,
    /** Lines that say what the job is stuck on (stuck.ts), asked for once the job is found idle while main waits. */
    private readonly stuckOn: () => Promise<string[]>,
  ) {}

  /** Starts the hint (nothing if CHARMTS_IDLE_HINT is 0; a bad value has ended the job at start: runtime/options.ts). */
  start(): void {
    this.hintAfter = idleHintSeconds();
    if (this.hintAfter > 0) this.watch();
  }

  /** Starts the CHARMTS_IDLE_ABORT watch (nothing if unset or 0), whether the hint is on or not. */
  startAbort(): void {
    this.abortAfter = idleAbortSeconds();
    if (this.abortAfter > 0) this.watch();
  }

  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    // After this turn: start() follows startAbort() in the same one, and the first window depends on both.
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    // A restarted job never runs main: it is driven by entry methods, as after main's return.
    const hasReturned = (): boolean => mainProgress() !== 'running';
    let returned = hasReturned();
    let idle = 0; // seconds found idle in a row
    // Windows of half the shorter time, the last one before a time shortened to what is left: met, not overshot.
    const full = Math.min(this.hintAfter || Infinity, this.abortAfter || Infinity) / 2;
    for (;;) {
      if (hasReturned() !== returned) {
        returned = hasReturned();
        idle = 0;
      }
      // One hint while main waits, one once it has returned.
      const hintDue = this.hintAfter > 0 && !(returned ? this.hintedReturned : this.hintedWaiting);
      if (!hintDue && this.abortAfter === 0) {
        if (returned) return;
        await sleep(full); // hinted while main waits: only its return is news
        continue;
      }
      const window = Math.min(full, hintDue ? this.hintAfter - idle : Infinity, this.abortAfter > 0 ? this.abortAfter - idle : Infinity);
      const quiet = await this.check(window);
      if (hasReturned() !== returned) continue;
      idle = quiet ? idle + window : 0;
      // A millisecond to spare: a sum of windows such as 0.1 s can fall short of its multiple by a rounding error.
      if (this.abortAfter > 0 && idle >= this.abortAfter - 1e-3) {
        // A string, not an Error: the runtime's frames would say nothing.
        fatal(`${await this.describe(this.abortAfter)}\n(CHARMTS_IDLE_ABORT=${this.abortAfter} ends a job with no message anywhere for that long; a wait on a timer, charm.sleep or I/O counts as idle: set it above the longest)`, 'on PE 0 (the job is idle)');
      }
      if (hintDue && idle >= this.hintAfter - 1e-3) {
        process.stderr.write(`charmts: ${await this.describe(this.hintAfter)}\n`);
        if (returned) this.hintedReturned = true;
        else this.hintedWaiting = true;
      }
    }
  }

  /** Whether the job stayed idle over `seconds`, in two halves: PE 0 idle, then the job quiescent and idle. */
  private async check(seconds: number): Promise<boolean> {
    const half = seconds / 2;
    const counters = runtime().scheduler.counters;
    const seen = counters.processed;
    await sleep(half);
    if (counters.processed !== seen) return false; // PE 0 is working: no need to ask the others
    await this.waitQD();
    const before = quiescentTotal();
    await sleep(half);
    await this.waitQD();
    return quiescentTotal() - before <= OWN_MESSAGES;
  }

  /** What an idle job is stuck on: main returned without charm.exit(), main waiting, or a restart that nothing drove on; and what the members say. */
  private async describe(seconds: number): Promise<string> {
    const progress = mainProgress();
    // A main chare's program goes on after its set-up returned: what the job is stuck on matters then too.
    const stuck = (await this.stuckOn()).map((line) => `\n  ${line}`).join('');
    if (progress === 'restarted') {
      return `the job restarted from a checkpoint and has been idle for ${seconds} s: a restart runs the checkpoint's callback, not main, and does not resume what main or an async method awaited when the checkpoint was taken; the callback must set the work going again, and something must call charm.exit() at the end (docs/checkpoint.md)${stuck}`;
    }
    if (progress === 'returned') return `main has returned and the job has been idle for ${seconds} s; if the program is done, end it with charm.exit() (the job runs until some PE calls it)${stuck}`;
    return `main is still waiting and the job has been idle for ${seconds} s: no PE has a message left that could complete what main awaits, if it awaits the job (a future that no chare sends, a reduction that some element has not contributed to, an entry method that never returns; a plain setTimeout is not the job's)${stuck}`;
  }
}
