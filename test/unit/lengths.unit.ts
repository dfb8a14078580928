// The census of contributions of different lengths (lib/reductions/lengths.ts):
// every length named with who gave it, however the partials met, bounded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { census, countPartial, lengthsMessage, mergeCensus } from '../../lib/reductions/lengths';
import { DifferentLengths } from '../../lib/reductions/reducers';

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

test.run();
