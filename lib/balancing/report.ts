/**
 * `+lbreport`: PE 0 prints what each load-balancing step moved, per array
 * and step: which elements went from which PE to which, and the measured
 * load per PE before and after (Charm++ prints something like it with
 * `+LBDebug`). Nothing is gathered for it that the step does not gather.
 */
import { describe } from '../collections/arrayIndex';
import { writeAll } from '../errors';
import { observeSteps, type StepMove, type StepReport } from './step';

/** The runtime option that asks for the report. */
export const REPORT_OPTION = '+lbreport';

/** Elements listed per step; the rest are counted (a step of a large array may move thousands). */
const MOVES_LISTED = 100;

/** The text printed for one step: a heading, one line per element moved, and the loads. */
export function formatStep(report: StepReport, moves: readonly StepMove[]): string {
  const lines = [`charmts: load balancing ${report.array} (${report.balancer}), step ${report.step}: ${report.moved} of ${report.elements} elements moved`];
  for (const move of moves.slice(0, MOVES_LISTED)) lines.push(`  ${report.array}${describe(move.index)}: PE ${move.from} -> PE ${move.to}`);
  if (moves.length > MOVES_LISTED) lines.push(`  ... and ${moves.length - MOVES_LISTED} more`);
  const ms = (loads: number[]): string => loads.map((load) => load.toFixed(1)).join(' ');
  lines.push(`  load per PE (ms) before: ${ms(report.loadBefore)}; after: ${ms(report.loadAfter)}`);
  return `${lines.join('\n')}\n`;
}

/** PE 0: prints every step from now on with `write` (stdout by default); returns the function that stops it. */
export function reportSteps(write: (text: string) => void = (text) => writeAll(1, text)): () => void {
  return observeSteps((report, moves) => write(formatStep(report, moves)));
}
