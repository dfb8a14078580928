/**
 * charmrun's command line, as HPC users type it: Charm++'s order
 * (`charmrun +p4 app.js`, or `charmrun app.js +p4`), mpirun's
 * (`charmrun -np 4 app.js`), options for mpirun before the program, the
 * runtime's own `+flags` anywhere, and the program's arguments. The
 * checkpoint flags are charmrun's own too: it restarts a job whose rank
 * died (lib/checkpoint/restarts.ts) and hands them to the program.
 */
import { RUNTIME_OPTIONS } from '../runtime/options';
import type { CheckpointFlags } from '../checkpoint/options';

export const USAGE = `usage: charmrun [+pN | -np N] [mpirun options] (program.js|program.ts [args] | ++interactive)

  +pN, +p N, -np N, -n N  number of PEs (processes); default 1
  ++interactive           an interactive console on PE 0 (Ctrl-D or .exit ends the job)
  +stats                  per-PE statistics at exit
  +trace FILE             a Chrome trace-event file of the run (Perfetto, chrome://tracing)
  +balancer NAME          load balancer for arrays created with loadBalancing: true
  +lbreport               print what each load-balancing step moved (element, from PE, to PE)
  +asyncOrigins           an unhandled promise rejection names the entry method that made
                          the promise (every promise operation then costs a little more)
  +liveview [HOST:]PORT   a live view of the job in the browser (liveViz image, CCS
                          handlers, per-PE load, output); PE 0 prints its URL
  +restart DIR            restart from the checkpoint in DIR instead of running main
  +checkpoint-dir DIR     where the program checkpoints (charm.checkpointDir())
  +restarts K             when a rank dies, rerun the job from the newest checkpoint
                          in the +checkpoint-dir, at most K times
  -h, --help              this text

Options starting with - before the program go to mpirun (--hostfile FILE,
--host a,b, --mca k v, ...). A .ts program runs directly (through tsx).
Arguments after the program go to it; write -- before arguments of the
program that look like charmrun's.`;

/** Checkpoint flags (docs/checkpoint.md), each followed by a value: charmrun reads them itself. */
const CHECKPOINT_FLAGS = ['+restart', '+checkpoint-dir', '+restarts'];

/** Runtime flags the program itself reads (`+name` and whether a value follows): the runtime's list (runtime/options.ts). */
const RUNTIME_FLAGS = new Map(
  Object.entries(RUNTIME_OPTIONS)
    .filter(([flag]) => !CHECKPOINT_FLAGS.includes(flag))
    .map(([flag, value]) => [flag, value !== undefined]),
);

/** mpirun options followed by a value. */
const MPIRUN_WITH_VALUE = /^--?(hostfile|machinefile|host|H|x|mca|gmca|map-by|bind-to|rank-by|wdir|prefix|npernode|npersocket|output-filename|report-bindings-file|tune|am)$/;

export interface Launch {
  /** Number of PEs. */
  pes: number;
  /** Options for mpirun (before -np). */
  mpirun: string[];
  /** The program (a path), or 'interactive' for the console. */
  program: string | 'interactive';
  /** Arguments of the program, runtime flags included (the checkpoint flags are below). */
  args: string[];
  /** The checkpoint flags given. */
  checkpoints: CheckpointFlags;
  /** `--help` was asked for. */
  help: boolean;
}

/** Thrown for a command line charmrun refuses; the message names what was wrong. */
export class UsageError extends Error {}

/** Records checkpoint flag `flag` with `value`. */
function checkpointFlag(flags: CheckpointFlags, flag: string, value: string | undefined): void {
  if (value === undefined || value === '' || value.startsWith('+')) throw new UsageError(`charmrun: ${flag} needs a value (${flag} ${flag === '+restarts' ? 'K' : 'DIR'})`);
  if (flag === '+restart') flags.restart = value;
  else if (flag === '+checkpoint-dir') flags.checkpointDir = value;
  else if (/^\d+$/.test(value)) flags.restarts = Number(value);
  else throw new UsageError(`charmrun: +restarts needs a number of restarts, got ${value}`);
}

function count(value: string | undefined, option: string): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || n < 1) throw new UsageError(`charmrun: ${option} needs a positive number of PEs, got ${value ?? 'nothing'}`);
  return n;
}

/** Splits charmrun's arguments; throws UsageError for what it refuses. */
export function parse(argv: readonly string[]): Launch {
  let pes: number | undefined;
  const setPes = (n: number, option: string): void => {
    if (pes !== undefined && pes !== n) throw new UsageError(`charmrun: ${option} asks for ${n} PEs, but ${pes} were asked for already`);
    pes = n;
  };
  const mpirun: string[] = [];
  const args: string[] = [];
  let program: string | undefined;
  let help = false;
  let verbatim = false;
  const checkpoints: CheckpointFlags = { restarts: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (verbatim) {
      args.push(arg);
      continue;
    }
    const p = /^\+p(\d*)$/.exec(arg);
    if (p) {
      setPes(count(p[1] || argv[++i], '+p'), arg);
    } else if (arg === '++interactive') {
      if (program !== undefined) throw new UsageError(`charmrun: ++interactive runs the console instead of a program; ${program} was given too`);
      program = 'interactive';
    } else if (CHECKPOINT_FLAGS.includes(arg)) {
      checkpointFlag(checkpoints, arg, argv[++i]);
    } else if (arg.startsWith('+')) {
      const takesValue = RUNTIME_FLAGS.get(arg);
      if (takesValue === undefined) throw new UsageError(`charmrun: unknown option ${arg} (runtime options: +pN, ++interactive, ${[...RUNTIME_FLAGS.keys(), ...CHECKPOINT_FLAGS].join(', ')}; put -- before arguments meant for the program)`);
      args.push(arg);
      if (takesValue) {
        if (argv[i + 1] === undefined) throw new UsageError(`charmrun: ${arg} needs a value`);
        args.push(argv[++i]);
      }
    } else if (program !== undefined) {
      // `--` goes on to the PEs, where it ends the runtime's options too (runtime/options.ts runtimeWords).
      if (arg === '--') verbatim = true;
      args.push(arg);
    } else if (arg === '-h' || arg === '--help') {
      help = true;
    } else if (arg === '-np' || arg === '-n' || arg === '--np' || arg === '-c') {
      setPes(count(argv[++i], arg), arg);
    } else if (arg.startsWith('-')) {
      mpirun.push(arg);
      if (MPIRUN_WITH_VALUE.test(arg)) mpirun.push(argv[++i]);
      if (arg === '--mca' || arg === '-mca' || arg === '--gmca') mpirun.push(argv[++i]);
    } else {
      program = arg;
    }
  }
  if (help) return { pes: pes ?? 1, mpirun, program: program ?? 'interactive', args, checkpoints, help };
  if (program === undefined) throw new UsageError('charmrun: no program given');
  if (checkpoints.restarts > 0 && checkpoints.checkpointDir === undefined) {
    throw new UsageError('charmrun: +restarts needs +checkpoint-dir DIR: the directory the program checkpoints to, where a restart starts from');
  }
  if (program === 'interactive' && (checkpoints.restart !== undefined || checkpoints.restarts > 0)) {
    throw new UsageError(`charmrun: ++interactive cannot be restarted (${checkpoints.restart !== undefined ? '+restart' : '+restarts'}): a console session is not saved by a checkpoint`);
  }
  return { pes: pes ?? 1, mpirun, program, args, checkpoints, help };
}
