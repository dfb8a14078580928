// Several hosts for real: two network namespaces joined by a veth pair,
// each with its own hostname, ranks placed on both by a hostfile, talking
// over TCP (recipe: ../shared/notes/multihost-netns.md). The array,
// reduction and load-balancing test programs must pass there, and
// numHosts/myHost must report the layout. Needs root and iproute2; where
// namespaces cannot be created every test is skipped with the reason.
// Also: a charmts job opens no listening socket of its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { assertEndedCleanly, runJob, show } from './helpers/jobs';

const HOSTS = ['cmtsA', 'cmtsB'];
const ADDRESSES = ['10.231.0.1', '10.231.0.2'];
const AGENT = path.resolve(__dirname, '..', '..', 'test', 'hosts', 'agent.sh');
const HOSTFILE = path.join(fs.mkdtempSync('/tmp/charmts-hosts-'), 'hostfile');

function sh(...args: string[]): void {
  execFileSync(args[0], args.slice(1), { stdio: 'pipe' });
}

function teardown(): void {
  for (const host of HOSTS) spawnSync('ip', ['netns', 'del', host], { stdio: 'ignore' });
  try {
    const lines = fs.readFileSync('/etc/hosts', 'utf8').split('\n');
    fs.writeFileSync('/etc/hosts', lines.filter((l) => !HOSTS.some((h) => l.endsWith(` ${h}`))).join('\n'));
  } catch {
    /* nothing to undo */
  }
}

/** Creates the namespaces; returns why it cannot, or undefined. */
function setup(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (ip) is not installed';
  if (spawnSync('unshare', ['--version']).status !== 0) return 'unshare is not installed';
  teardown();
  try {
    for (const host of HOSTS) sh('ip', 'netns', 'add', host);
    sh('ip', 'link', 'add', 'cmtsvA', 'type', 'veth', 'peer', 'name', 'cmtsvB');
    ['cmtsvA', 'cmtsvB'].forEach((dev, i) => {
      sh('ip', 'link', 'set', dev, 'netns', HOSTS[i]);
      sh('ip', '-n', HOSTS[i], 'addr', 'add', `${ADDRESSES[i]}/24`, 'dev', dev);
      sh('ip', '-n', HOSTS[i], 'link', 'set', 'lo', 'up');
      sh('ip', '-n', HOSTS[i], 'link', 'set', dev, 'up');
    });
  } catch (error) {
    teardown();
    return `network namespaces cannot be created here (${String((error as Error).message).split('\n')[0]})`;
  }
  fs.appendFileSync('/etc/hosts', HOSTS.map((h, i) => `${ADDRESSES[i]} ${h}`).join('\n') + '\n');
  fs.writeFileSync(HOSTFILE, HOSTS.map((h) => `${h} slots=2`).join('\n') + '\n');
  return undefined;
}

/** Runs `node script` on 4 ranks, 2 per "host", from inside the first host. */
function acrossHosts(script: string): { code: number | null; stdout: string; stderr: string } {
  const mpirun = [
    'OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 NODE_DISABLE_COLORS=1 mpirun',
    `--hostfile ${HOSTFILE} --mca plm_rsh_agent ${AGENT}`,
    '--mca btl self,tcp --mca oob_tcp_if_include 10.231.0.0/24 --mca btl_tcp_if_include 10.231.0.0/24',
    '--mca btl_tcp_port_min_v4 20000 --mca mpi_yield_when_idle 1 -x NODE_DISABLE_COLORS',
    `-np 4 ${process.execPath} ${script}`,
  ].join(' ');
  const result = spawnSync('ip', ['netns', 'exec', HOSTS[0], 'unshare', '--uts', 'bash', '-c', `hostname ${HOSTS[0]}; ${mpirun}`], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const skipReason = setup();
process.on('exit', teardown);
const hostTest = skipReason ? test.skip : test;
if (skipReason) console.log(`SKIPPED multihost: ${skipReason}`);

hostTest('numHosts and myHost report 2 hosts with 2 PEs each', () => {
  const r = acrossHosts(path.join(__dirname, 'programs', 'hostLayout.js'));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'layout numHosts=2 hosts=0,0,1,1 counts=2,2,2,2');
});

for (const program of ['arrays', 'reducers', 'balancing']) {
  hostTest(`the ${program} tests pass with ranks on two hosts over TCP`, () => {
    const r = acrossHosts(path.join(__dirname, `${program}.mpi.test.js`));
    const total = Number(/Total:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
    const passed = Number(/Passed:\s+(\d+)/.exec(r.stdout)?.[1] ?? -1);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(total > 0 && passed === total, `${passed} of ${total} passed\n${r.stdout}`);
  });
}

test('a charmts job opens no listening socket of its own (np 2, shared memory: MPI itself listens on none)', async () => {
  let listening: string[] | undefined;
  const r = await runJob({
    program: 'waitForever.js',
    np: 2,
    mpirunOptions: ['--mca', 'btl', 'self,vader'],
    timeoutMs: 30_000,
    onStdout: (all, child) => {
      if (listening || !all.includes('ready')) return;
      const pids = [...all.matchAll(/pid pe=\d+ (\d+)/g)].map((m) => Number(m[1]));
      listening = pids.flatMap((pid) => listeningSockets(pid).map((s) => `PE pid ${pid}: ${s}`));
      child.kill('SIGTERM');
    },
  });
  assertEndedCleanly(r);
  assert.ok(listening, `the job never became ready${show(r)}`);
  assert.equal(listening, []);
});

/** TCP/TCP6/Unix sockets in LISTEN state held by process `pid`. */
function listeningSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodes.add(m[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  const found: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) found.push(`${table} ${f[1]}`);
    }
  }
  return found;
}

test.run();
