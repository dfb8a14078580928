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
 * Runs `trial` for WARM_UP_MS (at least twice), then `count` times; returns
 * the results. `warm` is called between the two (e.g. to fix a trial's
 * length from what the warm-up measured).
 */
export async function trials(count: number, trial: () => Promise<number>, warm?: () => void): Promise<number[]> {
  const warmUpEnd = performance.now() + WARM_UP_MS;
  for (let n = 0; n < 2 || performance.now() < warmUpEnd; n++) await trial();
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
 * warm-up's best speed.
 */
export async function timedTrials(count: number, n: number, run: (n: number) => Promise<number>): Promise<number[]> {
  let warming = true;
  return trials(
    count,
    async () => {
      const us = await run(n);
      if (warming && us > 0) n = Math.max(n, Math.ceil(MIN_TRIAL_US / us));
      return us;
    },
    () => (warming = false),
  );
}

/** Iterations so that a trial of an operation taking about `estimateUs` lasts about 30 ms. */
export function iterationsFor(estimateUs: number): number {
  return Math.max(10, Math.floor(30_000 / estimateUs));
}
