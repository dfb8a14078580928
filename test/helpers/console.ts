/**
 * Playing a session at the interactive console: `charmrun +pN ++interactive`
 * fed through stdin, one step at a time, each step's expected output
 * awaited before the next is typed.
 */
import { spawn } from 'child_process';
import * as path from 'path';

const CHARMRUN = path.join(__dirname, '..', '..', 'lib', 'launcher', 'charmrun.js');

/** What to type, and what must appear after it. */
export type Step = [input: string, expected: RegExp];

/**
 * Plays `steps` at a console of `np` PEs, then ends the session (Ctrl-D);
 * resolves with its exit code and stderr. A step whose output does not
 * come within 30 s throws, with what came instead.
 */
export async function playConsole(np: number, steps: readonly Step[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CHARMRUN, `+p${np}`, '++interactive'], { env: { ...process.env, NODE_DISABLE_COLORS: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const waitFor = async (pattern: RegExp, from: number, what: string): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (!pattern.test(out.slice(from))) {
      if (Date.now() > deadline) throw new Error(`step "${what}": never saw ${pattern}\n--- output since the step ---\n${out.slice(from)}\n--- stderr ---\n${err}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  try {
    await waitFor(/>>> /, 0, 'the prompt');
    for (const [input, expected] of steps) {
      const from = out.length;
      child.stdin.write(`${input}\n`);
      await waitFor(expected, from, input.split('\n')[0]);
      await waitFor(/>>> $/, from, `${input.split('\n')[0]} (the next prompt)`);
    }
  } finally {
    child.stdin.end();
  }
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stderr: err };
}
