#!/usr/bin/env node
/**
 * charmrun: launches a charmts program on N processes through mpirun, as
 * Charm++'s charmrun does.
 *
 *   charmrun +p4 app.js [args]            4 PEs
 *   charmrun +p2 ++interactive            an interactive console on PE 0
 *   charmrun +p8 --hostfile hosts app.js  options starting with - go to mpirun
 *
 * Arguments after the program (including +balancer, +stats, +trace) go to
 * the program. Plain `mpirun -np N node app.js` works without charmrun.
 *
 * Checkpoints (docs/checkpoint.md), anywhere on the line:
 *   +restart DIR          restart from the checkpoint in DIR
 *   +checkpoint-dir DIR   where the program checkpoints (charm.checkpointDir())
 *   +restarts K           rerun the job from the newest checkpoint in DIR when a rank dies, at most K times
 */
import { spawn } from 'child_process';
import { availableParallelism } from 'os';
import * as path from 'path';
import { takeCheckpointFlags, type CheckpointFlags } from '../checkpoint/options';
import { runWithRestarts, type JobEnd } from '../checkpoint/restarts';

const USAGE = 'usage: charmrun +pN [mpirun options] (program.js [args] | ++interactive)';

interface Launch {
  pes: number;
  mpirun: string[];
  program: string[];
}

/** Splits charmrun's arguments: +pN, mpirun options (up to the program), the program and its arguments. */
export function parse(argv: readonly string[]): Launch {
  let pes = 1;
  const mpirun: string[] = [];
  let program: string[] | undefined;
  for (let i = 0; i < argv.length && !program; i++) {
    const arg = argv[i];
    const p = /^\+p(\d*)$/.exec(arg);
    if (p) {
      pes = Number(p[1] || argv[++i]);
      if (!Number.isInteger(pes) || pes < 1) throw new Error(`charmrun: +p needs a positive number of PEs, got ${p[1] || argv[i]}\n${USAGE}`);
    } else if (arg === '++interactive') {
      program = [path.join(__dirname, '..', 'console', 'interactive.js'), ...argv.slice(i + 1)];
    } else if (arg.startsWith('-')) {
      mpirun.push(arg);
      // Options with a value: the next word is the value unless it is an option too.
      if (/^(--?(hostfile|machinefile|host|H|x|mca|map-by|bind-to|rank-by|wdir|prefix))$/.test(arg)) mpirun.push(argv[++i]);
      if (arg === '--mca') mpirun.push(argv[++i]);
    } else {
      program = argv.slice(i);
    }
  }
  if (!program) throw new Error(`charmrun: no program given\n${USAGE}`);
  return { pes, mpirun, program };
}

function main(): void {
  let launch: Launch;
  let checkpoints: CheckpointFlags;
  try {
    const taken = takeCheckpointFlags(process.argv.slice(2));
    checkpoints = taken.flags;
    launch = parse(taken.argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const options = [...launch.mpirun];
  if (!options.includes('--bind-to')) options.push('--bind-to', 'none');
  if (launch.pes > availableParallelism() && !options.includes('--oversubscribe') && !options.some((o) => o.startsWith('--host'))) options.push('--oversubscribe');
  const env = { ...process.env };
  if (process.getuid?.() === 0) {
    // mpirun refuses root unless told; the launcher says so, never the library.
    env.OMPI_ALLOW_RUN_AS_ROOT = '1';
    env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1';
  }
  let child: ReturnType<typeof spawn> | undefined;
  let stopped = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      stopped = true;
      child?.kill(signal);
    });
  }
  const runOnce = (extra: string[]): Promise<JobEnd> =>
    new Promise((resolve) => {
      child = spawn('mpirun', [...options, '-np', String(launch.pes), process.execPath, ...launch.program, ...extra], { env, stdio: 'inherit' });
      child.on('error', (error) => {
        process.stderr.write(`charmrun: cannot run mpirun: ${error.message}\n`);
        process.exit(127);
      });
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
  void runWithRestarts(checkpoints, runOnce, () => stopped, (line) => process.stderr.write(line)).then((code) => process.exit(code));
}

if (require.main === module) main();
