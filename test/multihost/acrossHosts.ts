/**
 * Runs a charmts program as one MPI job with its ranks spread over the test
 * hosts (by the hostfile's slots), talking TCP over the test network.
 * mpirun itself runs on host 0; it starts an orted on every other host
 * through agent.sh, as it would through ssh.
 */
import type { ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { killGroup, sleep, startCapturing, type JobResult } from '../helpers/jobs';
import { SUBNET, type TestNetwork } from './network';

/** agent.sh is not compiled: it is used from the source tree. */
const AGENT = path.resolve(__dirname, '..', '..', '..', 'test', 'multihost', 'agent.sh');

/**
 * The ports Open MPI's TCP transport listens on in these jobs ([min, min +
 * range)). Its default start, 1024, cannot be bound on the test hosts;
 * fixing the ranges also tells its listeners apart from anything else.
 */
export const BTL_TCP_PORTS = { v4: { min: 20000, range: 1000 }, v6: { min: 21000, range: 1000 } } as const;

const MCA: Record<string, string | number> = {
  plm_rsh_agent: AGENT,
  btl: 'self,tcp',
  oob_tcp_if_include: SUBNET,
  btl_tcp_if_include: SUBNET,
  btl_tcp_port_min_v4: BTL_TCP_PORTS.v4.min,
  btl_tcp_port_range_v4: BTL_TCP_PORTS.v4.range,
  btl_tcp_port_min_v6: BTL_TCP_PORTS.v6.min,
  btl_tcp_port_range_v6: BTL_TCP_PORTS.v6.range,
  // Busy-polling ranks starve the extra daemons on a small machine: a
  // round trip took milliseconds instead of tens of microseconds.
  mpi_yield_when_idle: 1,
};

/** How to run one job across the hosts. */
export interface HostJobOptions {
  /** The compiled program, an absolute path. */
  script: string;
  /** Number of ranks: at most the hostfile's slots. */
  np: number;
  /** Past this the job is killed (every process on the hosts, by id). */
  timeoutMs: number;
  /** Called with each stdout chunk (and all stdout so far), e.g. to feed stdin. */
  onStdout?: (all: string, child: ChildProcessWithoutNullStreams) => void;
}

const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '(gone)';
  }
}

/** Runs the job; afterwards nothing runs on the hosts (what was left is reported in `leftovers`, then killed). */
export async function runAcrossHosts(network: TestNetwork, options: HostJobOptions): Promise<JobResult> {
  const mca = Object.entries(MCA).flatMap(([name, value]) => ['--mca', name, String(value)]);
  const mpirun = ['mpirun', '--hostfile', network.hostfile, '--bind-to', 'none', ...mca, '-x', 'NODE_DISABLE_COLORS', '-np', String(options.np)];
  const command = [...mpirun, process.execPath, options.script].map(quote).join(' ');
  const env = { ...process.env, NODE_DISABLE_COLORS: '1', OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  const started = Date.now();
  const job = startCapturing([AGENT, network.hosts[0].name, command], env, options.onStdout);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    network.killAll();
    killGroup(job.child.pid!, 'SIGKILL');
  }, options.timeoutMs);
  const { code, signal } = await job.closed;
  const { stdout, stderr } = job.output();
  clearTimeout(timer);
  const elapsedMs = Date.now() - started;
  // A moment for the daemons and ranks on the other hosts to end.
  let left = network.processes();
  for (let i = 0; i < 20 && left.length > 0; i++) {
    await sleep(100);
    left = network.processes();
  }
  const leftovers = left.map((pid) => `${pid}: ${commandLine(pid)}`);
  network.killAll();
  return { code, signal, stdout, stderr, elapsedMs, timedOut, leftovers };
}
