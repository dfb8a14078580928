// The spanning tree (lib/tree.ts) in-process: for every PE count 1..64,
// branching 1..8 and root, each PE but the root has exactly one parent,
// children and parents agree, every PE is reached from the root, and the
// depth is the smallest a k-ary tree allows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { branching, childrenOf, parentOf, setBranching } from '../../lib/tree';

/** Depth of a complete k-ary tree over n nodes (levels below the root). */
function minimalDepth(n: number, k: number): number {
  if (k === 1) return n - 1;
  let depth = 0;
  for (let covered = 1, level = 1; covered < n; depth++) {
    level *= k;
    covered += level;
  }
  return depth;
}

test('every PE has one parent, children and parents agree, all reached from the root, minimal depth: n = 1..64, k = 1..8, every root', () => {
  let trees = 0;
  for (let n = 1; n <= 64; n++) {
    for (let k = 1; k <= 8; k++) {
      for (let root = 0; root < n; root++) {
        trees++;
        const where = `n=${n} k=${k} root=${root}`;
        const parentCount = new Array<number>(n).fill(0);
        for (let pe = 0; pe < n; pe++) {
          const children = childrenOf(pe, root, n, k);
          assert.ok(children.length <= k, `${where}: PE ${pe} has ${children.length} children`);
          assert.equal(children, [...new Set(children)], `${where}: PE ${pe} lists a child twice`);
          for (const c of children) {
            assert.ok(Number.isInteger(c) && c >= 0 && c < n, `${where}: child ${c} of ${pe} is not a PE`);
            assert.is(parentOf(c, root, n, k), pe, `${where}: child ${c} of ${pe} names another parent`);
            parentCount[c]++;
          }
        }
        assert.is(parentOf(root, root, n, k), -1, `${where}: the root has no parent`);
        for (let pe = 0; pe < n; pe++) {
          assert.is(parentCount[pe], pe === root ? 0 : 1, `${where}: PE ${pe} is the child of ${parentCount[pe]} PEs`);
          if (pe !== root) assert.ok(childrenOf(parentOf(pe, root, n, k), root, n, k).includes(pe), `${where}: PE ${pe} is not among its parent's children`);
        }
        // Walk down from the root: every PE once, at the depth a k-ary tree allows.
        const seen = new Set<number>([root]);
        let level = [root];
        let depth = 0;
        for (;;) {
          const next = level.flatMap((pe) => childrenOf(pe, root, n, k));
          if (next.length === 0) break;
          for (const pe of next) {
            assert.not.ok(seen.has(pe), `${where}: PE ${pe} reached twice`);
            seen.add(pe);
          }
          level = next;
          depth++;
        }
        assert.is(seen.size, n, `${where}: ${n - seen.size} PEs not reached`);
        assert.is(depth, minimalDepth(n, k), `${where}: depth`);
      }
    }
  }
  assert.is(trees, 8 * ((64 * 65) / 2));
});

test('parents are found by walking up, from any PE, in at most depth steps', () => {
  for (const [n, k] of [[64, 4], [63, 2], [5, 8], [17, 3]]) {
    for (let root = 0; root < n; root++) {
      for (let pe = 0; pe < n; pe++) {
        let at = pe;
        let steps = 0;
        while (at !== root) {
          at = parentOf(at, root, n, k);
          assert.ok(at >= 0 && ++steps <= minimalDepth(n, k), `n=${n} k=${k} root=${root}: no way up from ${pe}`);
        }
      }
    }
  }
});

test('the default branching is used when none is given, and can be set to a positive integer only', () => {
  const saved = branching;
  try {
    assert.is(branching, 4, 'Charm++ uses 4 by default');
    assert.equal(childrenOf(0, 0, 10), [1, 2, 3, 4]);
    setBranching(2);
    assert.equal(childrenOf(0, 0, 10), [1, 2]);
    assert.is(parentOf(9, 0, 10), 4);
    for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => setBranching(bad), /tree branching must be a positive integer/);
  } finally {
    setBranching(saved);
  }
});

test.run();
