/**
 * Reducers: how contributions combine. Numeric reducers work on numbers,
 * bigints, arrays of numbers and every kind of typed array, element-wise
 * and in place for typed arrays (no boxing). A reducer travels in messages
 * by name, so custom reducers are registered under the same name on every PE.
 */
import type { ArrayIndex } from '../collections/arrayIndex';
import { compareIndices } from '../collections/arrayIndex';
import type { CustomKind, ReducerKind, TupleKind } from './kinds';
import { registerSerializable } from '../codec/values';

/** The kind of a reducer type: `KindOf<typeof Reducer.sum>` is `'numeric'`. */
export type KindOf<R> = R extends Reducer<infer K> ? K : never;

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
 * A reducer, named so that every PE resolves it the same way (Charm4py's
 * `Reducer.sum` and friends; Charm++'s `CkReduction::sum_double` etc.).
 * Reducers can be sent as arguments (they travel by name).
 *
 * @typeParam K - what it accepts and gives (see {@link ReducerKind}):
 * `contribute` and `allReduce` check the data and the target against it.
 */
export class Reducer<K extends ReducerKind = ReducerKind> {
  /** Never set: carries `K` for the type checker only. */
  declare private readonly kind?: K;

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

  /** Sum of numbers, bigints or element-wise over arrays and typed arrays (same length everywhere). */
  static readonly sum = new Reducer<'numeric'>('sum');
  /** Product, like sum. */
  static readonly product = new Reducer<'numeric'>('product');
  /** Maximum, like sum; NaN if any member's value (at that position) is NaN, as `Math.max` and numpy's `maximum`. */
  static readonly max = new Reducer<'numeric'>('max');
  /** Minimum, like sum; NaN if any member's value (at that position) is NaN. */
  static readonly min = new Reducer<'numeric'>('min');
  /** Logical and of booleans, or of numbers and typed arrays as truth values (element-wise over arrays; typed arrays give 0 or 1). */
  static readonly logicalAnd = new Reducer<'logical'>('logicalAnd');
  /** Logical or, like logicalAnd. */
  static readonly logicalOr = new Reducer<'logical'>('logicalOr');
  /** Logical exclusive or, like logicalAnd. */
  static readonly logicalXor = new Reducer<'logical'>('logicalXor');
  /** Bitwise and of integers, bigints or integer typed arrays. */
  static readonly bitAnd = new Reducer<'bitwise'>('bitAnd');
  /** Bitwise or, like bitAnd. */
  static readonly bitOr = new Reducer<'bitwise'>('bitOr');
  /** Bitwise exclusive or, like bitAnd. */
  static readonly bitXor = new Reducer<'bitwise'>('bitXor');
  /** Every contribution, as an array in member-index order. */
  static readonly gather = new Reducer<'gather'>('gather');
  /** Every contribution (a set of items; in member-index order, for determinism). */
  static readonly set = new Reducer<'gather'>('set');
  /** Contributions (arrays) concatenated in member-index order. */
  static readonly concat = new Reducer<'concat'>('concat');
  /** One contribution, chosen uniformly at random. */
  static readonly random = new Reducer<'random'>('random');
  /** Count, mean and variance of numeric contributions. */
  static readonly statistics = new Reducer<'statistics'>('statistics');
  /** No data (contribute `undefined`): completion only. */
  static readonly nop = new Reducer<'nop'>('nop');

  /**
   * Several reductions in one pass: contribute a tuple, one value per
   * reducer; the result is the tuple of their results.
   *
   * @example
   * const [total, largest] = await this.allReduce([x, x], Reducer.tuple(Reducer.sum, Reducer.max));
   */
  static tuple<const R extends readonly Reducer[]>(...reducers: R): Reducer<TupleKind<{ -readonly [i in keyof R]: KindOf<R[i]> }>> {
    if (reducers.length === 0) throw new TypeError('Reducer.tuple: give at least one reducer');
    for (const r of reducers) if (!(r instanceof Reducer)) throw new TypeError('Reducer.tuple: every element must be a Reducer');
    return new Reducer(`tuple(${reducers.map((r) => r.name).join(',')})`);
  }
}

type Scalar = number | bigint | boolean;
type Op = (a: Scalar, b: Scalar) => Scalar;

/** What a lift refuses. */
const REFUSED = Symbol('refused');

/**
 * The lift of an element-wise reducer: arrays element by element, each
 * typed array through `typed` (which copies it: combining works in place on
 * the accumulator, never on a member's data), anything else through
 * `scalar`. A refused value is an error at the contribution, naming the
 * reducer, what it takes, the type given and where in the contribution, so
 * that an input behaves the same at any member count.
 */
function lifting(name: string, takes: string, scalar: (v: unknown) => unknown, typed: (v: ArrayBufferView) => unknown): (data: unknown) => Acc {
  const lift = (v: unknown, at: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => lift(x, `${at}[${i}]`));
    const out = ArrayBuffer.isView(v) && !(v instanceof DataView) ? typed(v) : scalar(v);
    if (out === REFUSED) throw new TypeError(`Reducer.${name}: contributions must be ${takes}, got ${typeof v === 'number' ? `the number ${v}` : kind(v)}${at ? ` at ${at}` : ''}`);
    return out;
  };
  return (data) => lift(data, '');
}

