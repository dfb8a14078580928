/** The liveViz frame as its rule defines it, pixel by pixel: what combining pieces up the tree must give. */
import type { CombineRule, Piece } from '../../lib/liveviz/image';

/** Every pixel of every piece combined, one at a time, into a zeroed `width` x `height` frame. */
export function referenceFrame(pieces: readonly Piece[], rule: CombineRule, channels: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  for (const [x, y, w, h, pixels] of pieces) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w * channels; c++) {
        const d = ((y + r) * width + x) * channels + c;
        const v = pixels[r * w * channels + c];
        out[d] = rule === 'sum' ? Math.min(255, out[d] + v) : Math.max(out[d], v);
      }
    }
  }
  return out;
}

/** A random piece of a `width` x `height` frame: any rectangle (empty ones too), random bytes. */
export function randomPiece(random: () => number, channels: number, width: number, height: number): Piece {
  const x = Math.floor(random() * width);
  const y = Math.floor(random() * height);
  const w = Math.floor(random() * (width - x + 1));
  const h = Math.floor(random() * (height - y + 1));
  const pixels = new Uint8Array(w * h * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(random() * 256);
  return [x, y, w, h, pixels];
}
