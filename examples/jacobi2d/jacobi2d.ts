// Jacobi relaxation on a 2D grid split into a 2D chare array of blocks.
// Each iteration, blocks exchange halo rows and columns with their four
// neighbours, relax, and reduce the largest change (max residual) to the
// main chare, which stops, checkpoints, or lets the blocks go on. The check
// is pipelined: a block may start iteration i + 1 once the main chare has
// judged iteration i - JUDGED_LAG, so the reduction's round trip overlaps
// relaxations instead of stopping every PE each iteration; blocks stop and
// wait where the main chare must act on iteration i itself (the last one, a
// checkpoint). With +balancer NAME (GreedyLB, RefineLB, RotateLB) blocks
// rebalance every `lbPeriod` steps.
//
//   mpirun -np 4 node dist/examples/jacobi2d/jacobi2d.js [gridSize] [blocksPerSide] [maxIterations] [checkpointEvery]
//          [+balancer GreedyLB] [+checkpoint-dir DIR] [+restart DIR]
//
// With checkpointEvery > 0 the job checkpoints to +checkpoint-dir every
// that many iterations; `+restart DIR` (on any number of PEs) goes on from
// the checkpoint. The last line (iterations and residual) is the same for
// any number of PEs, restarted or not.
import { charm, Chare, Reducer, type ArrayElementProxy, type Callback, type ArrayProxy, type CheckpointStatus, type ElementProxy } from '../../lib';

type Index = readonly [number, number];

interface Settings {
  blockSize: number;
  blocks: number;
  maxIterations: number;
  tolerance: number;
  lbPeriod: number;
  checkpointEvery: number;
  checkpointDir: string;
}

const enum Side {
  Top = 0,
  Bottom,
  Left,
  Right,
}

const isCheckpoint = (s: Settings, iteration: number): boolean => s.checkpointEvery > 0 && iteration % s.checkpointEvery === 0;

/**
 * The time per iteration leaves out this many first iterations (in runs of
 * at least twice as many), while V8 compiles the entry methods, the kernel
 * and the runtime's paths: Charm4py's example likewise compiles its numba
 * kernel before it starts its clock. V8 compiles the kernel in the first
 * iterations but goes on optimising the runtime until iteration 60-100, in
 * threads of its own: 1.0-1.5 ms of CPU a PE every iteration from the 11th
 * to the 100th, under 0.25 ms after (2048 x 2048, 64 blocks, np 1 and 2). At
 * np 1 they take the idle core; at np 2 on 2 cores, time from a PE. The
 * time line also gives the time from iteration COMPILE_ITERATIONS + 1 (the
 * window before), when the run is long enough for both.
 */
const WARMUP_ITERATIONS = 100;
/** The first iterations left out of the second, longer window of the time line: V8 compiles the kernel in them. */
const COMPILE_ITERATIONS = 10;

/**
 * How many iterations a block may run ahead of the main chare's last
 * judgement: it starts iteration i + 1 once iteration i - JUDGED_LAG was
 * judged. The judgement of an iteration reaches a PE a reduction, a queue on
 * PE 0 (behind the halos that set off relaxations there) and a broadcast
 * after the iteration's last block. With a lag of 1 the PE without the
 * main chare ran dry waiting for it (np 2, +trace: most of its idle waits
 * ended with `judged`); with 2 the two PEs idled 14-23% of a 300-iteration
 * job against 20-26% (+stats, 6 alternating pairs, all lower, load 12-18).
 */
const JUDGED_LAG = 2;

/** Drives the iterations (Charm++'s main chare); it lives on PE 0 and is checkpointed with the blocks. */
class Main extends Chare {
  private readonly blocks: ArrayProxy<Block>;
  private iteration = 0;
  private stopped = false;
  /** Where this run started (iteration and wall time), and where its two windows of the time line start, when it is long enough for them. */
  private started: [number, number] = [0, 0];
  private compiled: [number, number] | null = null;
  private warm: [number, number] | null = null;

