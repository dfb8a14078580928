// Process-level behaviour: each test runs a small charmts program
// (test/programs/*.ts) as a real mpirun job and checks its exit code, its
// stdout and stderr, and that none of its processes outlive it.
//   node dist/test/process.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const PROGRAMS = path.join(__dirname, 'programs');
const MPIRUN = ['mpirun', '--oversubscribe', '--bind-to', 'none'];

/** A job that should fail fast must end within this many ms. */
const FAIL_FAST_MS = 10_000;

interface JobOptions {
  /** File name in dist/test/programs, e.g. 'exitCode.js'. */
  program: string;
  args?: string[];
  /** Number of MPI ranks; 0 runs the program with plain node, no mpirun. */
  np: number;
  timeoutMs: number;
  /** Called with each stdout chunk (and all stdout so far), e.g. to feed stdin. */
  onStdout?: (all: string, child: ChildProcessWithoutNullStreams) => void;
}

interface JobResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  timedOut: boolean;
  /** Command lines of processes of this job still alive shortly after it ended. */
  leftovers: string[];
}

let jobCounter = 0;

function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  if (process.getuid?.() === 0) {
    e.OMPI_ALLOW_RUN_AS_ROOT = '1';
    e.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1';
  }
  return e;
}

/** Live processes whose command line contains `tag`: [pid, command line]. */
function processesWith(tag: string): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (cmdline.includes(tag)) found.push([pid, cmdline.split('\0').join(' ').trim()]);
  }
  return found;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Runs one job. Every process of it carries a unique tag argument, so the
 * check for leftovers sees only this job's processes even if other runs of
 * the same program are going on. On timeout the job's process group gets
 * SIGTERM, then SIGKILL; leftovers are reported and then killed.
 */
async function runJob(options: JobOptions): Promise<JobResult> {
  const script = path.join(PROGRAMS, options.program);
  assert.ok(fs.existsSync(script), `${script} is missing: build first`);
  const tag = `--charmts-process-test=${process.pid}.${++jobCounter}`;
  const nodeCommand = [process.execPath, script, ...(options.args ?? []), tag];
  const command = options.np > 0 ? [...MPIRUN, '-np', String(options.np), ...nodeCommand] : nodeCommand;
  const started = Date.now();
  const child = spawn(command[0], command.slice(1), { env: env(), detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {}); // the job may be gone before we write
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    options.onStdout?.(stdout, child);
  });
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid!, 'SIGTERM');
    setTimeout(() => {
      killGroup(child.pid!, 'SIGKILL');
      for (const [pid] of processesWith(tag)) killGroup(pid, 'SIGKILL');
    }, 2000).unref();
  }, options.timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (c, s) => resolve({ code: c, signal: s }));
  });
  clearTimeout(timer);
  const elapsedMs = Date.now() - started;
  // A moment for the OS to reap the ranks, then nothing of the job may be left.
  let left = processesWith(tag);
  for (let i = 0; i < 10 && left.length > 0; i++) {
    await sleep(100);
    left = processesWith(tag);
  }
  for (const [pid] of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  killGroup(child.pid!, 'SIGKILL');
  return { code, signal, stdout, stderr, elapsedMs, timedOut, leftovers: left.map(([pid, cmd]) => `${pid}: ${cmd}`) };
}

function show(r: JobResult): string {
  const cut = (s: string): string => (s.length > 3000 ? `${s.slice(0, 1500)}\n...\n${s.slice(-1500)}` : s);
  return `\n  exit code ${r.code}, signal ${r.signal}, ${r.elapsedMs} ms${r.timedOut ? ' (TIMED OUT)' : ''}\n  --- stdout ---\n${cut(r.stdout)}\n  --- stderr ---\n${cut(r.stderr)}\n  --- leftovers ---\n${r.leftovers.join('\n')}`;
}

/** Checks common to every job: it ended by itself and left nothing running. */
function assertEndedCleanly(r: JobResult): void {
  assert.not.ok(r.timedOut, `the job did not end by itself and was killed${show(r)}`);
  assert.equal(r.leftovers, [], `processes of the job still running after it ended${show(r)}`);
}

/** stdout lines; a trailing '\r' (pty line discipline) is not part of a line. */
function linesOf(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

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
});

test('a .ret call never awaited whose method throws: unhandled rejection ends the job non-zero', async () => {
  const r = await runJob({ program: 'errors.js', args: ['ret'], np: 2, timeoutMs: 30_000 });
  assertEndedCleanly(r);
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit code${show(r)}`);
  assert.ok(r.elapsedMs < FAIL_FAST_MS, `ended in ${r.elapsedMs} ms${show(r)}`);
  assert.ok(r.stderr.includes('unawaited failure in failRet'), `the error message on stderr${show(r)}`);
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

// ---------------------------------------------------------------- use before start

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

test.run();
