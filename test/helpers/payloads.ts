/**
 * Shared by the tests of what messages carry (messages, transfer): the
 * sizes every path is tried at, arrays filled with a value, a check of what
 * a receiver saw, and an array map putting element i on PE i % numPes.
 */
import { charm, Channel, type Chare } from '../../lib';

/** 0 B, then the sizes every path must be shown at: 8 B, 16 KiB, 1 MiB and 16 MiB. */
export const SIZES = [0, 8, 16 * 1024, 1 << 20, 16 << 20];

export const filled = (bytes: number, v: number): Float64Array => new Float64Array(bytes / 8).fill(v);

/**
 * 'ok' when `a` is a Float64Array of `n` elements all equal to `v` (and,
 * with `own`, a view of a whole ArrayBuffer of its own), else what is wrong.
 */
export function verdict(a: unknown, n: number, v: number, own = false): string {
  if (!(a instanceof Float64Array)) return `not a Float64Array: ${Object.prototype.toString.call(a)}`;
  if (a.length !== n) return `length ${a.length}, expected ${n}`;
  for (let i = 0; i < n; i++) if (a[i] !== v) return `element ${i} is ${a[i]}, expected ${v}`;
  if (own && (a.byteOffset !== 0 || a.buffer.byteLength !== a.byteLength)) return `a view of bytes ${a.byteOffset}.. of a ${a.buffer.byteLength}-byte buffer`;
  return 'ok';
}

/** Element i lives on PE i % numPes. */
export function spread(index: readonly number[]): number {
  return index[0] % charm.numPes();
}
charm.registerMap(spread);

/** The element on PE 0 (local to main) and the one on the last PE (remote when there are several). */
export const targets = (): number[] => [...new Set([0, charm.numPes() - 1])];

/** A channel from array element `owner` to element [index] of its array. */
export function channelTo(owner: Chare<readonly number[]>, index: number): Channel {
  return new Channel(owner, owner.thisProxy.at([index]));
}
