/**
 * wave2d recomputed on one process, from examples/wave2d/kernel.ts: the
 * frames the job must show, given the disturbances it applied (frame ->
 * kicks). The grid is one block whose ghosts are its own opposite edges
 * (the grid wraps around), so every cell sees the same values, in the same
 * order of operations, as in the chare array: the frames are equal byte
 * for byte.
 */
import { addBump, column, initialBumps, kickRadius, paint, step, type Kick } from '../../examples/wave2d/kernel';

/** As in examples/wave2d/wave2d.ts. */
export const BLOCKS_X = 4;
export const BLOCKS_Y = 3;
export const STEPS_PER_FRAME = 2;

export class Wave2dReference {
  private pressure: Float64Array;
  private old: Float64Array;
  private next: Float64Array;
  /** Frames computed so far. */
  frames = 0;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const cells = width * height;
    this.pressure = new Float64Array(cells);
    this.old = new Float64Array(cells);
    this.next = new Float64Array(cells);
    for (const [x, y, r] of initialBumps(width, height)) addBump(x, y, r, 0, 0, width, height, this.pressure, this.old);
  }

  /** Computes frame `this.frames` after applying `kicks`, as the job does. */
  advance(kicks: readonly Kick[] = []): void {
    const { width: w, height: h } = this;
    for (const k of kicks) addBump(k.x, k.y, kickRadius(w, h), 0, 0, w, h, this.pressure, this.old);
    for (let s = 0; s < STEPS_PER_FRAME; s++) {
      step(w, h, column(this.pressure, w, h, w - 1), column(this.pressure, w, h, 0), this.pressure.slice((h - 1) * w), this.pressure.slice(0, w), this.pressure, this.old, this.next);
      [this.old, this.pressure, this.next] = [this.pressure, this.next, this.old];
    }
    this.frames++;
  }

  /** The image now: every block painted as its chare paints it (RGB). */
  image(): Uint8Array {
    const { width, height } = this;
    const bw = width / BLOCKS_X;
    const bh = height / BLOCKS_Y;
    const out = new Uint8Array(width * height * 3);
    const tile = new Uint8Array(bw * bh * 3);
    for (let by = 0; by < BLOCKS_Y; by++) {
      for (let bx = 0; bx < BLOCKS_X; bx++) {
        paint(this.pressure, width, bx * bw, by * bh, bw, bh, tile);
        for (let i = 0; i < bh; i++) out.set(tile.subarray(i * bw * 3, (i + 1) * bw * 3), ((by * bh + i) * width + bx * bw) * 3);
      }
    }
    return out;
  }

  /** The image after frame `frame` (0-based), computing forward from where it is; `kicks` maps frames to their disturbances. */
  frame(frame: number, kicks: ReadonlyMap<number, readonly Kick[]> = new Map()): Uint8Array {
    if (frame < this.frames - 1) throw new Error(`the reference is at frame ${this.frames - 1}; frame ${frame} needs a new reference`);
    while (this.frames <= frame) this.advance(kicks.get(this.frames));
    return this.image();
  }
}
