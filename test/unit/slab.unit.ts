// The local slab's ring (lib/scheduler/slab.ts), in-process: a model queue
// of messages put and handled in order, checked byte for byte, the way the
// scheduler uses it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalSlab } from '../../lib/scheduler/slab';
import { random as seeded } from './random';

/** A message of `length` bytes, all `fill`. */
const message = (length: number, fill: number): Buffer => Buffer.alloc(length, fill);
const viewOf = (b: Buffer): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
/** Puts the whole of `m`. */
const put = (slab: LocalSlab, m: Buffer): number => slab.put(m, viewOf(m), m.length);

test('messages put while others wait never overlap them; space comes back as the oldest are handled, across the wrap', () => {
  const slab = new LocalSlab(1024);
  const random = seeded(7);
  const queue: { base: number; length: number; fill: number }[] = [];
  let fill = 0;
  let wrapped = 0;
  let refused = 0;
  for (let step = 0; step < 20_000; step++) {
    if (queue.length > 0 && random() < 0.45) {
      const m = queue.shift()!;
      // Still as put: nothing put since overwrote it.
      assert.ok(slab.bytes.subarray(m.base, m.base + m.length).every((b) => b === m.fill), `message at ${m.base} intact`);
      slab.done(m.base, m.length);
    } else {
      const length = 8 + Math.floor(random() * 200);
      fill = (fill + 1) & 0xff;
      const base = put(slab, message(length, fill));
      if (base < 0) {
        refused++;
        continue;
      }
      assert.ok(base % 8 === 0 && base + length <= 1024, `in bounds, aligned: ${base}`);
      if (queue.length > 0 && base < queue[queue.length - 1].base) wrapped++;
      queue.push({ base, length, fill });
    }
  }
  assert.ok(wrapped > 100, `it wrapped (${wrapped} times)`);
  assert.ok(refused > 0, 'a full slab refused some');
});

test('a slab whose queue empties starts again at 0; one too long for either gap is refused', () => {
  const slab = new LocalSlab(256);
  const a = put(slab, message(100, 1));
  const b = put(slab, message(100, 2));
  assert.equal([a, b], [0, 104]);
  assert.is(put(slab, message(100, 3)), -1, 'no room above, and the oldest is still queued below');
  slab.done(a, 100);
  assert.is(put(slab, message(96, 4)), 0, 'wrapped below the oldest queued');
  assert.is(put(slab, message(8, 5)), -1, 'the gap below the oldest queued (96..100) is too small');
  slab.done(b, 100);
  slab.done(0, 96);
  assert.is(put(slab, message(200, 6)), 0, 'empty again: from the start');
});

test('every byte arrives as it was, at every length and offset, from a range inside a larger buffer', () => {
  const random = seeded(11);
  const source = Buffer.alloc(2048);
  for (let i = 0; i < source.length; i++) source[i] = Math.floor(random() * 256);
  // A view of the source that starts 3 bytes into its memory, as a receive buffer's may.
  const from = source.subarray(3);
  for (let length = 1; length <= 300; length++) {
    const slab = new LocalSlab(1024);
    for (let k = 0; k < 3; k++) {
      const start = Math.floor(random() * 700);
      const base = slab.put(from, viewOf(from), length, start);
      assert.ok(base >= 0);
      assert.ok(slab.bytes.subarray(base, base + length).equals(from.subarray(start, start + length)), `length ${length} from ${start} at ${base}`);
    }
  }
});

test.run();