  constructor(private readonly settings: Settings) {
    super();
    const s = settings;
    this.blocks = charm.createArray(Block, [s.blocks, s.blocks], [s, this.thisElement], { loadBalancing: s.lbPeriod > 0 });
    this.timeFrom(0);
    this.blocks.step();
  }

  /** Times from iteration `iteration` on (the start, a restart). */
  private timeFrom(iteration: number): void {
    this.started = [iteration, charm.wallTime()];
    this.compiled = this.warm = null;
  }

  /** Notes the start of a window of the time line at this iteration: `after` iterations from the start, in runs at least twice that long. */
  private windowStart(after: number): [number, number] | null {
    const from = this.started[0];
    return this.iteration === from + after && this.settings.maxIterations >= from + 2 * after ? [this.iteration, charm.wallTime()] : null;
  }

  /** "time: 2.900 s, 14.500 ms per iteration (iterations 101-300; 15.100 from iteration 11)". */
  private timeLine(): string {
    const now = charm.wallTime();
    const perIteration = ([iteration, t]: [number, number]): string => `${(((now - t) / (this.iteration - iteration)) * 1e3).toFixed(3)}`;
    // A window that starts at the last iteration (the run converged there) has no time in it.
    const [warm, compiled] = [this.warm, this.compiled].map((w) => (w && w[0] < this.iteration ? w : null));
    const headline = warm ?? compiled ?? this.started;
    const window = headline[0] > 0 ? ` (iterations ${headline[0] + 1}-${this.iteration}${warm && compiled ? `; ${perIteration(compiled)} from iteration ${compiled[0] + 1}` : ''})` : '';
    return `time: ${(now - headline[1]).toFixed(3)} s, ${perIteration(headline)} ms per iteration${window}`;
  }

  /** The largest change of an iteration, reduced over every block. */
  iterationDone(residual: number): void {
    // Blocks may be up to JUDGED_LAG iterations past the one that stopped the job: their results come during the exit.
    if (this.stopped) return;
    const s = this.settings;
    this.iteration++;
    this.compiled ??= this.windowStart(COMPILE_ITERATIONS);
    this.warm ??= this.windowStart(WARMUP_ITERATIONS);
    if (residual < s.tolerance || this.iteration >= s.maxIterations) {
      this.stopped = true;
      console.log(this.timeLine());
      console.log(`jacobi2d: ${this.iteration} iterations, residual ${residual.toPrecision(17)}`);
      charm.exit();
    } else if (isCheckpoint(s, this.iteration)) {
      // Every block waits for `step`: the job goes quiet, and the checkpoint is taken.
      charm.startCheckpoint(s.checkpointDir, charm.callback(this.thisProxy, 'checkpointed'));
    } else {
      this.blocks.judged(this.iteration);
    }
  }

  /** After each checkpoint, and where a restarted job goes on. */
  checkpointed(status: CheckpointStatus): void {
    if (status.restarted) {
      console.log(`jacobi2d: restarted at iteration ${this.iteration} on ${charm.numPes()} PEs (checkpointed on ${status.pes}) from ${status.dir}`);
      this.timeFrom(this.iteration);
    } else {
      console.log(`jacobi2d: checkpoint ${status.generation} at iteration ${this.iteration} in ${status.dir}`);
    }
    this.blocks.step();
  }
}

/**
 * One Jacobi sweep: each interior cell of the n x n block `g` (row stride
 * n + 2, a ghost row and column on every side) becomes the mean of its four
 * neighbours, in `out`; returns the largest change. A module-level function
 * fed only Float64Arrays, so V8 compiles one monomorphic loop; the left and
 * centre values ride in registers from cell to cell (3 loads a cell, not 5).
 */
