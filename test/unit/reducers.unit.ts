// Reducers (lib/reductions/reducers.ts) in-process: each reducer's lift,
// combine and finish over every input kind it documents, at member counts
// 1 to 8, combined in every order and tree shape a reduction can take (the
// spanning tree combines partials in arrival order), always giving the same
// result; inputs a reducer does not take are refused naming the type.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DifferentLengths, Reducer, reducerImpl, registerReducer } from '../../lib/reductions/reducers';
import type { ArrayIndex } from '../../lib/collections/arrayIndex';
import { random } from './random';

type Index = number | ArrayIndex;

/**
 * Reduces `contributions` (member index, data) as the runtime may: lifted
 * one by one, then combined pairwise in a random order and tree shape.
 */
function reduce(name: string, contributions: [Index, unknown][], rand: () => number): unknown {
  const impl = reducerImpl(name);
  const partials = contributions.map(([index, data]) => impl.lift(data, index));
  while (partials.length > 1) {
    const i = Math.floor(rand() * partials.length);
    const a = partials.splice(i, 1)[0];
    const j = Math.floor(rand() * partials.length);
    const b = partials.splice(j, 1)[0];
    partials.push(impl.combine(a, b));
  }
  return impl.finish(partials[0]);
}

/** The result in member order, left to right: the reference the shapes must agree with. */
function inOrder(name: string, contributions: [Index, unknown][]): unknown {
  const impl = reducerImpl(name);
  return impl.finish(contributions.map(([i, d]) => impl.lift(d, i)).reduce((a, b) => impl.combine(a, b)));
}

/** Same result for every member count 1..8 and 12 random shapes each; returns the results by count. */
function consistent(name: string, data: (member: number) => unknown, index: (member: number) => Index = (m) => m): unknown[] {
  const results: unknown[] = [];
  for (let n = 1; n <= 8; n++) {
    const contributions: [Index, unknown][] = Array.from({ length: n }, (_, m) => [index(m), data(m)]);
    const expected = inOrder(name, contributions.map(([i, d]) => [i, clone(d)]));
    for (let shape = 0; shape < 12; shape++) {
      const rand = random(n * 1000 + shape + name.length);
      const order = [...contributions].sort(() => rand() - 0.5).map(([i, d]) => [i, clone(d)] as [Index, unknown]);
      assert.equal(reduce(name, order, rand), expected, `${name} over ${n} members, shape ${shape}`);
    }
    results.push(expected);
  }
  return results;
}

function clone(d: unknown): unknown {
  if (ArrayBuffer.isView(d)) return (d as unknown as { slice(): unknown }).slice();
  if (Array.isArray(d)) return d.map(clone);
  return d;
}

const TYPED = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;
const isBig = (c: unknown): boolean => c === BigInt64Array || c === BigUint64Array;

test('sum, product, max, min over numbers, bigints, arrays (nested) and every typed array kind, at any member count and shape', () => {
  const sums = consistent('sum', (m) => m + 1);
  assert.equal(sums, [1, 3, 6, 10, 15, 21, 28, 36]);
  assert.equal(consistent('product', (m) => m + 1).at(-1), 40320);
  assert.equal(consistent('max', (m) => (m * 5) % 7).at(-1), 6);
  assert.equal(consistent('min', (m) => 10 - ((m * 3) % 8)).at(-1), 3);
  assert.equal(consistent('sum', (m) => BigInt(m) * 10n ** 20n).at(-1), 28n * 10n ** 20n);
  assert.equal(consistent('max', (m) => -BigInt(m)).at(-1), 0n);
  assert.equal(consistent('sum', (m) => [m, [m * 2, m * 3]]).at(-1), [28, [56, 84]]);
  assert.equal(consistent('sum', (m) => m + 0.5).at(-1), 32, 'doubles');
  for (const ctor of TYPED) {
    const make = (m: number): ArrayBufferView => {
      const a = new ctor(3) as unknown as { [i: number]: number | bigint };
      for (let k = 0; k < 3; k++) a[k] = isBig(ctor) ? BigInt(m + k) : m + k;
      return a as unknown as ArrayBufferView;
    };
    const results = consistent('sum', make);
    const last = results.at(-1) as ArrayLike<number | bigint>;
    assert.is(last.constructor, ctor, `${ctor.name}: the result keeps the kind`);
    const expected = [28, 36, 44].map((v) => (isBig(ctor) ? BigInt(v) : v));
    assert.equal(Array.from(last), expected, ctor.name);
    assert.equal(Array.from((consistent('max', make).at(-1) as ArrayLike<unknown>)), [7, 8, 9].map((v) => (isBig(ctor) ? BigInt(v) : v)), `${ctor.name} max`);
  }
});

