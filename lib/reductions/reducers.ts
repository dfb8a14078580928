/**
 * Reducers: how contributions combine. Numeric reducers work on numbers,
 * bigints, arrays of numbers and every kind of typed array, element-wise
 * and in place for typed arrays (no boxing). A reducer travels in messages
 * by name, so custom reducers are registered under the same name on every PE.
 */
import type { ArrayIndex } from '../collections/arrayIndex';
import { compareIndices } from '../collections/arrayIndex';
import { registerSerializable } from '../codec/values';

/** A member's contribution as reducers see it: its index and its data. */
type Acc = unknown;

interface ReducerImpl {
  /** Turns one member's contribution into an accumulator. */
  lift(data: unknown, index: ArrayIndex | number): Acc;
  combine(a: Acc, b: Acc): Acc;
  /** Turns the final accumulator into the result. */
  finish(acc: Acc): unknown;
}

/** Reducers by name: one object per name, so a reducer that travelled is `===` the original. */
const byName = new Map<string, Reducer>();

/**
 * A reducer, named so that every PE resolves it the same way. Reducers
 * can be sent as arguments (they travel by name).
 */
export class Reducer {
  /** @internal Use the static reducers, `Reducer.tuple` or `charm.registerReducer`. */
  constructor(
    /** The name every PE resolves the reducer by. */
    readonly name: string,
  ) {
    byName.set(name, this);
  }

  /** @internal The reducer named `name` (the same object for the same name). */
  static named(name: string): Reducer {
    return byName.get(name) ?? new Reducer(name);
  }

  /** Sum of numbers, bigints or element-wise over arrays and typed arrays. */
  static readonly sum = new Reducer('sum');
  /** Product, like sum. */
  static readonly product = new Reducer('product');
  /** Maximum, like sum. */
  static readonly max = new Reducer('max');
  /** Minimum, like sum. */
  static readonly min = new Reducer('min');
  /**
   * Logical and of booleans (numbers count as their truth value), element-wise
   * over arrays (giving booleans) and typed arrays (giving a Uint8Array of 0 and 1).
   */
  static readonly logicalAnd = new Reducer('logicalAnd');
  /** Logical or, like logicalAnd. */
  static readonly logicalOr = new Reducer('logicalOr');
  /** Logical exclusive or, like logicalAnd. */
  static readonly logicalXor = new Reducer('logicalXor');
  /** Bitwise and of integers, bigints or integer typed arrays. */
  static readonly bitAnd = new Reducer('bitAnd');
  /** Bitwise or, like bitAnd. */
  static readonly bitOr = new Reducer('bitOr');
  /** Bitwise exclusive or, like bitAnd. */
  static readonly bitXor = new Reducer('bitXor');
  /** Every contribution, as an array in member-index order. */
  static readonly gather = new Reducer('gather');
  /** Every contribution (a set of items; in member-index order, for determinism). */
  static readonly set = new Reducer('set');
  /** Contributions (arrays) concatenated in member-index order. */
  static readonly concat = new Reducer('concat');
  /** One contribution, chosen uniformly at random. */
  static readonly random = new Reducer('random');
  /** Count, mean and variance of numeric contributions. */
  static readonly statistics = new Reducer('statistics');
  /** No data: completion only. */
  static readonly nop = new Reducer('nop');

  /** Several reductions in one pass: contribute a tuple, one value per reducer. */
  static tuple(...reducers: Reducer[]): Reducer {
    if (reducers.length === 0) throw new TypeError('Reducer.tuple: give at least one reducer');
    for (const r of reducers) if (!(r instanceof Reducer)) throw new TypeError('Reducer.tuple: every element must be a Reducer');
    return Reducer.named(`tuple(${reducers.map((r) => r.name).join(',')})`);
  }
}

/** Result of Reducer.statistics. */
export interface Statistics {
  /** Number of contributions. */
  count: number;
  /** Their mean. */
  mean: number;
  /** Population variance (divided by count). */
  variance: number;
}

type Scalar = number | bigint | boolean;
type Op = (a: Scalar, b: Scalar) => Scalar;

/** The contributions an element-wise reducer takes, and their form as accumulators. */
interface Inputs {
  /** What the reducer accepts, for error messages. */
  readonly describe: string;
  /** A scalar as an accumulator, or undefined if it is not accepted. */
  scalar(v: unknown): Scalar | undefined;
  /** A typed array's accumulator (a copy: combining works in place), or undefined if not accepted. */
  typed(v: ArrayBufferView): ArrayBufferView | undefined;
}

const isInteger = (v: unknown): boolean => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
const FLOAT_ARRAYS: unknown[] = [Float32Array, Float64Array];

