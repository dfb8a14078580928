/**
 * What the idle hint (idleHint.ts) adds when main waits on a job that has
 * gone idle, per collection, naming members and their PEs:
 * - members that have contributed fewer times than the others: the usual
 *   cause of a reduction that never completes (an element that skipped
 *   `contribute` in one iteration);
 * - members with async entry methods suspended in an await: what main
 *   waits for may wait on what they await (a future nobody sends);
 * - calls held at an array's home PE for indices with no element: a call
 *   to an index never inserted waits there for the insertion (as in
 *   Charm++), and may be what main waits for.
 * Without names the user is left to bisect a silent hang.
 *
 * Each PE reports, per collection with members here, how many of its
 * members made each number of user contributions and how many are
 * suspended, with a few indices as samples (a report stays small whatever
 * the array's size); PE 0 merges the reports. Members that all made the
 * same count are not named: nothing says which is missing. (The counting
 * is the runtime group's, charmGroup.ts: this module stays pure, for the
 * in-process tests.)
 */

/** Members named per (PE, count): enough to find the bug, short enough to read. */
export const SAMPLES = 4;

/** One PE's members of one collection: by the number of user contributions they made, and those suspended. */
export interface MembersReport {
  id: number;
  name: string;
  pe: number;
  /** [contributions made, members that made that many, up to SAMPLES of their indices as printed]; empty when the collection does not reduce. */
  counts: [number, number, string[]][];
  /** Members with async entry methods suspended, and up to SAMPLES of them: [index as printed, methods suspended]. */
  suspended: number;
  suspendedSamples: [string, number][];
  /** Arrays, at the home: indices with calls held for an insertion, the calls, and up to SAMPLES [index as printed, calls]. */
  held?: { indices: number; calls: number; samples: [string, number][] };
}

/** Lines naming, per collection, the members behind the others in contributions, and the members suspended. */
export function stuckLines(reports: readonly (readonly MembersReport[])[]): string[] {
  const byCollection = new Map<number, MembersReport[]>();
  for (const report of reports.flat()) {
    const list = byCollection.get(report.id);
    if (list) list.push(report);
    else byCollection.set(report.id, [report]);
  }
  const lines: string[] = [];
  for (const [id, parts] of byCollection) {
    const most = Math.max(-1, ...parts.flatMap((p) => p.counts.map(([made]) => made)));
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
    const what = `${parts[0].name} (collection ${id})`;
    if (behind > 0) lines.push(`${what}: ${behind} of ${members} members made fewer contributions than the others (up to ${most}): ${named.join(', ')}${andMore(behind, named.length)}`);
    const suspended = parts.reduce((sum, part) => sum + part.suspended, 0);
    const waiting = parts.flatMap(({ name, pe, suspendedSamples }) => suspendedSamples.map(([index, methods]) => `${name}${index} on PE ${pe} (${methods === 1 ? 'one method' : `${methods} methods`})`));
    if (suspended > 0) lines.push(`${what}: ${suspended === 1 ? '1 member has' : `${suspended} members have`} async entry methods suspended in an await: ${waiting.join(', ')}${andMore(suspended, waiting.length)}`);
    const held = parts.filter((part) => part.held !== undefined && part.held.calls > 0);
    if (held.length > 0) {
      const indices = held.reduce((sum, part) => sum + part.held!.indices, 0);
      const calls = held.reduce((sum, part) => sum + part.held!.calls, 0);
      const named = held.flatMap(({ name, pe, held: h }) => h!.samples.map(([index, n]) => `${name}${index} (home PE ${pe}, ${n === 1 ? 'one call' : `${n} calls`})`));
      lines.push(`${what}: ${calls === 1 ? '1 call waits' : `${calls} calls wait`} at the home PE for ${indices === 1 ? 'an index' : `${indices} indices`} with no element, held until one is inserted there (ckInsert): ${named.join(', ')}${andMore(indices, named.length)}`);
    }
  }
  return lines;
}

function andMore(total: number, named: number): string {
  return total > named ? `, and ${total - named} more` : '';
}