test('combining in place never changes a member\'s data (typed arrays are copied once, at lift)', () => {
  const impl = reducerImpl('sum');
  const a = new Float64Array([1, 2]);
  const b = new Float64Array([10, 20]);
  const result = impl.finish(impl.combine(impl.lift(a, 0), impl.lift(b, 1)));
  assert.equal(Array.from(result as Float64Array), [11, 22]);
  assert.equal(Array.from(a), [1, 2]);
  assert.equal(Array.from(b), [10, 20]);
  const nested = [[1, 2]];
  impl.combine(impl.lift(nested, 0), impl.lift([[3, 4]], 1));
  assert.equal(nested, [[1, 2]]);
});

test('bitAnd, bitOr, bitXor over integers, bigints, arrays and integer typed arrays', () => {
  assert.equal(consistent('bitOr', (m) => 1 << m).at(-1), 255);
  assert.equal(consistent('bitAnd', (m) => 0xff ^ (1 << m)).at(-1), 0);
  assert.equal(consistent('bitXor', (m) => m).at(-1), 0 ^ 1 ^ 2 ^ 3 ^ 4 ^ 5 ^ 6 ^ 7);
  assert.equal(consistent('bitOr', (m) => 1n << BigInt(m * 10)).at(-1), Array.from({ length: 8 }, (_, m) => 1n << BigInt(m * 10)).reduce((a, b) => a | b));
  assert.equal(Array.from(consistent('bitXor', (m) => new Int32Array([m, -m])).at(-1) as Int32Array), [0 ^ 1 ^ 2 ^ 3 ^ 4 ^ 5 ^ 6 ^ 7, [0, -1, -2, -3, -4, -5, -6, -7].reduce((a, b) => a ^ b)]);
  assert.equal(consistent('bitAnd', (m) => [7, 7 - (m % 2)]).at(-1), [7, 6]);
});

test('logicalAnd, logicalOr, logicalXor over booleans and arrays of booleans', () => {
  assert.equal(consistent('logicalAnd', () => true), new Array(8).fill(true));
  assert.equal(consistent('logicalAnd', (m) => m !== 5).slice(5), [false, false, false]);
  assert.equal(consistent('logicalOr', (m) => m === 3).slice(2), [false, true, true, true, true, true]);
  assert.equal(consistent('logicalXor', (m) => m % 2 === 0), [true, true, false, false, true, true, false, false]);
  assert.equal(consistent('logicalAnd', (m) => [true, m < 4]).at(-1), [true, false]);
});

test('logical reducers over numbers (truth values, as Charm4py): the same kind of result at every member count', () => {
  const and = consistent('logicalAnd', (m) => m + 1);
  for (const r of and) assert.is(typeof r, 'boolean', `logicalAnd over numbers gives booleans, got ${String(r)}`);
  assert.equal(and, new Array(8).fill(true));
  assert.equal(consistent('logicalOr', () => 0), new Array(8).fill(false));
  assert.equal(consistent('logicalXor', () => 2), [true, false, true, false, true, false, true, false]);
  assert.equal(consistent('logicalAnd', (m) => BigInt(m + 1)), new Array(8).fill(true));
  const bigTyped = consistent('logicalAnd', (m) => new BigInt64Array([1n, BigInt(m % 3)])) as BigInt64Array[];
  assert.equal(Array.from(bigTyped[0]), [1n, 0n]);
  assert.equal(Array.from(consistent('logicalXor', () => new Int16Array([7, 0])).at(-1) as Int16Array), [0, 0]);
  const typed = consistent('logicalOr', (m) => new Float64Array([0, m === 2 ? 5 : 0, 3])) as Float64Array[];
  assert.equal(Array.from(typed[0]), [0, 0, 1]);
  assert.equal(Array.from(typed[7]), [0, 1, 1]);
});

