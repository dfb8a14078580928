/**
 * Finding PE 0's process from another PE of the same host, through /proc:
 * the ranks a launcher starts on a host are siblings (children of mpirun or
 * of its daemon), and PE 0 is the one whose environment says rank 0.
 */
import * as fs from 'fs';

/** Environment entries naming rank 0 (Open MPI, and PMI launchers such as MPICH's). */
const RANK_ZERO = ['OMPI_COMM_WORLD_RANK=0', 'PMI_RANK=0'];

function siblings(): string[] {
  const parent = process.ppid;
  try {
    return fs.readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/);
  } catch {
    // Kernels without /proc/PID/task/TID/children: every process whose parent is ours.
    return fs.readdirSync('/proc').filter((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    });
  }
}

/** The pid of PE 0 if it runs on this host as a sibling of this process, else undefined. */
export function findPe0Process(): number | undefined {
  for (const pid of siblings()) {
    if (!pid || Number(pid) === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (env.some((entry) => RANK_ZERO.includes(entry))) return Number(pid);
    } catch {
      /* gone, or not ours */
    }
  }
  return undefined;
}
