/** Shared by the charmts benchmarks: trials, medians and the JSON lines the runner reads. */

export const TRIALS = 7;

/** Prints one measurement: median, min and max of `samples`. */
export function report(name: string, params: Record<string, number | string>, samples: number[], unit: string): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const line = { name, params, value: sorted[sorted.length >> 1], min: sorted[0], max: sorted[sorted.length - 1], unit };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Warm-up time before measuring: the first few hundred milliseconds of a
 * Node process stall now and then for milliseconds (V8 compiling and
 * collecting on a 2-core machine that the PEs already keep busy). */
const WARM_UP_MS = 400;

/**
 * Repetitions a timed trial's warm-up makes at least (timedTrials; C's
 * ping-pong its round trips alike), for up to WARM_UP_MAX_MS. V8 compiles
 * what a new message size runs for the first time (and what it runs more
 * often: the libuv turns of a PE waiting for large messages) after that
 * many calls, not after a time: at 256 KiB to 1 MiB it still compiled up
 * to 2,800 round trips after the size changed, when 400 ms were 170 to
 * 3,000 (np 2, --trace-opt, 4 jobs); and in 6 jobs, 18 of the 42
 * measured trials a compile finished in were 1.5x the median or more,
 * against 38 of the 1,878 others.
 */
const WARM_UP_REPS = 3000;
/** The longest a warm-up goes on for WARM_UP_REPS (4 MiB round trips take about 1 ms each, 64 MiB ones 25 ms). */
const WARM_UP_MAX_MS = 1500;

/**
 * Runs `trial` for WARM_UP_MS (at least twice), and then while
 * `moreWarmUp` says so for up to WARM_UP_MAX_MS in all, then `count`
 * times; returns the results. `warm` is called between the two (e.g. to
 * fix a trial's length from what the warm-up measured).
 */
export async function trials(count: number, trial: () => Promise<number>, warm?: () => void, moreWarmUp?: () => boolean): Promise<number[]> {
  const start = performance.now();
  for (let n = 0; ; n++) {
    const ms = performance.now() - start;
    if (n >= 2 && ms >= WARM_UP_MS && (ms >= WARM_UP_MAX_MS || !moreWarmUp?.())) break;
    await trial();
  }
  warm?.();
  const out: number[] = [];
  for (let t = 0; t < count; t++) out.push(await trial());
  return out;
}

/**
 * The shortest ping-pong trial, in us (bench/c/pingpong.c's too): long
 * enough that one scavenge (0.3-1 ms) is not a 2x trial, short enough that
 * a stall of some milliseconds still is (the anchors' formula gave 4 round
 * trips, 0.5 ms, at 256 KiB: one millisecond of preemption made a 3x trial).
 */
export const MIN_TRIAL_US = 5000;

/**
 * Trials of `n` repetitions of `run` (which returns us per repetition),
 * `n` raised during the warm-up until a trial lasts MIN_TRIAL_US at the
 * warm-up's best speed; the warm-up makes WARM_UP_REPS repetitions at least
 * (see there).
 */
export async function timedTrials(count: number, n: number, run: (n: number) => Promise<number>): Promise<number[]> {
  let warming = true;
  let warmUpReps = 0;
  return trials(
    count,
    async () => {
      const us = await run(n);
      if (warming) warmUpReps += n;
      if (warming && us > 0) n = Math.max(n, Math.ceil(MIN_TRIAL_US / us));
      return us;
    },
    () => (warming = false),
    () => warmUpReps < WARM_UP_REPS,
  );
}

/** Iterations so that a trial of an operation taking about `estimateUs` lasts about 30 ms. */
export function iterationsFor(estimateUs: number): number {
  return Math.max(10, Math.floor(30_000 / estimateUs));
}
