// Checkpoint and restart as users run them, real mpirun jobs: the examples
// checkpointed halfway and restarted on other PE counts give the
// uninterrupted run's last line; every kind of state comes back; a rank
// killed under charmrun +restarts comes back from the last checkpoint;
// checkpoints that cannot be taken or restarted are refused, saying why.
//   node dist/test/checkpoint.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { killGroup, linesOf, sleep, startCapturing } from './helpers/jobs';

const root = path.resolve(__dirname, '..', '..');
const example = (name: string): string => path.join(root, 'dist', 'examples', name, `${name}.js`);
const PROGRAM = path.join(__dirname, 'programs', 'checkpointed.js');
const CHARMRUN = path.join(root, 'dist', 'lib', 'launcher', 'charmrun.js');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-checkpoint-'));
let jobs = 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
  /** Processes of the job still alive after it ended. */
  leftovers: number[];
}

const mpirun = (np: number, script: string, ...args: string[]): string[] => ['mpirun', '--oversubscribe', '--bind-to', 'none', '-np', String(np), 'node', script, ...args];
const charmrun = (np: number, script: string, ...args: string[]): string[] => ['node', CHARMRUN, `+p${np}`, script, ...args];

/** PIDs of the processes carrying `tag` in their environment, with their MPI rank ('' for mpirun itself). */
function tagged(tag: string): [number, string][] {
  const found: [number, string][] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string[];
    try {
      environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (environ.includes(`CHARMTS_TEST_JOB=${tag}`)) found.push([Number(entry), environ.find((e) => e.startsWith('OMPI_COMM_WORLD_RANK='))?.split('=')[1] ?? '']);
  }
  return found;
}

/** Runs one job to its end; `onStdout` may act on it meanwhile (given the job's tag). */
async function run(command: string[], onStdout?: (all: string, tag: string) => void): Promise<Run> {
  const tag = `checkpoint-${process.pid}-${++jobs}`;
  const env: NodeJS.ProcessEnv = { ...process.env, CHARMTS_TEST_JOB: tag, NODE_DISABLE_COLORS: '1' };
  if (process.getuid?.() === 0) {
    env.OMPI_ALLOW_RUN_AS_ROOT = '1';
    env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1';
  }
  const job = startCapturing(command, env, onStdout && ((all) => onStdout(all, tag)));
  const timer = setTimeout(() => killGroup(job.child.pid!, 'SIGKILL'), 120_000);
  const { code } = await job.closed;
  clearTimeout(timer);
  let left = tagged(tag);
  for (let i = 0; i < 20 && left.length > 0; i++) {
    await sleep(100);
    left = tagged(tag);
  }
  for (const [pid] of left) killGroup(pid, 'SIGKILL');
  const { stdout, stderr } = job.output();
  return { code, stdout, stderr, lines: linesOf(stdout), leftovers: left.map(([pid]) => pid) };
}

/** Runs `jobs` (each starts one) four at a time; their results in order. */
async function fewAtATime<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < jobs.length; i += 4) results.push(...(await Promise.all(jobs.slice(i, i + 4).map((start) => start()))));
  return results;
}

const show = (r: Run): string => `\n  exit ${r.code}\n  --- stdout ---\n${r.stdout.slice(-2500)}\n  --- stderr ---\n${r.stderr.slice(-2500)}`;
const last = (r: Run): string => r.lines[r.lines.length - 1];

function assertSucceeded(r: Run): void {
  assert.is(r.code, 0, `exit code${show(r)}`);
  assert.equal(r.leftovers, [], `processes left running${show(r)}`);
}

/** A restart that must be refused: exit 1, `message` on stderr, and nothing rebuilt anywhere (no member unpacked, no callback). */
function assertRefused(r: Run, message: RegExp): void {
  assert.is(r.code, 1, `exit code${show(r)}`);
  assert.match(r.stderr, /charmts: cannot restart from \S+:/, show(r));
  assert.match(r.stderr, message, show(r));
  assert.match(r.stderr, 'Nothing was restored.', show(r));
  assert.not.match(r.stdout, /unpacked|restarted/, `something was restored${show(r)}`);
  assert.equal(r.leftovers, [], `processes left running${show(r)}`);
}

const dirFor = (name: string): string => path.join(scratch, name);

/** An output watcher for `run` that kills rank `rank` with SIGKILL once the job's stdout includes `marker`; `killed()` gives its pid. */
function killRankOn(marker: string, rank: string): { watch: (all: string, tag: string) => void; killed: () => number | undefined } {
  let killed: number | undefined;
  const watch = (all: string, tag: string): void => {
    if (killed !== undefined || !all.includes(marker)) return;
    const found = tagged(tag).find(([, r]) => r === rank);
    if (!found) return;
    killed = found[0];
    process.kill(killed, 'SIGKILL');
  };
  return { watch, killed: () => killed };
}


