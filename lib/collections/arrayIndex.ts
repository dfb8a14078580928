/**
 * Chare-array indices and placement. An index is a tuple of 1 to 6
 * non-negative integers, or a user-defined key (a string or bytes). Each
 * index has a string key for lookups and a home PE computed from the index
 * alone, identically on every PE.
 */
import { registerClassValue } from '../codec/values';

/** An index of an array element: a tuple of integers, or a user-defined key. */
export type ArrayIndex = readonly number[] | string | Uint8Array;

/** How an array's indices look. */
export interface IndexShape {
  /** 1 to 6 for tuples; 0 for user-defined keys. */
  ndims: number;
  /** Extents of a dense array, or undefined for a sparse one. */
  extents?: readonly number[];
}

export const MAX_DIMS = 6;

/**
 * Places an index on a PE. Must give the same answer on every PE. `I`:
 * the index type of the arrays it places (any index by default), so that a
 * map for tuples takes `(index: readonly [number, number], numPes)`.
 */
export type ArrayMapFunction<I = ArrayIndex> = (index: I, numPes: number, extents: readonly number[] | undefined) => number;

/** Dense arrays: contiguous blocks of the row-major order, one block per PE. */
export const blockMap: ArrayMapFunction = (index, numPes, extents) => {
  if (!extents || typeof index === 'string' || index instanceof Uint8Array) return roundRobinMap(index, numPes, extents);
  let linear = 0;
  let total = 1;
  for (let d = 0; d < extents.length; d++) {
    linear = linear * extents[d] + (index as readonly number[])[d];
    total *= extents[d];
  }
  return Math.min(numPes - 1, Math.floor((linear * numPes) / total));
};

/** Sparse arrays and keys: indices dealt out over the PEs by a hash. */
export const roundRobinMap: ArrayMapFunction = (index, numPes) => {
  if (typeof index === 'string' || index instanceof Uint8Array) return hashBytes(index) % numPes;
  if (index.length === 1) return index[0] % numPes;
  let h = 0;
  for (const i of index) h = (Math.imul(h, 31) + i) >>> 0;
  return h % numPes;
};

