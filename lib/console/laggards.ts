/**
 * What the idle hint (idleHint.ts) adds when main waits on a job that has
 * gone idle: the members of a collection that have contributed fewer times
 * than the others. That is the usual cause of a reduction that never
 * completes (an element that skipped `contribute` in one iteration), and
 * without a name the user is left to bisect a silent hang.
 *
 * Each PE reports, per collection that reduces, how many of its members
 * have made each number of user contributions, with a few indices as
 * samples (a report stays small whatever the array's size); PE 0 merges
 * the reports and names the members behind the largest count. Members
 * that all made the same count are not named: nothing says which is
 * missing. (The counting is the runtime group's, charmGroup.ts: this
 * module stays pure, for the in-process tests.)
 */

/** Members named per (PE, count): enough to find the bug, short enough to read. */
export const SAMPLES = 4;

/** One PE's members of one collection, by the number of user contributions they made. */
export interface ContributionCounts {
  id: number;
  name: string;
  pe: number;
  /** [contributions made, members that made that many, up to SAMPLES of their indices as printed]. */
  counts: [number, number, string[]][];
}

/** Lines naming, per collection, the members behind the others; none when every member made the same count. */
export function laggards(reports: readonly (readonly ContributionCounts[])[]): string[] {
  const byCollection = new Map<number, ContributionCounts[]>();
  for (const report of reports.flat()) {
    const list = byCollection.get(report.id);
    if (list) list.push(report);
    else byCollection.set(report.id, [report]);
  }
  const lines: string[] = [];
  for (const [id, parts] of byCollection) {
    const most = Math.max(...parts.flatMap((p) => p.counts.map(([made]) => made)));
    let members = 0;
    let behind = 0;
    const named: string[] = [];
    for (const { name, pe, counts } of parts) {
      for (const [made, count, samples] of counts) {
        members += count;
        if (made === most) continue;
        behind += count;
        for (const index of samples) named.push(`${name}${index} on PE ${pe} made ${made}`);
      }
    }
    if (behind === 0) continue;
    const more = behind > named.length ? `, and ${behind - named.length} more` : '';
    lines.push(`${parts[0].name} (collection ${id}): ${behind} of ${members} members made fewer contributions than the others (up to ${most}): ${named.join(', ')}${more}`);
  }
  return lines;
}
