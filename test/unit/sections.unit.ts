// A section's layout (lib/sections/layout.ts) and the tree over its PEs
// (lib/tree.ts's edgesIn) in-process: for random sections of
// several parts over up to 40 PEs, every member belongs to exactly one PE
// of the section, in member order; the PEs are listed once each, the first
// member's first; the tree over them is rooted at that PE, every other PE
// of the section has one parent in it, children and parents agree, and
// every PE of the section is reached from the root.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { membersOf, sectionPes, sizeOf, type Part } from '../../lib/sections/layout';
import { edgesIn, setBranching } from '../../lib/tree';
import { random } from './random';

const part = (n: number, tag: number): Part => ({ collection: { tag } as never, members: Array.from({ length: n }, (_, i) => [tag, i]) });

test('sectionPes lists each PE once, in order of first appearance', () => {
  assert.equal(sectionPes([3, 1, 3, 0, 1, 2]), [3, 1, 0, 2]);
  assert.equal(sectionPes([5]), [5]);
});

test('membersOf: each member belongs to exactly one PE, each PE lists its own in member order with their part', () => {
  const rand = random(7);
  for (let trial = 0; trial < 200; trial++) {
    const numPes = 1 + Math.floor(rand() * 40);
    const parts = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, t) => part(1 + Math.floor(rand() * 30), t));
    const pes = Array.from({ length: sizeOf(parts) }, () => Math.floor(rand() * numPes));
    const data = { parts, pes };
    const seen = new Array<number>(pes.length).fill(0);
    for (let pe = 0; pe < numPes; pe++) {
      const mine = membersOf(data, pe);
      assert.equal(mine.map((m) => m.slot), [...mine.map((m) => m.slot)].sort((a, b) => a - b), `trial ${trial}: PE ${pe}'s members in member order`);
      for (const { slot, part: p, index } of mine) {
        assert.is(pes[slot], pe);
        seen[slot]++;
        const offset = parts.slice(0, p).reduce((n, q) => n + q.members.length, 0);
        assert.is(parts[p].members[slot - offset], index, `trial ${trial}: slot ${slot} is member ${slot - offset} of part ${p}`);
      }
      assert.is(mine.length > 0, sectionPes(pes).includes(pe), `trial ${trial}: PE ${pe} has members exactly when it is a PE of the section`);
    }
    assert.ok(seen.every((n) => n === 1), `trial ${trial}: every member belongs to one PE`);
  }
});

test('the tree over a section\'s PEs: rooted at the first, one parent each, children and parents agree, all reached', () => {
  const rand = random(11);
  for (const k of [1, 2, 3, 4, 8]) {
    setBranching(k);
    for (let trial = 0; trial < 100; trial++) {
      const numPes = 1 + Math.floor(rand() * 40);
      const list = sectionPes(Array.from({ length: 1 + Math.floor(rand() * 60) }, () => Math.floor(rand() * numPes)));
      const where = `k=${k} trial ${trial} PEs ${list.join(',')}`;
      const edges = new Map(list.map((pe) => [pe, edgesIn(list, pe)]));
      const reached = new Set<number>();
      const visit = (pe: number): void => {
        assert.not.ok(reached.has(pe), `${where}: PE ${pe} reached twice`);
        reached.add(pe);
        for (const child of edges.get(pe)!.children) {
          assert.ok(list.includes(child), `${where}: child ${child} of ${pe} is not a PE of the section`);
          assert.is(edges.get(child)!.parent, pe, `${where}: child ${child} of ${pe} names another parent`);
          visit(child);
        }
      };
      assert.is(edges.get(list[0])!.parent, -1, `${where}: the root, the first PE, has no parent`);
      visit(list[0]);
      assert.equal([...reached].sort((a, b) => a - b), [...list].sort((a, b) => a - b), `${where}: every PE of the section is reached`);
      for (const { children } of edges.values()) assert.ok(children.length <= k);
    }
  }
  setBranching(4);
});

test.run();