function hashBytes(key: string | Uint8Array): number {
  let h = 2166136261;
  const n = key.length;
  for (let i = 0; i < n; i++) {
    h ^= typeof key === 'string' ? key.charCodeAt(i) : key[i];
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

const maps = new Map<string, ArrayMapFunction>([
  ['block', blockMap],
  ['roundRobin', roundRobinMap],
]);
const mapNames = new Map<ArrayMapFunction, string>([
  [blockMap, 'block'],
  [roundRobinMap, 'roundRobin'],
]);
for (const [fn, name] of mapNames) registerClassValue(fn, `map:${name}`);

/** Registers a map function by its name, so every PE can apply it (register it on every PE). */
export function registerMap(fn: ArrayMapFunction, name = fn.name): void {
  if (typeof fn !== 'function' || !name) throw new TypeError('charm.registerMap: expected a named function (index, numPes, extents) => pe');
  const existing = maps.get(name);
  if (existing && existing !== fn) throw new Error(`charm.registerMap: another map is already registered as "${name}"`);
  maps.set(name, fn);
  mapNames.set(fn, name);
  registerClassValue(fn, `map:${name}`); // a map can be an argument (an array created on another PE)
}

export function mapName(fn: ArrayMapFunction): string {
  const name = mapNames.get(fn);
  if (!name) throw new Error(`charm.createArray: map function ${fn.name || '(anonymous)'} is not registered; call charm.registerMap(${fn.name || 'fn'}) at module load, on every PE`);
  return name;
}

export function mapByName(name: string): ArrayMapFunction {
  const fn = maps.get(name);
  if (!fn) throw new Error(`charmts: array map "${name}" is not registered on this PE; register it at module load on every PE`);
  return fn;
}

/**
 * The lookup key of an index: the integer itself for a 1D index, a string
 * otherwise. A number, not its string: a call to an element looked its key
 * up at least twice (the caller's location cache, the receiver's
 * elements), and a string made per call cost three times the lookup.
 */
export type IndexKey = string | number;

/** The lookup key of a normalized index. Tuples and keys never collide. */
export function keyOf(index: ArrayIndex): IndexKey {
  if (typeof index === 'string') return `s${index}`;
  if (index instanceof Uint8Array) return `b${Buffer.from(index.buffer, index.byteOffset, index.byteLength).toString('hex')}`;
  return index.length === 1 ? index[0] : index.join(',');
}

/** The index a key stands for, as `describe` prints it (the idle hint names indices it knows only by key). */
export function describeKey(key: IndexKey): string {
  if (typeof key === 'number') return `[${key}]`;
  if (key.startsWith('s')) return JSON.stringify(key.slice(1));
  if (key.startsWith('b')) return `bytes<${key.slice(1)}>`;
  return `[${key.split(',').join(', ')}]`;
}

/**
 * Checks an index against the array's shape and returns it normalized
 * (a plain number for a 1D index becomes a 1-tuple). Throws a RangeError
 * or TypeError naming the array and the index.
 */
export function normalizeIndex(index: unknown, shape: IndexShape, where: string): ArrayIndex {
  if (shape.ndims === 0) {
    if (typeof index === 'string') return index;
    if (index instanceof Uint8Array) return new Uint8Array(index);
    throw new TypeError(`${where}: this array is indexed by string or bytes keys, got ${describe(index)}`);
  }
  const tuple = typeof index === 'number' ? [index] : index;
  if (!Array.isArray(tuple)) throw new TypeError(`${where}: expected an index of ${shape.ndims} integer(s), got ${describe(index)}`);
  if (tuple.length !== shape.ndims) {
    throw new RangeError(`${where}: index ${describe(index)} has ${tuple.length} dimension(s); this array has ${shape.ndims}`);
  }
  for (let d = 0; d < tuple.length; d++) {
    const i = tuple[d] as unknown;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0) {
      throw new TypeError(`${where}: index ${describe(index)} is invalid: dimension ${d} must be a non-negative integer, got ${String(i)}`);
    }
    if ((shape.extents && i >= shape.extents[d]) || i > 0x7fffffff) {
      const bound = shape.extents ? `extents [${shape.extents.join(', ')}]` : `indices up to ${0x7fffffff}`;
      throw new RangeError(`${where}: index ${describe(index)} is out of range for ${bound}`);
    }
  }
  return tuple as readonly number[];
}

/** Compares indices for results in index order (row-major for tuples). */
export function compareIndices(a: ArrayIndex, b: ArrayIndex): number {
  const rank = (i: ArrayIndex): number => (typeof i === 'string' ? 0 : i instanceof Uint8Array ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b); // strings, then bytes, then tuples
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  const x = a as readonly number[];
  const y = b as readonly number[];
  for (let d = 0; d < Math.min(x.length, y.length); d++) if (x[d] !== y[d]) return x[d] - y[d];
  return x.length - y.length;
}

export function describe(index: unknown): string {
  if (typeof index === 'string') return JSON.stringify(index);
  if (index instanceof Uint8Array) return `bytes<${Buffer.from(index).toString('hex')}>`;
  if (Array.isArray(index)) return `[${index.map(String).join(', ')}]`;
  return String(index);
}

/** A member as errors name it: `Cell[1, 2]`, `Cell["key"]`, a group's `G[0]`. */
export function describeMember(className: string, index: unknown): string {
  return `${className}${typeof index === 'number' ? `[${index}]` : describe(index)}`;
}

/** Every index of a dense array, in row-major order. */
export function* denseIndices(extents: readonly number[]): Generator<number[]> {
  const total = extents.reduce((a, b) => a * b, 1);
  const index = new Array<number>(extents.length).fill(0);
  for (let n = 0; n < total; n++) {
    yield index.slice();
    for (let d = extents.length - 1; d >= 0; d--) {
      if (++index[d] < extents[d]) break;
      index[d] = 0;
    }
  }
}
