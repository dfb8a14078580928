/**
 * Running test programs (test/programs/*.ts) as real mpirun jobs: exit
 * code, output, and the processes a job leaves behind.
 */
import * as assert from 'uvu/assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const PROGRAMS = path.join(__dirname, '..', 'programs');
const MPIRUN = ['mpirun', '--oversubscribe', '--bind-to', 'none'];

/** A job that should fail fast must end within this many ms. */
export const FAIL_FAST_MS = 10_000;

export interface JobOptions {
  /** File name in dist/test/programs, e.g. 'exitCode.js'. */
  program: string;
  args?: string[];
  /** Extra mpirun options (before -np). */
  mpirunOptions?: string[];
  /** Number of MPI ranks; 0 runs the program with plain node, no mpirun. */
  np: number;
  timeoutMs: number;
  /** Environment changes for the job (a variable set to undefined is removed). */
  env?: NodeJS.ProcessEnv;
  /** Called with each stdout chunk (and all stdout so far), e.g. to feed stdin. */
  onStdout?: (all: string, child: ChildProcessWithoutNullStreams) => void;
}

export interface JobResult {
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

export function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  if (process.getuid?.() === 0) {
    e.OMPI_ALLOW_RUN_AS_ROOT = '1';
    e.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1';
  }
  return e;
}

/** Live processes whose command line contains `tag`: [pid, command line]. */
export function processesWith(tag: string): Array<[number, string]> {
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

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function killGroup(pid: number, signal: NodeJS.Signals): void {
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
/** A job started with its output captured: `onStdout` sees each chunk (and all stdout so far). */
export function startCapturing(
  command: string[],
  environment: NodeJS.ProcessEnv,
  onStdout?: (all: string, child: ChildProcessWithoutNullStreams) => void,
): { child: ChildProcessWithoutNullStreams; output: () => { stdout: string; stderr: string }; closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(command[0], command.slice(1), { env: environment, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {}); // the job may be gone before we write
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    onStdout?.(stdout, child);
  });
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => ({ stdout, stderr }), closed };
}

export async function runJob(options: JobOptions): Promise<JobResult> {
  const script = path.join(PROGRAMS, options.program);
  assert.ok(fs.existsSync(script), `${script} is missing: build first`);
  const tag = `--charmts-process-test=${process.pid}.${++jobCounter}`;
  const nodeCommand = [process.execPath, script, ...(options.args ?? []), tag];
  const command = options.np > 0 ? [...MPIRUN, ...(options.mpirunOptions ?? []), '-np', String(options.np), ...nodeCommand] : nodeCommand;
  const started = Date.now();
  const job = startCapturing(command, { ...env(), ...options.env }, options.onStdout);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(job.child.pid!, 'SIGTERM');
    setTimeout(() => {
      killGroup(job.child.pid!, 'SIGKILL');
      for (const [pid] of processesWith(tag)) killGroup(pid, 'SIGKILL');
    }, 2000).unref();
  }, options.timeoutMs);
  const { code, signal } = await job.closed;
  const { stdout, stderr } = job.output();
  const child = job.child;
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

export function show(r: JobResult): string {
  const cut = (s: string): string => (s.length > 3000 ? `${s.slice(0, 1500)}\n...\n${s.slice(-1500)}` : s);
  return `\n  exit code ${r.code}, signal ${r.signal}, ${r.elapsedMs} ms${r.timedOut ? ' (TIMED OUT)' : ''}\n  --- stdout ---\n${cut(r.stdout)}\n  --- stderr ---\n${cut(r.stderr)}\n  --- leftovers ---\n${r.leftovers.join('\n')}`;
}

/** Checks common to every job: it ended by itself and left nothing running. */
export function assertEndedCleanly(r: JobResult): void {
  assert.not.ok(r.timedOut, `the job did not end by itself and was killed${show(r)}`);
  assert.equal(r.leftovers, [], `processes of the job still running after it ended${show(r)}`);
}

/** stdout lines; a trailing '\r' (pty line discipline) is not part of a line. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
