// lib/shapes.ts, in-process: the objects it makes keep their V8 map (hidden
// class) through what the message path later stores in them, which is what
// keeps the optimized message loop from being deoptimized. Maps are compared
// with V8's own %HaveSameMap.
import { setFlagsFromString } from 'v8';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { doubleFields, objectArray } from '../../lib/shapes';

setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

test('an objectArray keeps its map when the binding or a writer puts buffers and views in it, and when it is emptied', () => {
  const array = objectArray<ArrayBuffer | ArrayBufferView>();
  const fresh = objectArray<ArrayBuffer>();
  assert.is(array.length, 0);
  assert.ok(haveSameMap(array, fresh));
  array.push(new ArrayBuffer(8));
  array[1] = new Float64Array(2);
  assert.ok(haveSameMap(array, fresh), 'same map with objects in it');
  array.length = 0;
  assert.ok(haveSameMap(array, fresh), 'same map emptied');
  // What it replaces: an empty literal's map changes with its first object.
  const literal: ArrayBuffer[] = [];
  const before = [] as ArrayBuffer[];
  literal.push(new ArrayBuffer(8));
  assert.not.ok(haveSameMap(literal, before));
});

test('doubleFields keeps the values, and the object its map through fractions and integers past 2^30', () => {
  const make = () => ({ count: 0, bytes: 5, at: -1, name: 'x' });
  const counters = doubleFields(make(), ['count', 'bytes', 'at']);
  assert.equal(counters, { count: 0, bytes: 5, at: -1, name: 'x' });
  assert.ok(Object.is(counters.count, 0), 'zero, not -0');
  const other = doubleFields(make(), ['count', 'bytes', 'at']);
  counters.bytes += 2 ** 31;
  counters.at = 0.25;
  counters.count++;
  assert.ok(haveSameMap(counters, other));
  assert.is(counters.bytes, 2 ** 31 + 5);
  // What it replaces: a small-integer field's first large value changes the map.
  const makePlain = () => ({ count: 0, bytes: 5 });
  const plain = makePlain();
  const before = makePlain();
  plain.bytes += 2 ** 31;
  assert.not.ok(haveSameMap(plain, before));
});

test('doubleFields takes all the own fields by default, and refuses a field that is not a number, naming it', () => {
  const all = doubleFields({ a: 1, b: 2 });
  const other = doubleFields({ a: 1, b: 2 });
  all.a = 0.5;
  all.b = 2 ** 40;
  assert.ok(haveSameMap(all, other));
  assert.throws(() => doubleFields({ a: 1 }, ['b']), /Object has no number field b/);
});

test.run();
