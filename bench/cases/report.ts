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

/** Iterations so that a trial of an operation taking about `estimateUs` lasts about 30 ms. */
export function iterationsFor(estimateUs: number): number {
  return Math.max(10, Math.floor(30_000 / estimateUs));
}