/** A copy of a typed array of the same kind (Buffer.slice would be a view of the contributor's data). */
function copyOf(v: ArrayBufferView): ArrayBufferView {
  return new (v.constructor as new (a: ArrayBufferView) => ArrayBufferView)(v);
}

/** Numbers and bigints; arrays of them element-wise; typed arrays element-wise, in place. */
const NUMERIC: Inputs = {
  describe: 'numbers, bigints, arrays of them or typed arrays',
  scalar: (v) => (typeof v === 'number' || typeof v === 'bigint' ? v : undefined),
  typed: copyOf,
};
/** Integers and bigints; arrays of them; integer typed arrays. */
const INTEGER: Inputs = {
  describe: 'integers, bigints, arrays of them or integer typed arrays',
  scalar: (v) => (isInteger(v) ? (v as number | bigint) : undefined),
  typed: (v) => (FLOAT_ARRAYS.includes(v.constructor) ? undefined : copyOf(v)),
};
/** Booleans, or numbers and bigints taken as truth values; arrays of them; typed arrays (0 or 1 per element, in a Uint8Array). */
const LOGICAL: Inputs = {
  describe: 'booleans (or numbers, taken as truth values), arrays of them or typed arrays',
  scalar: (v) => (typeof v === 'boolean' ? v : typeof v === 'number' || typeof v === 'bigint' ? Boolean(v) : undefined),
  typed: (v) => Uint8Array.from(v as unknown as ArrayLike<number>, (x) => (x ? 1 : 0)),
};

/**
 * An element-wise reducer. Each contribution is checked and brought to its
 * accumulator form where it is contributed (a contribution of a kind the
 * reducer does not take is refused there, at any member count), then
 * accumulators combine element-wise.
 */
