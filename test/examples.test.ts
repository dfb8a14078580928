// The examples as users run them: real mpirun jobs, output checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as fs from 'fs';
import * as os from 'os';

const root = path.resolve(__dirname, '..', '..');

function mpirun(np: number, script: string, args: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  if (process.getuid?.() === 0) {
    env.OMPI_ALLOW_RUN_AS_ROOT = '1';
    env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1';
  }
  const result = spawnSync('mpirun', ['--oversubscribe', '--bind-to', 'none', '-np', String(np), 'node', path.join(root, 'dist', 'examples', script), ...args], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const lastLine = (text: string): string => text.trim().split('\n').slice(-1)[0];

test('hello: every PE says hello', () => {
  const { code, stdout } = mpirun(2, 'hello/hello.js');
  assert.is(code, 0);
  const lines = stdout.trim().split('\n').sort();
  assert.equal(lines, ['Hello from PE 0', 'Hello from PE 1']);
});

test('jacobi2d: the last line at np 4, with and without load balancing, equals the single-PE run', () => {
  const one = mpirun(1, 'jacobi2d/jacobi2d.js', ['128', '4', '60']);
  assert.is(one.code, 0, one.stderr);
  assert.match(lastLine(one.stdout), /^jacobi2d: 60 iterations, residual \d/);
  for (const args of [[], ['+balancer', 'GreedyLB'], ['+balancer', 'RotateLB']]) {
    const four = mpirun(4, 'jacobi2d/jacobi2d.js', ['128', '4', '60', ...args]);
    assert.is(four.code, 0, four.stderr);
    assert.is(lastLine(four.stdout), lastLine(one.stdout), `np 4 ${args.join(' ')}`);
  }
});

test('migration: the touring element gets every message and broadcast', () => {
  const { code, stdout, stderr } = mpirun(4, 'migration/migration.js', ['2']);
  assert.is(code, 0, stderr);
  assert.match(lastLine(stdout), /received (\d+) of \1 messages and (\d+) of \2 broadcasts/);
  assert.match(stdout, 'visited PEs 0 1 2 3 0 1 2 3 0');
});

test('leanmd: particles are conserved and the energy matches the single-PE run, with load balancing at np 4', () => {
  const one = mpirun(1, 'leanmd/leanmd.js', ['3', '20']);
  assert.is(one.code, 0, one.stderr);
  const four = mpirun(4, 'leanmd/leanmd.js', ['3', '20', '+balancer', 'GreedyLB']);
  assert.is(four.code, 0, four.stderr);
  const parse = (out: string): [number, number] => {
    const m = /leanmd: 20 steps, (\d+) particles, energy (\S+)/.exec(lastLine(out));
    assert.ok(m, `last line: ${lastLine(out)}`);
    return [Number(m![1]), Number(m![2])];
  };
  const [n1, e1] = parse(one.stdout);
  const [n4, e4] = parse(four.stdout);
  assert.is(n4, n1);
  assert.ok(Math.abs(e4 - e1) <= 1e-9 * Math.abs(e1), `energy ${e4} vs ${e1}`);
});

test('nqueens: nested pool tasks count the 8- and 9-queens solutions (np 1 and 4)', () => {
  for (const [np, n, want] of [[1, 8, 92], [4, 9, 352]]) {
    const r = mpirun(np, 'nqueens/nqueens.js', [String(n), '3']);
    assert.is(r.code, 0, r.stderr);
    assert.is(lastLine(r.stdout), `nqueens: n=${n}, ${want} solutions (correct)`);
  }
});

test('channels: a typed array goes around a ring of channels (np 4)', () => {
  const r = mpirun(4, 'channels/channels.js', ['20']);
  assert.is(r.code, 0, r.stderr);
  assert.is(lastLine(r.stdout), 'channels: every element is 120 (expected 120)');
});

test('jacobi2d +trace at np 2 writes a valid Chrome trace; +stats prints the per-PE table', () => {
  const file = path.join(os.tmpdir(), `charmts-trace-${process.pid}.json`);
  const { code, stdout, stderr } = mpirun(2, 'jacobi2d/jacobi2d.js', ['64', '4', '20', '+trace', file, '+stats']);
  assert.is(code, 0, stderr);
  assert.match(stdout, /entry method\s+PE\s+count/);
  assert.match(stdout, /Block\.halo\s+1\s+\d+/);
  const trace = JSON.parse(fs.readFileSync(file, 'utf8')) as { traceEvents: Array<Record<string, unknown>> };
  fs.unlinkSync(file);
  const events = trace.traceEvents;
  assert.ok(Array.isArray(events) && events.length > 100);
  for (const e of events) {
    assert.type(e.name, 'string');
    assert.ok(['X', 's', 'f', 'M'].includes(e.ph as string), `phase ${String(e.ph)}`);
    assert.ok(e.pid === 0 || e.pid === 1);
    assert.type(e.ts, 'number');
    if (e.ph === 'X') assert.ok(typeof e.dur === 'number' && e.dur > 0);
  }
  assert.equal(events.filter((e) => e.name === 'process_name').map((e) => (e.args as { name: string }).name).sort(), ['PE 0', 'PE 1']);
  const starts = new Set(events.filter((e) => e.ph === 's').map((e) => e.id));
  const finishes = events.filter((e) => e.ph === 'f');
  assert.ok(finishes.length > 0 && finishes.every((e) => starts.has(e.id)), 'every arrow ends where one started');
  for (const pe of [0, 1]) {
    const slices = events.filter((e) => e.ph === 'X' && e.pid === pe && e.cat === 'entry').sort((a, b) => (a.ts as number) - (b.ts as number));
    assert.ok(slices.some((e) => e.name === 'Block.halo'));
    const busy = slices.reduce((sum, e) => sum + (e.dur as number), 0);
    const span = (slices[slices.length - 1].ts as number) - (slices[0].ts as number);
    assert.ok(busy < span, `PE ${pe} shows gaps between entry methods`);
  }
});

test.run();
