/**
 * Image pieces and how they combine (liveViz). A piece is a rectangle of
 * the frame with its pixels, row-major, `channels` bytes per pixel.
 *
 * Algorithm. A frame is a reduction whose accumulator is a list of
 * disjoint pieces, as Charm++'s liveViz reduces a list of non-overlapping
 * image lines. Adding a piece to a list keeps it as it is when it overlaps
 * no piece there (no pixel is copied: tiles of a decomposed domain travel
 * up the tree untouched); otherwise it is composited with every piece it
 * overlaps into one piece covering their bounding box, and that piece is
 * added in turn. Compositing combines pixel by pixel with the frame's rule,
 * a saturating sum or a maximum (Charm++'s sum_image_data and
 * max_image_data): both are associative and commutative, so the frame does
 * not depend on the order pieces arrive in, and both leave a value
 * unchanged when combined with 0, so the uncovered part of a bounding box
 * (zeros) changes nothing. PE 0 paints the final list into the whole frame.
 *
 * Cost: adding a piece to a list of n is O(n) tests (O(1) when it lies
 * outside the list's bounding box) plus the pixels of the pieces it
 * overlaps.
 */

/** How deposits are laid out: 'rgb' (3 bytes per pixel), 'rgba' (4) or 'gray' (1). */
export type PixelFormat = 'gray' | 'rgb' | 'rgba';

/** Pixel layouts: bytes per pixel. */
export const CHANNELS: Readonly<Record<PixelFormat, number>> = { gray: 1, rgb: 3, rgba: 4 };

/** How overlapping pixels combine: 'sum' (saturating at 255) or 'max', byte by byte. */
export type CombineRule = 'sum' | 'max';

/** A rectangle of the frame: its top-left pixel and its size, in pixels. */
export interface Rect {
  /** Column of the top-left pixel (0 at the left). */
  x: number;
  /** Row of the top-left pixel (0 at the top). */
  y: number;
  /** Width, in pixels. */
  width: number;
  /** Height, in pixels. */
  height: number;
}

/** A piece as it travels: its rectangle and its pixels (a tuple, so no key names go into messages). */
export type Piece = [x: number, y: number, width: number, height: number, pixels: Uint8Array];

/** The reduction's accumulator: disjoint pieces, the bytes per pixel and the rule. */
export interface Pieces {
  channels: number;
  rule: CombineRule;
  list: Piece[];
}

const overlaps = (a: Piece, b: Piece): boolean => a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];

/** Combines `count` bytes of `src` from `s` into `dst` from `d` with `rule`. */
function combineRow(rule: CombineRule, dst: Uint8Array, d: number, src: Uint8Array, s: number, count: number): void {
  if (rule === 'sum') {
    for (let i = 0; i < count; i++) {
      const v = dst[d + i] + src[s + i];
      dst[d + i] = v > 255 ? 255 : v;
    }
  } else {
    for (let i = 0; i < count; i++) if (src[s + i] > dst[d + i]) dst[d + i] = src[s + i];
  }
}

/**
 * Combines `piece` into `target` (pixels `targetWidth` wide, at frame
 * position `ox`, `oy`), which must contain it.
 */
function combineInto(rule: CombineRule, channels: number, target: Uint8Array, targetWidth: number, ox: number, oy: number, piece: Piece, fresh: boolean): void {
  const [x, y, width, height, pixels] = piece;
  const rowBytes = width * channels;
  for (let row = 0; row < height; row++) {
    const d = ((y - oy + row) * targetWidth + (x - ox)) * channels;
    const s = row * rowBytes;
    // Zeros are neutral: the first piece written into a zeroed area is a copy.
    if (fresh) target.set(pixels.subarray(s, s + rowBytes), d);
    else combineRow(rule, target, d, pixels, s, rowBytes);
  }
}

/** One piece covering the bounding box of `a` and `b`, combined pixel by pixel. */
function composite(rule: CombineRule, channels: number, a: Piece, b: Piece): Piece {
  const x = Math.min(a[0], b[0]);
  const y = Math.min(a[1], b[1]);
  const width = Math.max(a[0] + a[2], b[0] + b[2]) - x;
  const height = Math.max(a[1] + a[3], b[1] + b[3]) - y;
  const pixels = new Uint8Array(width * height * channels);
  combineInto(rule, channels, pixels, width, x, y, a, true);
  combineInto(rule, channels, pixels, width, x, y, b, false);
  return [x, y, width, height, pixels];
}

/** Adds `piece` to the disjoint pieces of `into` (which it may change). */
export function addPiece(into: Pieces, piece: Piece): void {
  if (piece[2] === 0 || piece[3] === 0) return; // an empty deposit adds nothing
  const list = into.list;
  let merged = piece;
  for (let i = 0; i < list.length; ) {
    if (!overlaps(list[i], merged)) {
      i++;
      continue;
    }
    merged = composite(into.rule, into.channels, list[i], merged);
    list[i] = list[list.length - 1];
    list.pop();
    i = 0; // the larger piece may overlap pieces already passed
  }
  list.push(merged);
}

/** The liveViz reducer's combine: every piece of `b` added to `a`. */
export function combinePieces(a: Pieces, b: Pieces): Pieces {
  if (a.channels !== b.channels || a.rule !== b.rule) {
    throw new Error(`liveViz: deposits of one frame disagree on the pixel format or rule (${a.channels} and ${b.channels} bytes per pixel, ${a.rule} and ${b.rule}); call liveViz.init once per job`);
  }
  for (const piece of b.list) addPiece(a, piece);
  return a;
}

/** The whole frame, `width` x `height`, with every piece painted; uncovered pixels are 0. */
export function paintFrame(pieces: Pieces, width: number, height: number): Uint8Array {
  const frame = new Uint8Array(width * height * pieces.channels);
  // The pieces are disjoint, so each is a plain copy.
  for (const piece of pieces.list) combineInto(pieces.rule, pieces.channels, frame, width, 0, 0, piece, true);
  return frame;
}

/**
 * Checks a deposit at the caller: the rectangle lies inside the frame and
 * `pixels` holds exactly its pixels. Returns the piece, with its own copy
 * of the pixels (the depositor may reuse its buffer at once).
 */
export function pieceOf(where: string, frame: { width: number; height: number; format: PixelFormat }, rect: Rect, pixels: unknown): Piece {
  if (typeof rect !== 'object' || rect === null) throw new TypeError(`${where}: the rectangle must be an object { x, y, width, height }, got ${rect === null ? 'null' : typeof rect}`);
  const { x, y, width, height } = rect;
  for (const [name, v] of [['x', x], ['y', y], ['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${where}: rectangle ${name} must be a non-negative integer, got ${String(v)}`);
  }
  if (x + width > frame.width || y + height > frame.height) {
    throw new RangeError(`${where}: the rectangle (x ${x}, y ${y}, ${width}x${height}) extends outside the ${frame.width}x${frame.height} image`);
  }
  if (!(pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray)) {
    throw new TypeError(`${where}: pixels must be a Uint8Array or Uint8ClampedArray, got ${pixels === null ? 'null' : ArrayBuffer.isView(pixels) ? pixels.constructor.name : typeof pixels}`);
  }
  const channels = CHANNELS[frame.format];
  const expected = width * height * channels;
  if (pixels.length !== expected) {
    throw new RangeError(`${where}: a ${width}x${height} ${frame.format} piece has ${expected} bytes (${channels} per pixel), got ${pixels.length}`);
  }
  return [x, y, width, height, new Uint8Array(pixels)];
}