const copy = (v: ArrayBufferView): ArrayBufferView => (v as unknown as { slice(): ArrayBufferView }).slice();
const isFloat = (v: ArrayBufferView): boolean => v instanceof Float32Array || v instanceof Float64Array;

/** Sum, product, max, min: numbers, bigints, any typed array. */
const arithmetic = (name: string): ((data: unknown) => Acc) =>
  lifting(name, 'numbers, bigints or typed arrays (or arrays of them)', (v) => (typeof v === 'number' || typeof v === 'bigint' ? v : REFUSED), copy);

/** Bitwise reducers: integers, bigints, integer typed arrays. */
const bitwise = (name: string): ((data: unknown) => Acc) =>
  lifting(
    name,
    'integers, bigints or integer typed arrays (or arrays of them)',
    (v) => ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' ? v : REFUSED),
    (v) => (isFloat(v) ? REFUSED : copy(v)),
  );

/**
 * Logical reducers: booleans, or numbers, bigints and typed arrays as truth
 * values (Charm4py's numpy.logical_and and friends): scalars become
 * booleans, typed array elements 0 or 1 of their own kind.
 */
const logical = (name: string): ((data: unknown) => Acc) =>
  lifting(
    name,
    'booleans, numbers, bigints or typed arrays (or arrays of them)',
    (v) => (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' ? Boolean(v) : REFUSED),
    (v) => {
      const out = copy(v) as unknown as Scalar[];
      for (let i = 0; i < out.length; i++) out[i] = typeof out[i] === 'bigint' ? BigInt(Boolean(out[i])) : Number(Boolean(out[i]));
      return out;
    },
  );

/** A logical operation on truth values, giving back the element kind of `a` (boolean, 0/1, 0n/1n). */
const truth =
  (f: (a: boolean, b: boolean) => boolean): Op =>
  (a, b) => {
    const r = f(Boolean(a), Boolean(b));
    return typeof a === 'boolean' ? r : typeof a === 'bigint' ? BigInt(r) : Number(r);
  };

/**
 * Two contributions (or arrays inside them, at `path`) whose lengths
 * differ: the reduction's error names who contributed which length
 * (lengths.ts).
 */
export class DifferentLengths extends TypeError {
  /** Where in the contributions the arrays are ([]: the contributions themselves), built on the way out. */
  readonly path: number[] = [];
  constructor(
    readonly reducer: string,
    readonly lengths: readonly [number, number],
  ) {
    super(`Reducer.${reducer}: contributions have different lengths (${lengths[0]} and ${lengths[1]})`);
  }
}

function elementwise(op: Op, name: string, lift: (data: unknown) => Acc): ReducerImpl {
  const combine = (a: Acc, b: Acc): Acc => {
    if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
      const x = a as unknown as Scalar[];
      const y = b as unknown as Scalar[];
      if (x.length !== y.length) throw new DifferentLengths(name, [x.length, y.length]);
      for (let i = 0; i < x.length; i++) x[i] = op(x[i], y[i]); // in place: a is ours
      return a;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) throw new DifferentLengths(name, [a.length, b.length]);
      return a.map((v, i) => {
        try {
          return combine(v, b[i]);
        } catch (error) {
          if (error instanceof DifferentLengths) error.path.unshift(i); // the path is built only on the way out
          throw error;
        }
      });
    }
    if (typeof a !== typeof b || (typeof a === 'object' && a !== null)) {
      throw new TypeError(`Reducer.${name}: cannot combine ${kind(a)} with ${kind(b)}`);
    }
    return op(a as Scalar, b as Scalar);
  };
  return { lift, combine, finish: (acc) => acc };
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

const num = (f: (a: number, b: number) => number, g: (a: bigint, b: bigint) => bigint): Op => (a, b) =>
  typeof a === 'bigint' ? g(a, b as bigint) : f(a as number, b as number);

/**
 * The gathered entries in member order. Usually in order already (the tree
 * combines PE by PE): checked first, since a sort with a comparator costs
 * more than the rest of a broadcast reply's completion at np 2.
 */
const ordered = (acc: Acc): [ArrayIndex | number, unknown][] => {
  const entries = acc as [ArrayIndex | number, unknown][];
  for (let i = 1; i < entries.length; i++) {
    if (compareIdx(entries[i - 1][0], entries[i][0]) > 0) return entries.sort((x, y) => compareIdx(x[0], y[0]));
  }
  return entries;
};
const compareIdx = (a: ArrayIndex | number, b: ArrayIndex | number): number =>
  typeof a === 'number' && typeof b === 'number' ? a - b : compareIndices(a as ArrayIndex, b as ArrayIndex);

