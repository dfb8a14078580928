// Load-balancing strategies as pure functions (in-process): every strategy
// keeps pinned elements where they are and is told which elements can move;
// greedy ones spread the movable load.
// (the in-process tier: test/unit/)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { STRATEGIES, type ElementLoad } from '../../lib/balancing/strategies';

/** `count` elements on PE 0, loads 10, 20, ...; the ones in `pinned` may not move. */
function elements(count: number, pinned: number[]): ElementLoad[] {
  return Array.from({ length: count }, (_, id) => ({ id, pe: 0, load: 10 * (id + 1), movable: !pinned.includes(id) }));
}

for (const [name, strategy] of Object.entries(STRATEGIES)) {
  test(`${name}: pinned elements stay on their PE`, () => {
    for (let run = 0; run < 20; run++) {
      const input = elements(8, [0, 3, 7]);
      const placement = strategy(input, [0, 0, 0, 0]);
      assert.is(placement.length, input.length);
      for (const e of input) {
        assert.ok(Number.isInteger(placement[e.id]) && placement[e.id] >= 0 && placement[e.id] < 4);
        if (!e.movable) assert.is(placement[e.id], e.pe, `${name} moved pinned element ${e.id}`);
      }
    }
  });
}

test('RotateLB moves each movable element to the next PE; a pinned one-element array stays', () => {
  assert.equal(STRATEGIES.RotateLB(elements(1, [0]), [0, 0]), [0]);
  assert.equal(STRATEGIES.RotateLB(elements(3, [1]), [0, 0]), [1, 0, 1]);
});

test('GreedyLB: pinned load counts on its PE; movable elements fill the other PEs, heaviest first', () => {
  // four pinned elements of 10..40 on PE 0 (100 there), one movable of 50
  const placement = STRATEGIES.GreedyLB(elements(5, [0, 1, 2, 3]), [0, 0, 0, 0]);
  assert.equal(placement, [0, 0, 0, 0, 1]);
  // nothing pinned: spread heaviest first over 2 PEs
  assert.equal(STRATEGIES.GreedyLB(elements(4, []), [0, 0]), [0, 1, 1, 0]); // 40 to PE 0, 30 and 20 to PE 1, 10 to PE 0
});

test('GreedyRefineLB keeps an element in place when its PE is within 5% of the best choice', () => {
  // PE 0 carries 0.4 ms of background load: greedy swaps the two elements to save it, refine keeps them
  const input: ElementLoad[] = [
    { id: 0, pe: 0, load: 10, movable: true },
    { id: 1, pe: 1, load: 10, movable: true },
  ];
  assert.equal(STRATEGIES.GreedyRefineLB(input, [0.4, 0]), [0, 1]);
  assert.equal(STRATEGIES.GreedyLB(input, [0.4, 0]), [1, 0]);
});

test('RandCentLB places movable elements on random PEs only', () => {
  const seen = new Set<number>();
  for (let run = 0; run < 50; run++) {
    const placement = STRATEGIES.RandCentLB(elements(4, [2]), [0, 0, 0]);
    assert.is(placement[2], 0);
    for (const pe of placement) seen.add(pe);
  }
  assert.equal([...seen].sort(), [0, 1, 2]);
});

test.run();
