/**
 * The test's "hosts": network namespaces on this machine, joined by a
 * bridge, each with an address, an /etc/hosts entry and (through agent.sh)
 * a hostname of its own. Recipe: shared/notes/multihost-netns.md.
 *
 * Names carry the creating process id (`charmts-<pid>-h<i>`) so that two
 * test runs at once do not meet, and so that what a killed run left behind
 * (namespaces, /etc/hosts lines, processes) is recognised and removed by the
 * next run: a SIGKILL, e.g. from the harness timeout, leaves no chance to
 * clean up.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The subnet of every test network; it exists only inside the test's namespaces. */
export const SUBNET = '10.232.0.0/24';
const ADDRESS_PREFIX = '10.232.0.';
const HOSTS_FILE = '/etc/hosts';
const NAME = /^charmts-(\d+)-h\d+$/;

/** One "host": a network namespace of the same name. */
export interface TestHost {
  name: string;
  address: string;
  /** MPI ranks the hostfile gives it. */
  slots: number;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr;
  return String(stderr || (error as Error).message).trim().split('\n')[0];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Process ids of every process whose network namespace is `name`. */
function pidsIn(name: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).map(Number) : [];
}

function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
}

/** Deletes the namespaces and /etc/hosts lines whose name passes `owned`, killing what runs in them first. */
function remove(owned: (name: string) => boolean): void {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const name of listed.split('\n').map((line) => line.split(' ')[0])) {
    if (!NAME.test(name) || !owned(name)) continue;
    killPids(pidsIn(name));
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  }
  let lines: string[];
  try {
    lines = fs.readFileSync(HOSTS_FILE, 'utf8').split('\n');
  } catch {
    return;
  }
  const kept = lines.filter((line) => {
    const name = line.trim().split(/\s+/)[1] ?? '';
    return !(NAME.test(name) && owned(name));
  });
  // Written in place, not renamed over: /etc/hosts may be a bind mount.
  if (kept.length !== lines.length) fs.writeFileSync(HOSTS_FILE, kept.join('\n'));
}

/** Why namespaces cannot be made here, or undefined if they can be tried. */
function missingPrerequisite(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (creating network namespaces needs root)';
  if (spawnSync('ip', ['-V']).error) return 'iproute2 is not installed (no `ip` command; `make deps` installs it)';
  if (spawnSync('unshare', ['--version']).error) return 'util-linux `unshare` is not installed';
  return undefined;
}

/** A set of test hosts; `destroy()` (idempotent) removes everything it made. */
export class TestNetwork {
  /** The hostfile listing every host with its slots, for mpirun --hostfile. */
  readonly hostfile: string;

  private constructor(readonly hosts: readonly TestHost[]) {
    this.hostfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-multihost-')), 'hostfile');
    fs.writeFileSync(this.hostfile, hosts.map((h) => `${h.name} slots=${h.slots}`).join('\n') + '\n');
  }

  /**
   * Creates one host per entry of `slots` (host 0 holds the bridge), after
   * removing what earlier runs that no longer exist left behind. Returns
   * why it cannot when this machine does not allow namespaces; throws if
   * they can be made but the network then fails.
   */
  static create(slots: readonly number[]): TestNetwork | string {
    const missing = missingPrerequisite();
    if (missing) return missing;
    remove((name) => !alive(Number(NAME.exec(name)![1])));
    const hosts = slots.map((n, i) => ({ name: `charmts-${process.pid}-h${i}`, address: `${ADDRESS_PREFIX}${i + 1}`, slots: n }));
    const network = new TestNetwork(hosts);
    try {
      ip('netns', 'add', hosts[0].name);
    } catch (error) {
      network.destroy();
      return `network namespaces cannot be created here (${firstLine(error)})`;
    }
    // Past this point namespaces work here: a failure is a fault, not a reason to skip.
    try {
      network.connect();
    } catch (error) {
      network.destroy();
      throw new Error(`setting up the test network failed: ${firstLine(error)}`);
    }
    return network;
  }

  /** Host 0 gets bridge br0 with its address; every other host a veth pair into that bridge. */
  private connect(): void {
    const [hub, ...others] = this.hosts;
    ip('-n', hub.name, 'link', 'set', 'lo', 'up');
    ip('-n', hub.name, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', hub.name, 'addr', 'add', `${hub.address}/24`, 'dev', 'br0');
    ip('-n', hub.name, 'link', 'set', 'br0', 'up');
    others.forEach((host, i) => {
      const port = `port${i + 1}`;
      ip('netns', 'add', host.name);
      ip('-n', hub.name, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.name);
      ip('-n', hub.name, 'link', 'set', port, 'master', 'br0');
      ip('-n', hub.name, 'link', 'set', port, 'up');
      ip('-n', host.name, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
      ip('-n', host.name, 'link', 'set', 'lo', 'up');
      ip('-n', host.name, 'link', 'set', 'eth0', 'up');
    });
    const before = fs.readFileSync(HOSTS_FILE, 'utf8');
    const entries = this.hosts.map((h) => `${h.address} ${h.name}\n`).join('');
    fs.appendFileSync(HOSTS_FILE, before === '' || before.endsWith('\n') ? entries : `\n${entries}`);
  }

  /** Process ids of everything running on any of the hosts. */
  processes(): number[] {
    return this.hosts.flatMap((h) => pidsIn(h.name));
  }

  /** Kills everything running on the hosts, by process id. */
  killAll(): void {
    killPids(this.processes());
  }

  /** Kills what runs on the hosts, deletes the namespaces, the /etc/hosts lines and the hostfile. */
  destroy(): void {
    const mine = new Set(this.hosts.map((h) => h.name));
    remove((name) => mine.has(name));
    fs.rmSync(path.dirname(this.hostfile), { recursive: true, force: true });
  }
}
