/** What the benchmark programs print (one JSON line each) and what the runner keeps of each (bench/results/latest.json). */
import type { AnchorName } from './anchors';

/** One JSON line of a benchmark program: the median of its trials, and their min and max. */
export interface Measurement {
  name: string;
  params: Record<string, number | string>;
  value: number;
  min: number;
  max: number;
  unit: string;
}

/** How far the worst trial strays: max / median for times, median / min for rates. */
export function spreadOf(m: Measurement): number {
  return m.unit === 'us' || m.unit === 'ms' ? m.max / m.value : m.value / m.min;
}

/** A charmts measurement beside its references, measured in the same run. */
export interface BenchRecord extends Measurement {
  np: number;
  /** The C (or other) counterpart; spread as in `anchors`, when it ran with trials. */
  baseline: { name: string; value: number; spread?: number } | null;
  /** charmts / baseline. */
  ratio: number | null;
  note?: string;
  /**
   * The same benchmark in Charm++ / Charm4py; ratio = charmts / anchor;
   * spread = the anchor's own max / median trial (median / min for rates),
   * to read charmts' spread against; note says how the anchor ran where
   * that matters (e.g. numba or not).
   */
  anchors?: Partial<Record<AnchorName, { value: number; ratio: number; spread?: number; note?: string }>>;
}
