/**
 * `+lbreport`: PE 0 prints what each load-balancing step moved, per array
 * and step: which elements went from which PE to which, which the strategy
 * moved but stayed (and why), and the measured load per PE before and
 * after (Charm++ prints something like it with `+LBDebug`). Nothing is
 * gathered for it that the step does not gather.
 */
import { describe } from '../collections/arrayIndex';
import { writeAll } from '../errors';
import { observeSteps, type StepMove, type StepReport, type StepStay } from './step';

/** The runtime option that asks for the report. */
export const REPORT_OPTION = '+lbreport';

/** Elements listed per step; the rest are counted (a step of a large array may move thousands). */
const MOVES_LISTED = 100;

/**
 * The text printed for one step: a heading, one line per element moved,
 * one per element the strategy moved that stayed (and why), and the loads.
 */
export function formatStep(report: StepReport, moves: readonly StepMove[], stays: readonly StepStay[] = []): string {
  const { array, moved, stayed } = report;
  // What was done, not what was decided: a step whose moves all stayed says so before anything else.
  const outcome = stayed === 0 ? '' : moved === 0 ? `: none of the ${stayed} planned moves could happen` : `; ${stayed} more planned ${stayed === 1 ? 'move' : 'moves'} could not happen`;
  const lines = [`charmts: load balancing ${array} (${report.balancer}), step ${report.step}: ${moved} of ${report.elements} elements moved${outcome}`];
  listed(lines, moves, (move) => `  ${array}${describe(move.index)}: PE ${move.from} -> PE ${move.to}`);
  listed(lines, stays, (stay) => `  ${array}${describe(stay.index)} stays on PE ${stay.from} (planned: PE ${stay.to}): ${stay.reason}`);
  const ms = (loads: number[]): string => loads.map((load) => load.toFixed(1)).join(' ');
  lines.push(`  load per PE (ms) before: ${ms(report.loadBefore)}; after: ${ms(report.loadAfter)}`);
  return `${lines.join('\n')}\n`;
}

/** Appends a line per item, the first MOVES_LISTED of them, then the count of the rest. */
function listed<T>(lines: string[], items: readonly T[], line: (item: T) => string): void {
  for (const item of items.slice(0, MOVES_LISTED)) lines.push(line(item));
  if (items.length > MOVES_LISTED) lines.push(`  ... and ${items.length - MOVES_LISTED} more`);
}

/** PE 0: prints every step from now on with `write` (stdout by default); returns the function that stops it. */
export function reportSteps(write: (text: string) => void = (text) => writeAll(1, text)): () => void {
  return observeSteps((report, moves, stays) => write(formatStep(report, moves, stays)));
}
