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

/** A charmts measurement beside its references, measured in the same run. */
export interface BenchRecord extends Measurement {
  np: number;
  baseline: { name: string; value: number } | null;
  /** charmts / baseline. */
  ratio: number | null;
  note?: string;
  /** The same benchmark in Charm++ / Charm4py; ratio = charmts / anchor; note says how the anchor ran where that matters (e.g. numba or not). */
  anchors?: Partial<Record<AnchorName, { value: number; ratio: number; note?: string }>>;
}
