// Failure semantics as real jobs: exit while messages are in flight,
// signals to mpirun, a rank killed outright, messages over 2 GiB, and PEs
// that fail to take part in the end of the job (stuck, or leaving on
// their own): the job always ends, naming the PE, and leaves nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAIL_FAST_MS, assertEndedCleanly, runJob, show } from './helpers/jobs';

test('charm.exit while every PE floods the others (np 4): exit code 0, no hang, nothing left behind', async () => {
  const r = await runJob({ program: 'floodExit.js', np: 4, timeoutMs: 60_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 0, `exit code${show(r)}`);
  assert.match(r.stdout, 'exit requested on PE 1', show(r));
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} to mpirun ends every rank (np 4) within seconds, non-zero`, async () => {
    let sent = false;
    const r = await runJob({
      program: 'waitForever.js',
      np: 4,
      timeoutMs: 30_000,
      onStdout: (all, child) => {
        if (!sent && all.includes('ready')) {
          sent = true;
          setTimeout(() => child.kill(signal), 200);
        }
      },
    });
    assertEndedCleanly(r);
    assert.ok(sent, `the program never became ready${show(r)}`);
    assert.ok(r.code !== 0 || r.signal !== null, `a signalled job must not report success${show(r)}`);
    assert.ok(r.elapsedMs < FAIL_FAST_MS + 5000, `took ${r.elapsedMs} ms${show(r)}`);
  });
}

test('a rank killed with SIGKILL ends the job non-zero, no rank left spinning (np 4)', async () => {
  let killed = false;
  const r = await runJob({
    program: 'waitForever.js',
    np: 4,
    timeoutMs: 30_000,
    onStdout: (all) => {
      const m = /pid pe=2 (\d+)/.exec(all);
      if (!killed && m && all.includes('ready')) {
        killed = true;
        setTimeout(() => process.kill(Number(m[1]), 'SIGKILL'), 200);
      }
    },
  });
  assertEndedCleanly(r);
  assert.ok(killed, `never saw PE 2's pid${show(r)}`);
  assert.ok(r.code !== 0, `exit code must be non-zero${show(r)}`);
});

