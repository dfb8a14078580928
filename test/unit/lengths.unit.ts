// The census of contributions of different lengths (lib/reductions/lengths.ts):
// every length named with who gave it, however the partials met, bounded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { census, countPartial, lengthsMessage, mergeCensus } from '../../lib/reductions/lengths';
import { DifferentLengths } from '../../lib/reductions/reducers';
import { merge, pieceOf, type Partial } from '../../lib/reductions/partials';
import { combinedError } from '../../lib/reductions/failures';
import { beginMessage, HEADER_BYTES, Kind, readPartial, writePartial } from '../../lib/codec/wire';
import { Writer } from '../../lib/codec/writer';
import { Reader } from '../../lib/codec/reader';
import { setRuntime } from '../../lib/model/context';

const lead = 'contributions of different lengths to Reducer.sum (every contributor must give the same length): ';

test('a mismatch, then partials merged with it on two PEs: every length with its contributors, in index order whatever the order of merging', () => {
  const onPe0 = census(new DifferentLengths('sum', [3, 2]), [1, 'element [1] on PE 0'], [1, 'element [0] on PE 0'], 0);
  const onPe1 = census(new DifferentLengths('sum', [2, 3]), [1, 'element [2] on PE 1'], [1, 'element [3] on PE 1'], 1);
  // A healthy partial of two contributions meets the census: counted under its length.
  countPartial(onPe1, [1, 1], [2, 'element [4] on PE 2']);
  const merged = mergeCensus(onPe0, onPe1);
  assert.is(merged.pe, 0, 'raised as where the first mismatch was found');
  assert.is(lengthsMessage(merged), `${lead}2 from 4 contributions: element [0] on PE 0, element [2] on PE 1, element [4] on PE 2 and 1 more; 3 from element [1] on PE 0 and element [3] on PE 1`);
});

test('bounded: four lengths named, the contributions of others counted; nested arrays named by where they are', () => {
  const c = census(new DifferentLengths('max', [1, 2]), [1, 'member 0 on PE 0'], [1, 'member 1 on PE 0'], 0);
  for (let n = 3; n <= 7; n++) countPartial(c, new Float64Array(n), [1, `member ${n - 1} on PE 1`]);
  assert.is(c.lengths.length, 4);
  assert.is(c.others, 3);
  assert.match(lengthsMessage(c), /^contributions of different lengths to Reducer\.max .*: 1 from member 0 on PE 0; 2 from member 1 on PE 0; 3 from member 2 on PE 1; 4 from member 3 on PE 1; other lengths from 3 more contributions$/);
  const inner = new DifferentLengths('sum', [2, 1]);
  inner.path.push(1);
  const nested = census(inner, [1, 'element [0] on PE 0'], [1, 'element [1] on PE 0'], 0);
  countPartial(nested, [[0], [0, 0]], [1, 'element [2] on PE 1']);
  countPartial(nested, [[0], 7], [1, 'element [3] on PE 1']); // not an array there: fails otherwise, not counted here
  assert.is(lengthsMessage(nested), `${lead}1 from element [1] on PE 0; 2 from element [0] on PE 0 and element [2] on PE 1 (the arrays at [1] of their contributions)`);
});

/** A contribution of element [i] on PE 0 to a sum (reduction 0 of array R). */
const piece = (i: number, data: unknown): Partial => pieceOf([i], data, 'sum', 'all', undefined, 0, false, 'array R');
const mergeInto = (into: Partial, ...pieces: Partial[]): Partial => {
  for (const p of pieces) merge(into, p, 0, false, 'array R');
  return into;
};

/** A partial as the PE it is sent to reads it (a failing partial carries its failures, not its value). */
function sent(p: Partial): Partial {
  const w = new Writer();
  beginMessage(w, Kind.Reduction, 0, 0, 0);
  writePartial(w, p, 'test', true, true);
  const { bytes } = w.detachLocal();
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader();
  r.reset(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 0, bytes.byteLength, true, 0);
  r.pos = HEADER_BYTES;
  return readPartial(r, true) as Partial;
}

test('merge: the valid contributions of a partial that fails otherwise too (a value the sum cannot combine) are counted by the census, whichever side it is on, here or sent on', () => {
  setRuntime({ myPe: 0, numPes: 1, hostOfPe: [0], numHosts: 1, scheduler: undefined as never });
  try {
    const lengths = `${lead}2 from element [0] on PE 0; 3 from element [1] on PE 0; 4 from 2 contributions: element [2] on PE 0 and 1 more`;
    // Elements [2] and [4] give 4 numbers, [3] a number: that partial fails ('cannot combine'), and was counted nowhere.
    const failing = (): Partial => mergeInto(piece(2, [1, 2, 3, 4]), piece(3, 5), piece(4, [1, 2, 3, 4]));
    const mismatch = (): Partial => mergeInto(piece(0, [1, 2]), piece(1, [1, 2, 3]));
    for (const [order, total] of [
      ['the census first, the failing partial sent to it', mergeInto(mismatch(), sent(failing()))],
      ['the failing partial first, the census sent to it', mergeInto(failing(), sent(mismatch()))],
      ['both here, the failing partial merged into the census', mergeInto(mismatch(), failing())],
    ] as const) {
      assert.is(total.count, 5, order);
      const message = combinedError(total.error!, 'reduction 0 of array R').message;
      assert.ok(message.startsWith(lengths), `${order}: ${message}`);
      assert.match(message, 'cannot combine', order);
    }
    // The mismatch is among the valid contributions of two failing partials: found where they meet.
    const a = mergeInto(piece(0, [1, 2]), piece(1, 5));
    const b = mergeInto(piece(2, [1, 2, 3]), piece(3, 6));
    const message = combinedError(mergeInto(sent(a), sent(b)).error!, 'reduction 0 of array R').message;
    assert.ok(message.startsWith(`${lead}2 from element [0] on PE 0; 3 from element [2] on PE 0`), message);
  } finally {
    setRuntime(undefined as never);
  }
});

test.run();
