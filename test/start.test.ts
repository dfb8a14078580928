// charm.start's two forms as real jobs: a main function gets the program's
// arguments without the runtime's options; a main chare class is created on
// PE 0 with them and runs the program from its async set-up.
//   node dist/test/start.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertEndedCleanly, linesOf, runJob, show } from './helpers/jobs';

test("main's arguments and every PE's charm.args() leave out +balancer NAME, +stats and +trace FILE", async () => {
  const trace = path.join(os.tmpdir(), `charmts-start-${process.pid}.json`);
  const r = await runJob({ program: 'mainArgs.js', args: ['8', '4', '+balancer', 'GreedyLB', '+stats', 'x', '+trace', trace], np: 2, timeoutMs: 30_000 });
  fs.rmSync(trace, { force: true });
  assertEndedCleanly(r);
  assert.is(r.code, 0, show(r));
  assert.ok(linesOf(r.stdout).includes('args=["8","4","x"]'), show(r));
  assert.ok(linesOf(r.stdout).includes('charm.args=[["8","4","x"],["8","4","x"]]'), `every PE's charm.args() is main's list${show(r)}`);
  assert.match(r.stdout, /charmts stats/); // the runtime did take +stats
  assert.not.match(r.stderr, /not an option/, `only the runtime's options and plain words: no notice${show(r)}`);
});

