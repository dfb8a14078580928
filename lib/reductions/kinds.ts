/**
 * Types of reductions: what each reducer accepts and what it gives, so that
 * `contribute(data, reducer, target)` checks the data against the reducer
 * and the result against the target, and `allReduce` returns the precise
 * result type. Types only: every reducer carries its kind as a phantom type
 * parameter (`Reducer<'numeric'>`), and the result type is computed from the
 * kind and the type of the data contributed.
 */
import type { ReductionTarget } from './targets';
import type { TypedArray } from '../codec/transfer';

/** Data of the arithmetic reducers (sum, product, max, min): numbers, bigints, typed arrays, arrays of these. */
export type NumericData = number | bigint | TypedArray | readonly NumericData[];

/** Data of the bitwise reducers: integers, bigints, integer typed arrays, arrays of these. */
export type IntegerData = number | bigint | Exclude<TypedArray, Float32Array | Float64Array> | readonly IntegerData[];

/** Data of the logical reducers: booleans, or numbers, bigints and typed arrays as truth values; arrays of these. */
export type LogicalData = boolean | number | bigint | TypedArray | readonly LogicalData[];

/** Result of `Reducer.statistics`. */
export interface Statistics {
  /** Number of contributions. */
  count: number;
  /** Their mean. */
  mean: number;
  /** Population variance (divided by count). */
  variance: number;
}

/** A reducer registered with `charm.registerReducer<T>`: contributions and result are `T`. */
export interface CustomKind<T> {
  /** The type of the contributions and of the result. */
  readonly custom: T;
}

/** `Reducer.tuple(r1, r2, ...)`: one kind per position. */
export interface TupleKind<P extends readonly unknown[]> {
  /** The kinds of the reducers, in order. */
  readonly tuple: P;
}

/**
 * What a reducer does, as a type: element-wise arithmetic ('numeric'),
 * bitwise, logical, collecting ('gather', 'concat'), one of the
 * contributions ('random'), 'statistics', nothing ('nop'), custom, tuple.
 */
export type ReducerKind =
  | 'numeric'
  | 'bitwise'
  | 'logical'
  | 'gather'
  | 'concat'
  | 'random'
  | 'statistics'
  | 'nop'
  | CustomKind<unknown>
  | TupleKind<readonly unknown[]>;

/** What a reducer of kind `K` accepts as one member's contribution. */
export type InputOf<K> = K extends 'numeric'
  ? NumericData
  : K extends 'bitwise'
    ? IntegerData
    : K extends 'logical'
      ? LogicalData
      : K extends 'concat'
        ? readonly unknown[]
        : K extends 'statistics'
          ? number
          : K extends 'nop'
            ? undefined | null
            : K extends CustomKind<infer T>
              ? T
              : K extends TupleKind<infer P>
                ? TupleInput<P>
                : unknown;

/** Contributions to a tuple reducer: one per position, each what its reducer accepts. */
export type TupleInput<P> = { readonly [i in keyof P]: InputOf<P[i]> };

/**
 * The type of the combined value of contributions of type `D`: literal
 * types widened (`1` contributes to a `number`), tuples kept position by
 * position, arrays made mutable (results are fresh arrays).
 */
export type Widen<D> = D extends number
  ? number
  : D extends bigint
    ? bigint
    : D extends boolean
      ? boolean
      : D extends string
        ? string
        : D extends readonly [] | readonly [unknown, ...unknown[]]
          ? { -readonly [i in keyof D]: Widen<D[i]> }
          : D extends readonly (infer E)[]
            ? E[]
            : D;

/** What a logical reduction over `D` gives: booleans for scalars, typed arrays (of 0 and 1) for typed arrays. */
export type Truth<D> = D extends TypedArray
  ? D
  : D extends readonly [] | readonly [unknown, ...unknown[]]
    ? { -readonly [i in keyof D]: Truth<D[i]> }
    : D extends readonly (infer E)[]
      ? Truth<E>[]
      : boolean;

/** The result of a reduction of kind `K` over contributions of type `D`. */
export type ResultOf<K, D> = K extends 'numeric' | 'bitwise'
  ? Widen<D>
  : K extends 'logical'
    ? Truth<D>
    : K extends 'gather'
      ? Widen<D>[]
      : K extends 'concat'
        ? D extends readonly (infer E)[]
          ? E[]
          : never
        : K extends 'random'
          ? Widen<D>
          : K extends 'statistics'
            ? Statistics
            : K extends 'nop'
              ? undefined
              : K extends CustomKind<infer T>
                ? T
                : K extends TupleKind<infer P>
                  ? { -readonly [i in keyof P]: ResultOf<P[i], D[i & keyof D]> }
                  : unknown;

/**
 * Where the result of a reduction of kind `K` over `D` may go: a target
 * taking that result. A reducer of unknown kind (typed `Reducer`) may go
 * to any target.
 */
export type TargetOf<K, D> = ReducerKind extends K ? ReductionTarget : ReductionTarget<ResultOf<K, D>>;