function elementwise(op: Op, name: string, inputs: Inputs): ReducerImpl {
  const lift = (data: unknown, top: boolean): Acc => {
    const scalar = inputs.scalar(data);
    if (scalar !== undefined) return scalar;
    if (ArrayBuffer.isView(data) && !(data instanceof DataView) && top) {
      const typed = inputs.typed(data);
      if (typed) return typed;
    } else if (Array.isArray(data)) {
      return data.map((v) => lift(v, false));
    }
    throw new TypeError(`Reducer.${name} takes ${inputs.describe}; got ${kind(data)}`);
  };
  const combine = (a: Acc, b: Acc): Acc => {
    if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
      const x = a as unknown as Scalar[];
      const y = b as unknown as Scalar[];
      if (x.length !== y.length) throw new TypeError(`Reducer.${name}: contributions have different lengths (${x.length} and ${y.length})`);
      for (let i = 0; i < x.length; i++) x[i] = op(x[i], y[i]); // in place: a is ours
      return a;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) throw new TypeError(`Reducer.${name}: contributions have different lengths (${a.length} and ${b.length})`);
      return a.map((v, i) => combine(v, b[i]));
    }
    if (typeof a !== typeof b || (typeof a === 'object' && a !== null)) {
      throw new TypeError(`Reducer.${name}: cannot combine ${kind(a)} with ${kind(b)}`);
    }
    return op(a as Scalar, b as Scalar);
  };
  return { lift: (data) => lift(data, true), combine, finish: (acc) => acc };
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'no class'})`;
  return `a ${typeof v}`;
}

const num = (f: (a: number, b: number) => number, g: (a: bigint, b: bigint) => bigint): Op => (a, b) =>
  typeof a === 'bigint' ? g(a, b as bigint) : f(a as number, b as number);

const ordered = (acc: Acc): [ArrayIndex | number, unknown][] =>
  (acc as [ArrayIndex | number, unknown][]).sort((x, y) => compareIdx(x[0], y[0]));
const compareIdx = (a: ArrayIndex | number, b: ArrayIndex | number): number =>
  typeof a === 'number' && typeof b === 'number' ? a - b : compareIndices(a as ArrayIndex, b as ArrayIndex);

const collect: Pick<ReducerImpl, 'lift' | 'combine'> = {
  lift: (data, index) => [[index, data]],
  combine: (a, b) => (a as unknown[]).concat(b as unknown[]),
};

const builtins: Record<string, ReducerImpl> = {
  sum: elementwise(num((a, b) => a + b, (a, b) => a + b), 'sum', NUMERIC),
  product: elementwise(num((a, b) => a * b, (a, b) => a * b), 'product', NUMERIC),
  max: elementwise(num((a, b) => (a > b ? a : b), (a, b) => (a > b ? a : b)), 'max', NUMERIC),
  min: elementwise(num((a, b) => (a < b ? a : b), (a, b) => (a < b ? a : b)), 'min', NUMERIC),
  logicalAnd: elementwise((a, b) => Boolean(a) && Boolean(b), 'logicalAnd', LOGICAL),
  logicalOr: elementwise((a, b) => Boolean(a) || Boolean(b), 'logicalOr', LOGICAL),
  logicalXor: elementwise((a, b) => Boolean(a) !== Boolean(b), 'logicalXor', LOGICAL),
  bitAnd: elementwise(num((a, b) => a & b, (a, b) => a & b), 'bitAnd', INTEGER),
  bitOr: elementwise(num((a, b) => a | b, (a, b) => a | b), 'bitOr', INTEGER),
  bitXor: elementwise(num((a, b) => a ^ b, (a, b) => a ^ b), 'bitXor', INTEGER),
  gather: { ...collect, finish: (acc) => ordered(acc).map((e) => e[1]) },
  set: { ...collect, finish: (acc) => ordered(acc).map((e) => e[1]) },
  concat: {
    ...collect,
    finish: (acc) =>
      ordered(acc).flatMap((e) => {
        if (!Array.isArray(e[1])) throw new TypeError(`Reducer.concat: member ${JSON.stringify(e[0])} contributed ${kind(e[1])}, not an array`);
        return e[1] as unknown[];
      }),
  },
  random: {
    lift: (data) => [data, 1],
    combine: (a, b) => {
      const [va, na] = a as [unknown, number];
      const [vb, nb] = b as [unknown, number];
      return [Math.random() * (na + nb) < na ? va : vb, na + nb];
    },
    finish: (acc) => (acc as [unknown, number])[0],
  },
  statistics: {
    lift: (data) => {
      if (typeof data !== 'number') throw new TypeError(`Reducer.statistics: contributions must be numbers, got ${kind(data)}`);
      return [1, data, 0];
    },
    // Chan et al.'s parallel update of count, mean and sum of squared deviations.
    combine: (a, b) => {
      const [na, ma, qa] = a as number[];
      const [nb, mb, qb] = b as number[];
      const n = na + nb;
      const delta = mb - ma;
      return [n, ma + (delta * nb) / n, qa + qb + (delta * delta * na * nb) / n];
    },
    finish: (acc) => {
      const [count, mean, q] = acc as number[];
      return { count, mean, variance: count > 0 ? q / count : 0 };
    },
  },
  nop: { lift: () => null, combine: () => null, finish: () => undefined },
};

const custom = new Map<string, ReducerImpl>();

/**
 * Registers a custom reducer under `name` (on every PE, at module load):
 * `combine` merges two contributions (or partial results) into one.
 */
export function registerReducer<T>(name: string, combine: (a: T, b: T) => T): Reducer {
  if (typeof name !== 'string' || !/^[A-Za-z_][\w.]*$/.test(name)) throw new TypeError(`charm.registerReducer: invalid name ${JSON.stringify(name)}`);
  if (typeof combine !== 'function') throw new TypeError(`charm.registerReducer(${name}): combine must be a function`);
  if (builtins[name] || custom.has(name)) throw new Error(`charm.registerReducer: a reducer named "${name}" already exists`);
  custom.set(name, { lift: (d) => d, combine: combine as (a: Acc, b: Acc) => Acc, finish: (acc) => acc });
  return Reducer.named(name);
}

const resolved = new Map<string, ReducerImpl>();

/** The implementation of reducer `name` (tuples included). */
export function reducerImpl(name: string): ReducerImpl {
  let impl = resolved.get(name) ?? builtins[name] ?? custom.get(name);
  if (impl) return impl;
  const tuple = /^tuple\((.*)\)$/.exec(name);
  if (!tuple) throw new Error(`charmts: reducer "${name}" is not known on this PE; register custom reducers at module load on every PE`);
  const parts = splitTuple(tuple[1]).map(reducerImpl);
  impl = {
    lift: (data, index) => {
      if (!Array.isArray(data) || data.length !== parts.length) {
        throw new TypeError(`Reducer ${name}: contribute an array of ${parts.length} values, one per reducer`);
      }
      return parts.map((p, i) => p.lift(data[i], index));
    },
    combine: (a, b) => parts.map((p, i) => p.combine((a as Acc[])[i], (b as Acc[])[i])),
    finish: (acc) => parts.map((p, i) => p.finish((acc as Acc[])[i])),
  };
  resolved.set(name, impl);
  return impl;
}

/** Splits "a,tuple(b,c),d" at top-level commas. */
function splitTuple(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '(') depth++;
    else if (list[i] === ')') depth--;
    else if (list[i] === ',' && depth === 0) {
      out.push(list.slice(start, i));
      start = i + 1;
    }
  }
  out.push(list.slice(start));
  return out;
}

registerSerializable(Reducer, { name: 'charmts.Reducer', pack: (r) => r.name, unpack: (name) => Reducer.named(name as string) });