for (const [name, size, unit, options] of [
  // jacobi2d balances its load too: the restarted arrays keep their balancer.
  ['jacobi2d', ['64', '4'], 'iteration', ['+balancer', 'GreedyLB']],
  ['leanmd', ['2'], 'step', []],
] as const) {
  test(`${name} checkpointed at ${unit} 100 of 200 at np 4 ${options.join(' ')}, restarted at np 2 and at np 4: the last line is the uninterrupted run's, byte for byte`, async () => {
    const whole = await run(mpirun(4, example(name), ...size, '200'));
    assertSucceeded(whole);
    assert.match(last(whole), new RegExp(`^${name}: 200 (iterations|steps), `), show(whole));
    const dir = dirFor(name);
    const checkpointed = await run(mpirun(4, example(name), ...size, '200', '100', ...options, '+checkpoint-dir', dir));
    assertSucceeded(checkpointed);
    assert.ok(checkpointed.lines.includes(`${name}: checkpoint 1 at ${unit} 100 in ${dir}`), show(checkpointed));
    assert.is(last(checkpointed), last(whole), 'the run that checkpointed goes on unchanged');
    assert.equal(fs.readdirSync(dir).sort(), ['manifest.json', 'pe-00000.g000001.ckpt', 'pe-00001.g000001.ckpt', 'pe-00002.g000001.ckpt', 'pe-00003.g000001.ckpt']);
    assert.match(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'), `"balancer": "${options[1] ?? ''}"`);
    for (const np of [2, 4]) {
      const restarted = await run(mpirun(np, example(name), '+restart', dir));
      assertSucceeded(restarted);
      assert.ok(restarted.lines.includes(`${name}: restarted at ${unit} 100 on ${np} PEs (checkpointed on 4) from ${dir}`), show(restarted));
      assert.not.ok(restarted.lines.some((l) => / grid, | cells on /.test(l)), `main ran again${show(restarted)}`);
      assert.is(last(restarted), last(whole), `restarted at np ${np}${show(restarted)}`);
    }
  });
}

test('a rank killed with SIGKILL after the first checkpoint, under charmrun +restarts 1 (the program\'s words after --): restarted from the newest checkpoint, the right result, exit 0, the live view\'s URL kept', async () => {
  const reference = '64 4 200'.split(' ');
  const whole = await run(mpirun(2, example('jacobi2d'), ...reference));
  assertSucceeded(whole);
  const dir = dirFor('killed');
  const kill = killRankOn('jacobi2d: checkpoint 1 at iteration 20', '1');
  // The program's words after --: charmrun's +checkpoint-dir and +restart DIR must still reach the PEs, before the --.
  const r = await run(charmrun(2, example('jacobi2d'), '+checkpoint-dir', dir, '+restarts', '1', '+liveview', '0', '--', ...reference, '20'), kill.watch);
  assert.ok(kill.killed() !== undefined, `no rank was killed${show(r)}`);
  assertSucceeded(r);
  assert.match(r.stderr, /charmrun: a rank died \(mpirun exit code 137: signal 9\); restart 1 of 1, from checkpoint (\d+) in \S+ \(written \S+ by 2 PEs, \d+ bytes\)/, show(r));
  const from = /restart 1 of 1, from checkpoint (\d+)/.exec(r.stderr)![1];
  assert.ok(r.lines.some((l) => new RegExp(`^jacobi2d: restarted at iteration ${Number(from) * 20} on 2 PEs`).test(l)), `restarted from checkpoint ${from}${show(r)}`);
  assert.is(last(r), last(whole), show(r));
  // Both runs served the live view with the token charmrun drew: a page reloaded after the restart goes on (each run drew its own).
  const tokens = [...r.stdout.matchAll(/charmts: live view at http:\/\/\S+\?token=(\S+)/g)].map((m) => m[1]);
  assert.is(tokens.length, 2, show(r));
  assert.is(tokens[0], tokens[1], show(r));
});

test('main driving the iterations (Charm4py\'s style) with an entry method as callback: refused when taken under charmrun +restarts, as a future callback is at the call; restarted by hand, the job says main is not resumed, and the idle hint names the restart', async () => {
  const program = path.join(__dirname, 'programs', 'mainLoop.js');
  const refused = await run(charmrun(2, program, '+checkpoint-dir', dirFor('mainLoop-restarts'), '+restarts', '1'));
  assert.is(refused.code, 1, show(refused)); // before: taken; a rank dying later restarted a job that waited for ever
  assert.match(refused.stdout, "a future as callback: charm.startCheckpoint(" + dirFor('mainLoop-restarts') + "): this job runs under charmrun +restarts 1, which restarts it from its newest checkpoint when a rank dies, and one whose callback is a future cannot be restarted", show(refused));
  assert.match(refused.stderr, /fatal error on PE 0 checkpointing to \S+:\nError: main is still running \(awaiting\) on PE 0: this job runs under charmrun \+restarts 1/, show(refused));
  assert.not.ok(fs.existsSync(path.join(dirFor('mainLoop-restarts'), 'manifest.json')), `a checkpoint was written${show(refused)}`);
  const dir = dirFor('mainLoop');
  const taken = await run(mpirun(2, program, '+checkpoint-dir', dir));
  assertSucceeded(taken);
  assert.match(taken.stdout, /a future as callback: accepted, generation 1\n[\s\S]*checkpointed: restarted false\n[\s\S]*final 46/, show(taken));
  assert.ok(fs.existsSync(path.join(dir, 'manifest.json')), `no checkpoint${show(taken)}`);
  const restarted = await run(['env', 'CHARMTS_IDLE_HINT=1', 'CHARMTS_IDLE_ABORT=3', ...mpirun(2, program, '+restart', dir)]);
  assert.is(restarted.code, 1, show(restarted));
  assert.match(restarted.stdout, 'checkpointed: restarted true', show(restarted));
  assert.match(restarted.stderr, `charmts: restarted from ${dir}, a checkpoint taken while main was still running: a restart does not run main again or resume it, only the checkpoint's callback (Driver[0].checkpointed)`, show(restarted));
  // Before: no hint in a restarted job, and the abort said "main is still waiting".
  assert.match(restarted.stderr, 'charmts: the job restarted from a checkpoint and has been idle for 1 s: a restart runs the checkpoint\'s callback, not main', show(restarted));
  assert.match(restarted.stderr, /fatal error on PE 0 \(the job is idle\):\nthe job restarted from a checkpoint and has been idle for 3 s/, show(restarted));
  assert.not.match(restarted.stderr, 'main is still waiting', show(restarted));
});

test('a rank killed after the program called charm.exit(), under charmrun +restarts 2: not run again (its results would be written twice), exit code mpirun\'s', async () => {
  const kill = killRankOn('exiting', '1');
  const r = await run(charmrun(2, path.join(__dirname, 'programs', 'exitThenDie.js'), '+checkpoint-dir', dirFor('exitThenDie'), '+restarts', '2'), kill.watch);
  assert.ok(kill.killed() !== undefined, `no rank was killed${show(r)}`);
  assert.is(r.code, 137, show(r));
  assert.match(r.stderr, 'charmrun: a rank died (mpirun exit code 137) after the program called charm.exit(0): not restarted, which would redo its work since the last checkpoint', show(r));
  assert.is(r.lines.filter((l) => l === 'results written').length, 1, show(r));
  assert.not.ok(fs.existsSync(path.join(dirFor('exitThenDie'), '.charmts-exiting')), 'the mark was left behind');
  assert.equal(r.leftovers, [], `processes left running${show(r)}`);
});

test('every kind of state comes back on 4, 2 and 5 PEs, from a checkpoint asked for while messages were in flight: readonly, groups (PE 0\'s state, or the restoreMember hook), chares moved off missing PEs, dense and keyed arrays, deleted elements, reduction, reply, census and section numbers, a channel\'s values, calls waiting on when conditions; replies, reductions and insertions go on; an array deleted before the checkpoint keeps its id to itself', async () => {
  const dir = dirFor('state');
  const saved = await run(mpirun(4, PROGRAM, 'save', dir));
  assertSucceeded(saved);
  assert.match(saved.stdout, /^written: generation 1, 4 PEs, \d+ bytes$/m, show(saved));
  const expected = (np: number): Record<string, string> => ({
    restarted: `generation 1, 4 PEs then, ${np} now`,
    'checkpoint dir': 'the one restarted from', // +restart alone: later checkpoints go where the job came from
    readonly: `{"label":"set by the first run","n":42} on ${np} PEs`,
    plain: JSON.stringify(np === 4 ? [1, 11, 21, 31] : new Array(np).fill(1)),
    tally: JSON.stringify(np === 4 ? [1, 2, 3, 4] : [10, ...new Array(np - 1).fill(0)]),
    'tally total': '10',
    far: `on PE ${3 % np}`,
    hops: '1000',
    'grid sum': '51',
    grid: '0 1 9 16 25',
    deleted: `Error on PE ${Math.floor((2 * np) / 6)} in Grid[2]: Grid[2] was deleted: the call to get was not delivered`,
    'section sum': '16',
    'grid replies': '0 1 9 16 25',
    channel: 'one two three',
    waited: 'Grid[3] [7], Far []',
    released: 'Far ["waited"]',
    'bag after': 'apple banana cherry date elder fig, 29 letters',
    'new group': JSON.stringify(Array.from({ length: np }, (_, pe) => pe * 10 + 1)),
    'gone id': 'not issued again',
    gone: 'Error on PE N in array (collection N)[N]: a call to an entry method of element [N], sent from PE N, was not delivered: the array (collection N) was deleted (ckDestroy() of the whole array)',
  });
  for (const np of [4, 2, 5]) {
    const r = await run(mpirun(np, PROGRAM, 'restart', '+restart', dir));
    assertSucceeded(r);
    const found: Record<string, string> = {};
    for (const line of r.lines) {
      const m = /^([a-z ]+): (.*)$/.exec(line);
      if (m) found[m[1]] = m[2];
    }
    const bag = found.bag;
    delete found.bag;
    assert.equal(found, expected(np), `np ${np}${show(r)}`);
    // Keyed elements go to their home under the new PE count, each unpacked there once.
    assert.match(bag, /^apple@\d banana@\d cherry@\d date@\d$/, show(r));
    const unpacked = r.lines.filter((l) => l.startsWith('unpacked')).sort();
    assert.equal(unpacked, bag.split(' ').map((b, i) => `unpacked Bag[${'abcd'[i]}] on PE ${b.split('@')[1]}`).sort(), show(r));
  }
});

test('restarts refused, naming the file and what is wrong, with nothing restored: missing, partial, truncated, corrupted, another format version, a class renamed, a future as callback', async () => {
  const good = dirFor('state');
  const copy = (name: string, change: (dir: string) => void): string => {
    const dir = dirFor(name);
    fs.cpSync(good, dir, { recursive: true });
    change(dir);
    return dir;
  };
  const manifest = (dir: string): string => path.join(dir, 'manifest.json');
  const cases: [string, string, RegExp, string[]][] = [
    ['missing', dirFor('nothing-here'), /nothing-here does not exist/, []],
    ['no manifest', copy('no-manifest', (d) => fs.rmSync(manifest(d))), /no-manifest\/manifest\.json is missing: \S+ holds no complete checkpoint/, []],
    ['partial', copy('partial', (d) => fs.rmSync(path.join(d, 'pe-00002.g000001.ckpt'))), /partial\/pe-00002\.g000001\.ckpt is missing \(a partial checkpoint: the manifest lists 4 PE files\)/, []],
    ['truncated', copy('truncated', (d) => fs.truncateSync(path.join(d, 'pe-00001.g000001.ckpt'), 100)), /truncated\/pe-00001\.g000001\.ckpt has 100 bytes where the manifest says \d+: a partial checkpoint/, []],
    [
      'corrupted',
      copy('corrupted', (d) => {
        const file = path.join(d, 'pe-00003.g000001.ckpt');
        const bytes = fs.readFileSync(file);
        bytes[bytes.length - 9] ^= 0x40;
        fs.writeFileSync(file, bytes);
      }),
      /corrupted\/pe-00003\.g000001\.ckpt is corrupted: its checksum is sha256 [0-9a-f]{16}\.\.\., the manifest says [0-9a-f]{16}\.\.\./,
      [],
    ],
    ['format version', copy('version', (d) => fs.writeFileSync(manifest(d), fs.readFileSync(manifest(d), 'utf8').replace('"version": 3', '"version": 4'))), /version\/manifest\.json has format version 4; this charmts reads version 3/, []],
    ['edited manifest', copy('edited', (d) => fs.writeFileSync(manifest(d), fs.readFileSync(manifest(d), 'utf8').replace('"members": 5', '"members": 6'))), /edited\/manifest\.json is corrupted: its checksum does not match its contents/, []],
    ['class renamed', good, /state\/manifest\.json: chare class "Grid" \(array \d+\) is not registered in this program \(renamed or removed since the checkpoint\?\)/, ['--renamed']],
  ];
  // The jobs are independent (each is tagged, each has its directory): a few at a time.
  const future = dirFor('future');
  const samePes = dirFor('same-pes');
  const [refusals, [withFuture, samePesWritten]] = await Promise.all([
    fewAtATime(cases.map(([, dir, , extra]) => () => run(mpirun(2, PROGRAM, 'restart', '+restart', dir, ...extra)))),
    // Checkpoints for the two refusals below.
    Promise.all([run(mpirun(2, PROGRAM, 'future', future)), run(mpirun(4, PROGRAM, 'samePes', samePes))]),
  ]);
  cases.forEach(([what, , message], k) => {
    const r = refusals[k];
    assertRefused(r, message);
    if (what === 'partial' || what === 'corrupted') assert.not.match(r.stderr, /pe-0000[01]/, `only the bad file is named${show(r)}`);
  });
  assertSucceeded(withFuture);
  assert.ok(withFuture.lines.includes('written with a future: generation 1, restarted false'), show(withFuture));
  // A group member's waiting call is its own, and a group on some PEs lives there: the checkpoint restarts on as many PEs only.
  assertSucceeded(samePesWritten);
  const [fromFuture, other, same] = await Promise.all([
    run(mpirun(2, PROGRAM, 'restart', '+restart', future)),
    run(mpirun(2, PROGRAM, 'restart', '+restart', samePes)),
    run(mpirun(4, PROGRAM, 'restart', '+restart', samePes)),
  ]);
  assertRefused(fromFuture, /future\/manifest\.json: this checkpoint's callback is a future of PE 0: a future belongs to code that was running when the checkpoint was taken/);
  assertRefused(other, /same-pes\/manifest\.json: group Plain \(\d+\) can only be restarted on 4 PEs, as checkpointed, not 2: Plain\[1\] has calls waiting on a when condition or channel ends, which belong to that member alone/);
  assert.match(other.stderr, /same-pes\/manifest\.json: group Plain \(\d+\) has members on PEs 1, 3 only \(onPEs\): it can only be restarted on 4 PEs, as checkpointed, not 2/, show(other));
  assertSucceeded(same);
  assert.ok(same.lines.includes('restarted: generation 1, 4 PEs then, 4 now'), show(same));
  assert.ok(same.lines.includes('few: [11,31], 42'), `the group on PEs 1 and 3 is back there, and reduces${show(same)}`);
});

test('checkpoints that cannot be taken fail, naming the PE and file or the chare, and leave the previous checkpoint whole (and no directory of their own)', async () => {
  const dir = dirFor('blocked');
  fs.cpSync(dirFor('state'), dir, { recursive: true });
  // PE 1's next file cannot be created: a directory stands where it goes.
  fs.mkdirSync(path.join(dir, 'pe-00001.g000002.ckpt.tmp'));
  const blocked = await run(mpirun(4, PROGRAM, 'future', dir));
  assertSucceeded(blocked);
  assert.match(blocked.stdout, /checkpoint failed: .*the checkpoint to \S+blocked failed \(the previous one there, if any, is intact\):\n {2}PE 1: cannot write \S+\/blocked\/pe-00001\.g000002\.ckpt: EISDIR/, show(blocked));
  assert.not.match(blocked.stdout, /PE [023]: cannot write/, show(blocked));
  const restarted = await run(mpirun(2, PROGRAM, 'restart', '+restart', dir));
  assertSucceeded(restarted);
  assert.ok(restarted.lines.includes('restarted: generation 1, 4 PEs then, 2 now'), `the previous checkpoint is whole${show(restarted)}`);
  for (const [mode, message] of [
    ['suspended', /checkpoint failed: .*\n {2}Grid\[1\] on PE 0 has 1 async entry method\(s\) suspended \(awaiting\): a checkpoint cannot save a suspended method/],
    ['futureInState', /checkpoint failed: .*\n {2}Grid\[3\]\.kept is a future: a future cannot be saved, since nobody waits on it after a restart; use a callback \(charm\.callback\) instead/],
    ['awaitedWaiting', /checkpoint failed: .*\n {2}Grid\[4\]'s call to guarded waiting on its when condition on PE \d has a caller awaiting its result \(a future\), which a checkpoint cannot save/],
    ['settingUp', /checkpoint failed: .*\n {2}SettingUp\[0\] on PE 2 has its async set-up \(onCreated\) suspended: a checkpoint cannot save a suspended method/],
  ] as const) {
    const r = await run(mpirun(4, PROGRAM, mode, dirFor(mode)));
    assertSucceeded(r);
    assert.match(r.stdout, message, show(r));
    assert.not.ok(fs.existsSync(dirFor(mode)), `no checkpoint was written, and the directory made for it is removed${show(r)}`);
  }
});

test.after(() => fs.rmSync(scratch, { recursive: true, force: true }));

test.run();
