// Process-level behaviour: each test runs a small charmts program
// (test/programs/*.ts) as a real mpirun job and checks its exit code, its
// stdout and stderr, and that none of its processes outlive it.
//   node dist/test/process.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAIL_FAST_MS, assertEndedCleanly, linesOf, runJob, show } from './helpers/jobs';

// ---------------------------------------------------------------- exit

for (const np of [2, 4]) {
  test(`charm.exit(3) from PE 1 at np ${np}: exit code 3, every line printed before the exit appears`, async () => {
    const r = await runJob({ program: 'exitCode.js', args: ['3'], np, timeoutMs: 30_000 });
    assertEndedCleanly(r);
    assert.is(r.code, 3, `mpirun exit code${show(r)}`);
    const lines = linesOf(r.stdout);
    for (let pe = 0; pe < np; pe++) {
      for (let i = 0; i < 3; i++) {
        const line = `before-exit pe=${pe} i=${i}`;
        assert.is(lines.filter((l) => l === line).length, 1, `"${line}" once on stdout${show(r)}`);
      }
    }
    assert.ok(lines.includes('last-words pe=1 code=3'), `the line PE 1 printed right before charm.exit${show(r)}`);
  });
}

test('exits after the first change nothing: exit(0) then exit(5) and exit(6) on the last PE end the job with 0, PE 0 saying once that exit(5) was ignored; every PE calling exit(0) is silent (np 2)', async () => {
  const twice = await runJob({ program: 'exitTwice.js', args: ['twice'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(twice);
  assert.is(twice.code, 0, show(twice));
  const warnings = linesOf(twice.stderr).filter((l) => l.includes('is ignored'));
  assert.equal(warnings, ['charmts: charm.exit(5) on PE 1 is ignored: charm.exit(0) on PE 1 came first, and the job ends with code 0 (only the first exit counts)'], show(twice));
  const every = await runJob({ program: 'exitTwice.js', args: ['every'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(every);
  assert.is(every.code, 0, show(every));
  assert.not.match(every.stderr, 'charm.exit', show(every));
});

// ---------------------------------------------------------------- output

test('console output of 4 PEs x 300 long lines reaches stdout exactly once, each line whole', async () => {
  const np = 4;
  const perPe = 300;
  const r = await runJob({ program: 'output.js', args: [String(perPe)], np, timeoutMs: 60_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 0, `exit code${show(r)}`);
  const strict = /^pe=([0-3]) line=(\d{1,3}) pad=(?:abcdefghij){20}$/;
  const seen = new Map<string, number>();
  const bad: string[] = [];
  const order: number[][] = Array.from({ length: np }, () => []);
  for (const line of linesOf(r.stdout)) {
    const m = strict.exec(line);
    if (!m) {
      bad.push(line);
      continue;
    }
    const key = `${m[1]}:${m[2]}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    order[Number(m[1])].push(Number(m[2]));
  }
  assert.equal(bad.slice(0, 5), [], `${bad.length} lines on stdout are not whole lines of the program`);
  const missing: string[] = [];
  const duplicated: string[] = [];
  for (let pe = 0; pe < np; pe++) {
    for (let i = 0; i < perPe; i++) {
      const n = seen.get(`${pe}:${i}`) ?? 0;
      if (n === 0) missing.push(`pe=${pe} line=${i}`);
      if (n > 1) duplicated.push(`pe=${pe} line=${i} x${n}`);
    }
  }
  assert.equal(missing.slice(0, 10), [], `${missing.length} lines missing`);
  assert.equal(duplicated.slice(0, 10), [], `${duplicated.length} lines duplicated`);
  assert.is([...seen.values()].reduce((a, b) => a + b, 0), np * perPe, 'line count');
  for (let pe = 0; pe < np; pe++) {
    const expected = Array.from({ length: perPe }, (_, i) => i);
    assert.equal(order[pe], expected, `lines of PE ${pe} in the order printed`);
  }
});

// ---------------------------------------------------------------- abort and errors

test('charm.abort on PE 1: non-zero exit within seconds, stderr has the reason and the PE', async () => {
  const r = await runJob({ program: 'abort.js', np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.ok(r.elapsedMs < FAIL_FAST_MS, `ended in ${r.elapsedMs} ms${show(r)}`);
  assert.ok(r.stderr.includes('some reason: the sky fell'), `reason on stderr${show(r)}`);
  assert.ok(r.stderr.includes('PE 1'), `"PE 1" on stderr${show(r)}`);
});

test('an entry method called fire-and-forget throws on PE 1: non-zero exit, stderr names PE, class, method, message', async () => {
  const r = await runJob({ program: 'errors.js', args: ['send'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.ok(r.elapsedMs < FAIL_FAST_MS, `ended in ${r.elapsedMs} ms${show(r)}`);
  for (const needle of ['PE 1', 'Exploder', 'boom', 'kaboom from boom']) {
    assert.ok(r.stderr.includes(needle), `"${needle}" on stderr${show(r)}`);
  }
  // The stack ends at the method's own frame: the scheduler's frames below it are one line.
  assert.match(r.stderr, /at Exploder\.boom \(\S*errors\.js:\d+:\d+\)\n {4}\(\d+ more frames in charmts and Node\)\n/, show(r));
  assert.not.match(r.stderr, /Scheduler|dispatch/, show(r));
});

test('under source maps (--enable-source-maps) the runtime\'s frames, shown as lib/*.ts, are trimmed too: the method\'s frame in errors.ts, then one count', async () => {
  const r = await runJob({ program: 'errors.js', args: ['send'], np: 2, timeoutMs: 30_000, env: { NODE_OPTIONS: '--enable-source-maps' } });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.match(r.stderr, /at Exploder\.boom \(\S*test\/programs\/errors\.ts:\d+:\d+\)\n {4}\(\d+ more frames in charmts and Node\)\n/, `the program's frame as the source map shows it, then the count${show(r)}`);
  assert.not.match(r.stderr, /lib\/\S*\.ts:\d+/, `no frame of the runtime's${show(r)}`);
});

test('a task sent as source text (compiled by eval in the runtime) throws: its frame is the program\'s, kept above the count of the runtime\'s', async () => {
  const r = await runJob({ program: 'errors.js', args: ['source-task'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.match(r.stderr, 'source task failed', show(r));
  assert.match(r.stderr, /\n {4}at \S+ \(eval at compile \(\S*lib\/pool\/functions\.js:\d+:\d+\), <anonymous>:\d+:\d+\)\n {4}\(\d+ more frames in charmts and Node\)\n {4}--- local stack ---\n/, show(r));
});

test('an error whose stack is not a string (e.stack = null) thrown by an entry method: its name and message are printed', async () => {
  const r = await runJob({ program: 'errors.js', args: ['stackless'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.ok(r.elapsedMs < FAIL_FAST_MS, `ended in ${r.elapsedMs} ms${show(r)}`);
  assert.match(r.stderr, /charmts: fatal error on PE 1[^\n]*Exploder\.stackless[^\n]*:\nTypeError: thrown without a stack\n/, show(r));
});

test('a .ret call never awaited whose method throws: unhandled rejection ends the job non-zero', async () => {
  const r = await runJob({ program: 'errors.js', args: ['ret'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.ok(r.elapsedMs < FAIL_FAST_MS, `ended in ${r.elapsedMs} ms${show(r)}`);
  assert.ok(r.stderr.includes('unawaited failure in failRet'), `the error message on stderr${show(r)}`);
  assert.ok(r.stderr.includes('(the future was dropped without being awaited)'), `said when: once nothing held the future${show(r)}`);
  // Remote and local stacks trimmed each on its own: the method's frame, then counts of the runtime's.
  assert.match(r.stderr, /at Exploder\.failRet \(\S*errors\.js:\d+:\d+\)\n {4}\(\d+ more frames in charmts and Node\)\n {4}--- local stack ---\n {4}\(\d+ frames in charmts and Node\)\n/, show(r));
});

test('a .ret call that failed, its future kept and never awaited: the job runs on, and its exit ends it non-zero naming the failure', async () => {
  const r = await runJob({ program: 'errors.js', args: ['ret-held'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.match(r.stdout, 'still running, holding 1 failed future', show(r));
  assert.match(r.stderr, 'fatal error on PE 0 (unhandled promise rejection: a failed call or promise nobody awaited', show(r));
  assert.match(r.stderr, '(the job exited before it was awaited)', show(r));
  assert.match(r.stderr, 'unawaited failure in failRet', show(r));
});

test('a failed future awaited and caught just before charm.exit: the job ends with code 0 (np 1, 2)', async () => {
  for (const np of [1, 2]) {
    const r = await runJob({ program: 'errors.js', args: ['caught-then-exit'], np, timeoutMs: 30_000 });
    assertEndedCleanly(r);
    assert.is(r.code, 0, `exit code 0 (np ${np})${show(r)}`);
    assert.match(r.stdout, 'caught: RangeError on PE', show(r));
    assert.not.match(r.stderr, 'fatal', show(r));
  }
});

test('an error thrown in main on PE 0: non-zero exit, message on stderr', async () => {
  const r = await runJob({ program: 'errors.js', args: ['main'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.ok(r.elapsedMs < FAIL_FAST_MS, `ended in ${r.elapsedMs} ms${show(r)}`);
  assert.ok(r.stderr.includes('main went wrong'), `the error message on stderr${show(r)}`);
});

test('an error in a chare constructor (group member on PE 1): non-zero exit, class name on stderr', async () => {
  const r = await runJob({ program: 'errors.js', args: ['ctor'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.ok(r.elapsedMs < FAIL_FAST_MS, `ended in ${r.elapsedMs} ms${show(r)}`);
  assert.ok(r.stderr.includes('FragileCtor'), `class name on stderr${show(r)}`);
  assert.ok(r.stderr.includes('constructor failure in FragileCtor'), `the error message on stderr${show(r)}`);
});

test('a promise an entry method made, rejected later and never handled: with +asyncOrigins the job ends naming class, method, index and PE (np 2, 3)', async () => {
  for (const [mode, np, method, message] of [
    ['orphan', 2, 'orphan', 'orphan promise rejected'],
    ['orphan-after-await', 3, 'orphanAfterAwait', 'helper failed after an await'],
  ] as const) {
    const r = await runJob({ program: 'errors.js', args: [mode, '+asyncOrigins'], np, timeoutMs: 30_000 });
    assertEndedCleanly(r);
    assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
    assert.match(r.stderr, `fatal error on PE ${np - 1}: a promise made in Exploder.${method} (index ${np - 1}) was rejected and nobody handled it`, show(r));
    assert.match(r.stderr, message, show(r));
  }
});

test('an unhandled rejection that cannot be attributed says so plainly, never naming an entry method (np 2)', async () => {
  // Without +asyncOrigins promises are not followed: the message says how to have the entry method named.
  const r = await runJob({ program: 'errors.js', args: ['orphan'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.match(r.stderr, 'fatal error on PE 1 (unhandled promise rejection: a failed call or promise nobody awaited; which entry method made it is not known: run with +asyncOrigins to have it named)', show(r));
  assert.match(r.stderr, 'orphan promise rejected', show(r));
  // Followed, but made by main: no entry method made it.
  const m = await runJob({ program: 'errors.js', args: ['main-orphan', '+asyncOrigins'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(m);
  assert.ok(m.code !== 0 && m.code !== null, `non-zero exit code${show(m)}`);
  assert.match(m.stderr, 'fatal error on PE 0 (unhandled promise rejection: a failed call or promise nobody awaited; no entry method is known to have made it', show(m));
  assert.not.match(m.stderr, /Exploder|made in/, show(m));
});

test('an async entry method called fire-and-forget that throws after an await: the job ends naming class, method, index and PE (np 3)', async () => {
  const r = await runJob({ program: 'errors.js', args: ['late'], np: 3, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.match(r.stderr, 'fatal error on PE 2 in Exploder.late (index 2):\nError: late failure after an await', show(r));
});

// ---------------------------------------------------------------- use before start

test('chare classes registered and charm.start never called: PE 0 alone says so in one stderr line; exit code 0 (np 2, plain node)', async () => {
  const notice = 'charmts: chare classes were registered (Hello) but charm.start(main) was never called, so nothing ran; end the program with charm.start(main)';
  for (const np of [2, 0]) {
    const r = await runJob({ program: 'neverStarted.js', args: ['register'], np, timeoutMs: 30_000 });
    assertEndedCleanly(r);
    assert.is(r.code, 0, `exit code${show(r)}`);
    assert.equal(linesOf(r.stderr).filter((l) => l.includes('charm.start')), [notice], show(r));
  }
});

test('a script that imports charmts without registering anything, never starting: silent (np 2, plain node)', async () => {
  for (const np of [2, 0]) {
    const r = await runJob({ program: 'neverStarted.js', args: ['plain'], np, timeoutMs: 30_000 });
    assertEndedCleanly(r);
    assert.is(r.code, 0, `exit code${show(r)}`);
    assert.not.match(r.stderr, 'charm', show(r));
  }
});

test('charm.myPe() before charm.start (plain node): the error mentions charm.start', async () => {
  const r = await runJob({ program: 'beforeStart.js', np: 0, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 0, `exit code${show(r)}`);
  const line = linesOf(r.stdout).find((l) => l.startsWith('caught: '));
  assert.ok(line, `the program caught an error${show(r)}`);
  assert.ok(line!.includes('charm.start'), `the message mentions charm.start: ${line}`);
});

test('charm.myPe() before charm.start (mpirun np 1): the error mentions charm.start, then start works', async () => {
  const r = await runJob({ program: 'beforeStart.js', args: ['start'], np: 1, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 0, `exit code${show(r)}`);
  const lines = linesOf(r.stdout);
  const line = lines.find((l) => l.startsWith('caught: '));
  assert.ok(line, `the program caught an error${show(r)}`);
  assert.ok(line!.includes('charm.start'), `the message mentions charm.start: ${line}`);
  assert.ok(lines.includes('started pe=0 of 1'), `main ran after the early error${show(r)}`);
});

test('loadBalancing: true without +balancer: one notice on stderr naming the class and the strategies; none with +balancer', async () => {
  const without = await runJob({ program: 'noBalancer.js', np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(without);
  assert.is(without.code, 0, `exit code${show(without)}`);
  assert.ok(linesOf(without.stdout).includes('PEs after the step: 0 0 1 1'), `nothing moved${show(without)}`);
  const notices = without.stderr.split('\n').filter((l) => l.includes('no +balancer was given'));
  assert.is(notices.length, 1, `one notice (two arrays, PE 0 creates both)${show(without)}`);
  assert.match(notices[0], /Cell was created with \{ loadBalancing: true \}.*GreedyLB/);
  const withIt = await runJob({ program: 'noBalancer.js', args: ['+balancer', 'RotateLB'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(withIt);
  assert.ok(linesOf(withIt.stdout).includes('PEs after the step: 1 1 0 0'), `RotateLB moved every element${show(withIt)}`);
  assert.not.match(withIt.stderr, 'no +balancer');
});

// ---------------------------------------------------------------- event loop

test('stdin and timers work while the runtime runs (np 2): main reads a line while an interval ticks and PEs exchange messages', async () => {
  const input = 'hello from the test, over stdin';
  let sent = false;
  const r = await runJob({
    program: 'stdinTimers.js',
    np: 2,
    timeoutMs: 30_000,
    onStdout(all, child) {
      if (sent || !/^ready\r?$/m.test(all)) return;
      sent = true;
      // let the interval and the messages run a while before the line comes
      setTimeout(() => child.stdin.write(`${input}\n`), 300);
    },
  });
  assertEndedCleanly(r);
  assert.ok(sent, `the program said ready${show(r)}`);
  assert.is(r.code, 0, `exit code${show(r)}`);
  const lines = linesOf(r.stdout);
  assert.ok(lines.includes(`line=${input}`), `main printed the line it read${show(r)}`);
  const ticks = Number(/^ticks=(\d+)$/m.exec(lines.join('\n'))?.[1] ?? NaN);
  const pings = Number(/^pings=(\d+)$/m.exec(lines.join('\n'))?.[1] ?? NaN);
  assert.ok(ticks > 0, `the interval ticked (ticks=${ticks})${show(r)}`);
  assert.ok(pings > 0, `PEs exchanged messages meanwhile (pings=${pings})${show(r)}`);
});

test('idle PEs do not spin (np 2): over 1 s of charm.sleep, PE 0 and PE 1 each use < 50% of a core', async () => {
  const r = await runJob({ program: 'idleCpu.js', args: ['1'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 0, `exit code${show(r)}`);
  const usage = new Map<number, { cpuMs: number; wallMs: number }>();
  for (const line of linesOf(r.stdout)) {
    const m = /^usage (\{.*\})$/.exec(line);
    if (m) {
      const u = JSON.parse(m[1]) as { pe: number; cpuMs: number; wallMs: number };
      usage.set(u.pe, u);
    }
  }
  for (const pe of [1, 0]) {
    const u = usage.get(pe);
    assert.ok(u, `PE ${pe} reported its usage${show(r)}`);
    assert.ok(u!.wallMs >= 900, `PE ${pe} measured over about 1 s (${u!.wallMs} ms)`);
    const share = u!.cpuMs / u!.wallMs;
    assert.ok(share < 0.5, `PE ${pe} used ${(100 * share).toFixed(1)}% of a core while idle (${u!.cpuMs} ms CPU in ${u!.wallMs.toFixed(0)} ms)`);
  }
});

test('an idle PE sees a message that came while it was awake before it sleeps: mpi.Idle(1 minute) returns with it (np 2)', async () => {
  // Open MPI's MPI_Iprobe misses a message that is in shared memory but not yet taken by its progress engine: a wait that probed once slept its whole time.
  const r = await runJob({ program: 'idleArrived.js', np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 0, `exit code${show(r)}`);
  assert.ok(linesOf(r.stdout).includes('waiting true received 1 bytes 1,2,3,4,5,6,7,8'), `PE 1 found PE 0's message at once${show(r)}`);
});

test('an idle PE is woken for a message MPI held back at the send and wrote later: 20,000 sends to a PE that makes no MPI call for 300 ms, none slept through (np 2)', async () => {
  // Open MPI completes such a send (and writes the message) only as the sender keeps polling, after the wake at the send found nothing to show.
  const r = await runJob({ program: 'idleHeldBack.js', np: 2, timeoutMs: 120_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 0, `exit code${show(r)}`);
  assert.ok(linesOf(r.stdout).includes('received 20000 slept through 0'), `PE 1 woke for every message${show(r)}`);
});

test.run();
