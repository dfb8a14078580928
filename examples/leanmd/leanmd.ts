// LeanMD, small: particles in a periodic box split into a 3D chare array of
// cells. Each step a cell sends its particles' positions to its 26
// neighbours, computes Lennard-Jones forces within the cutoff from its own
// and its neighbours' particles, integrates, and hands particles that left
// its volume to the neighbour that now owns them. The total energy is
// reduced every step; with +balancer GreedyLB the cells rebalance every
// `lbPeriod` steps (particles start clustered, so the load is uneven).
//
//   mpirun -np 4 node dist/examples/leanmd/leanmd.js [cellsPerSide] [steps] [+balancer GreedyLB]
import { charm, Chare, Future, Reducer } from '../../lib';

type Index = readonly [number, number, number];

interface Settings {
  cells: number;
  cellSize: number;
  steps: number;
  lbPeriod: number;
}

const DT = 0.002;
const CUTOFF = 1.0;
const offsets: Index[] = [];
for (let x = -1; x <= 1; x++) for (let y = -1; y <= 1; y++) for (let z = -1; z <= 1; z++) if (x || y || z) offsets.push([x, y, z]);

class Cell extends Chare<Index> {
  /** x, y, z, vx, vy, vz per particle. */
  private particles: Float64Array;
  private step = 0;
  private neighbourData = new Map<number, Float64Array[]>();
  private incoming = new Map<number, Float64Array[]>();

  constructor(private readonly s: Settings, private readonly done: Future<[number, number]>) {
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

  /** Starts a step: every neighbour gets our positions. */
  begin(): void {
    this.step++;
    for (const d of offsets) this.thisProxy.at(this.neighbour(d) as Index).positions(this.step, this.particles);
    this.tryCompute();
  }

  positions(step: number, data: Float64Array): void {
    const list = this.neighbourData.get(step) ?? [];
    list.push(data);
    this.neighbourData.set(step, list);
    if (step === this.step) this.tryCompute();
  }

  private tryCompute(): void {
    const received = this.neighbourData.get(this.step);
    if (!received || received.length < offsets.length) return;
    this.neighbourData.delete(this.step);
    const energy = this.integrate(received);
    this.handOff();
    this.contribute([energy, this.particles.length / 6], Reducer.tuple(Reducer.sum, Reducer.sum), charm.callback(this.thisProxy, 'stepDone'));
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

  /** Particles that left this cell's volume go to the cell that owns them now. */
  private handOff(): void {
    const keep: number[] = [];
    const leaving = new Map<string, number[]>();
    const p = this.particles;
    for (let i = 0; i < p.length; i += 6) {
      const owner = [0, 1, 2].map((k) => Math.min(this.s.cells - 1, Math.floor(p[i + k] / this.s.cellSize)));
      const target = owner.every((c, k) => c === this.thisIndex[k]) ? keep : leaving.get(owner.join(',')) ?? [];
      for (let k = 0; k < 6; k++) target.push(p[i + k]);
      if (target !== keep) leaving.set(owner.join(','), target);
    }
    this.particles = Float64Array.from(keep);
    for (const [key, list] of leaving) this.thisProxy.at(key.split(',').map(Number) as unknown as Index).arrive(this.step, Float64Array.from(list));
  }

  arrive(step: number, data: Float64Array): void {
    const list = this.incoming.get(step) ?? [];
    list.push(data);
    this.incoming.set(step, list);
  }

  /** Every cell learns the step's energy and particle count. */
  stepDone(totals: [number, number]): void {
    for (const data of this.incoming.get(this.step) ?? []) {
      const merged = new Float64Array(this.particles.length + data.length);
      merged.set(this.particles);
      merged.set(data, this.particles.length);
      this.particles = merged;
    }
    this.incoming.delete(this.step);
    if (this.step === this.s.steps) {
      if (this.thisIndex.every((c) => c === 0)) this.done.send(totals);
      return;
    }
    if (this.s.lbPeriod > 0 && this.step % this.s.lbPeriod === 0) this.AtSync();
    else this.begin();
  }

  resumeFromSync(): void {
    this.begin();
  }
}
charm.register(Cell);

charm.start(async (args) => {
  const positional = args.filter((a, i) => !a.startsWith('+') && !args[i - 1]?.startsWith('+'));
  const cells = Number(positional[0] ?? 4);
  const steps = Number(positional[1] ?? 40);
  const balancing = args.includes('+balancer');
  const settings: Settings = { cells, cellSize: CUTOFF, steps, lbPeriod: balancing ? 10 : 0 };
  const done = charm.createFuture<[number, number]>();
  const grid = charm.createArray(Cell, [cells, cells, cells], [settings, done], { loadBalancing: balancing });
  console.log(`leanmd: ${cells}^3 cells on ${charm.numPes()} PEs, ${steps} steps${balancing ? ', load balancing every 10 steps' : ''}`);
  const t0 = charm.wallTime();
  grid.begin();
  const [energy, particles] = await done;
  const seconds = charm.wallTime() - t0;
  console.log(`time: ${seconds.toFixed(3)} s, ${((seconds / steps) * 1e3).toFixed(2)} ms per step`);
  console.log(`leanmd: ${steps} steps, ${particles} particles, energy ${energy.toPrecision(12)}`);
  charm.exit();
});
