// LeanMD, small: particles in a periodic box split into a 3D chare array of
// cells. Each step a cell sends its particles' positions to its 26
// neighbours, computes Lennard-Jones forces within the cutoff from its own
// and its neighbours' particles, and integrates; particles that left its
// volume go to the neighbour that now owns them with the next step's
// positions (so no message can overtake them). The main chare sums the
// energy of each step and starts the next; with +balancer GreedyLB the
// cells rebalance every `lbPeriod` steps (particles start clustered, so the
// load is uneven). Every sum is taken in a fixed order (neighbours by
// direction, cells by index), so a run gives the same numbers on any
// number of PEs, restarted from a checkpoint or not.
//
//   mpirun -np 4 node dist/examples/leanmd/leanmd.js [cellsPerSide] [steps] [checkpointEvery]
//          [+balancer GreedyLB] [+checkpoint-dir DIR] [+restart DIR]
import { charm, Chare, Reducer, type ArrayProxy, type CheckpointStatus, type ElementProxy } from '../../lib';

type Index = readonly [number, number, number];

interface Settings {
  cells: number;
  cellSize: number;
  steps: number;
  lbPeriod: number;
  checkpointEvery: number;
  checkpointDir: string;
}

const DT = 0.002;
const CUTOFF = 1.0;
const offsets: Index[] = [];
for (let x = -1; x <= 1; x++) for (let y = -1; y <= 1; y++) for (let z = -1; z <= 1; z++) if (x || y || z) offsets.push([x, y, z]);
const NONE = new Float64Array(0);

/** Drives the steps (Charm++'s main chare); it lives on PE 0 and is checkpointed with the cells. */
class Main extends Chare {
  private readonly cells: ArrayProxy<Cell>;
  private step = 0;
  /** Where this run started timing (step and wall time), for the time line. */
  private timedFrom: [number, number];

  constructor(private readonly s: Settings) {
    super();
    this.cells = charm.createArray(Cell, [s.cells, s.cells, s.cells], [s, this.thisElement], { loadBalancing: s.lbPeriod > 0 });
    this.timedFrom = [0, charm.wallTime()];
    this.cells.nextStep();
  }

  /** Every cell's [energy, particles] of a step, in index order. */
  stepDone(perCell: [number, number][]): void {
    this.step++;
    if (this.step === this.s.steps) {
      let energy = 0;
      let particles = 0;
      for (const [e, n] of perCell) {
        energy += e;
        particles += n;
      }
      const seconds = charm.wallTime() - this.timedFrom[1];
      console.log(`time: ${seconds.toFixed(3)} s, ${((seconds / (this.step - this.timedFrom[0])) * 1e3).toFixed(2)} ms per step`);
      console.log(`leanmd: ${this.step} steps, ${particles} particles, energy ${energy.toPrecision(12)}`);
      charm.exit();
    } else if (this.s.checkpointEvery > 0 && this.step % this.s.checkpointEvery === 0) {
      // Every cell waits for `nextStep`: the job goes quiet, and the checkpoint is taken.
      charm.startCheckpoint(this.s.checkpointDir, charm.callback(this.thisProxy, 'checkpointed'));
    } else {
      this.cells.nextStep();
    }
  }

  /** After each checkpoint, and where a restarted job goes on. */
  checkpointed(status: CheckpointStatus): void {
    if (status.restarted) {
      console.log(`leanmd: restarted at step ${this.step} on ${charm.numPes()} PEs (checkpointed on ${status.pes}) from ${status.dir}`);
      this.timedFrom = [this.step, charm.wallTime()];
    } else {
      console.log(`leanmd: checkpoint ${status.generation} at step ${this.step} in ${status.dir}`);
    }
    this.cells.nextStep();
  }
}

class Cell extends Chare<Index> {
  /** x, y, z, vx, vy, vz per particle. */
  private particles: Float64Array;
  private step = 0;
  /** Neighbours' data by step, one slot per direction, so that sums run in one order: [positions, particles handed to this cell]. */
  private neighbourData = new Map<number, [Float64Array, Float64Array][]>();
  /** Particles that left this cell last step, by the direction of the neighbour that owns them now. */
  private leaving: Float64Array[] = [];

