/**
 * The command-line flags of checkpoints: `+restart DIR` (restart from the
 * checkpoint in DIR), `+checkpoint-dir DIR` (where the program
 * checkpoints; charmrun restarts from there) and `+restarts K` (charmrun:
 * rerun a job whose rank died, at most K times). The runtime reads them
 * from its command line here; charmrun's parser takes them
 * (lib/launcher/arguments.ts). Plain parsing, no runtime.
 */

/** The value of `flag` in `argv` (the last one given), or undefined; throws if the value is missing. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const at = argv.lastIndexOf(flag);
  if (at < 0) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value === '' || value.startsWith('+')) throw new Error(`${flag} needs a value (${flag} DIR)`);
  return value;
}

/** The checkpoint flags on charmrun's command line. */
export interface CheckpointFlags {
  restart?: string;
  checkpointDir?: string;
  /** Reruns allowed after a rank dies (0: none). */
  restarts: number;
}

/** Set by charmrun for the PEs of a job it restarts when a rank dies (`+restarts K`): K. */
export const RESTARTS_ENV = 'CHARMTS_RESTARTS';

/** The restarts charmrun makes of this job (0: none, or not under charmrun). */
export function automaticRestarts(env: NodeJS.ProcessEnv = process.env): number {
  const restarts = Number(env[RESTARTS_ENV] ?? 0);
  return Number.isInteger(restarts) && restarts > 0 ? restarts : 0;
}