function relax(g: Float64Array, out: Float64Array, n: number): number {
  const w = n + 2;
  let residual = 0;
  for (let i = 1; i <= n; i++) {
    let c = i * w + 1;
    const end = c + n;
    let left = g[c - 1];
    let centre = g[c];
    for (; c < end; c++) {
      const right = g[c + 1];
      const v = 0.25 * (g[c - w] + g[c + w] + left + right);
      const change = v - centre;
      if (change > residual) residual = change;
      else if (-change > residual) residual = -change;
      out[c] = v;
      left = centre;
      centre = right;
    }
  }
  return residual;
}

class Block extends Chare<Index> {
  private readonly n: number;
  private grid: Float64Array;
  private next: Float64Array;
  private iteration = 0;
  /** Halos of this iteration received (a neighbour may be one iteration ahead: their halos wait in `early`). */
  private received = 0;
  /** Halos of the next iteration, by side, held until it begins (this block may not have relaxed this one yet). */
  private early: (Float64Array | null)[] = [null, null, null, null];
  /** The last iteration this block relaxed, and the last the main chare judged (it did not stop there). */
  private relaxed = 0;
  private judgedUpTo = 0;
  /** The iteration this block last went on from (`goOn` once each: load balancing may be under way). */
  private wentOn = -1;
  private readonly neighbours: number;
  /** The neighbours' proxies, made once (as Charm4py's example makes its channels), by the side of this block they border; null at the domain's edge. */
  private readonly toward: (ArrayElementProxy<Block> | null)[];
  /** Where a column is gathered to be sent (the message copies it at the call). */
  private readonly column: Float64Array;
  /** Where each iteration's largest change goes: the main chare's iterationDone. */
  private readonly done: Callback<Main['iterationDone']>;

  constructor(private readonly settings: Settings, main: ElementProxy<Main>) {
    super();
    this.done = charm.callback(main, 'iterationDone');
    const n = (this.n = settings.blockSize);
    this.grid = new Float64Array((n + 2) * (n + 2));
    this.next = new Float64Array((n + 2) * (n + 2));
    this.column = new Float64Array(n);
    const [x, y] = this.thisIndex;
    const last = settings.blocks - 1;
    const at = (i: number, j: number): ArrayElementProxy<Block> => this.thisProxy.at([i, j]);
    this.toward = [x > 0 ? at(x - 1, y) : null, x < last ? at(x + 1, y) : null, y > 0 ? at(x, y - 1) : null, y < last ? at(x, y + 1) : null];
    this.neighbours = this.toward.filter((p) => p !== null).length;
    this.applyBoundary(this.grid);
    this.applyBoundary(this.next);
  }

  /** The top edge of the whole domain is held at 1; every other edge at 0. */
  private applyBoundary(g: Float64Array): void {
    if (this.thisIndex[0] !== 0) return;
    for (let j = 0; j < this.n + 2; j++) g[j] = 1;
  }

  /** From the main chare: go on from here (at the start, after a checkpoint, on restart). */
  step(): void {
    this.judgedUpTo = this.iteration;
    this.goOn();
  }

  /** From the main chare: `iteration` did not converge; a block may go JUDGED_LAG iterations past it. */
  judged(iteration: number): void {
    this.judgedUpTo = iteration;
    if (this.relaxed === this.iteration && this.mayGoOn()) this.goOn();
  }

  /** Whether this block, having relaxed its iteration, may start the next without the main chare's word on it. */
  private mayGoOn(): boolean {
    const s = this.settings;
    return this.judgedUpTo >= this.iteration - JUDGED_LAG && this.iteration < s.maxIterations && !isCheckpoint(s, this.iteration);
  }

  /** Starts the next iteration (after load balancing, when it is due), once per iteration. */
  private goOn(): void {
    if (this.wentOn === this.iteration) return;
    this.wentOn = this.iteration;
    const period = this.settings.lbPeriod;
    if (period > 0 && this.iteration > 0 && this.iteration % period === 0) this.AtSync();
    else this.beginIteration();
  }

  override resumeFromSync(): void {
    this.beginIteration();
  }