test("+options charmts does not know (charmrun's +p4 and ++p2, +stat, +foo) are named once, on PE 0's stderr, with what to do, and still reach main; signed numbers and words after -- are the program's, runtime options there included (np 2)", async () => {
  const r = await runJob({ program: 'mainArgs.js', args: ['8', '+stat', '++p2', '+p4', '+5', '+foo', 'x', '--', '+bar', '+stats'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 0, show(r));
  const notices = linesOf(r.stderr).filter((l) => l.includes('not options of charmts'));
  assert.equal(
    notices,
    [
      "charmts: +stat (did you mean +stats?), ++p2 (the number of PEs is mpirun's -np: 2 in this job; or charmrun +pN), +p4 (the number of PEs is mpirun's -np: 2 in this job; or charmrun +pN), +foo are not options of charmts: they reach the program as arguments and the runtime ignores them. The runtime's options: +stats, +trace FILE, +balancer NAME, +lbreport, +asyncOrigins, +liveview [HOST:]PORT, +restart DIR, +checkpoint-dir DIR; put -- before +arguments meant for the program.",
    ],
    show(r),
  );
  assert.ok(linesOf(r.stdout).includes('args=["8","+stat","++p2","+p4","+5","+foo","x","+bar","+stats"]'), `main's arguments are as before, less the --${show(r)}`);
  assert.not.match(r.stdout, /charmts stats/, `+stats after -- is the program's word, not the option${show(r)}`);
});

test('a near miss of a runtime option under plain mpirun ends the job before main, naming the option meant', async () => {
  const r = await runJob({ program: 'mainArgs.js', args: ['8', '+balancr', 'GreedyLB'], np: 2, timeoutMs: 30_000 });
  assert.is.not(r.code, 0, show(r));
  assert.match(r.stderr, /charm\.start: \+balancr looks like a misspelling of \+balancer, which would stay off/, show(r));
  assert.not.match(r.stdout, /args=/, show(r));
});

test('a CHARMTS_IDLE_HINT that is not a number of seconds (abc, negative, empty) ends the job before main, naming the variable and its form', async () => {
  for (const bad of ['abc', '-5', '']) {
    const r = await runJob({ program: 'mainArgs.js', args: ['8'], np: 2, timeoutMs: 30_000, env: { CHARMTS_IDLE_HINT: bad } });
    assert.is.not(r.code, 0, show(r));
    assert.match(r.stderr, `charm.start: CHARMTS_IDLE_HINT=${JSON.stringify(bad)} is not a number of seconds: it takes the seconds a job stays idle before PE 0 prints the idle hint, a number 0 or more (CHARMTS_IDLE_HINT=30; 0 for never)`, show(r));
    assert.not.match(r.stdout, /args=/, show(r));
  }
});

test('+trace into a directory that does not exist, or with no file: the job ends before main, once, in the runtime\'s form, naming the option (np 2)', async () => {
  const missing = await runJob({ program: 'mainArgs.js', args: ['8', '+trace', '/nonexistent-charmts-dir/t.json'], np: 2, timeoutMs: 30_000 });
  assert.is.not(missing.code, 0, show(missing));
  assert.match(missing.stderr, 'charmts: fatal error on PE 0:\nError: charm.start: +trace /nonexistent-charmts-dir/t.json: the directory /nonexistent-charmts-dir does not exist, so the trace cannot be written at exit', show(missing));
  assert.not.match(missing.stdout, /args=/, show(missing));
  const directory = await runJob({ program: 'mainArgs.js', args: ['8', '+trace', os.tmpdir()], np: 2, timeoutMs: 30_000 });
  assert.is.not(directory.code, 0, show(directory));
  assert.match(directory.stderr, `charm.start: +trace ${os.tmpdir()}: that is a directory; name a file in it`, show(directory));
  assert.not.match(directory.stdout, /args=/, show(directory));
  const bare = await runJob({ program: 'mainArgs.js', args: ['8', '+trace', '+stats'], np: 2, timeoutMs: 30_000 });
  assert.is.not(bare.code, 0, show(bare));
  assert.is(bare.stderr.split('+trace needs a value (+trace FILE)').length - 1, 1, `said once${show(bare)}`);
  assert.not.match(bare.stderr, /Node\.js v\d/, `no raw Node report${show(bare)}`);
});

test('+trace into a directory that does not exist at np 1 (PE 0 alone) and np 4 (PEs 1-3 starting meanwhile), and +trace with no file at np 4: the job ends before main, said once', async () => {
  for (const np of [1, 4]) {
    const r = await runJob({ program: 'mainArgs.js', args: ['8', '+trace', '/nonexistent-charmts-dir/t.json'], np, timeoutMs: 30_000 });
    assertEndedCleanly(r);
    assert.is.not(r.code, 0, `np ${np}${show(r)}`);
    assert.match(r.stderr, 'charmts: fatal error on PE 0:\nError: charm.start: +trace /nonexistent-charmts-dir/t.json: the directory /nonexistent-charmts-dir does not exist, so the trace cannot be written at exit', `np ${np}${show(r)}`);
    assert.is(r.stderr.split('/nonexistent-charmts-dir does not exist').length - 1, 1, `said once, by PE 0 (np ${np})${show(r)}`);
    assert.not.match(r.stdout, /args=/, show(r));
  }
  const bare = await runJob({ program: 'mainArgs.js', args: ['8', '+trace', '+stats'], np: 4, timeoutMs: 30_000 });
  assertEndedCleanly(bare);
  assert.is.not(bare.code, 0, show(bare));
  assert.is(bare.stderr.split('+trace needs a value (+trace FILE)').length - 1, 1, `said once, by PE 0${show(bare)}`);
  assert.not.match(bare.stderr, /Node\.js v\d/, `no raw Node report${show(bare)}`);
  assert.not.match(bare.stdout, /args=/, show(bare));
});

test('+checkpoint-dir that is a file, under a file, or where nothing can be made (/sys): the job ends before main, saying which; a directory still to be made is fine and not made at start (np 2)', async () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-ckdir-'));
  const file = path.join(scratch, 'a-file');
  fs.writeFileSync(file, '');
  const cases: [string, string][] = [
    [file, `charm.start: +checkpoint-dir ${file}: that is a file, not a directory; name a directory (made at the first checkpoint if missing)`],
    [path.join(file, 'ckpt'), `charm.start: +checkpoint-dir ${path.join(file, 'ckpt')}: ${file} is a file, so the directory ${path.join(file, 'ckpt')} cannot be made`],
  ];
  // sysfs refuses a new directory even to root, whose permissions pass.
  if (fs.existsSync('/sys/kernel')) cases.push(['/sys/ckpt', 'charm.start: +checkpoint-dir /sys/ckpt: checkpoints cannot be written in /sys, where /sys/ckpt would be made (']);
  for (const [dir, message] of cases) {
    const r = await runJob({ program: 'mainArgs.js', args: ['8', '+checkpoint-dir', dir], np: 2, timeoutMs: 30_000 });
    assert.is.not(r.code, 0, show(r));
    assert.match(r.stderr, `charmts: fatal error on PE 0:\nError: ${message}`, show(r));
    assert.not.match(r.stdout, /args=/, `ended before main${show(r)}`);
  }
  const later = path.join(scratch, 'made', 'at', 'first');
  const fine = await runJob({ program: 'mainArgs.js', args: ['8', '+checkpoint-dir', later], np: 2, timeoutMs: 30_000 });
  assert.is(fine.code, 0, show(fine));
  assert.equal(fs.readdirSync(scratch), ['a-file'], 'nothing made or left at start');
  fs.rmSync(scratch, { recursive: true });
});

test('charm.start(Main): the main chare is constructed on PE 0 with the arguments and runs the program', async () => {
  const r = await runJob({ program: 'mainChare.js', args: ['3'], np: 3, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.is(r.code, 3, show(r));
  const lines = linesOf(r.stdout);
  assert.ok(lines.includes('main chare constructed on PE 0 with ["3"]'), show(r));
  assert.ok(lines.includes('greeted by 0,1,2'), show(r));
});

test('readonlies set by the main chare constructor or main\'s synchronous part are set on every PE before any chare there runs, even one main created before setting them, with large arrays in both (np 1, 2, 4)', async () => {
  for (const np of [1, 2, 4]) {
    for (const mode of ['chare', 'function']) {
      const r = await runJob({ program: 'readonlies.js', args: [mode], np, timeoutMs: 30_000 });
      assertEndedCleanly(r);
      assert.is(r.code, 0, `${mode} np ${np}${show(r)}`);
      const seen = linesOf(r.stdout).find((line) => line.startsWith('seen '));
      assert.ok(seen, `${mode} np ${np}${show(r)}`);
      const entries = seen!.slice(5).split(' ');
      assert.is(entries.length, 8, seen);
      assert.ok(entries.every((entry) => /^\d@\d:set-in-main\/8\/33550336\/536854528$/.test(entry)), `${mode} np ${np}: ${seen}`);
      assert.is(new Set(entries.map((entry) => entry.split(':')[0].split('@')[1])).size, np, `${mode} np ${np}: elements on every PE: ${seen}`);
    }
  }
});

test.run();
