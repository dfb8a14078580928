/**
 * What the idle hint (idleHint.ts) adds when main waits on a job that has
 * gone idle, per collection, naming members and their PEs:
 * - members that have contributed fewer times than the others: the usual
 *   cause of a reduction that never completes (an element that skipped
 *   `contribute` in one iteration);
 * - members that have called AtSync fewer times than the others: a
 *   load-balancing step waits for every element's AtSync;
 * - members with async entry methods suspended in an await, with the
 *   method that suspended last and the channels they wait on in a recv:
 *   what main waits for may wait on what they await (a future nobody
 *   sends, a channel both ends of which receive);
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
  /** The same for AtSync calls (the balancing stream's contributions). */
  syncs: [number, number, string[]][];
  /** Members with async entry methods suspended, and up to SAMPLES of them: [index as printed, methods suspended, the last of them to start, channels awaited in a recv]. */
  suspended: number;
  suspendedSamples: [string, number, string, string[]][];
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
    const what = `${parts[0].name} (collection ${id})`;
    const contributions = behindLine(parts, (p) => p.counts, 'made fewer contributions than the others', (made) => `made ${made}`);
    if (contributions) lines.push(`${what}: ${contributions}`);
    const syncs = behindLine(parts, (p) => p.syncs, 'called AtSync fewer times than the others, so the load-balancing step waits for them', (made) => `called it ${made === 1 ? 'once' : `${made} times`}`);
    if (syncs) lines.push(`${what}: ${syncs}`);
    const suspended = parts.reduce((sum, part) => sum + part.suspended, 0);
    const waiting = parts.flatMap(({ name, pe, suspendedSamples }) => suspendedSamples.map(([index, methods, last, channels]) => `${name}${index} on PE ${pe} (${suspendedIn(methods, last)}${channels.length ? `, awaiting recv on ${channels.join(' and ')}` : ''})`));
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

/**
 * "1 of 6 members <what> (up to 2): W[3] on PE 1 made 1", for the members
 * behind the others in `counts`; undefined when none is. When fewer are
 * ahead than behind, those ahead are named too (`up to 167, by B[3] on PE
 * 1`): one member a contribution ahead of all the others is the odd one.
 */
function behindLine(parts: readonly MembersReport[], counts: (part: MembersReport) => MembersReport['counts'], what: string, did: (made: number) => string): string | undefined {
  const most = Math.max(-1, ...parts.flatMap((p) => counts(p).map(([made]) => made)));
  let members = 0;
  let behind = 0;
  const named: string[] = [];
  const aheadNamed: string[] = [];
  for (const part of parts) {
    for (const [made, count, samples] of counts(part)) {
      members += count;
      if (made === most) {
        for (const index of samples) aheadNamed.push(`${part.name}${index} on PE ${part.pe}`);
        continue;
      }
      behind += count;
      for (const index of samples) named.push(`${part.name}${index} on PE ${part.pe} ${did(made)}`);
    }
  }
  if (behind === 0) return undefined;
  const ahead = members - behind;
  const by = ahead < behind ? `, by ${aheadNamed.join(', ')}${andMore(ahead, aheadNamed.length)}` : '';
  return `${behind} of ${members} members ${what} (up to ${most}${by}): ${named.join(', ')}${andMore(behind, named.length)}`;
}

/** "in work", "2 methods, the last to start work": what a member's suspended methods are. */
function suspendedIn(methods: number, last: string): string {
  return methods === 1 ? `in ${last}` : `${methods} methods, the last to start ${last}`;
}

function andMore(total: number, named: number): string {
  return total > named ? `, and ${total - named} more` : '';
}
