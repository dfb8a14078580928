// Output that tells the truth: every PE's lines reach the job's stdout
// whole, without waiting for a busy PE 0, and the last lines of a PE that
// fails are not lost; output redirected to a file or pipe has no colour
// escape codes, a terminal does, NO_COLOR / FORCE_COLOR are honoured.
//   node dist/test/output.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertEndedCleanly, env as jobEnv, killGroup, linesOf, runJob, show, startCapturing } from './helpers/jobs';

const ESCAPE = /\x1b\[/;

test('a line of PE 1 arrives while PE 0 runs a long entry method (np 2 and 4)', async () => {
  for (const np of [2, 4]) {
    const file = path.join(os.tmpdir(), `charmts-busy-${process.pid}-${np}`);
    fs.rmSync(file, { force: true });
    // PE 0 spins until the file exists; the file is made when PE 1's line is seen on stdout.
    const r = await runJob({
      program: 'outputTruth.js',
      args: ['busy', file],
      np,
      timeoutMs: 90_000,
      onStdout: (all) => {
        if (all.includes('hello from PE 1 while PE 0 is busy') && !fs.existsSync(file)) fs.writeFileSync(file, '');
      },
    });
    fs.rmSync(file, { force: true });
    assertEndedCleanly(r);
    assert.is(r.code, 0, show(r));
    assert.ok(linesOf(r.stdout).includes('PE 0 saw the line while busy'), `PE 1's line reached stdout while PE 0 was busy${show(r)}`);
  }
});

test('the last lines of a PE that fails all arrive, whole, with its half line', async () => {
  const r = await runJob({ program: 'outputTruth.js', args: ['lastWords'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.is.not(r.code, 0, show(r));
  const lines = linesOf(r.stdout);
  for (let i = 0; i < 500; i++) assert.ok(lines.includes(`last-words ${i} ${'w'.repeat(80)}`), `line ${i} of 500${show(r)}`);
  assert.ok(lines.includes('half a line before the failure'), `the unfinished line, ended${show(r)}`);
  assert.match(r.stderr, /the failure after the last words/);
  assert.match(r.stderr, /on PE 1 in Talker\.lastWords/);
});

test('partial lines are not glued to other PEs lines (np 4)', async () => {
  const r = await runJob({ program: 'outputTruth.js', args: ['partial'], np: 4, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 0, show(r));
  const lines = linesOf(r.stdout);
  for (const pe of [1, 3]) for (let i = 0; i < 200; i++) assert.ok(lines.includes(`line ${i} of PE ${pe}`), `line ${i} of PE ${pe} whole${show(r)}`);
  for (const pe of [0, 2]) assert.ok(lines.includes(`${'.'.repeat(200)}dots of PE ${pe}`), `the dots of PE ${pe} on one line${show(r)}`);
  assert.is(lines.length, 2 * 200 + 2, `nothing else on stdout${show(r)}`);
});

test('colour: none when redirected (mpirun and charmrun), some in a terminal, NO_COLOR and FORCE_COLOR honoured', async () => {
  // CI set without a known CI vendor makes Node's colour detection answer "no colour" even in a terminal (tty.getColorDepth): the test's terminal is a user's.
  const env = { ...process.env, NODE_DISABLE_COLORS: undefined, NO_COLOR: undefined, FORCE_COLOR: undefined, CI: undefined };
  const plain = await runJob({ program: 'outputTruth.js', args: ['colour'], np: 2, timeoutMs: 30_000, env });
  assert.is(plain.code, 0, show(plain));
  assert.match(plain.stdout, /\{ answer: 42 \} 7/);
  // A program prints proxies, futures and chares in a short form (console.log of a group ended the job once).
  assert.match(plain.stdout, /printed: Proxy<Talker> \(group #\d+\) Proxy<Talker> \(group #\d+ member 1 on PE 1\) Proxy<Talker>\.ret \(group #\d+\) Future \{ <pending> \} Talker \(group #\d+ member 1 on PE 1\) \{\}/);
  assert.not.match(plain.stdout, ESCAPE, `mpirun > pipe: no escape codes${show(plain)}`);
  const charmrun = path.join(__dirname, '..', 'lib', 'launcher', 'charmrun.js');
  const program = path.join(__dirname, 'programs', 'outputTruth.js');
  const run = (extra: NodeJS.ProcessEnv) => spawnSync(process.execPath, [charmrun, '+p2', program, 'colour'], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 60_000 });
  const piped = run({});
  assert.is(piped.status, 0, piped.stderr);
  assert.not.match(piped.stdout, ESCAPE, `charmrun > pipe: no escape codes\n${piped.stdout}`);
  const forced = run({ FORCE_COLOR: '1' });
  assert.match(forced.stdout, ESCAPE, `FORCE_COLOR=1: escape codes\n${forced.stdout}`);
  // A terminal: script(1) gives charmrun a pty.
  const inTerminal = (extra: NodeJS.ProcessEnv) =>
    spawnSync('script', ['-qec', `${process.execPath} ${charmrun} +p2 ${program} colour`, '/dev/null'], { env: { ...env, TERM: 'xterm-256color', ...extra }, encoding: 'utf8', timeout: 60_000 });
  const tty = inTerminal({});
  assert.is(tty.status, 0, tty.stdout + tty.stderr);
  assert.match(tty.stdout, ESCAPE, `a terminal gets colour\n${tty.stdout}`);
  const noColour = inTerminal({ NO_COLOR: '1' });
  assert.match(noColour.stdout, /\{ answer: 42 \} 7/);
  assert.not.match(noColour.stdout, ESCAPE, `NO_COLOR in a terminal: no escape codes\n${noColour.stdout}`);
});

/**
 * Runs outputTruth's `mode` on 2 PEs with a 2 s idle hint until its stderr
 * matches `hinted` (60 s at most), then lets `more` look at that stderr
 * (which may wait longer); the job is killed in any case.
 */
async function idleHint(mode: string, hinted: RegExp, more: (stderr: () => string) => Promise<void> | void): Promise<void> {
  const program = path.join(__dirname, 'programs', 'outputTruth.js');
  const job = startCapturing(['mpirun', '--oversubscribe', '--bind-to', 'none', '-np', '2', process.execPath, program, mode], { ...jobEnv(), CHARMTS_IDLE_HINT: '2' });
  try {
    const deadline = Date.now() + 60_000;
    while (!hinted.test(job.output().stderr) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(job.output().stderr, hinted);
    await more(() => job.output().stderr);
  } finally {
    killGroup(job.child.pid!, 'SIGKILL');
  }
}

test('a program whose main returned without charm.exit() and that stays idle gets one hint naming it on stderr', async () => {
  await idleHint('forgetExit', /charmts: main has returned and the job has been idle for 2 s; if the program is done, end it with charm\.exit\(\)/, (stderr) => {
    assert.is(stderr().split('charm.exit()').length - 1, 1, 'one hint');
  });
});

test('a main that awaits what nothing will send gets one hint saying so on stderr, while it waits', async () => {
  await idleHint('stuck', /charmts: main is still waiting and the job has been idle for 2 s: no PE has a message left that could complete what main awaits/, async (stderr) => {
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // five more idle periods: still one hint, and not the one for a returned main
    assert.is(stderr().split('main is still waiting').length - 1, 1, 'one hint');
    assert.not.match(stderr(), /main has returned/);
    assert.not.match(stderr(), /fewer contributions/, 'no member is behind another');
  });
});

test('the hint for a main that returned (a main chare after its set-up) names the element that did not contribute too', async () => {
  await idleHint('skipped', /main has returned and the job has been idle for 2 s[^\n]*\n  Worker \(collection \d+\): 1 of 6 members made fewer contributions than the others \(up to 1\): Worker\[3\] on PE [01] made 0\n/, () => undefined);
});

test('the hint for a main kept waiting by a broadcast names the element suspended in an await, and its PE', async () => {
  await idleHint('suspended', /main is still waiting[^\n]*\n  Waiter \(collection \d+\): 1 member has async entry methods suspended in an await: Waiter\[1\] on PE [01] \(in stall\)\n/, () => undefined);
});

test('the hint for a channel deadlock names each element, the method and the channel it awaits in recv', async () => {
  await idleHint('channel', /main is still waiting[^\n]*\n  Pair \(collection \d+\): 2 members have async entry methods suspended in an await: Pair\[0\] on PE 0 \(in exchange, awaiting recv on channel Pair\[0\] <-> Pair\[1\] port 0\), Pair\[1\] on PE 1 \(in exchange, awaiting recv on channel Pair\[1\] <-> Pair\[0\] port 0\)\n/, () => undefined);
});

test('the hint for a load-balancing step some element never called AtSync for names that element and its PE', async () => {
  await idleHint('atsync', /main is still waiting[^\n]*\n  Balanced \(collection \d+\): 1 of 4 members called AtSync fewer times than the others, so the load-balancing step waits for them \(up to 1\): Balanced\[3\] on PE 1 called it 0 times\n/, () => undefined);
});

test('the hint for a main awaiting a call to an index never inserted names the index and its home PE', async () => {
  await idleHint('absent', /main is still waiting[^\n]*\n  Worker2D \(collection \d+\): 1 call waits at the home PE for an index with no element, held until one is inserted there \(ckInsert\): Worker2D\[5, 5\] \(home PE [01], one call\)\n/, () => undefined);
});

test('CHARMTS_IDLE_ABORT: a job idle that long ends with exit code 1 and the hint\'s text, main waiting or returned (np 2); a busy job is not ended', async () => {
  for (const [mode, text] of [
    ['missing', /fatal error on PE 0 \(the job is idle\):\nmain is still waiting and the job has been idle for 2 s[^\n]*\n  Worker \(collection \d+\): 1 of 6 members made fewer contributions than the others \(up to 2\): Worker\[3\] on PE [01] made 1\n\(CHARMTS_IDLE_ABORT=2 ends a job with no message anywhere for that long; a wait on a timer, charm\.sleep or I\/O counts as idle: set it above the longest\)\n/],
    ['forgetExit', /fatal error on PE 0 \(the job is idle\):\nmain has returned and the job has been idle for 2 s; if the program is done, end it with charm\.exit\(\)/],
  ] as const) {
    const r = await runJob({ program: 'outputTruth.js', args: [mode], np: 2, timeoutMs: 60_000, env: { CHARMTS_IDLE_HINT: '1', CHARMTS_IDLE_ABORT: '2' } });
    assertEndedCleanly(r);
    assert.is(r.code, 1, `exit code 1${show(r)}`);
    assert.match(r.stderr, text, show(r));
  }
  // Busy for 3 s (a PE computes in one entry method): the job ends by charm.exit, not by the watch.
  const busy = await runJob({ program: 'outputTruth.js', args: ['computing'], np: 2, timeoutMs: 60_000, env: { CHARMTS_IDLE_ABORT: '1' } });
  assertEndedCleanly(busy);
  assert.is(busy.code, 0, `exit code 0${show(busy)}`);
  assert.not.match(busy.stderr, /idle/, show(busy));
});

test('CHARMTS_IDLE_ABORT at np 1 (no other PE: quiescence and the members\' report are PE 0\'s alone) and np 4 (the member behind is on PE 2): the idle job ends with exit code 1 and the report', async () => {
  for (const [np, pe] of [[1, 0], [4, 2]] as const) {
    const r = await runJob({ program: 'outputTruth.js', args: ['missing'], np, timeoutMs: 60_000, env: { CHARMTS_IDLE_ABORT: '1' } });
    assertEndedCleanly(r);
    assert.is(r.code, 1, `exit code 1 (np ${np})${show(r)}`);
    const text = `main is still waiting and the job has been idle for 1 s: no PE has a message left that could complete what main awaits`;
    assert.match(r.stderr, `fatal error on PE 0 (the job is idle):\n${text}`, `np ${np}${show(r)}`);
    assert.match(r.stderr, `1 of 6 members made fewer contributions than the others (up to 2): Worker[3] on PE ${pe} made 1\n(CHARMTS_IDLE_ABORT=1 ends`, `np ${np}${show(r)}`);
    // One watch: the end at 1 s idle does not wait behind the hint's own (default 10 s) check, as it did.
    assert.not.match(r.stderr, /idle for 10 s/, `np ${np}: ended before the hint${show(r)}`);
  }
});

test('the hint for a main kept waiting by a reduction names the element that did not contribute, and its PE', async () => {
  await idleHint('missing', /main is still waiting[^\n]*\n  Worker \(collection \d+\): 1 of 6 members made fewer contributions than the others \(up to 2\): Worker\[3\] on PE [01] made 1\n/, () => undefined);
});

test.run();
