// N-queens with the task pool: the board is split into nested tasks down
// to a depth (each task counts the solutions below a partial placement,
// spawning one task per next-row column until the depth is reached), then
// counted serially on the worker.
//   mpirun -np 4 node dist/examples/nqueens/nqueens.js [n] [depth]
import { charm } from '../../lib';

/** Solutions below `cols` (the columns of the queens placed so far, one per row). */
function countBelow(n: number, cols: number[]): number {
  const row = cols.length;
  if (row === n) return 1;
  let count = 0;
  for (let c = 0; c < n; c++) {
    if (cols.every((qc, qr) => qc !== c && Math.abs(qc - c) !== row - qr)) count += countBelow(n, [...cols, c]);
  }
  return count;
}

/** A pool task: above `depth`, one nested task per safe column of the next row. */
async function solve(n: number, depth: number, cols: number[]): Promise<number> {
  if (cols.length >= depth) return countBelow(n, cols);
  const row = cols.length;
  const next = [];
  for (let c = 0; c < n; c++) if (cols.every((qc, qr) => qc !== c && Math.abs(qc - c) !== row - qr)) next.push([...cols, c]);
  const counts = await charm.pool.map(solveTask, next.map((placed) => [n, depth, placed] as const));
  return counts.reduce((a, b) => a + b, 0);
}

/** solve() with its arguments packed in one item, as pool.map gives one item per task. */
async function solveTask([n, depth, cols]: readonly [number, number, number[]]): Promise<number> {
  return solve(n, depth, cols);
}
charm.pool.register(solveTask);
charm.pool.register(countBelow);

const KNOWN: Record<number, number> = { 4: 2, 5: 10, 6: 4, 7: 40, 8: 92, 9: 352, 10: 724, 11: 2680, 12: 14200 };

charm.start(async (args) => {
  const n = Number(args[0] ?? 11);
  const depth = Number(args[1] ?? 2);
  const t0 = charm.wallTime();
  const solutions = await charm.pool.submit(solveTask, [n, depth, []] as const);
  const seconds = charm.wallTime() - t0;
  console.log(`time: ${seconds.toFixed(3)} s on ${charm.numPes()} PEs`);
  console.log(`nqueens: n=${n}, ${solutions} solutions${KNOWN[n] !== undefined ? (KNOWN[n] === solutions ? ' (correct)' : ` (WRONG: expected ${KNOWN[n]})`) : ''}`);
  charm.exit(KNOWN[n] === undefined || KNOWN[n] === solutions ? 0 : 1);
});
