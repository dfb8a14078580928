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
 * (0: never); the hint says that many.
 */
import { runtime } from '../model/context';
import { quiescentTotal } from '../quiescence';
import { idleHintSeconds } from '../runtime/options';

/** The completion of the first wait for quiescence is itself a counted message. */
const OWN_MESSAGES = 1;

const sleep = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000).unref());

/** Runs on PE 0 from the start of main; `waitQD` is charm.waitQD. Call `mainReturned` once main has finished. */
export class IdleHint {
  private returned = false;
  private hintedWaiting = false;

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

  mainReturned(): void {
    this.returned = true;
  }

  /** `seconds`: idle time before a hint, in two halves (PE 0 idle, then the job quiescent and idle). */
  private async watch(seconds: number): Promise<void> {
    const half = seconds / 2;
    const counters = runtime().scheduler.counters;
    for (;;) {
      const seen = counters.processed;
      await sleep(half);
      if (counters.processed !== seen) continue; // PE 0 is working: no need to ask the others
      const returned = this.returned;
      if (!returned && this.hintedWaiting) continue; // said once; only main's return is news now
      await this.waitQD();
      const before = quiescentTotal();
      await sleep(half);
      await this.waitQD();
      if (quiescentTotal() - before > OWN_MESSAGES || this.returned !== returned) continue;
      // A main chare's program goes on after its set-up returned: what the job is stuck on matters then too.
      const stuck = (await this.stuckOn()).map((line) => `\n  ${line}`).join('');
      if (returned) {
        process.stderr.write(`charmts: main has returned and the job has been idle for ${seconds} s; if the program is done, end it with charm.exit() (the job runs until some PE calls it)${stuck}\n`);
        return;
      }
      this.hintedWaiting = true;
      process.stderr.write(`charmts: main is still waiting and the job has been idle for ${seconds} s: no PE has a message left that could complete what main awaits, if it awaits the job (a future that no chare sends, a reduction that some element has not contributed to, an entry method that never returns; a plain setTimeout is not the job's)${stuck}\n`);
    }
  }
}
