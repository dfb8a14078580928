/**
 * The test harness: runs the in-process unit tests (test/unit, one job,
 * no MPI), every test program as a real MPI job (np 1, 2, 4, or the counts
 * a `// np: ...` line near the top of the file gives,
 * oversubscribed) and the process-level tests, which start mpirun jobs of
 * their own, then prints `N passed, N failed` over every test of every job.
 * Lines a job prints starting with `[report] ` are shown even when it passes
 * (seeds, counts, measured figures). Files in test/charm4py/ (Charm4py's own
 * tests, ported) run the same way.
 *
 *   node dist/test/run.js [filter]
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** A job still running after this long is killed and counted as failed (CHARMTS_TEST_TIMEOUT seconds). */
const JOB_TIMEOUT_MS = Number(process.env.CHARMTS_TEST_TIMEOUT ?? 240) * 1000;
const dir = __dirname;
/** test/ in the source tree (this file runs from dist/test/). */
const sources = path.join(dir, '..', '..', 'test');
const filter = process.argv[2];

interface Job {
  name: string;
  command: string[];
}

const jobs: Job[] = [];
// The pure modules, in one plain node process (uvu's runner loads every file, then runs them).
if (!filter || 'unit'.includes(filter)) {
  const uvuCli = path.join(path.dirname(require.resolve('uvu')), '..', 'bin.js');
  jobs.push({ name: 'unit (in-process)', command: ['node', uvuCli, path.join(dir, 'unit'), '\\.unit\\.js$', '--no-color'] });
}
// test/ and test/charm4py/ (Charm4py's own tests, ported; see its README).
for (const sub of ['', 'charm4py']) {
  const at = path.join(dir, sub);
  if (!fs.existsSync(at)) continue;
  for (const file of fs.readdirSync(at).sort()) {
    const name = path.join(sub, file);
    if (filter && !name.includes(filter)) continue;
    const script = path.join(at, file);
    // A compiled test whose source is gone (renamed or deleted since the last build) is a stale output, not a test.
    if (file.endsWith('.test.js') && !fs.existsSync(path.join(sources, sub, file.replace(/\.js$/, '.ts')))) {
      console.log(`skipped ${name}: test/${path.join(sub, file.replace(/\.js$/, '.ts'))} no longer exists (a stale build output)`);
      continue;
    }
    if (file.endsWith('.mpi.test.js')) {
      for (const np of peCounts(script)) {
        jobs.push({ name: `${name} np=${np}`, command: ['mpirun', '--oversubscribe', '--bind-to', 'none', '-np', String(np), 'node', script] });
      }
    } else if (file.endsWith('.test.js')) {
      jobs.push({ name, command: ['node', script] });
    }
  }
}

/** PE counts of an MPI test: 1, 2 and 4, or those of a `// np: 1 2 3 4 5` line near its top (uneven trees). */
function peCounts(script: string): number[] {
  const head = fs.readFileSync(script, 'utf8').slice(0, 4096);
  const declared = /^\/\/ np: ([\d ]+)$/m.exec(head);
  return declared ? declared[1].trim().split(/ +/).map(Number) : [1, 2, 4];
}

function rootEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_DISABLE_COLORS: '1' };
  if (process.getuid?.() === 0) {
    env.OMPI_ALLOW_RUN_AS_ROOT = '1';
    env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1';
  }
  return env;
}

/** The job running now: its own process group, killed with the harness should the harness be interrupted. */
let running: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (running !== undefined) killGroup(running);
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function run(job: Job): Promise<{ output: string; code: number | null; timedOut: boolean }> {
  return new Promise((resolve) => {
    // detached: a process group of its own, so that a timeout (or an interrupted harness) kills mpirun and every rank.
    const child = spawn(job.command[0], job.command.slice(1), { env: rootEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child.pid;
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid!);
    }, JOB_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      running = undefined;
      resolve({ output, code, timedOut });
    });
  });
}

async function main(): Promise<void> {
  let passed = 0;
  let failed = 0;
  const started = Date.now();
  for (const job of jobs) {
    const t0 = Date.now();
    const { output, code, timedOut } = await run(job);
    const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? NaN);
    const ok = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? NaN);
    const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
    const skipNote = /SKIPPED [^\n]*/.exec(output)?.[0];
    let jobPassed = 0;
    let jobFailed = 0;
    if (skipped > 0 && skipNote) process.stdout.write(`        ${skipNote} (${skipped} test(s) not run, counted neither passed nor failed)\n`);
    if (Number.isNaN(total) || Number.isNaN(ok) || (total === 0 && skipped === 0)) {
      jobFailed = 1; // the job died before reporting, or ran nothing
    } else {
      jobPassed = ok;
      jobFailed = total - ok;
      if (code !== 0 && jobFailed === 0) jobFailed = 1; // it reported success but did not exit cleanly
    }
    const status = timedOut ? 'TIMEOUT' : jobFailed ? 'FAIL' : 'ok';
    process.stdout.write(`${status.padEnd(7)} ${job.name.padEnd(34)} ${jobPassed} passed, ${jobFailed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${code})\n`);
    if (jobFailed || timedOut) process.stdout.write(output.replace(/^/gm, '    | ') + '\n');
    else for (const line of output.match(/\[report\] .*$/gm) ?? []) process.stdout.write(`        ${line.slice(9)}\n`);
    passed += jobPassed;
    failed += jobFailed;
  }
  process.stdout.write(`\n${jobs.length} jobs in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed ? 1 : 0;
}

void main();
