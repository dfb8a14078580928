// The numerics of wave2d, shared by its chares and by the test that
// recomputes its frames on one process: the 2D wave equation on a periodic
// grid (Charm4py's examples/wave2d), round bumps of pressure as initial
// conditions and disturbances, and the colouring of a block of the grid
// (red for positive pressure, blue for negative, a green line along each
// block's right and bottom edge). Blocks are row-major Float64Arrays.

/** Where a disturbance goes: a pixel of the image. */
export interface Kick {
  x: number;
  y: number;
}

/** Initial bumps, placed from a fixed seed (the same on every PE). */
const INITIAL_BUMPS = 5;
const SEED = 6;
const AMPLITUDE = 700;

/** A small deterministic generator (mulberry32): every PE draws the same bumps. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The initial bumps of a `width` x `height` image: centre and radius of each. */
export function initialBumps(width: number, height: number): [x: number, y: number, radius: number][] {
  const next = generator(SEED);
  const bumps: [number, number, number][] = [];
  for (let b = 0; b < INITIAL_BUMPS; b++) {
    const radius = Math.min(20 + (next() % 30), Math.floor(Math.min(width, height) / 3));
    bumps.push([radius + (next() % (width - 2 * radius)), radius + (next() % (height - 2 * radius)), radius]);
  }
  return bumps;
}

/** The radius of a disturbance added by a click. */
export function kickRadius(width: number, height: number): number {
  return Math.max(3, Math.floor(Math.min(width, height) / 12));
}

/**
 * Sets a bump centred at (cx, cy) with `radius` in the block whose
 * top-left pixel is (x0, y0): pressure now and one step ago.
 */
export function addBump(cx: number, cy: number, radius: number, x0: number, y0: number, w: number, h: number, pressure: Float64Array, old: Float64Array): void {
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const d = Math.sqrt((x0 + j - cx) ** 2 + (y0 + i - cy) ** 2);
      if (d < radius) pressure[i * w + j] = old[i * w + j] = AMPLITUDE * Math.cos(((d / radius) * 3 * Math.PI) / 2);
    }
  }
}

/**
 * One step of the wave equation on a w x h block: `next` from `pressure`
 * (now) and `old` (one step ago); the ghosts are the neighbours' edges.
 */
export function step(w: number, h: number, left: Float64Array, right: Float64Array, up: Float64Array, down: Float64Array, pressure: Float64Array, old: Float64Array, next: Float64Array): void {
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const k = i * w + j;
      const l = j === 0 ? left[i] : pressure[k - 1];
      const r = j === w - 1 ? right[i] : pressure[k + 1];
      const u = i === 0 ? up[j] : pressure[k - w];
      const d = i === h - 1 ? down[j] : pressure[k + w];
      const now = pressure[k];
      next[k] = 0.4 * 0.4 * (l + r + u + d - 4.0 * now) - old[k] + 2.0 * now;
    }
  }
}

/** Column `j` of a w x h block. */
export function column(block: Float64Array, w: number, h: number, j: number): Float64Array {
  const out = new Float64Array(h);
  for (let i = 0; i < h; i++) out[i] = block[i * w + j];
  return out;
}

/**
 * Colours the w x h part at (x0, y0) of a `stride`-wide pressure field into
 * `pixels` (RGB, w x h), with the green edge on its right and bottom.
 */
export function paint(field: Float64Array, stride: number, x0: number, y0: number, w: number, h: number, pixels: Uint8Array): void {
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let p = Math.trunc(field[(y0 + i) * stride + x0 + j]);
      if (p > 255) p = 255;
      if (p < -255) p = -255;
      const o = 3 * (i * w + j);
      if (i === h - 1 || j === w - 1) {
        pixels[o] = 0;
        pixels[o + 1] = 255;
        pixels[o + 2] = 0;
      } else if (p > 0) {
        pixels[o] = 255;
        pixels[o + 1] = pixels[o + 2] = 255 - p;
      } else {
        pixels[o] = pixels[o + 1] = 255 + p;
        pixels[o + 2] = 255;
      }
    }
  }
}