test('gather and set: every contribution in member-index order (tuples row-major, strings, bytes), whatever the order of combining', () => {
  assert.equal(consistent('gather', (m) => `v${m}`).at(-1), ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
  assert.equal(consistent('set', (m) => ({ m })).at(2), [{ m: 0 }, { m: 1 }, { m: 2 }]);
  const tuples = consistent('gather', (m) => m, (m) => [m % 2, 3 - Math.floor(m / 2)]).at(-1);
  assert.equal(tuples, [6, 4, 2, 0, 7, 5, 3, 1], 'row-major: [0,0] [0,1] ... [1,3]');
  const keys = consistent('gather', (m) => m, (m) => ['delta', 'alpha', 'charlie', 'bravo', 'echo', 'golf', 'foxtrot', 'hotel'][m]).at(-1);
  assert.equal(keys, [1, 3, 2, 0, 4, 6, 5, 7]);
});

test('concat: arrays joined in member-index order; a member contributing something else is named', () => {
  assert.equal(consistent('concat', (m) => Array.from({ length: m }, () => m)).at(3), [1, 2, 2, 3, 3, 3]);
  assert.throws(() => inOrder('concat', [[0, [1]], [1, 5]]), /Reducer\.concat: member 1 contributed number, not an array/);
});

test('random: one of the contributions, at any member count', () => {
  for (let n = 1; n <= 8; n++) {
    const contributions: [Index, unknown][] = Array.from({ length: n }, (_, m) => [m, `c${m}`]);
    const seen = new Set<unknown>();
    for (let shape = 0; shape < 40; shape++) {
      const got = reduce('random', contributions, random(shape + 1));
      assert.ok(contributions.some(([, d]) => d === got), `${n} members: ${String(got)}`);
      seen.add(got);
    }
    if (n === 2) assert.is(seen.size, 2, 'either of two contributions can be chosen');
  }
});

test('statistics: count, mean and population variance, the same (to rounding) in any shape; numbers only', () => {
  const impl = reducerImpl('statistics');
  for (let n = 1; n <= 8; n++) {
    const values = Array.from({ length: n }, (_, m) => (m * 7.25) % 5);
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    for (let shape = 0; shape < 12; shape++) {
      const r = reduce('statistics', values.map((v, m) => [m, v] as [Index, unknown]), random(shape + 7)) as { count: number; mean: number; variance: number };
      assert.is(r.count, n);
      assert.ok(Math.abs(r.mean - mean) < 1e-12 && Math.abs(r.variance - variance) < 1e-12, `n=${n}: ${JSON.stringify(r)} vs mean ${mean}, variance ${variance}`);
    }
  }
  assert.throws(() => impl.lift('3', 0), /Reducer\.statistics: contributions must be numbers, got string/);
});

test('nop: no data, undefined at any member count', () => {
  assert.equal(consistent('nop', () => undefined), new Array(8).fill(undefined));
});

test('tuple: each position reduced by its reducer, nested tuples too; a contribution of the wrong length is refused', () => {
  const name = Reducer.tuple(Reducer.sum, Reducer.max, Reducer.tuple(Reducer.gather, Reducer.logicalOr)).name;
  assert.is(name, 'tuple(sum,max,tuple(gather,logicalOr))');
  const results = consistent(name, (m) => [m, m * 2, [`x${m}`, m === 6]]);
  assert.equal(results.at(-1), [28, 14, [['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7'], true]]);
  assert.throws(() => reducerImpl(name).lift([1, 2], 0), /contribute an array of 3 values, one per reducer/);
  assert.throws(() => Reducer.tuple(), /give at least one reducer/);
  assert.throws(() => Reducer.tuple('sum' as never), /every element must be a Reducer/);
});

test('custom reducers: combine applied at any member count; names checked', () => {
  const longest = registerReducer<string>('unitLongest', (a, b) => (b.length > a.length || (b.length === a.length && b < a) ? b : a));
  assert.is(longest.name, 'unitLongest');
  assert.equal(consistent('unitLongest', (m) => 'z'.repeat(m % 5) + String.fromCharCode(97 + m)).at(-1), 'zzzze');
  assert.throws(() => registerReducer('unitLongest', (a: number) => a), /a reducer named "unitLongest" already exists/);
  assert.throws(() => registerReducer('sum', (a: number) => a), /already exists/);
  assert.throws(() => registerReducer('1bad', (a: number) => a), /invalid name "1bad"/);
  assert.throws(() => registerReducer('fine', 3 as never), /combine must be a function/);
  assert.throws(() => reducerImpl('neverRegistered'), /reducer "neverRegistered" is not known on this PE/);
  // Names of Object.prototype's members are names like any other: not known until registered.
  assert.throws(() => reducerImpl('constructor'), /reducer "constructor" is not known on this PE/);
  assert.is(registerReducer<number>('toString', (a, b) => a + b).name, 'toString');
  assert.is(consistent('toString', (m) => m).at(-1), 28);
});

test('max and min of numbers and float arrays are NaN when any member contributes NaN, wherever it is in the tree', () => {
  for (const name of ['max', 'min']) {
    for (let k = 0; k < 8; k++) {
      const results = consistent(name, (m) => (m === k ? NaN : m));
      results.slice(k).forEach((r, n) => assert.ok(Number.isNaN(r), `${name}, NaN from member ${k} of ${n + k + 1}: ${String(r)}`));
      // (Not `consistent`: uvu's equal takes NaN in a typed array for a difference.)
      for (const ctor of [Float32Array, Float64Array]) {
        for (let n = k + 1; n <= 8; n++) {
          for (let shape = 0; shape < 12; shape++) {
            const rand = random(n * 1000 + shape);
            const order = Array.from({ length: n }, (_, m) => [m, new ctor([m, m === k ? NaN : -m, 1])] as [Index, unknown]).sort(() => rand() - 0.5);
            const got = Array.from(reduce(name, order, rand) as Float64Array);
            assert.ok(Number.isNaN(got[1]) && !Number.isNaN(got[0]) && got[2] === 1, `${ctor.name} ${name}, NaN from member ${k} of ${n}, shape ${shape}: ${got.join(', ')}`);
          }
        }
      }
    }
  }
});

test('mismatched contributions are refused naming both: lengths, kinds', () => {
  const sum = reducerImpl('sum');
  assert.throws(() => sum.combine(sum.lift([1, 2], 0), sum.lift([1], 1)), /Reducer\.sum: contributions have different lengths \(2 and 1\)/);
  assert.throws(() => sum.combine(sum.lift(new Int8Array(2), 0), sum.lift(new Int8Array(3), 1)), /different lengths \(2 and 3\)/);
  // The lengths and, for arrays nested in the contributions, where: the reduction's error names both (partials.ts).
  const nested = ((): unknown => {
    try {
      return sum.combine(sum.lift([[1], [1, 2, 3]], 0), sum.lift([[1], [1, 2]], 1));
    } catch (error) {
      return error;
    }
  })();
  assert.instance(nested, DifferentLengths);
  assert.equal([(nested as DifferentLengths).lengths, (nested as DifferentLengths).path], [[3, 2], [1]]);
  // In a tuple, the part's place comes first.
  const pair = reducerImpl('tuple(max,sum)');
  const inTuple = ((): unknown => {
    try {
      return pair.combine(pair.lift([1, [[1], [1, 2]]], 0), pair.lift([1, [[1], [1]]], 1));
    } catch (error) {
      return error;
    }
  })();
  assert.equal([(inTuple as DifferentLengths).lengths, (inTuple as DifferentLengths).path], [[2, 1], [1, 1]]);
  assert.throws(() => sum.combine(sum.lift(1, 0), sum.lift(1n, 1)), /Reducer\.sum: cannot combine number with bigint/);
  assert.throws(() => sum.combine(sum.lift([1, [2]], 0), sum.lift([1, 2], 1)), /Reducer\.sum: cannot combine an array with number/);
});

test('inputs a reducer does not take are refused at the contribution (any member count), naming the type and where', () => {
  const refused = (name: string, data: unknown, message: RegExp): void => assert.throws(() => reducerImpl(name).lift(data, 0), message, `${name}(${String(data)})`);
  const arithmetic = 'numbers, bigints or typed arrays \\(or arrays of them\\)';
  for (const name of ['sum', 'product', 'max', 'min']) {
    refused(name, 'a', new RegExp(`Reducer\\.${name}: contributions must be ${arithmetic}, got string$`));
    refused(name, true, /got boolean$/);
    refused(name, { a: 1 }, /got object$/);
    refused(name, null, /got null$/);
    refused(name, [1, [2, 'x']], /got string at \[1\]\[1\]$/);
    refused(name, new DataView(new ArrayBuffer(8)), /got DataView$/);
  }
  for (const name of ['bitAnd', 'bitOr', 'bitXor']) {
    refused(name, 1.5, new RegExp(`Reducer\\.${name}: contributions must be integers, bigints or integer typed arrays \\(or arrays of them\\), got the number 1\\.5$`));
    refused(name, new Float64Array(2), /got Float64Array$/);
    refused(name, [new Float32Array(1)], /got Float32Array at \[0\]$/);
    refused(name, 'x', /got string$/);
  }
  for (const name of ['logicalAnd', 'logicalOr', 'logicalXor']) {
    refused(name, 'yes', new RegExp(`Reducer\\.${name}: contributions must be booleans, numbers, bigints or typed arrays \\(or arrays of them\\), got string$`));
    refused(name, [true, undefined], /got undefined at \[1\]$/);
  }
  // Strings are not summed into a concatenation, nor booleans into a count.
  assert.throws(() => inOrder('sum', [[0, 'a'], [1, 'b']]), /got string/);
  assert.throws(() => inOrder('sum', [[0, true], [1, true]]), /got boolean/);
});

test.run();
