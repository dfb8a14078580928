// The examples as users run them: real mpirun jobs, output checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

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

test.run();
