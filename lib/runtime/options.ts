/**
 * The runtime's own command-line options. Every PE reads them from its
 * argv, whether charmrun or a plain `mpirun ... node app.js +stats` started
 * it; main does not see them (Charm4py removes them too). charmrun refuses
 * any other `+option`; under plain mpirun, other `+words` go to the
 * program, so PE 0 refuses only what is surely a mistake: an option
 * without its value, an unknown balancer, and a near miss of an option's
 * name (`+balancr`, `+Stats`), which would otherwise reach the program and
 * leave the option silently off. Any other `+word` or `++word` is named
 * once, in a notice on PE 0's stderr (unknownOptionsNotice), not refused:
 * Charm++ users type charmrun's `+p4` and `++ppn 2`, or `+stat`, and would
 * otherwise not learn that the runtime ignored them; a program that takes
 * `+arguments` of its own puts `--` before them. The notice is not given
 * under charmrun, which refuses unknown options itself (CHARMRUN_ENV). The
 * runtime's environment variables that
 * PE 0 reads at start are checked alike (environmentProblem): a value that
 * does not parse would otherwise leave what it sets silently off.
 */
import { editDistance } from '../spelling';
import { STRATEGIES } from '../balancing/strategies';

const STRATEGY_NAMES = Object.keys(STRATEGIES);

/** Each runtime option and what its value is (undefined: it takes none). */
export const RUNTIME_OPTIONS: Readonly<Record<string, string | undefined>> = {
  '+stats': undefined,
  '+trace': 'FILE',
  '+balancer': 'NAME',
  '+lbreport': undefined,
  '+asyncOrigins': undefined,
  '+liveview': '[HOST:]PORT',
  '+restart': 'DIR',
  '+checkpoint-dir': 'DIR',
};

/** Set by charmrun for the PEs it starts: it has checked the command line's options (launcher/arguments.ts). */
export const CHARMRUN_ENV = 'CHARMTS_CHARMRUN';

/** Charm++'s and charmrun's options for the number of PEs or processes per host (`+p4`, `++p 2`, `++np 4`, `++ppn 2`). */
const PE_COUNT = /^\+\+?(p|n|np|ppn)\d*$/;
/** charmrun's own options: under plain mpirun, nothing reads them. */
const CHARMRUN_ONLY = ['+restarts', '++interactive'];

/**
 * The words of the command line (`argv`: process.argv's form, node and the
 * program first) that the runtime reads its options from: those after the
 * program, up to the first `--`. What follows `--` is the program's as it
 * is (`+stats` there is the program's word, not the option); charmrun
 * passes its `--` on to the PEs for that.
 */
export function runtimeWords(argv: readonly string[] = process.argv): string[] {
  const words = argv.slice(2);
  const end = words.indexOf('--');
  return end < 0 ? words : words.slice(0, end);
}

/** The program's arguments: `argv` (the words after the program) without the runtime's options before `--`, nor the `--`. */
export function programArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return out.concat(argv.slice(i + 1));
    if (!(argv[i] in RUNTIME_OPTIONS)) out.push(argv[i]);
    else if (RUNTIME_OPTIONS[argv[i]] !== undefined) i++;
  }
  return out;
}

/** What is wrong with the runtime options in `argv` (runtimeWords: the words after the program, up to `--`), or undefined. */
export function runtimeOptionProblem(argv: readonly string[]): string | undefined {
  const known = Object.keys(RUNTIME_OPTIONS);
  const list = optionList();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg in RUNTIME_OPTIONS) {
      const value = RUNTIME_OPTIONS[arg];
      if (value === undefined) continue;
      const given = argv[++i];
      if (given === undefined || given === '' || given.startsWith('+')) return `${arg} needs a value (${arg} ${value}${arg === '+balancer' ? `; one of ${STRATEGY_NAMES.join(', ')}` : ''})`;
      if (arg === '+balancer' && !STRATEGY_NAMES.includes(given)) return `+balancer ${given}: unknown load balancer (known: ${STRATEGY_NAMES.join(', ')})`;
    } else if (arg.startsWith('+') && !CHARMRUN_ONLY.includes(arg)) {
      // Two edits from a long name; a short one only in another case (`+tracer` may be the program's).
      const meant = known.find((option) => arg.toLowerCase() === option || (option.length >= 8 && editDistance(arg.toLowerCase(), option) <= 2));
      if (meant) return `${arg} looks like a misspelling of ${meant}, which would stay off (the runtime's options: ${list}; other +words go to the program)`;
    }
  }
  return undefined;
}

/**
 * PE 0's notice (one line) of the `+words` and `++words` in `argv` (the
 * arguments after the program) that are not the runtime's options, saying
 * what to do instead of each: the job's PE count (`numPes`) is mpirun's
 * `-np`; a name one edit from an option's (`+stat`) was probably meant as
 * it. Signed numbers (`+5`) are the program's; `argv`: runtimeWords (nothing after `--`).
 * Undefined when there is nothing to say.
 */
