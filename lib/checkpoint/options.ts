/**
 * The command-line flags of checkpoints, read by the runtime and by
 * charmrun alike: `+restart DIR` (restart from the checkpoint in DIR),
 * `+checkpoint-dir DIR` (where the program checkpoints; charmrun restarts
 * from there) and `+restarts K` (charmrun: rerun a job whose rank died,
 * at most K times). Plain parsing, no runtime.
 */

/** The value of `flag` in `argv` (the last one given), or undefined; throws if the value is missing. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const at = argv.lastIndexOf(flag);
  if (at < 0) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value === '' || value.startsWith('+')) throw new Error(`${flag} needs a value (${flag} DIR)`);
  return value;
}

/** Checkpoint flags taken out of charmrun's command line (they may come anywhere in it). */
export interface CheckpointFlags {
  restart?: string;
  checkpointDir?: string;
  /** Reruns allowed after a rank dies (0: none). */
  restarts: number;
}

/** Splits charmrun's arguments into the checkpoint flags and the rest. */
export function takeCheckpointFlags(argv: readonly string[]): { argv: string[]; flags: CheckpointFlags } {
  const rest: string[] = [];
  const flags: CheckpointFlags = { restarts: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg !== '+restart' && arg !== '+checkpoint-dir' && arg !== '+restarts') {
      rest.push(arg);
      continue;
    }
    const value = flagValue(argv.slice(i, i + 2), arg)!;
    i++;
    if (arg === '+restart') flags.restart = value;
    else if (arg === '+checkpoint-dir') flags.checkpointDir = value;
    else {
      flags.restarts = Number(value);
      if (!/^\d+$/.test(value)) throw new Error(`+restarts needs a number of restarts, got ${value}`);
    }
  }
  if (flags.restarts > 0 && flags.checkpointDir === undefined) throw new Error('+restarts needs +checkpoint-dir DIR: the directory the program checkpoints to, where a restart starts from');
  return { argv: rest, flags };
}