  constructor(private readonly s: Settings, private readonly main: ElementProxy<Main>) {
    super();
    // Particles cluster in the low corner of the box: an uneven load to balance.
    const [cx, cy, cz] = this.thisIndex;
    const n = cx + cy + cz < s.cells ? 24 : 6;
    this.particles = new Float64Array(6 * n);
    let seed = 1 + cx * 97 + cy * 31 + cz * 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let p = 0; p < n; p++) {
      this.particles[6 * p] = (cx + 0.1 + 0.8 * random()) * s.cellSize;
      this.particles[6 * p + 1] = (cy + 0.1 + 0.8 * random()) * s.cellSize;
      this.particles[6 * p + 2] = (cz + 0.1 + 0.8 * random()) * s.cellSize;
    }
  }

  private neighbour(d: Index): readonly number[] {
    const n = this.s.cells;
    return this.thisIndex.map((c, i) => (c + d[i] + n) % n);
  }

  /** Starts the next step, after load balancing when it is due. */
  nextStep(): void {
    if (this.s.lbPeriod > 0 && this.step > 0 && this.step % this.s.lbPeriod === 0) this.AtSync();
    else this.begin();
  }

  override resumeFromSync(): void {
    this.begin();
  }

  /** Starts a step: every neighbour gets our positions, with the particles that moved into its volume. */
  private begin(): void {
    this.step++;
    offsets.forEach((d, direction) => this.thisProxy.at(this.neighbour(d) as Index).positions(this.step, direction, this.particles, this.leaving[direction] ?? NONE));
    this.leaving = [];
    this.tryCompute();
  }

  /** The neighbour in `direction` (seen from it): its positions for `step`, and particles it hands to this cell. */
  positions(step: number, direction: number, data: Float64Array, handed: Float64Array): void {
    let slots = this.neighbourData.get(step);
    if (!slots) this.neighbourData.set(step, (slots = []));
    slots[direction] = [data, handed];
    if (step === this.step) this.tryCompute();
  }

  private tryCompute(): void {
    const received = this.neighbourData.get(this.step);
    if (!received || received.filter(Boolean).length < offsets.length) return;
    this.neighbourData.delete(this.step);
    this.takeIn(received.map(([, handed]) => handed));
    const energy = this.integrate(received.map(([data]) => data));
    this.handOff();
    const totals: [number, number] = [energy, this.particles.length / 6];
    this.contribute(totals, Reducer.gather, charm.callback(this.main, 'stepDone'));
  }

  /** Adds the particles neighbours handed over, in direction order. */
  private takeIn(handed: Float64Array[]): void {
    const parts = [this.particles, ...handed.filter((h) => h.length > 0)];
    if (parts.length === 1) return;
    this.particles = new Float64Array(parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of parts) {
      this.particles.set(part, at);
      at += part.length;
    }
  }

  /** Lennard-Jones forces (minimum-image periodic distances) and a velocity update; returns the potential energy. */
  private integrate(received: Float64Array[]): number {
    const p = this.particles;
    const box = this.s.cells * this.s.cellSize;
    let energy = 0;
    const wrap = (d: number): number => d - box * Math.round(d / box);
    const others = [p, ...received];
    for (let i = 0; i < p.length; i += 6) {
      let fx = 0;
      let fy = 0;
      let fz = 0;
      for (const q of others) {
        for (let j = 0; j < q.length; j += 6) {
          if (q === p && j === i) continue;
          const dx = wrap(p[i] - q[j]);
          const dy = wrap(p[i + 1] - q[j + 1]);
          const dz = wrap(p[i + 2] - q[j + 2]);
          const r2 = Math.max(dx * dx + dy * dy + dz * dz, 0.09);
          if (r2 > CUTOFF * CUTOFF) continue;
          const inv6 = (1 / (r2 * r2 * r2)) * 1e-3; // sigma^6 = 1e-3
          // Capped, so the toy system stays stable with a fixed time step.
          const f = Math.max(-100, Math.min(100, (24 * inv6 * (2 * inv6 - 1)) / r2));
          fx += f * dx;
          fy += f * dy;
          fz += f * dz;
          energy += 2 * inv6 * (inv6 - 1); // half of 4(...) per pair, counted from both ends
        }
      }
      p[i + 3] += fx * DT;
      p[i + 4] += fy * DT;
      p[i + 5] += fz * DT;
    }
    for (let i = 0; i < p.length; i += 6) for (let k = 0; k < 3; k++) p[i + k] = (((p[i + k] + p[i + 3 + k] * DT) % box) + box) % box;
    return energy;
  }

  /** Particles that left this cell's volume go, with the next step's positions, to the neighbour that owns them now. */
  private handOff(): void {
    const keep: number[] = [];
    const leaving: number[][] = [];
    const p = this.particles;
    for (let i = 0; i < p.length; i += 6) {
      const owner = [0, 1, 2].map((k) => Math.min(this.s.cells - 1, Math.floor(p[i + k] / this.s.cellSize)));
      let target = keep;
      if (!owner.every((c, k) => c === this.thisIndex[k])) {
        const direction = offsets.findIndex((d) => this.neighbour(d).every((c, k) => c === owner[k]));
        target = leaving[direction] ??= [];
      }
      for (let k = 0; k < 6; k++) target.push(p[i + k]);
    }
    this.particles = Float64Array.from(keep);
    this.leaving = leaving.map((list) => Float64Array.from(list));
  }
}
charm.register(Main, Cell);

charm.start((args) => {
  const positional = args.filter((a, i) => !a.startsWith('+') && !args[i - 1]?.startsWith('+'));
  const cells = Number(positional[0] ?? 4);
  const steps = Number(positional[1] ?? 40);
  const checkpointEvery = Number(positional[2] ?? 0);
  const checkpointDir = charm.checkpointDir() ?? '';
  if (checkpointEvery > 0 && !checkpointDir) charm.abort(`checkpointing every ${checkpointEvery} steps needs a directory: add +checkpoint-dir DIR`);
  // main's arguments leave out the runtime's options: whether to balance is the runtime's +balancer.
  const balancing = process.argv.includes('+balancer');
  const settings: Settings = { cells, cellSize: CUTOFF, steps, lbPeriod: balancing ? 10 : 0, checkpointEvery, checkpointDir };
  console.log(`leanmd: ${cells}^3 cells on ${charm.numPes()} PEs, ${steps} steps${balancing ? ', load balancing every 10 steps' : ''}${checkpointEvery ? `, a checkpoint every ${checkpointEvery} steps` : ''}`);
  charm.createChare(Main, [settings], { onPE: 0 });
});
