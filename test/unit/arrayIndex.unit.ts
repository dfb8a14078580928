// Chare-array indices (lib/collections/arrayIndex.ts) in-process: home
// placement by the block and round-robin maps, index checking and
// normalization, lookup keys, index order, and dense enumeration.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blockMap, compareIndices, denseIndices, describe, keyOf, mapByName, mapName, normalizeIndex, registerMap, roundRobinMap, type ArrayIndex } from '../../lib/collections/arrayIndex';

test('block map: contiguous blocks of the row-major order, every PE in range, counts differing by at most one', () => {
  for (const extents of [[1], [7], [10], [3, 4], [2, 3, 2], [5, 1, 3]]) {
    const all = [...denseIndices(extents)];
    for (let numPes = 1; numPes <= 9; numPes++) {
      const pes = all.map((i) => blockMap(i, numPes, extents));
      for (const pe of pes) assert.ok(pe >= 0 && pe < numPes, `[${extents}] on ${numPes} PEs: PE ${pe}`);
      for (let k = 1; k < pes.length; k++) assert.ok(pes[k] >= pes[k - 1], `[${extents}] on ${numPes}: blocks in order`);
      const counts = new Array<number>(numPes).fill(0);
      pes.forEach((pe) => counts[pe]++);
      const used = counts.filter((c) => c > 0);
      assert.ok(Math.max(...used) - Math.min(...used) <= 1, `[${extents}] on ${numPes}: counts ${counts}`);
      if (all.length >= numPes) assert.is(used.length, numPes, `[${extents}] on ${numPes}: every PE gets elements`);
    }
  }
});

test('round-robin map: 1D indices dealt in turn, tuples and keys hashed, the same answer everywhere', () => {
  for (let i = 0; i < 20; i++) assert.is(roundRobinMap([i], 3, undefined), i % 3);
  for (const index of [[1, 2], [2, 1], [0, 0, 7], 'alice', 'bob', new Uint8Array([1, 2, 3])] as ArrayIndex[]) {
    const pe = roundRobinMap(index, 5, undefined);
    assert.ok(pe >= 0 && pe < 5);
    assert.is(roundRobinMap(index, 5, undefined), pe);
  }
  assert.is(roundRobinMap('key', 7, undefined), roundRobinMap(new Uint8Array(Buffer.from('key')), 7, undefined), 'a string and its bytes hash alike');
  assert.is(blockMap('key', 7, [3]), roundRobinMap('key', 7, [3]), 'block map falls back for keys');
});

test('maps by name: built-ins, registration once per name', () => {
  assert.is(mapName(blockMap), 'block');
  assert.is(mapByName('roundRobin'), roundRobinMap);
  function unitLast(_i: ArrayIndex, numPes: number): number {
    return numPes - 1;
  }
  registerMap(unitLast);
  registerMap(unitLast); // the same function again is fine
  assert.is(mapByName('unitLast'), unitLast);
  assert.throws(() => registerMap((_i: ArrayIndex, n: number) => n, 'unitLast'), /another map is already registered as "unitLast"/);
  assert.throws(() => mapName((_i: ArrayIndex, n: number) => n - 1), /is not registered; call charm\.registerMap/);
  assert.throws(() => mapByName('nowhere'), /array map "nowhere" is not registered on this PE/);
});

test('normalizeIndex: numbers become 1-tuples; dimensions, integers and extents checked, naming the array and the index', () => {
  const dense = { ndims: 2, extents: [3, 4] };
  assert.equal(normalizeIndex([2, 3], dense, 'A'), [2, 3]);
  assert.equal(normalizeIndex(5, { ndims: 1 }, 'A'), [5]);
  assert.throws(() => normalizeIndex([3, 0], dense, 'Cell.at'), (e: unknown) => e instanceof RangeError && e.message === 'Cell.at: index [3, 0] is out of range for extents [3, 4]');
  assert.throws(() => normalizeIndex([1], dense, 'Cell.at'), /index \[1\] has 1 dimension\(s\); this array has 2/);
  assert.throws(() => normalizeIndex([1, -1], dense, 'Cell.at'), /index \[1, -1\] is invalid: dimension 1 must be a non-negative integer, got -1/);
  assert.throws(() => normalizeIndex([2 ** 40, 0], dense, 'Cell.at'), /index \[1099511627776, 0\] is out of range for extents \[3, 4\]/);
  assert.throws(() => normalizeIndex([1.5, 0], dense, 'Cell.at'), /dimension 0 must be a non-negative integer/);
  assert.throws(() => normalizeIndex('k', dense, 'Cell.at'), /expected an index of 2 integer\(s\), got "k"/);
  const keyed = { ndims: 0 };
  assert.is(normalizeIndex('k', keyed, 'A'), 'k');
  const bytes = new Uint8Array([1, 2]);
  const copy = normalizeIndex(bytes, keyed, 'A') as Uint8Array;
  assert.equal(Array.from(copy), [1, 2]);
  bytes[0] = 9;
  assert.is(copy[0], 1, 'a bytes key is copied: changing the caller\'s array later changes nothing');
  assert.throws(() => normalizeIndex([1], keyed, 'Keyed.at'), /Keyed\.at: this array is indexed by string or bytes keys, got \[1\]/);
});

test('keyOf: one key per index, tuples, strings and bytes never collide', () => {
  const indices: ArrayIndex[] = [[1], [1, 2], [12], [1, 2, 3], [12, 3], '1', '1,2', 's1', new Uint8Array([1]), new Uint8Array([1, 2]), 'b01', ''];
  const keys = indices.map(keyOf);
  assert.is(new Set(keys).size, indices.length, keys.join(' | '));
  assert.is(keyOf([7]), keyOf([7]));
});

test('compareIndices: strings, then bytes, then tuples row-major; describe shows each', () => {
  const sorted: ArrayIndex[] = ['a', 'b', new Uint8Array([0]), new Uint8Array([0, 1]), new Uint8Array([1]), [0, 5], [1], [1, 0], [1, 2]];
  const shuffled = [...sorted].reverse();
  assert.equal(shuffled.sort(compareIndices).map(describe), sorted.map(describe));
  assert.is(describe([1, 2]), '[1, 2]');
  assert.is(describe('k'), '"k"');
  assert.is(describe(new Uint8Array([255])), 'bytes<ff>');
});

test('denseIndices: every index once, row-major; none for an empty extent', () => {
  assert.equal([...denseIndices([2, 3])], [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
  assert.equal([...denseIndices([3, 0])], []);
  assert.is([...denseIndices([2, 2, 2, 2, 2, 2])].length, 64);
});

test.run();