export function unknownOptionsNotice(argv: readonly string[], numPes: number): string | undefined {
  const named: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg in RUNTIME_OPTIONS) {
      if (RUNTIME_OPTIONS[arg] !== undefined) i++;
      continue;
    }
    if (!arg.startsWith('+') || /^\+[\d.]/.test(arg)) continue;
    const meant = Object.keys(RUNTIME_OPTIONS).find((option) => editDistance(arg.toLowerCase(), option) <= 1);
    if (PE_COUNT.test(arg)) named.push(`${arg} (the number of PEs is mpirun's -np: ${numPes} in this job; or charmrun +pN)`);
    else if (CHARMRUN_ONLY.includes(arg)) named.push(`${arg} (charmrun's option: run the job with charmrun)`);
    else named.push(meant ? `${arg} (did you mean ${meant}?)` : arg);
  }
  if (named.length === 0) return undefined;
  const one = named.length === 1;
  return `charmts: ${named.join(', ')} ${one ? 'is not an option' : 'are not options'} of charmts: ${one ? 'it reaches the program as an argument and the runtime ignores it' : 'they reach the program as arguments and the runtime ignores them'}. The runtime's options: ${optionList()}; put -- before +arguments meant for the program.`;
}

/** The runtime's options with their values, for messages: "+stats, +trace FILE, …". */
function optionList(): string {
  return Object.keys(RUNTIME_OPTIONS)
    .map((option) => (RUNTIME_OPTIONS[option] ? `${option} ${RUNTIME_OPTIONS[option]}` : option))
    .join(', ');
}

/** Seconds idle before the idle hint (console/idleHint.ts) when CHARMTS_IDLE_HINT is not set. */
const DEFAULT_IDLE_HINT_SECONDS = 10;
/** CHARMTS_IDLE_HINT's form: seconds, a decimal number 0 or more (0.5, 30). */
const SECONDS = /^(\d+(\.\d*)?|\.\d+)$/;

/**
 * Seconds idle before PE 0 prints the idle hint, from CHARMTS_IDLE_HINT in
 * `env` (0: never; DEFAULT_IDLE_HINT_SECONDS when unset); NaN when the value
 * is not of the accepted form (environmentProblem says so at start).
 */
export function idleHintSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return seconds(env.CHARMTS_IDLE_HINT, DEFAULT_IDLE_HINT_SECONDS);
}

/** `value` as seconds 0 or more (`unset` when undefined), NaN when not of that form. */
function seconds(value: string | undefined, unset: number): number {
  if (value === undefined) return unset;
  return SECONDS.test(value.trim()) ? Number(value) : NaN;
}

/**
 * Seconds idle after which PE 0 ends the job with exit code 1, from
 * CHARMTS_IDLE_ABORT in `env` (0 or unset: never, as Charm++ and Charm4py,
 * whose hung jobs run until the batch system's wall clock); NaN when the
 * value is not of the accepted form (environmentProblem says so at start).
 * For batch jobs: a hang ends the allocation's use at once, saying why.
 */
export function idleAbortSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return seconds(env.CHARMTS_IDLE_ABORT, 0);
}

/** Seconds the PEs have to answer an exit (runtime/lifecycle.ts) when CHARMTS_EXIT_GRACE is not set. */
export const DEFAULT_EXIT_GRACE_SECONDS = 10;

/**
 * Seconds the PEs have to answer an exit before the job is aborted, from
 * CHARMTS_EXIT_GRACE in `env` (DEFAULT_EXIT_GRACE_SECONDS when unset); NaN
 * when the value is not a number above 0 (environmentProblem says so at start).
 */
export function exitGraceSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.CHARMTS_EXIT_GRACE;
  if (value === undefined) return DEFAULT_EXIT_GRACE_SECONDS;
  return SECONDS.test(value.trim()) && Number(value) > 0 ? Number(value) : NaN;
}

/** What is wrong with the runtime's environment variables in `env`, or undefined. */
export function environmentProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (Number.isNaN(idleHintSeconds(env))) {
    return `CHARMTS_IDLE_HINT=${JSON.stringify(env.CHARMTS_IDLE_HINT)} is not a number of seconds: it takes the seconds a job stays idle before PE 0 prints the idle hint, a number 0 or more (CHARMTS_IDLE_HINT=30; 0 for never)`;
  }
  if (Number.isNaN(idleAbortSeconds(env))) {
    return `CHARMTS_IDLE_ABORT=${JSON.stringify(env.CHARMTS_IDLE_ABORT)} is not a number of seconds: it takes the seconds a job stays idle before PE 0 ends it with exit code 1, a number 0 or more (CHARMTS_IDLE_ABORT=60; 0 for never)`;
  }
  if (Number.isNaN(exitGraceSeconds(env))) {
    return `CHARMTS_EXIT_GRACE=${JSON.stringify(env.CHARMTS_EXIT_GRACE)} is not a number of seconds: it takes the seconds the PEs have to answer an exit before the job is aborted, a number above 0 (CHARMTS_EXIT_GRACE=${DEFAULT_EXIT_GRACE_SECONDS})`;
  }
  return undefined;
}
