// Load-balancing strategies (lib/balancing/strategies.ts) in-process:
// placements are complete, in range and deterministic; GreedyLB is within
// the list-scheduling bound and leaves equally loaded elements where they
// are; GreedyRefineLB keeps a balanced placement through noisy steps and
// stays near GreedyLB's maximum; RefineLB only unloads overloaded PEs and never raises the maximum;
// RotateLB and none do what they say.
// Pinned elements (`migratable = false`): test/unit/pinned.unit.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { STRATEGIES, balancerFromArgs, strategyNamed, type ElementLoad } from '../../lib/balancing/strategies';
import { random } from './random';

interface Case {
  elements: ElementLoad[];
  background: number[];
}

/** Random cases: 1..9 PEs, 0..40 elements, loads spread or skewed, with or without background load. */
function cases(): Case[] {
  const out: Case[] = [];
  for (let seed = 1; seed <= 200; seed++) {
    // The seed spread over 32 bits: xorshift's first outputs from small seeds are all near 0 (every case had 1 PE).
    const rand = random(Math.imul(seed, 0x9e3779b1));
    const numPes = 1 + Math.floor(rand() * 9);
    const count = Math.floor(rand() * 41);
    const skew = rand() < 0.3;
    const elements = Array.from({ length: count }, (_, id) => ({ id, pe: Math.floor(rand() * numPes), load: skew && rand() < 0.2 ? 50 + rand() * 100 : rand() * 10 }));
    const background = Array.from({ length: numPes }, () => (rand() < 0.3 ? rand() * 20 : 0));
    out.push({ elements, background });
  }
  return out;
}

function peLoads(c: Case, placement: readonly number[]): number[] {
  const loads = c.background.slice();
  c.elements.forEach((e) => (loads[placement[e.id]] += e.load));
  return loads;
}

test('every strategy: one PE per element, in range, the input left unchanged, the same answer twice (but RandCentLB)', () => {
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    for (const c of cases()) {
      const before = JSON.stringify(c);
      const placement = strategy(c.elements, c.background);
      assert.is(placement.length, c.elements.length, name);
      for (const pe of placement) assert.ok(Number.isInteger(pe) && pe >= 0 && pe < c.background.length, `${name}: PE ${pe} of ${c.background.length}`);
      assert.is(JSON.stringify(c), before, `${name} changed its input`);
      if (name !== 'RandCentLB') assert.equal(strategy(c.elements, c.background), placement, `${name} is deterministic`);
    }
  }
});

test('none keeps every element; RotateLB moves every element to the next PE', () => {
  for (const c of cases()) {
    assert.equal(STRATEGIES.none(c.elements, c.background), c.elements.map((e) => e.pe));
    assert.equal(STRATEGIES.RotateLB(c.elements, c.background), c.elements.map((e) => (e.pe + 1) % c.background.length));
  }
});

test('GreedyLB: every PE that receives elements ends within one element load of the least loaded PE (list scheduling), and within 4/3 of the optimum without background', () => {
  for (const c of cases()) {
    if (c.elements.length === 0) continue;
    const placement = STRATEGIES.GreedyLB(c.elements, c.background);
    const loads = peLoads(c, placement);
    const heaviest = Math.max(...c.elements.map((e) => e.load));
    const least = Math.min(...loads);
    for (const pe of new Set(placement)) assert.ok(loads[pe] <= least + heaviest + 1e-9, `PE ${pe}: ${loads[pe]} > ${least} + ${heaviest}`);
    if (c.background.every((b) => b === 0)) {
      const lowerBound = Math.max(heaviest, loads.reduce((a, b) => a + b, 0) / loads.length);
      assert.ok(Math.max(...loads) <= (4 / 3) * lowerBound + 1e-9, `max ${Math.max(...loads)} vs optimum >= ${lowerBound}`);
    }
  }
});

test('GreedyLB: elements with equal load (none measured) are not moved, nor piled onto one PE', () => {
  const elements = Array.from({ length: 12 }, (_, id) => ({ id, pe: id % 4, load: 0 }));
  assert.equal(STRATEGIES.GreedyLB(elements, [0, 0, 0, 0]), elements.map((e) => e.pe));
  const equal = Array.from({ length: 8 }, (_, id) => ({ id, pe: id % 4, load: 5 }));
  const loads = peLoads({ elements: equal, background: [0, 0, 0, 0] }, STRATEGIES.GreedyLB(equal, [0, 0, 0, 0]));
  assert.equal(loads, [10, 10, 10, 10]);
});

