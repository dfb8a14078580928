// N-queens with the task pool: counts the ways to place n queens on an
// n x n board with none attacking another. The first `depth` rows are
// explored with nested pool tasks (a task per safe square of the next
// row, awaited by its parent task); below that depth a worker counts
// serially. PE 0 schedules, PEs 1 and up run the tasks.
//
//   mpirun -np 4 node dist/examples/nqueens/nqueens.js [n=10] [depth=3]
//   make nqueens NP=4 ARGS="10 3"
//
// The last line gives the count, checked against the known counts.
import { charm } from '../../lib';

/** Queens placed in the first `row` rows, as bitmasks of the squares they attack in the next row. */
interface Placement {
  readonly n: number;
  readonly depth: number;
  readonly row: number;
  readonly columns: number;
  /** Attacked along diagonals going down-left and down-right. */
  readonly left: number;
  readonly right: number;
}

/** The placements of the next row's queen, one per square nobody attacks. */
function children(p: Placement): Placement[] {
  const all = (1 << p.n) - 1;
  const next: Placement[] = [];
  for (let free = all & ~(p.columns | p.left | p.right); free !== 0; free &= free - 1) {
    const bit = free & -free;
    next.push({ ...p, row: p.row + 1, columns: p.columns | bit, left: ((p.left | bit) << 1) & all, right: (p.right | bit) >> 1 });
  }
  return next;
}

/** Solutions below `p`, counted on this PE. */
function countSerially(p: Placement): number {
  if (p.row === p.n) return 1;
  let count = 0;
  for (const child of children(p)) count += countSerially(child);
  return count;
}

/** A pool task: solutions below `p`, with a nested task per child above the depth. */
async function solve(p: Placement): Promise<number> {
  if (p.row >= Math.min(p.depth, p.n)) return countSerially(p);
  const counts = await charm.pool.map(solve, children(p));
  return counts.reduce((a, b) => a + b, 0);
}
charm.pool.register(solve);

const KNOWN: Record<number, number> = { 1: 1, 2: 0, 3: 0, 4: 2, 5: 10, 6: 4, 7: 40, 8: 92, 9: 352, 10: 724, 11: 2680, 12: 14200, 13: 73712, 14: 365596 };

charm.start(async (args) => {
  const n = Number(args[0] ?? 10);
  const depth = Number(args[1] ?? 3);
  if (!Number.isInteger(n) || n < 1 || n > 20) charm.abort(`nqueens: n must be an integer 1..20, got ${args[0]}`);
  if (!Number.isInteger(depth) || depth < 0) charm.abort(`nqueens: depth must be a non-negative integer, got ${args[1]}`);
  const start = charm.wallTime();
  const solutions = await charm.pool.submit(solve, { n, depth, row: 0, columns: 0, left: 0, right: 0 });
  console.log(`time: ${(charm.wallTime() - start).toFixed(3)} s on ${charm.numPes()} PEs`);
  const known = KNOWN[n];
  const verdict = known === undefined ? '' : known === solutions ? ' (correct)' : ` (WRONG: expected ${known})`;
  console.log(`nqueens: n=${n}, ${solutions} solutions${verdict}`);
  charm.exit(known === undefined || known === solutions ? 0 : 1);
});
