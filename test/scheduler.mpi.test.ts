// The scheduler's loop gives libuv a turn (timers, I/O) at bounded
// intervals however the PE stays busy: also when every message it
// handles completes a future whose awaiting code sends the next one at
// once, so that the loop goes on from the microtask queue (array elements
// looping on a bare `await this.allReduce(...)`, as Charm4py programs do;
// main awaiting calls to a chare in a loop). Main's setTimeout and
// charm.sleep must fire meanwhile (the runtime's own timers, such as the
// idle hint's, wait for the same libuv turns).
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Reducer } from '../lib';

/** Longest a loop goes on waiting for the timers (ms): a timer that has not fired by then was starved. */
const LIMIT_MS = 3000;
/** The timers' delay (ms). */
const TIMER_MS = 5;

/** Whether main's setTimeout has fired (PE 0). */
const fired = { main: false };

class Looper extends Chare<readonly number[]> {
  /**
   * Loops on a bare awaited allReduce (nothing else awaited in the loop)
   * until every PE's timers have fired or LIMIT_MS have passed; every
   * element stops at the same iteration (the reduction says when).
   */
  async loop(): Promise<{ iterations: number; timersFired: boolean; ms: number }> {
    const start = performance.now();
    let slept = false;
    void charm.sleep(TIMER_MS / 1000).then(() => (slept = true));
    for (let iterations = 1; ; iterations++) {
      const ready = slept && (charm.myPe() !== 0 || fired.main) ? 1 : 0;
      const late = performance.now() - start > LIMIT_MS ? 1 : 0;
      const [allReady, someLate] = await this.allReduce([ready, late], Reducer.tuple(Reducer.min, Reducer.max));
      if (allReady === 1 || someLate === 1) return { iterations, timersFired: allReady === 1, ms: performance.now() - start };
    }
  }
}
charm.register(Looper);

class Echo extends Chare {
  echo(value: number): number {
    return value;
  }
}
charm.register(Echo);

test('elements looping on a bare awaited allReduce let main\'s setTimeout and charm.sleep on every PE fire', async () => {
  fired.main = false;
  const looping = charm.createArray(Looper, [2 * charm.numPes()]);
  const timer = setTimeout(() => (fired.main = true), TIMER_MS);
  const results = await looping.ret.loop();
  clearTimeout(timer);
  const [first] = results;
  assert.ok(results.every((r) => r.iterations === first.iterations), 'every element stopped at the same iteration');
  console.log(`[report] np ${charm.numPes()}: the loops stopped after ${first.ms.toFixed(1)} ms (${first.iterations} allReduces), the timers being of ${TIMER_MS} ms`);
  assert.ok(first.timersFired, `the loops went on for ${first.ms.toFixed(0)} ms (${first.iterations} allReduces) without every element's charm.sleep and main's setTimeout firing (main's ${fired.main ? 'fired' : 'did not fire'})`);
});

test('main awaiting a chain of calls to a chare on its PE lets its setTimeout fire', async () => {
  const echo = charm.createGroup(Echo);
  let timerFired = false;
  const timer = setTimeout(() => (timerFired = true), TIMER_MS);
  const start = performance.now();
  let calls = 0;
  while (!timerFired && performance.now() - start < LIMIT_MS) {
    calls++;
    assert.is(await echo[0].ret.echo(calls), calls);
  }
  clearTimeout(timer);
  console.log(`[report] np ${charm.numPes()}: main's timer fired after ${calls} awaited calls in ${(performance.now() - start).toFixed(1)} ms`);
  assert.ok(timerFired, `main made ${calls} awaited calls in ${(performance.now() - start).toFixed(0)} ms without its ${TIMER_MS} ms setTimeout firing`);
});

runTests();
