// Typed arrays made ahead for the decoder (lib/codec/fresh.ts), in-process:
// each one is handed out once, owns exactly its buffer, holds the bytes
// copied into it, and the stock stays bounded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freshCopy, restock } from '../../lib/codec/fresh';

const FLOAT64 = 8;
const INT32 = 5;

/** `n` doubles i + base, as the bytes a message would hold them in. */
function source(n: number, base: number): ArrayBuffer {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = i + base;
  return a.buffer;
}

test('the first copy of a kind and length finds none; after restocking, each copy is a new array of its own with the bytes', () => {
  const bytes = 512;
  assert.is(freshCopy(FLOAT64, Float64Array, source(64, 0), 0, bytes), undefined, 'none made yet');
  const seen = new Set<ArrayBufferLike>();
  for (let k = 0; k < 3; k++) {
    while (restock());
    const copy = freshCopy(FLOAT64, Float64Array, source(64, 100 * k), 0, bytes) as Float64Array | undefined;
    assert.ok(copy instanceof Float64Array, `copy ${k} made ahead`);
    assert.is(copy!.length, 64);
    assert.is(copy!.byteOffset, 0);
    assert.is(copy!.buffer.byteLength, bytes, 'owns exactly its buffer');
    assert.ok(!seen.has(copy!.buffer), 'never handed out twice');
    seen.add(copy!.buffer);
    for (let i = 0; i < 64; i++) if (copy![i] !== i + 100 * k) assert.unreachable(`element ${i} of copy ${k}: ${copy![i]}`);
  }
});

test('a length seen once has one array made ahead; one whose copies keep finding none, up to four', () => {
  const bytes = 1024;
  const take = (): unknown => freshCopy(FLOAT64, Float64Array, source(128, 0), 0, bytes);
  while (restock()); // what the tests before left short
  take();
  let made = 0;
  while (restock()) made++;
  assert.is(made, 1, 'one made after the first copy');
  for (let round = 0; round < 6; round++) {
    // A burst: takes until none is left, each shortfall raises the target.
    while (take() !== undefined);
  }
  made = 0;
  while (restock()) made++;
  assert.is(made, 4, 'four made ahead once bursts found none');
});

test('a copy from the middle of a buffer takes those bytes only; other kinds and lengths have stocks of their own', () => {
  const from = new Uint8Array(source(40, 0));
  // Int32 view of bytes 72..200 (offsets need no alignment).
  freshCopy(INT32, Int32Array, from.buffer, 72, 128);
  while (restock());
  const copy = freshCopy(INT32, Int32Array, from.buffer, 72, 128) as Int32Array;
  assert.ok(copy instanceof Int32Array);
  assert.is(copy.buffer.byteLength, 128);
  assert.equal(new Uint8Array(copy.buffer), from.subarray(72, 200));
});

test('stocks are bounded: many kinds and lengths keep a few arrays of the latest only', () => {
  for (let round = 0; round < 3; round++) {
    for (let bytes = 72; bytes < 72 + 8 * 50; bytes += 8) freshCopy(FLOAT64, Float64Array, source(bytes / 8, 0), 0, bytes);
  }
  let made = 0;
  while (restock()) made++;
  assert.ok(made <= 8 * 4, `at most 8 stocks of 4 made (${made})`);
  assert.is(restock(), false, 'nothing left to make');
});

test.run();
