/**
 * A program that forgets `charm.exit()` never ends. Once main has returned,
 * PE 0 watches: when it has processed nothing for IDLE_SECONDS, it waits for
 * quiescence twice, IDLE_SECONDS apart, and if nothing ran anywhere in
 * between (only the first detection's own completion, one message), it
 * prints one hint on stderr naming charm.exit(). CHARMTS_IDLE_HINT sets the
 * seconds (0: never).
 */
import { runtime } from '../model/context';
import { quiescentTotal } from '../quiescence';

const DEFAULT_SECONDS = 5;
/** The completion of the first wait for quiescence is itself a counted message. */
const OWN_MESSAGES = 1;

const sleep = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000).unref());

/** Runs on PE 0 after main returned; `waitQD` is charm.waitQD. */
export async function hintIfIdle(waitQD: () => Promise<void>): Promise<void> {
  const seconds = Number(process.env.CHARMTS_IDLE_HINT ?? DEFAULT_SECONDS);
  if (!(seconds > 0)) return;
  const counters = runtime().scheduler.counters;
  for (;;) {
    const seen = counters.processed;
    await sleep(seconds);
    if (counters.processed !== seen) continue; // PE 0 is working: no need to ask the others
    await waitQD();
    const before = quiescentTotal();
    await sleep(seconds);
    await waitQD();
    if (quiescentTotal() - before <= OWN_MESSAGES) break;
  }
  process.stderr.write(`charmts: main has returned and the job has been idle for ${2 * seconds} s; if the program is done, end it with charm.exit() (the job runs until some PE calls it)\n`);
}
