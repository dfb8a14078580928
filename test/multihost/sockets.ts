/**
 * The listening sockets a process holds, read from /proc (which shows each
 * process its own network namespace's tables, so this works for processes
 * on the test hosts too).
 */
import * as fs from 'fs';

/** One listening socket. */
export interface Listener {
  family: 'tcp' | 'tcp6' | 'unix';
  /** Hex address:port for TCP (as /proc shows it), the path (or '' if unnamed) for Unix. */
  local: string;
  /** The TCP port; undefined for Unix sockets. */
  port?: number;
}

/** Inode numbers of the sockets among `pid`'s open file descriptors. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  return inodes;
}

function tableRows(pid: number, table: string): string[][] {
  return fs
    .readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/));
}

/** Every TCP (v4, v6) and Unix socket in the listening state that process `pid` holds. */
export function listeningSockets(pid: number): Listener[] {
  const inodes = socketInodes(pid);
  const found: Listener[] = [];
  for (const family of ['tcp', 'tcp6'] as const) {
    // sl local_address rem_address st ... inode; st 0A is LISTEN.
    for (const f of tableRows(pid, family)) {
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) {
        found.push({ family, local: f[1], port: parseInt(f[1].split(':')[1], 16) });
      }
    }
  }
  // Num RefCount Protocol Flags Type St Inode [Path]; flag 00010000 is __SO_ACCEPTCON (listening).
  for (const f of tableRows(pid, 'unix')) {
    if (f.length > 6 && f[3] === '00010000' && inodes.has(f[6])) found.push({ family: 'unix', local: f[7] ?? '' });
  }
  return found;
}