const collect: Pick<ReducerImpl, 'lift' | 'combine'> = {
  lift: (data, index) => [[index, data]],
  // Appended in place (a is the reduction's own, as for elementwise): concat made a new array per merge, and cost more.
  combine: (a, b) => {
    const into = a as unknown[];
    for (const entry of b as unknown[]) into.push(entry);
    return into;
  },
};

/**
 * The replies to a completion broadcast (`.awaitable` on an array), by the
 * runtime only: who completed, not with what. A member of a 1D array that
 * completed is its index's number; any other reply is a [index, value] pair
 * (a failure's MemberFailure, or a completion of a member with another
 * kind of index). The result is undefined when every member completed, and
 * otherwise the gathered list, in member order, of undefined and failures
 * (the future makes a BroadcastError of it, model/future.ts). A count would
 * be enough for the first, not to place failures in member order; numbers
 * do that without the pair and index arrays per member a gather makes,
 * codes and sorts (a third less time than a gather's lift, partial, merge
 * and finish in a microbenchmark; 0.03-0.05 us less on each PE's part of
 * an awaited broadcast at np 2).
 */
export const COMPLETIONS = '@completions';

const completions: ReducerImpl = {
  lift: (data, index) => (data === undefined && Array.isArray(index) && index.length === 1 ? [index[0]] : [[index, data]]),
  combine: collect.combine,
  finish: (acc) => {
    const replies = acc as (number | [ArrayIndex | number, unknown])[];
    let failed = false;
    for (let i = 0; i < replies.length && !failed; i++) failed = typeof replies[i] !== 'number';
    return failed ? ordered(replies.map((e) => (typeof e === 'number' ? [[e], undefined] : e))).map((e) => e[1]) : undefined;
  },
};

const builtins: Record<string, ReducerImpl> = {
  sum: elementwise(num((a, b) => a + b, (a, b) => a + b), 'sum', arithmetic('sum')),
  product: elementwise(num((a, b) => a * b, (a, b) => a * b), 'product', arithmetic('product')),
  // A NaN wins (a !== a), as in Math.max and numpy's maximum: compared, it lost or won by where its
  // member was in the tree, and a diverged block's residual could pass a convergence test.
  max: elementwise(num((a, b) => (a > b || a !== a ? a : b), (a, b) => (a > b ? a : b)), 'max', arithmetic('max')),
  min: elementwise(num((a, b) => (a < b || a !== a ? a : b), (a, b) => (a < b ? a : b)), 'min', arithmetic('min')),
  logicalAnd: elementwise(truth((a, b) => a && b), 'logicalAnd', logical('logicalAnd')),
  logicalOr: elementwise(truth((a, b) => a || b), 'logicalOr', logical('logicalOr')),
  logicalXor: elementwise(truth((a, b) => a !== b), 'logicalXor', logical('logicalXor')),
  bitAnd: elementwise(num((a, b) => a & b, (a, b) => a & b), 'bitAnd', bitwise('bitAnd')),
  bitOr: elementwise(num((a, b) => a | b, (a, b) => a | b), 'bitOr', bitwise('bitOr')),
  bitXor: elementwise(num((a, b) => a ^ b, (a, b) => a ^ b), 'bitXor', bitwise('bitXor')),
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
  [COMPLETIONS]: completions,
};

/**
 * Every reducer by name: the built-ins, the custom ones, and the tuples
 * resolved so far. One Map, looked up with the names partials carry
 * (internalized strings, their hashes cached): a miss in a Map of tuples
 * and then a keyed load from the object of built-ins was 2.5% of
 * PE 0's CPU time in an awaited broadcast at np 2 (three lookups per
 * completion there), and the object answered "toString" too.
 */
const known = new Map<string, ReducerImpl>(Object.entries(builtins));

/**
 * Registers a custom reducer under `name` (on every PE, at module load):
 * `combine` merges two contributions (or partial results) into one.
 */
export function registerReducer<T>(name: string, combine: (a: T, b: T) => T): Reducer<CustomKind<T>> {
  if (typeof name !== 'string' || !/^[A-Za-z_][\w.]*$/.test(name)) throw new TypeError(`charm.registerReducer: invalid name ${JSON.stringify(name)}`);
  if (typeof combine !== 'function') throw new TypeError(`charm.registerReducer(${name}): combine must be a function`);
  if (known.has(name)) throw new Error(`charm.registerReducer: a reducer named "${name}" already exists`);
  known.set(name, { lift: (d) => d, combine: combine as (a: Acc, b: Acc) => Acc, finish: (acc) => acc });
  return new Reducer<CustomKind<T>>(name);
}

/** The implementation of reducer `name` (tuples included). */
export function reducerImpl(name: string): ReducerImpl {
  let impl = known.get(name);
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
    combine: (a, b) =>
      parts.map((p, i) => {
        try {
          return p.combine((a as Acc[])[i], (b as Acc[])[i]);
        } catch (error) {
          if (error instanceof DifferentLengths) error.path.unshift(i); // part i's arrays
          throw error;
        }
      }),
    finish: (acc) => parts.map((p, i) => p.finish((acc as Acc[])[i])),
  };
  known.set(name, impl);
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
