#!/usr/bin/env node
/**
 * charmrun: launches a charmts program on N processes through mpirun, as
 * Charm++'s charmrun does (see arguments.ts for the command line).
 *
 *   charmrun +p4 app.js [args]            4 PEs
 *   charmrun +p2 app.ts                   TypeScript, run through tsx
 *   charmrun +p2 ++interactive            an interactive console on PE 0
 *   charmrun +p8 --hostfile hosts app.js  options starting with - go to mpirun
 *   charmrun +p4 app.js +checkpoint-dir ckpt +restarts 3
 *                                         rerun from the newest checkpoint when a rank dies
 *
 * Plain `mpirun -np N node app.js` works without charmrun; charmrun adds
 * the right mpirun options, colour decided for its own stdout, TypeScript,
 * and a console that owns the terminal.
 */
import { randomBytes } from 'crypto';
import { spawn, type ChildProcess } from 'child_process';
import { existsSync } from 'fs';
import { availableParallelism } from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { USAGE, UsageError, parse, type Launch } from './arguments';
import { colourFor } from '../console/colour';
import { CONSOLE_ENV } from '../console/channel';
import { openConsoleTerminal } from './terminal';
import { runWithRestarts, type JobEnd } from '../checkpoint/restarts';
import { RESTARTS_ENV } from '../checkpoint/options';
import { TOKEN_ENV } from '../liveview/settings';
import { peNodeOptions } from './nodeOptions';
import { CHARMRUN_ENV } from '../runtime/options';

/**
 * Node options that run a TypeScript program: tsx's loader (esbuild
 * strips the types; stacks point at the .ts lines). Node 20 has no type
 * stripping of its own.
 */
function typeScriptLoader(program: string): string[] {
  if (!/\.[cm]?ts$/.test(program)) return [];
  let loader: string;
  try {
    loader = require.resolve('tsx');
  } catch {
    throw new UsageError(`charmrun: ${program} is TypeScript, and running it needs tsx (npm install tsx); or compile it with tsc and run the .js`);
  }
  return ['--import', pathToFileURL(loader).href];
}

/** mpirun's command line up to the program; the runtime's and the program's words follow it (main). */
function mpirunCommand(launch: Launch, env: NodeJS.ProcessEnv): string[] {
  const options = [...launch.mpirun];
  if (!options.includes('--bind-to')) options.push('--bind-to', 'none');
  if (launch.pes > availableParallelism() && !options.includes('--oversubscribe') && !options.some((o) => o.startsWith('--host'))) options.push('--oversubscribe');
  // Ranks on other hosts get charmrun's decisions too.
  for (const name of ['CHARMTS_COLOR', CHARMRUN_ENV, CONSOLE_ENV, 'CHARMTS_REPL_HISTORY']) if (env[name] !== undefined) options.push('-x', name);
  const program = launch.program === 'interactive' ? path.join(__dirname, '..', 'console', 'interactive.js') : launch.program;
  return ['mpirun', ...options, '-np', String(launch.pes), process.execPath, ...peNodeOptions(env), ...typeScriptLoader(program), program];
}

/** mpirun's options that send ranks to other hosts, where the program may be where it is not here. */
const HOST_OPTIONS = new Set(['--host', '-host', '-H', '--hostfile', '-hostfile', '--machinefile', '-machinefile', '--default-hostfile']);

/** A program missing here is refused once, not by every PE's Node (MODULE_NOT_FOUND per PE), unless ranks may run elsewhere. */
function checkProgram(launch: Launch): void {
  if (launch.program === 'interactive' || launch.mpirun.some((option) => HOST_OPTIONS.has(option))) return;
  if (!existsSync(launch.program)) throw new UsageError(`charmrun: ${launch.program}: no such file (from ${process.cwd()})`);
}

function main(): void {
  let launch: Launch;
  let command: string[];
  const env = { ...process.env };
  try {
    launch = parse(process.argv.slice(2));
    if (launch.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    checkProgram(launch);
    env.CHARMTS_COLOR = colourFor(process.stdout) ? '1' : '0';
    env[CHARMRUN_ENV] = '1'; // the options are checked (parse): PE 0 gives no notice of the program's +arguments after --
    if (process.getuid?.() === 0) {
      // mpirun refuses root unless told; the launcher says so, never the library.
      env.OMPI_ALLOW_RUN_AS_ROOT = '1';
      env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1';
    }
    // One live-view token for every run: a job restarted after a rank died keeps its URL.
    env[TOKEN_ENV] ??= randomBytes(24).toString('base64url');
    // A checkpoint that could not be restarted is refused when taken, not after a rank died (checkpoint/protocol.ts).
    if (launch.checkpoints.restarts > 0) env[RESTARTS_ENV] = String(launch.checkpoints.restarts);
    // The console owns the terminal when there is one; otherwise it reads stdin as lines.
    const terminal = launch.program === 'interactive' && process.stdin.isTTY && process.stdout.isTTY ? openConsoleTerminal() : undefined;
    if (terminal) env[CONSOLE_ENV] = terminal.socketPath;
    command = mpirunCommand(launch, env);
    let child: ChildProcess | undefined;
    let stopped: NodeJS.Signals | undefined;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        stopped ??= signal;
        child?.kill(signal);
      });
    }
    // Each run gets the checkpoint flags (+restart DIR once a rank died: lib/checkpoint/restarts.ts).
    const runOnce = (checkpointArgs: string[]): Promise<JobEnd> =>
      new Promise((resolve) => {
        // Before the program's words, which may hold a -- after which the PEs read no option.
        const job = spawn(command[0], [...command.slice(1), ...checkpointArgs, ...launch.args], { env, stdio: terminal ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
        child = job;
        terminal?.attach(job);
        job.on('error', (error) => {
          process.stderr.write(`charmrun: cannot run mpirun: ${error.message}\n`);
          process.exit(127);
        });
        job.on('exit', (code, signal) => resolve({ code, signal }));
      });
    void runWithRestarts(launch.checkpoints, runOnce, () => stopped, (line) => process.stderr.write(line)).then((code) => {
      process.exitCode = code;
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE.split('\n')[0]}\n`);
    process.exit(2);
  }
}

if (require.main === module) main();