  private beginIteration(): void {
    this.iteration++;
    this.received = 0;
    for (let side = Side.Top; side <= Side.Right; side++) {
      const edge = this.early[side];
      if (!edge) continue;
      this.early[side] = null;
      this.storeHalo(side, edge);
    }
    const n = this.n;
    const w = n + 2;
    const g = this.grid;
    const [top, bottom, left, right] = this.toward;
    // Rows go as views of the grid and columns from one scratch array: each send copies its argument.
    top?.halo(this.iteration, Side.Bottom, g.subarray(w + 1, w + 1 + n));
    bottom?.halo(this.iteration, Side.Top, g.subarray(n * w + 1, n * w + 1 + n));
    left?.halo(this.iteration, Side.Right, this.gatherColumn(1));
    right?.halo(this.iteration, Side.Left, this.gatherColumn(n));
    this.relaxIfReady();
  }

  private gatherColumn(j: number): Float64Array {
    const w = this.n + 2;
    const c = this.column;
    for (let i = 0; i < this.n; i++) c[i] = this.grid[(i + 1) * w + j];
    return c;
  }

  /** A neighbour's edge for `iteration`, for our ghost cells on `side`. */
  halo(iteration: number, side: Side, edge: Float64Array): void {
    if (iteration === this.iteration + 1) this.early[side] = edge;
    else if (iteration === this.iteration && this.relaxed < iteration) {
      this.storeHalo(side, edge);
      this.relaxIfReady();
    } else throw new Error(`jacobi2d: block ${this.thisIndex.join(',')} at iteration ${this.iteration} got a halo of iteration ${iteration}`);
  }

  private storeHalo(side: Side, edge: Float64Array): void {
    this.received++;
    const n = this.n;
    const w = n + 2;
    const g = this.grid;
    if (side === Side.Top) g.set(edge, 1);
    else if (side === Side.Bottom) g.set(edge, (n + 1) * w + 1);
    else {
      const j = side === Side.Left ? 0 : n + 1;
      for (let k = 0; k < n; k++) g[(k + 1) * w + j] = edge[k];
    }
  }

  private relaxIfReady(): void {
    if (this.received < this.neighbours) return;
    this.received = 0;
    const residual = relax(this.grid, this.next, this.n);
    // Ghost cells of the new `next` are refreshed from neighbours next iteration; the boundary stays.
    const g = this.grid;
    this.grid = this.next;
    this.next = g;
    this.applyBoundary(this.next);
    this.relaxed = this.iteration;
    this.contribute(residual, Reducer.max, this.done);
    if (this.mayGoOn()) this.goOn();
  }
}
charm.register(Main, Block);

charm.start((args) => {
  const positional = args.filter((a, i) => !a.startsWith('+') && !args[i - 1]?.startsWith('+'));
  const gridSize = Number(positional[0] ?? 256);
  const blocks = Number(positional[1] ?? 4);
  const maxIterations = Number(positional[2] ?? 200);
  const checkpointEvery = Number(positional[3] ?? 0);
  if (!Number.isInteger(gridSize / blocks) || gridSize <= 0 || blocks <= 0) charm.abort(`grid size ${gridSize} must be a positive multiple of blocks per side ${blocks}`);
  const checkpointDir = charm.checkpointDir() ?? '';
  if (checkpointEvery > 0 && !checkpointDir) charm.abort(`checkpointing every ${checkpointEvery} iterations needs a directory: add +checkpoint-dir DIR`);
  // main's arguments leave out the runtime's options: whether to balance is the runtime's +balancer.
  const balancing = process.argv.includes('+balancer');
  const settings: Settings = { blockSize: gridSize / blocks, blocks, maxIterations, tolerance: 1e-5, lbPeriod: balancing ? 20 : 0, checkpointEvery, checkpointDir };
  console.log(`jacobi2d: ${gridSize}x${gridSize} grid, ${blocks}x${blocks} blocks, ${charm.numPes()} PEs${balancing ? ', load balancing' : ''}${checkpointEvery ? `, a checkpoint every ${checkpointEvery} iterations` : ''}`);
  charm.createChare(Main, [settings], { onPE: 0 });
});
