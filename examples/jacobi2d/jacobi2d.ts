// Jacobi relaxation on a 2D grid split into a 2D chare array of blocks.
// Each iteration, blocks exchange halo rows and columns with their four
// neighbours, relax, and reduce the largest change (max residual); the
// next iteration starts when every block knows it. With +balancer NAME
// (GreedyLB, RefineLB, RotateLB) blocks rebalance every `lbPeriod` steps.
//
//   mpirun -np 4 node dist/examples/jacobi2d/jacobi2d.js [gridSize] [blocksPerSide] [maxIterations] [+balancer GreedyLB]
//
// The last line (iterations and residual) is the same for any number of PEs.
import { charm, Chare, Future, Reducer, type ArrayProxy } from '../../lib';

type Index = readonly [number, number];

interface Settings {
  blockSize: number;
  blocks: number;
  maxIterations: number;
  tolerance: number;
  lbPeriod: number;
}

const enum Side {
  Top = 0,
  Bottom,
  Left,
  Right,
}

class Block extends Chare<Index> {
  private readonly n: number;
  private grid: Float64Array;
  private next: Float64Array;
  private iteration = 0;
  /** Halos received, by iteration (a neighbour may be one iteration ahead). */
  private halos = new Map<number, Map<Side, Float64Array>>();
  private readonly neighbours: number;

  constructor(private readonly settings: Settings, private readonly done: Future<[number, number]>) {
    super();
    const n = (this.n = settings.blockSize);
    this.grid = new Float64Array((n + 2) * (n + 2));
    this.next = new Float64Array((n + 2) * (n + 2));
    const [x, y] = this.thisIndex;
    const last = settings.blocks - 1;
    this.neighbours = (x > 0 ? 1 : 0) + (x < last ? 1 : 0) + (y > 0 ? 1 : 0) + (y < last ? 1 : 0);
    this.applyBoundary(this.grid);
    this.applyBoundary(this.next);
  }

  /** The top edge of the whole domain is held at 1; every other edge at 0. */
  private applyBoundary(g: Float64Array): void {
    if (this.thisIndex[0] !== 0) return;
    for (let j = 0; j < this.n + 2; j++) g[j] = 1;
  }

  start(): void {
    this.beginIteration();
  }

  private beginIteration(): void {
    this.iteration++;
    const [x, y] = this.thisIndex;
    const n = this.n;
    const w = n + 2;
    const proxy = this.thisProxy;
    const row = (i: number): Float64Array => this.grid.slice(i * w + 1, i * w + 1 + n);
    const column = (j: number): Float64Array => {
      const c = new Float64Array(n);
      for (let i = 0; i < n; i++) c[i] = this.grid[(i + 1) * w + j];
      return c;
    };
    if (x > 0) proxy.at([x - 1, y]).halo(this.iteration, Side.Bottom, row(1));
    if (x < this.settings.blocks - 1) proxy.at([x + 1, y]).halo(this.iteration, Side.Top, row(n));
    if (y > 0) proxy.at([x, y - 1]).halo(this.iteration, Side.Right, column(1));
    if (y < this.settings.blocks - 1) proxy.at([x, y + 1]).halo(this.iteration, Side.Left, column(n));
    this.relaxIfReady();
  }

  /** A neighbour's edge for `iteration`, to store in our halo on `side`. */
  halo(iteration: number, side: Side, edge: Float64Array): void {
    let received = this.halos.get(iteration);
    if (!received) this.halos.set(iteration, (received = new Map()));
    received.set(side, edge);
    if (iteration === this.iteration) this.relaxIfReady();
  }

  private relaxIfReady(): void {
    const received = this.halos.get(this.iteration);
    if ((received?.size ?? 0) < this.neighbours) return;
    this.halos.delete(this.iteration);
    const n = this.n;
    const w = n + 2;
    const g = this.grid;
    for (const [side, edge] of received ?? []) {
      for (let k = 0; k < n; k++) {
        if (side === Side.Top) g[k + 1] = edge[k];
        else if (side === Side.Bottom) g[(n + 1) * w + k + 1] = edge[k];
        else if (side === Side.Left) g[(k + 1) * w] = edge[k];
        else g[(k + 1) * w + n + 1] = edge[k];
      }
    }
    let residual = 0;
    const out = this.next;
    for (let i = 1; i <= n; i++) {
      for (let j = 1; j <= n; j++) {
        const v = 0.25 * (g[(i - 1) * w + j] + g[(i + 1) * w + j] + g[i * w + j - 1] + g[i * w + j + 1]);
        const change = Math.abs(v - g[i * w + j]);
        if (change > residual) residual = change;
        out[i * w + j] = v;
      }
    }
    // Halo cells of `out` are refreshed from neighbours next iteration; the boundary stays.
    this.next = g;
    this.grid = out;
    this.applyBoundary(this.next);
    this.contribute(residual, Reducer.max, charm.callback(this.thisProxy, 'converged'));
  }

  /** Every block learns the largest change of this iteration. */
  converged(residual: number): void {
    const s = this.settings;
    if (residual < s.tolerance || this.iteration >= s.maxIterations) {
      if (this.thisIndex[0] === 0 && this.thisIndex[1] === 0) this.done.send([this.iteration, residual]);
      return;
    }
    if (s.lbPeriod > 0 && this.iteration % s.lbPeriod === 0) this.AtSync();
    else this.beginIteration();
  }

  resumeFromSync(): void {
    this.beginIteration();
  }
}
charm.register(Block);

charm.start(async (args) => {
  const positional = args.filter((a, i) => !a.startsWith('+') && !args[i - 1]?.startsWith('+'));
  const gridSize = Number(positional[0] ?? 256);
  const blocks = Number(positional[1] ?? 4);
  const maxIterations = Number(positional[2] ?? 200);
  if (!Number.isInteger(gridSize / blocks) || gridSize <= 0 || blocks <= 0) charm.abort(`grid size ${gridSize} must be a positive multiple of blocks per side ${blocks}`);
  const balancing = args.includes('+balancer');
  const settings: Settings = { blockSize: gridSize / blocks, blocks, maxIterations, tolerance: 1e-5, lbPeriod: balancing ? 20 : 0 };
  console.log(`jacobi2d: ${gridSize}x${gridSize} grid, ${blocks}x${blocks} blocks, ${charm.numPes()} PEs${balancing ? ', load balancing' : ''}`);
  const done = charm.createFuture<[number, number]>();
  const array: ArrayProxy<Block> = charm.createArray(Block, [blocks, blocks], [settings, done], { loadBalancing: balancing });
  const t0 = charm.wallTime();
  array.start();
  const [iterations, residual] = await done;
  const seconds = charm.wallTime() - t0;
  console.log(`time: ${seconds.toFixed(3)} s, ${((seconds / iterations) * 1e3).toFixed(3)} ms per iteration`);
  console.log(`jacobi2d: ${iterations} iterations, residual ${residual.toPrecision(17)}`);
  charm.exit();
});