test('GreedyRefineLB: a placement as balanced as GreedyLB\'s, its loads varying by a few percent between steps, stays put step after step; GreedyLB moves elements back and forth', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rand = random(seed);
    const numPes = 2 + Math.floor(rand() * 7);
    const perPe = 1 + Math.floor(rand() * 8);
    const placed = Array.from({ length: numPes * perPe }, (_, id) => ({ id, pe: id % numPes }));
    let greedyMoves = 0;
    for (let step = 0; step < 10; step++) {
      // Equal work, measured with up to 2% noise.
      const elements = placed.map((e) => ({ ...e, load: 10 * (1 + (rand() - 0.5) * 0.04) }));
      const background = new Array<number>(numPes).fill(0);
      assert.equal(STRATEGIES.GreedyRefineLB(elements, background), placed.map((e) => e.pe), `seed ${seed} step ${step}: nothing moves`);
      greedyMoves += STRATEGIES.GreedyLB(elements, background).filter((pe, id) => pe !== placed[id].pe).length;
    }
    if (perPe > 1) assert.ok(greedyMoves > 0, `seed ${seed}: GreedyLB moved nothing either (the case shows nothing)`);
  }
});

test('GreedyRefineLB: the maximum stays within 5% of GreedyLB\'s, or within one element load of the least loaded PE (where staying put could not keep to that); no more moves than GreedyLB in total; an all-on-one-PE start is spread', () => {
  let refineMoves = 0;
  let greedyMoves = 0;
  for (const c of cases()) {
    if (c.elements.length === 0) continue;
    const placement = STRATEGIES.GreedyRefineLB(c.elements, c.background);
    const greedy = STRATEGIES.GreedyLB(c.elements, c.background);
    const loads = peLoads(c, placement);
    const heaviest = Math.max(...c.elements.map((e) => e.load));
    const bound = Math.max(1.05 * Math.max(...peLoads(c, greedy)), Math.min(...loads) + heaviest);
    assert.ok(Math.max(...loads) <= bound + 1e-9, `max ${Math.max(...loads)} > ${bound}`);
    refineMoves += placement.filter((pe, id) => pe !== c.elements[id].pe).length;
    greedyMoves += greedy.filter((pe, id) => pe !== c.elements[id].pe).length;
  }
  assert.ok(refineMoves < greedyMoves, `${refineMoves} moves, GreedyLB ${greedyMoves}`);
  const piled = Array.from({ length: 12 }, (_, id) => ({ id, pe: 0, load: 1 + id }));
  const spread = peLoads({ elements: piled, background: [0, 0, 0] }, STRATEGIES.GreedyRefineLB(piled, [0, 0, 0]));
  assert.ok(Math.max(...spread) <= 26 * 1.05 && Math.min(...spread) > 0, `loads ${spread.join(', ')} (GreedyLB: 26 each)`);
});

test('RefineLB: moves only off PEs above the average (by more than 5%), never raises the maximum, leaves a balanced placement alone', () => {
  for (const c of cases()) {
    const placement = STRATEGIES.RefineLB(c.elements, c.background);
    const before = peLoads(c, c.elements.map((e) => e.pe));
    const after = peLoads(c, placement);
    const average = before.reduce((a, b) => a + b, 0) / before.length;
    assert.ok(Math.max(...after) <= Math.max(...before) + 1e-9, `max ${Math.max(...before)} -> ${Math.max(...after)}`);
    c.elements.forEach((e) => {
      if (placement[e.id] !== e.pe) {
        assert.ok(before[e.pe] > average * 1.05, `element ${e.id} moved off PE ${e.pe} (load ${before[e.pe]}, average ${average})`);
        assert.ok(after[placement[e.id]] <= average * 1.05 + 1e-9, `element ${e.id} overloads PE ${placement[e.id]}`);
      }
    });
    if (Math.max(...before) <= average * 1.05) assert.equal(placement, c.elements.map((e) => e.pe), 'balanced: nothing moves');
  }
});

test('strategies by name, and +balancer NAME from the command line', () => {
  assert.is(strategyNamed('GreedyLB', 'here'), STRATEGIES.GreedyLB);
  assert.throws(() => strategyNamed('FancyLB', 'charm.createArray(X)'), /charm\.createArray\(X\): unknown load balancer "FancyLB" \(known: GreedyLB, GreedyRefineLB, RefineLB, RotateLB, RandCentLB, none\)/);
  assert.is(balancerFromArgs(['8', '+balancer', 'RefineLB']), 'RefineLB');
  assert.is(balancerFromArgs(['8']), undefined);
});

test.run();
