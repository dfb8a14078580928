// The storm (test/programs/storm.ts) at np 3, 4 and 5, each for about ten
// seconds with its own seed, then a failure-injection pass: a PE stuck in
// a synchronous loop, a PE calling process.exit, a rank killed. Every run
// must end by itself, leave no process behind, and say what happened; a
// failure names the PE. The seeds are printed; CHARMTS_STORM_SEED replays
// one (the same choices; timing still varies) and CHARMTS_STORM_SECONDS
// sets the length.
//   node dist/test/storm.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertEndedCleanly, runJob, show } from './helpers/jobs';

const SECONDS = Number(process.env.CHARMTS_STORM_SECONDS ?? 10);
const seedFor = (np: number): number => Number(process.env.CHARMTS_STORM_SEED ?? (Date.now() * 7 + np) % 1e9);

for (const np of [3, 4, 5]) {
  test(`storm at np ${np}: every message, broadcast, reduction, insertion and deletion exactly once while elements move`, async () => {
    const seed = seedFor(np);
    const r = await runJob({ program: 'storm.js', args: [String(seed), String(SECONDS), 'none'], np, timeoutMs: (SECONDS + 90) * 1000 });
    const line = /^storm ok: .*$/m.exec(r.stdout)?.[0];
    console.log(`[report] ${line ?? `storm seed ${seed} np ${np} FAILED (CHARMTS_STORM_SEED=${seed} to replay)`}`);
    assertEndedCleanly(r);
    assert.is(r.code, 0, `exit code (seed ${seed})${show(r)}`);
    assert.ok(line, `the storm reported its counts${show(r)}`);
  });
}

/** What each injected failure must leave on the job's output, for the PE it struck. */
const INJECTED: [mode: string, np: number, says: (pe: number) => RegExp][] = [
  // A PE that flooded the stuck one may be unable to answer too (its sends wait on the stuck PE's
  // receives in Open MPI): the stuck PE must be among those named.
  ['stuck', 3, (pe) => new RegExp(`charmts: abort on PE 0: exit: (PE ${pe}|PEs [\\d, ]*\\b${pe}\\b[\\d, ]*) did not answer within`)],
  ['exit', 4, (pe) => new RegExp(`charmts: PE ${pe} exited with code 7 outside charm.exit`)],
  ['kill', 5, (pe) => new RegExp(`process rank ${pe} with PID \\d+ on node \\S+ exited on signal 9`)],
];

for (const [mode, np, says] of INJECTED) {
  test(`storm at np ${np} with an injected failure (${mode}): the job ends, naming the PE, leaving nothing behind`, async () => {
    const seed = seedFor(np);
    const r = await runJob({ program: 'storm.js', args: [String(seed), '4', mode], np, timeoutMs: 60_000 });
    assertEndedCleanly(r);
    const struck = /storm: injecting "\w+" on PE (\d+)/.exec(r.stdout)?.[1];
    assert.ok(struck, `the failure was injected (seed ${seed})${show(r)}`);
    assert.ok(r.code !== 0, `a job with a failed PE must not report success${show(r)}`);
    assert.match(r.stdout + r.stderr, says(Number(struck)), show(r));
    console.log(`[report] storm seed ${seed} np ${np}, ${mode} on PE ${struck}: ended in ${(r.elapsedMs / 1000).toFixed(1)} s with exit code ${r.code}`);
  });
}

test.run();
