/**
 * Issue 15's targets as ratios measured in this run: one line per target,
 * its figure, the limit and whether it is met. A target whose reference did
 * not run (no Charm++ / Charm4py built, a section filtered out) says so
 * instead of a figure.
 */
import type { BenchRecord } from './record';
import type { AnchorName } from './anchors';

type Limit = { at: 'most' | 'least' | 'below'; value: number };

function verdict(figure: number, limit: Limit): string {
  const met = limit.at === 'most' ? figure <= limit.value : limit.at === 'least' ? figure >= limit.value : figure < limit.value;
  return met ? 'met' : 'SHORT';
}

/** One target: the worst of the records' figures (the largest for an upper limit, the smallest for a lower one) against the limit. */
function line(what: string, limit: Limit, records: BenchRecord[], figure: (r: BenchRecord) => number | undefined, where: (r: BenchRecord) => string, missing: string): string {
  let worst: { figure: number; where: string } | undefined;
  for (const r of records) {
    const f = figure(r);
    if (f === undefined || !Number.isFinite(f)) continue;
    if (!worst || (limit.at === 'least' ? f < worst.figure : f > worst.figure)) worst = { figure: f, where: where(r) };
  }
  const want = `${limit.at === 'most' ? '<=' : limit.at === 'least' ? '>=' : '<'} ${limit.value}`;
  if (!worst) return `  ${what} (${want}): not measured (${missing})`;
  return `  ${what} (${want}): ${worst.figure.toFixed(2)}${worst.where ? ` at ${worst.where}` : ''}  ${verdict(worst.figure, limit)}`;
}

const size = (r: BenchRecord): string => {
  const b = Number(r.params.bytes);
  return b >= 1 << 20 ? `${b / (1 << 20)} MiB` : b >= 1024 ? `${b / 1024} KiB` : `${b} B`;
};

/** The target lines for `records` (those of one run of bench/runner.ts). */
export function targetLines(records: BenchRecord[]): string[] {
  const named = (name: string | RegExp, np?: number[]): BenchRecord[] =>
    records.filter((r) => (typeof name === 'string' ? r.name === name : name.test(r.name)) && (!np || np.includes(r.np)));
  const vs = (a: AnchorName) => (r: BenchRecord): number | undefined => r.anchors?.[a]?.ratio;
  const pingpong = named(/^pingpong-(group|array)$/);
  const where = (r: BenchRecord): string => `${r.name.replace('pingpong-', '')} ${size(r)}`;
  const atNp = (r: BenchRecord): string => `np ${r.np}`;
  const out = ['Issue 15 targets, charmts / reference in this run (the worst case shown; "met" or "SHORT"):'];
  out.push(line('ping-pong 8 B-4 MiB / Charm++', { at: 'most', value: 1.2 }, pingpong, vs('Charm++'), where, 'no Charm++ figure in this run'));
  out.push(line('ping-pong 8 B-4 MiB / Charm4py', { at: 'below', value: 1 }, pingpong, vs('Charm4py'), where, 'no Charm4py figure in this run'));
  // The anchors' own spread at the same size, and their worst over all sizes: the machine's share of charmts' figure.
  const anchorSpreads = (r: BenchRecord): string => {
    const theirs = (a: AnchorName): string => {
      const worst = Math.max(...pingpong.map((p) => p.anchors?.[a]?.spread ?? 0));
      const here = r.anchors?.[a]?.spread;
      return here === undefined ? '' : `${a} ${here.toFixed(2)} (worst ${worst.toFixed(2)})`;
    };
    const c = r.baseline?.spread === undefined ? [] : [`C ${r.baseline.spread.toFixed(2)}`];
    const list = [...c, ...(['Charm++', 'Charm4py'] as const).map(theirs).filter((x) => x)];
    return list.length ? `; same size: ${list.join(', ')}` : '';
  };
  out.push(line('ping-pong spread, max / median trial', { at: 'below', value: 2 }, pingpong, (r) => r.max / r.value, (r) => `${where(r)}${anchorSpreads(r)}`, 'pingpong not run'));
  const broadcast = named('broadcast', [2, 4]);
  const allreduce = named('reduction', [2, 4]).filter((r) => r.params.bytes === 8);
  out.push(line('broadcast, completion awaited, np 2 and 4 / Charm++', { at: 'most', value: 2 }, broadcast, vs('Charm++'), atNp, 'no Charm++ figure in this run'));
  out.push(line('allreduce 8 B, np 2 and 4 / Charm++', { at: 'most', value: 2 }, allreduce, vs('Charm++'), atNp, 'no Charm++ figure in this run'));
  out.push(line('migration / Charm++', { at: 'most', value: 1.5 }, named('migration'), vs('Charm++'), () => '', 'no Charm++ figure in this run'));
  const poolWhere = (r: BenchRecord): string => `chunk ${r.params.chunksize} np ${r.np}`;
  out.push(line('pool.map tasks/s / Charm4py', { at: 'least', value: 1 }, named('pool-map'), vs('Charm4py'), poolWhere, 'no Charm4py figure in this run'));
  const idle = (r: BenchRecord): number => r.value;
  out.push(line('idle round trip after 1 s idle, us', { at: 'most', value: 50 }, named('idle-reply'), idle, () => '', 'idle not run'));
  out.push(line('idle CPU, % of a core', { at: 'below', value: 10 }, named(/^idle-cpu-pe/), idle, (r) => r.name.replace('idle-cpu-', ''), 'idle not run'));
  const sectionOps = named(/^section-(multicast|allreduce)$/, [2, 4]);
  out.push(line('section op / whole-array op, multicast awaited and allreduce 8 B, np 2 and 4', { at: 'most', value: 1.5 }, sectionOps, (r) => r.ratio ?? undefined, (r) => `${r.name.replace('section-', '')} np ${r.np}`, 'sections not run'));
  const perIteration = (np: number): BenchRecord | undefined => named('jacobi2d-iteration', [np])[0];
  const jacobiWhere = (r: BenchRecord): string => {
    const [one, two] = [perIteration(1), perIteration(2)];
    if (!one || !two) return '';
    const ms = (x: { value: number } | undefined): string => (x ? x.value.toFixed(1) : '-');
    const c4p = one.anchors?.Charm4py ?? two.anchors?.Charm4py;
    const kernel = c4p?.note ? ` (${c4p.note})` : '';
    return `${r.params.blocks} chares, best np 1 / best np 2, of the medians ${(one.value / two.value).toFixed(2)}; ms/iteration (median) np 1 ${ms(one)}, np 2 ${ms(two)}; Charm4py${kernel} ${c4p ? `${ms(one.anchors?.Charm4py)}, ${ms(two.anchors?.Charm4py)}` : 'not built'}`;
  };
  out.push(line('jacobi2d 2048 x 2048 speed-up np 1 -> np 2', { at: 'least', value: 1.8 }, named('jacobi2d-speedup'), (r) => r.value, jacobiWhere, 'jacobi2d not run'));
  return out;
}
