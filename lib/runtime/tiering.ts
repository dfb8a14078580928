/**
 * How soon V8 optimises the runtime's own code. V8 counts the bytecode a
 * function runs and considers it for its optimising compiler after
 * --ticks-before-optimization (3) budgets of --interrupt-budget (66 KB)
 * each: a short function of the message path, run once or twice per
 * message, waited thousands of messages. An awaited broadcast at np 2 ran
 * interpreted or half optimised for its first 3,000-3,500 calls (the
 * fastest tenth of each 500 took 35-54 us falling to a steady 3-4 us,
 * reached after 3,000-3,500 calls; TurboFan compiled 84, 78, 30, 26 and 4
 * functions in the first five thousands on PE 0, --trace-opt), so a
 * program's first seconds, and any benchmark that measures them
 * (bench/cases/collectives.ts times its broadcasts after 2,000), ran at
 * 10-20x the steady cost. An eighth of the budget: steady after 500 calls,
 * the same steady cost. Set at start-up, before the message path first
 * runs: V8 reads the flag each time it refills a function's budget.
 *
 * A program that wants its own budget gives --interrupt-budget=N on node's
 * command line (node refuses it in NODE_OPTIONS); one set with
 * v8.setFlagsFromString before charm.start is replaced here. Changing a
 * flag changes V8's flag hash, so node's code cache no longer serves the
 * built-in modules loaded after it (in a PE, tty: about 1 ms; a module a
 * program loads later compiles without the cache too).
 */
import { setFlagsFromString } from 'v8';

const INTERRUPT_BUDGET = 8192;

/** Lowers V8's interrupt budget unless node's command line sets one. */
export function tierUpSooner(): void {
  const given = process.execArgv.some((o) => /^--interrupt[-_]budget=/.test(o));
  if (!given) setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
}
