// The 2D wave equation on a 4x3 chare array, shown live in the browser
// (Charm4py's examples/wave2d, which shows it in a Tk window). Each block
// exchanges its edges with its four neighbours over channels every step
// and deposits its piece of the image with liveViz every frame; PE 0 combines
// the pieces up the spanning tree and the live view shows the frames.
// CCS handlers let the page (or `charmts-ccs`) steer the run: `disturb`
// adds a bump of pressure where the image is clicked, `probe` reads the
// pressure at a pixel from the chare that owns it, `stop` ends the run.
//
//   mpirun -np 2 node dist/examples/wave2d/wave2d.js [frames] [maxFps] [width height] +liveview 8080
//   then open the URL it prints. frames 0: run until stopped.
//
// A disturbance asked for while frame f is computed applies at the start
// of frame f + 1 (the reply says which frame), so a run is reproducible
// from its list of disturbances.
import { charm, Chare, Channel, liveViz, type ArrayProxy } from '../../lib';
import { addBump, column, initialBumps, kickRadius, paint, step, type Kick } from './kernel';

const BLOCKS_X = 4;
const BLOCKS_Y = 3;
const STEPS_PER_FRAME = 2;

type Index = readonly [number, number];
/** A channel carrying one edge of a block per step. */
type Edges = Channel<Float64Array>;

interface Settings {
  width: number;
  height: number;
}

/** Channel ports: two links may join the same pair of blocks (2 blocks per side), so each link's port is its own. */
const enum Port {
  Horizontal = 0,
  Vertical = 2,
}

class Wave extends Chare<Index> {
  private readonly w: number;
  private readonly h: number;
  private pressure: Float64Array;
  private old: Float64Array;
  private next: Float64Array;
  private readonly pixels: Uint8Array;
  private channels: [left: Edges, right: Edges, up: Edges, down: Edges] | undefined;

  constructor(private readonly settings: Settings) {
    super();
    this.w = settings.width / BLOCKS_X;
    this.h = settings.height / BLOCKS_Y;
    const cells = this.w * this.h;
    this.pressure = new Float64Array(cells);
    this.old = new Float64Array(cells);
    this.next = new Float64Array(cells);
    this.pixels = new Uint8Array(cells * 3);
    for (const [x, y, r] of initialBumps(settings.width, settings.height)) this.bump(x, y, r);
  }

  private bump(x: number, y: number, radius: number): void {
    const [bx, by] = this.thisIndex;
    addBump(x, y, radius, bx * this.w, by * this.h, this.w, this.h, this.pressure, this.old);
  }

  /** Channels to the four neighbours (the grid wraps around). */
  private links(): [Edges, Edges, Edges, Edges] {
    if (this.channels) return this.channels;
    const [x, y] = this.thisIndex;
    const left = (x + BLOCKS_X - 1) % BLOCKS_X;
    const up = (y + BLOCKS_Y - 1) % BLOCKS_Y;
    // A link's port is the parity of its left (or upper) end: the two links of a pair of blocks differ.
    return (this.channels = [
      new Channel<Float64Array>(this, this.thisProxy.at([left, y]), Port.Horizontal + (left % 2)),
      new Channel<Float64Array>(this, this.thisProxy.at([(x + 1) % BLOCKS_X, y]), Port.Horizontal + (x % 2)),
      new Channel<Float64Array>(this, this.thisProxy.at([x, up]), Port.Vertical + (up % 2)),
      new Channel<Float64Array>(this, this.thisProxy.at([x, (y + 1) % BLOCKS_Y]), Port.Vertical + (y % 2)),
    ]);
  }

  /** Frame `frame`: applies the disturbances, steps the wave, deposits this block's piece of the image. */
  async advance(kicks: Kick[]): Promise<void> {
    const radius = kickRadius(this.settings.width, this.settings.height);
    for (const kick of kicks) this.bump(kick.x, kick.y, radius);
    const [left, right, up, down] = this.links();
    const { w, h } = this;
    for (let s = 0; s < STEPS_PER_FRAME; s++) {
      left.send(column(this.pressure, w, h, 0));
      right.send(column(this.pressure, w, h, w - 1));
      up.send(this.pressure.slice(0, w));
      down.send(this.pressure.slice((h - 1) * w));
      const [fromLeft, fromRight, fromUp, fromDown] = await Promise.all([left.recv(), right.recv(), up.recv(), down.recv()]);
      step(w, h, fromLeft, fromRight, fromUp, fromDown, this.pressure, this.old, this.next);
      [this.old, this.pressure, this.next] = [this.pressure, this.next, this.old];
    }
    paint(this.pressure, w, 0, 0, w, h, this.pixels);
    const [bx, by] = this.thisIndex;
    liveViz.deposit(this, { x: bx * w, y: by * h, width: w, height: h }, this.pixels);
  }