test('a message over 2 GiB is refused at the caller with a clear error; the job goes on', async () => {
  const r = await runJob({ program: 'tooBig.js', np: 2, timeoutMs: 60_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 0, show(r));
  assert.match(r.stdout, /refused: .*exceeds MPI's limit of 2147483647 bytes/, show(r));
  assert.match(r.stdout, 'small still works: 10', show(r));
});

test('inserting an existing array index ends the job non-zero, naming the array, the index and the PE that asked', async () => {
  const r = await runJob({ program: 'insertTwice.js', np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.match(r.stdout, /deleted twice: done; .*Cell\[3, 4\] was deleted: the call to ckDestroy was not delivered/, show(r));
  assert.ok(r.code !== 0, `exit code${show(r)}`);
  assert.match(r.stderr, /Cell\.ckInsert\(\[3, 4\]\) from PE 0: the element already exists/, show(r));
  assert.not.match(r.stdout, 'inserted twice?!', show(r));
});

test('inserting an existing index is refused also after its home deleted it and another PE inserted it again (np 2)', async () => {
  const r = await runJob({ program: 'insertAfterReinsert.js', np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.match(r.stdout, 'reinserted on PE 0', show(r));
  assert.ok(r.code !== 0, `exit code${show(r)}`);
  assert.match(r.stderr, /Cell\.ckInsert\(\[1\]\) from PE 0: the element already exists/, show(r));
  assert.not.match(r.stdout, 'inserted twice?!', show(r));
});

test('an element whose fields cannot be sent asks to migrate: the job ends naming the element and the field, and saying how to leave it out (np 2)', async () => {
  const r = await runJob({ program: 'migrateUnsendable.js', np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0, `exit code${show(r)}`);
  assert.match(r.stderr, /state of Holder\[0\]\.fn: a function \(fn\) cannot be sent; .*pack\(\) and unpack\(state\).*migratable = false/, show(r));
  assert.not.match(r.stdout, 'migrated?!', show(r));
});

test('ckMigrate of an element that declared itself not migratable ends the job on the calling PE, naming the call as made, the element elsewhere or on that PE (np 2)', async () => {
  for (const [args, index, to] of [[[], 1, 0], [['local'], 0, 1]] as const) {
    const r = await runJob({ program: 'ckMigratePinned.js', args: [...args], np: 2, timeoutMs: 30_000 });
    assertEndedCleanly(r);
    assert.ok(r.code !== 0, `exit code${show(r)}`);
    assert.match(r.stdout, `Pinned[${index}] on PE ${index}`, show(r));
    assert.match(r.stderr, new RegExp(`fatal error on PE 0 \\(a call sent from this PE, with no one awaiting its result\\):\\nError: Pinned\\[${index}\\]\\.ckMigrate\\(${to}\\) from PE 0: this element declared itself not migratable`), show(r));
    // Made in the runtime's handling of the report, the error's frames would show only that: none are printed.
    assert.not.match(r.stderr, /not migratable\n\s+at /, show(r));
    assert.not.match(r.stdout, 'migrated?!', show(r));
  }
});

test("mistakes in an element's pack/unpack end the job naming the element and the hook: pack throws, pack returns what only an unpack could take, unpack throws (np 2)", async () => {
  for (const [mode, said] of [
    ['throws', /Error: Thrower\[0\]\.pack\(\), as it migrates: pack failed on purpose/],
    ['notObject', /TypeError: Bare\[0\], on arrival: pack\(\) returned a Float64Array and the class has no unpack\(state\) to take it; without unpack, pack must return a plain object/],
    ['unpackThrows', /RangeError: BadUnpack\[0\]\.unpack\(state\), on arrival: unpack failed on purpose/],
  ] as const) {
    const r = await runJob({ program: 'packMistakes.js', args: [mode], np: 2, timeoutMs: 30_000 });
    assertEndedCleanly(r);
    assert.ok(r.code !== 0, `${mode}: exit code${show(r)}`);
    assert.match(r.stderr, said, `${mode}${show(r)}`);
    assert.not.match(r.stdout, 'migrated?!', show(r));
  }
});

test('a member that contributes twice makes the next reduction send to the same future again: the job ends naming the future and that cause (np 2)', async () => {
  const r = await runJob({ program: 'contributeTwice.js', np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0, `exit code${show(r)}`);
  assert.match(r.stdout, 'first: 3', show(r));
  assert.match(r.stderr, /received a value for future \d+, which is not waiting for one: .*A member that calls contribute twice joins the next reduction/, show(r));
  assert.not.match(r.stdout, 'taken?!', show(r));
});

test('remote exec/eval/updateGlobals: off by default with a clear error, on when enabled at start (np 2)', async () => {
  const off = await runJob({ program: 'remoteCode.js', args: ['off'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(off);
  assert.is(off.code, 0, show(off));
  assert.match(off.stdout, /refused: .*charm\.thisProxy\.updateGlobals: remote code is disabled; enable it with charm\.start\(main, \{ remoteCode: true \}\)/, show(off));
  const on = await runJob({ program: 'remoteCode.js', args: ['on'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(on);
  assert.match(on.stdout, 'remote code ran: 1234,1234 42', show(on));
});

test('charm.exit while the last PE is stuck in a synchronous loop: the job ends after the grace period, naming the PE (np 3)', async () => {
  const r = await runJob({ program: 'errors.js', args: ['stuck-exit'], np: 3, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0, `exit code must be non-zero${show(r)}`);
  assert.match(r.stderr, /exit: PE 2 did not answer within 2 s/, show(r));
});

test('charm.exit from PE 1 while PE 0 is stuck: PE 1 ends the job after the grace period, naming PE 0 (np 2)', async () => {
  const r = await runJob({ program: 'errors.js', args: ['stuck-main'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0, `exit code must be non-zero${show(r)}`);
  assert.match(r.stderr, /PE 1 asked PE 0 to end the job and PE 0 did not start the exit within 2 s/, show(r));
});

test('process.exit(3) in user code on PE 1 ends the job with code 3, saying which PE left (np 3)', async () => {
  const r = await runJob({ program: 'errors.js', args: ['process-exit'], np: 3, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 3, `exit code${show(r)}`);
  assert.match(r.stderr, 'charmts: PE 1 exited with code 3 outside charm.exit', show(r));
});

test('a failed call made in an array element constructor, never awaited: the job ends naming the class, index and constructor (np 2)', async () => {
  const r = await runJob({ program: 'errors.js', args: ['ctor-call'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0, `exit code must be non-zero${show(r)}`);
  assert.match(r.stderr, 'a call made in Caller constructor (index [1]) failed and nobody awaited its result', show(r));
  assert.match(r.stderr, 'unawaited failure in failRet', show(r));
});

test('a section multicast nobody awaits, reaching its section after the array was deleted: the job ends naming the caller PE, class, method and array (np 2, 3)', async () => {
  for (const np of [2, 3]) {
    const r = await runJob({ program: 'errors.js', args: ['section-deleted'], np, timeoutMs: 60_000 });
    assertEndedCleanly(r);
    assert.ok(r.code !== 0, `exit code must be non-zero (np ${np})${show(r)}`);
    assert.match(r.stderr, `fatal error on PE ${np - 1} (a call sent from this PE, with no one awaiting its result)`, show(r));
    assert.match(r.stderr, /a call to Member\.noop on section \d+, sent from PE \d+, reached its \d+ members on PE \d+ \(slots [\d, ]+\) and was not delivered: the Member array \(collection \d+\) was deleted/, show(r));
    assert.not.match(r.stderr, /was deleted[^\n]*\n\s+at /, show(r));
  }
});

/**
 * Runs errors.js in `mode` at `np`: the job must end with a non-zero exit
 * code, before its "... silently" line (what it prints if nothing stopped
 * it), with `expected` in its stderr; returns the stderr for more checks.
 */
async function endsWithFatal(mode: string, np: number, expected: string | RegExp): Promise<string> {
  const r = await runJob({ program: 'errors.js', args: [mode], np, timeoutMs: 60_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0, `exit code must be non-zero (${mode}, np ${np})${show(r)}`);
  assert.match(r.stderr, expected, show(r));
  assert.not.match(r.stdout, 'silently', show(r));
  return r.stderr;
}

test('registrations a PE lacks (every PE must make them at module load): an instance of an unregistered class, an unknown custom reducer, end the job on that PE naming the class or reducer (np 2)', async () => {
  const cases = [
    ['unregistered-class', /fatal error on PE 1:\nError: charmts: a message holds an instance of class "Point", not registered on this PE; call charm\.registerSerializable at module load, on every PE/],
    ['unknown-reducer', /fatal error on PE 1 in Receiver\.reduceWith \(index 1\):\nError: charmts: reducer "halfSum" is not known on this PE; register custom reducers at module load on every PE/],
  ] as const;
  for (const [mode, expected] of cases) await endsWithFatal(mode, 2, expected);
});

test('a function given to charm.scheduleAfter throws: the job ends, naming the timer and the program\'s line (np 1, 2)', async () => {
  for (const np of [1, 2]) await endsWithFatal('timer-throws', np, /fatal error on PE 0 in a timer of charm\.scheduleAfter:\nError: kaboom from a timer\n\s+at .*errors\.js/);
});

test('an element\'s async set-up (onCreated) throws after an await: the job ends, naming the class, the hook and the element (np 1, 2)', async () => {
  for (const np of [1, 2]) await endsWithFatal('oncreated-throws', np, new RegExp(`fatal error on PE ${np - 1} in BadSetUp\\.onCreated \\(index \\[\\d+\\]\\):\\nError: set-up failed in \\d+`));
});

test('a call nobody awaits, reaching an element after its array was deleted whole: the job ends on the caller\'s PE, naming the method, element, caller PE and array (np 2, 3)', async () => {
  for (const np of [2, 3]) {
    const stderr = await endsWithFatal('array-deleted', np, new RegExp(`fatal error on PE ${np - 1} \\(a call sent from this PE, with no one awaiting its result\\):\\nError: a call to noop of element \\[0\\], sent from PE ${np - 1}, was not delivered: the Member array \\(collection \\d+\\) was deleted`));
    assert.not.match(stderr, /was deleted[^\n]*\n\s+at /, stderr);
  }
});

test('a call nobody awaits to an element deleted since: the job ends on the caller\'s PE, naming the element and method, with no frames of the runtime (np 1, 2)', async () => {
  for (const np of [1, 2]) {
    const stderr = await endsWithFatal('element-deleted', np, `fatal error on PE 0 (a call sent from this PE, with no one awaiting its result):\nError: Member[${2 * np - 1}] was deleted: the call to noop was not delivered\n`);
    assert.not.match(stderr, /not delivered\n\s+at /, stderr);
  }
});

test('a section multicast nobody awaits, reaching a member deleted since: the job ends on the caller\'s PE, naming the member, method, section and the PE that handed it on (np 1, 2, 3)', async () => {
  for (const np of [1, 2, 3]) {
    const r = await runJob({ program: 'errors.js', args: ['section-member-deleted'], np, timeoutMs: 60_000 });
    assertEndedCleanly(r);
    assert.ok(r.code !== 0, `exit code must be non-zero (np ${np})${show(r)}`);
    assert.match(r.stderr, 'fatal error on PE 0 (a call sent from this PE, with no one awaiting its result)', show(r));
    const n = 2 * np;
    assert.match(r.stderr, new RegExp(`Member\\[${n - 1}\\] was deleted: the call to noop, a multicast to section \\d+ made on PE 0, was not delivered \\(handed on by PE \\d+\\): a section keeps the members it was made with`), show(r));
  }
});

test('an insertion into an array whose map differs between PEs ends the job, naming the map, the element and both PEs, where it waited for good before (np 2, 3)', async () => {
  // PE 1 inserts: its notice goes to PE 0 (its map), the insertion to PE 1 (PE 0's map); whichever comes first is refused.
  for (const np of [2, 3]) {
    const r = await runJob({ program: 'errors.js', args: ['map-insert'], np, timeoutMs: 60_000 });
    assertEndedCleanly(r);
    assert.ok(r.code !== 0, `exit code must be non-zero (np ${np})${show(r)}`);
    assert.match(
      r.stderr,
      /charmts: fatal error on PE (0|1):\nError: Member\[3\]: array map "notTheSame" differs between PEs: on PE (1 it places the element on PE 0, on PE 0 on PE 1 \(.*\): its insertion notice|0 it places the element on PE 1, on PE 1 on PE 0 \(.*\): its insertion) was not handled\n/,
      show(r),
    );
    assert.not.match(r.stdout, 'inserted', show(r));
  }
});

test('a location update sent to the home by a map that differs between PEs ends the job, naming the map, the element and both PEs (np 3)', async () => {
  // Element [3] moves from PE 2 to PE 1, whose map names PE 0 as its home; PE 0's map (changed after the insertion) names PE 1.
  const r = await runJob({ program: 'errors.js', args: ['map-update'], np: 3, timeoutMs: 60_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0, `exit code must be non-zero${show(r)}`);
  assert.match(
    r.stderr,
    'charmts: fatal error on PE 0:\nError: Member[3]: array map "changing" differs between PEs: on PE 1 it places the element on PE 0, on PE 0 on PE 1 (a map must give every PE the same PE for an index): the news of where it settled was not handled\n',
    show(r),
  );
  assert.not.match(r.stdout, 'moved', show(r));
});

test('a reduction whose contributions differ in length names each length with its elements and PEs, and the reduction once, whichever PEs find the mismatches (np 1, 2, 3, 5)', async () => {
  // Even elements contribute 2 values, odd ones 3: 4 elements, on these PEs (block map). The first mismatch is found
  // on a PE with two elements, or on PE 0 as partials meet; partials merged after it were dropped before, and the
  // error named one pair only (at np 1 and 3, PE 0's).
  const pes: Record<number, number[]> = { 1: [0, 0, 0, 0], 2: [0, 0, 1, 1], 3: [0, 0, 1, 2], 5: [0, 1, 2, 3] };
  for (const np of [1, 2, 3, 5]) {
    const on = pes[np];
    // Each length's two elements named; at np 5, where PE 0 merges its children's partials in arrival order, two of
    // one length may merge before the first mismatch and be counted under the first one's name.
    const group = (length: number, a: number, b: number): string =>
      np < 5 ? escape(`${length} from element [${a}] on PE ${on[a]} and element [${b}] on PE ${on[b]}`) : `${length} from (${escape(`element [${a}] on PE ${on[a]} and element [${b}] on PE ${on[b]}`)}|2 contributions: element \\[(${a}|${b})\\] on PE (${on[a]}|${on[b]}) and 1 more)`;
    const lengths = `${group(2, 0, 2)}; ${group(3, 1, 3)}`;
    const r = await runJob({ program: 'reductionErrors.js', args: ['lengths'], np, timeoutMs: 30_000 });
    assertEndedCleanly(r);
    assert.is(r.code, 0, show(r));
    const line = r.stdout.split('\n').find((l) => l.startsWith('error: ')) ?? '';
    // Raised as on the PE that found the first mismatch (PE 0 or, at np 2, PE 1, should PE 1's partial come first).
    assert.match(
      line,
      new RegExp(`^error: TypeError on PE \\d in reduction 0 of array R \\(collection \\d+\\): contributions of different lengths to Reducer\\.sum \\(every contributor must give the same length\\): ${lengths}$`),
      `np ${np}${show(r)}`,
    );
  }
  // Nobody awaits a callback's result: the job ends with the same text, under the reduction's name once.
  const fatal = await runJob({ program: 'reductionErrors.js', args: ['lengths-callback'], np: 3, timeoutMs: 30_000 });
  assertEndedCleanly(fatal);
  assert.ok(fatal.code !== 0, show(fatal));
  assert.match(fatal.stderr, /charmts: fatal error on PE \d in reduction 0 of array R \(collection \d+\):\nTypeError: contributions of different lengths to Reducer\.sum \(every contributor must give the same length\): 2 from element \[0\] on PE 0 and element \[2\] on PE 1; 3 from element \[1\] on PE 0 and element \[3\] on PE 2\n/, show(fatal));
  const reducers = await runJob({ program: 'reductionErrors.js', args: ['reducers'], np: 2, timeoutMs: 30_000 });
  assert.match(reducers.stdout, /^error: Error on PE 0 in reduction 0 of array R \(collection 4\): contributors used different reducers: sum by element \[0\] on PE 0, max by element \[1\] on PE 0$/m, show(reducers));
});

/** `text` matched literally in a RegExp. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test.run();
