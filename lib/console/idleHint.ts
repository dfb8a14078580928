/**
 * A program that forgets `charm.exit()` never ends, and one whose main
 * awaits something nothing will send hangs without a word. PE 0 watches
 * from the start of main: when it has processed nothing for half the hint's
 * time, it waits for quiescence twice, that long apart, and if nothing ran
 * anywhere in between (only the first detection's own completion, one
 * message), the job is idle. It then prints one hint on stderr: while main
 * is still running, that nothing is left that could complete what it
 * awaits; once main has returned, that charm.exit() ends the job. Each
 * hint at most once. CHARMTS_IDLE_HINT sets the seconds idle before a hint
 * (0: never); the hint says that many. CHARMTS_IDLE_ABORT (seconds; unset or
 * 0: never) has PE 0 end a job found idle over that time the same way,
 * with the hint's text and exit code 1: a batch job that hangs gives its
 * allocation back. The two watches take turns (a wait for quiescence
 * completes with a counted message, which would read as activity to the
 * other), so the end comes after that many seconds idle, later while the
 * hint's own checks run. Idle means no message anywhere: a job waiting
 * on a timer (charm.sleep, scheduleAfter, I/O) that long is idle too, so
 * the value must exceed the longest such wait.
 */
import { runtime } from '../model/context';
import { quiescentTotal } from '../quiescence';
import { fatal } from '../errors';
import { idleAbortSeconds, idleHintSeconds } from '../runtime/options';

/** The completion of the first wait for quiescence is itself a counted message. */
const OWN_MESSAGES = 1;

const sleep = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000).unref());

/** Runs on PE 0 from the start of main; `waitQD` is charm.waitQD. Call `mainReturned` once main has finished. */
export class IdleHint {
  private returned = false;
  private hintedWaiting = false;
  /** The check under way: the watches take turns (see the header). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly waitQD: () => Promise<void>,
    /** Lines that say what the job is stuck on (stuck.ts), asked for once the job is found idle while main waits. */
    private readonly stuckOn: () => Promise<string[]>,
  ) {}

  /** Starts watching (nothing if CHARMTS_IDLE_HINT is 0; a bad value has ended the job at start: runtime/options.ts). */
  start(): void {
    const seconds = idleHintSeconds();
    if (seconds > 0) void this.watch(seconds);
  }

  /** Starts the CHARMTS_IDLE_ABORT watch (nothing if unset or 0), whether the hint is on or not. */
  startAbort(): void {
    const abort = idleAbortSeconds();
    if (abort > 0) void this.abortWhenIdle(abort);
  }

  mainReturned(): void {
    this.returned = true;
  }

  /** `seconds`: idle time before a hint. */
  private async watch(seconds: number): Promise<void> {
    for (;;) {
      const returned = this.returned;
      // Said once while main waits: only main's return is news now (PE 0 idle is all it takes to look).
      if (!(await this.idleOver(seconds, !returned && this.hintedWaiting)) || this.returned !== returned) continue;
      const text = await this.describe(seconds, returned);
      process.stderr.write(`charmts: ${text}\n`);
      if (returned) return;
      this.hintedWaiting = true;
    }
  }

  /** Ends the job once it is found idle over `seconds` (CHARMTS_IDLE_ABORT). */
  private async abortWhenIdle(seconds: number): Promise<void> {
    for (;;) {
      const returned = this.returned;
      if (!(await this.idleOver(seconds, false)) || this.returned !== returned) continue;
      // A string, not an Error: the runtime's frames would say nothing.
      fatal(`${await this.describe(seconds, returned)}\n(CHARMTS_IDLE_ABORT=${seconds} ends a job with no message anywhere for that long; a wait on a timer, charm.sleep or I/O counts as idle: set it above the longest)`, 'on PE 0 (the job is idle)');
    }
  }

  /**
   * Whether the job stayed idle over `seconds`, in two halves: PE 0 idle,
   * then the job quiescent and idle. `peZeroOnly`: the first half only.
   */
  private idleOver(seconds: number, peZeroOnly: boolean): Promise<boolean> {
    const check = this.turn.then(() => this.check(seconds, peZeroOnly));
    this.turn = check;
    return check;
  }

  private async check(seconds: number, peZeroOnly: boolean): Promise<boolean> {
    const half = seconds / 2;
    const counters = runtime().scheduler.counters;
    const seen = counters.processed;
    await sleep(half);
    if (counters.processed !== seen) return false; // PE 0 is working: no need to ask the others
    if (peZeroOnly) return false;
    await this.waitQD();
    const before = quiescentTotal();
    await sleep(half);
    await this.waitQD();
    return quiescentTotal() - before <= OWN_MESSAGES;
  }

  /** What an idle job is stuck on: main returned without charm.exit(), or main waiting; and what the members say. */
  private async describe(seconds: number, returned: boolean): Promise<string> {
    // A main chare's program goes on after its set-up returned: what the job is stuck on matters then too.
    const stuck = (await this.stuckOn()).map((line) => `\n  ${line}`).join('');
    if (returned) return `main has returned and the job has been idle for ${seconds} s; if the program is done, end it with charm.exit() (the job runs until some PE calls it)${stuck}`;
    return `main is still waiting and the job has been idle for ${seconds} s: no PE has a message left that could complete what main awaits, if it awaits the job (a future that no chare sends, a reduction that some element has not contributed to, an entry method that never returns; a plain setTimeout is not the job's)${stuck}`;
  }
}