  /** The pressure at pixel (x, y) of this block. */
  pressureAt(x: number, y: number): number {
    return this.pressure[y * this.w + x];
  }
}
charm.register(Wave);

charm.start(async (args) => {
  const positional = args.filter((a, i) => !a.startsWith('+') && !args[i - 1]?.startsWith('+'));
  const frames = Number(positional[0] ?? 3000);
  const maxFps = Number(positional[1] ?? 30);
  const width = Number(positional[2] ?? 800);
  const height = Number(positional[3] ?? 600);
  if (!Number.isInteger(frames) || frames < 0) charm.abort(`frames must be a non-negative integer, got ${positional[0]}`);
  if (!(maxFps > 0)) charm.abort(`maxFps must be positive, got ${positional[1]}`);
  if (!Number.isInteger(width / BLOCKS_X) || !Number.isInteger(height / BLOCKS_Y) || width < 4 * BLOCKS_X || height < 4 * BLOCKS_Y) {
    charm.abort(`the image (${width}x${height}) must split into ${BLOCKS_X}x${BLOCKS_Y} blocks of at least 4x4 pixels`);
  }

  const waves: ArrayProxy<Wave> = charm.createArray(Wave, [BLOCKS_X, BLOCKS_Y], [{ width, height }]);
  let nextFrame = 0;
  let stopping = false;
  const kicks: Kick[] = [];
  const at = (p: unknown): Kick => {
    const { x, y } = (p ?? {}) as { x?: unknown; y?: unknown };
    if (!Number.isInteger(x) || !Number.isInteger(y) || (x as number) < 0 || (y as number) < 0 || (x as number) >= width || (y as number) >= height) {
      throw new RangeError(`give { x, y }: a pixel of the ${width}x${height} image`);
    }
    return { x: x as number, y: y as number };
  };
  charm.ccs.register('disturb', (p) => {
    kicks.push(at(p));
    return { frame: nextFrame };
  });
  charm.ccs.register('probe', async (p) => {
    const { x, y } = at(p);
    const w = width / BLOCKS_X;
    const h = height / BLOCKS_Y;
    return { pressure: await waves.at([Math.floor(x / w), Math.floor(y / h)]).ret.pressureAt(x % w, y % h) };
  });
  charm.ccs.register('stop', () => {
    stopping = true;
    return { frame: nextFrame };
  });
  await liveViz.init({ width, height, clickHandler: 'disturb' });

  console.log(`wave2d: ${width}x${height} image, ${BLOCKS_X}x${BLOCKS_Y} blocks on ${charm.numPes()} PEs, ${frames || 'unlimited'} frames at most ${maxFps} a second`);
  const t0 = charm.wallTime();
  let computing = 0;
  while (!stopping && (frames === 0 || nextFrame < frames)) {
    const started = charm.wallTime();
    const frame = nextFrame++;
    const applied = kicks.splice(0);
    for (const k of applied) console.log(`frame ${frame}: disturbance at (${k.x}, ${k.y})`);
    await waves.awaitable.advance(applied);
    computing += charm.wallTime() - started;
    const wait = 1 / maxFps - (charm.wallTime() - started);
    if (wait > 0) await charm.sleep(wait);
  }
  const seconds = charm.wallTime() - t0;
  console.log(`wave2d: ${nextFrame} frames (${nextFrame * STEPS_PER_FRAME} steps) in ${seconds.toFixed(2)} s, ${(nextFrame / seconds).toFixed(1)} frames/s, ${((computing / Math.max(1, nextFrame)) * 1000).toFixed(2)} ms computing per frame`);
  charm.exit();
});
