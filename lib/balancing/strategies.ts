/**
 * Load-balancing strategies: from measured loads to new placements. Pure
 * functions over the elements' loads and the PEs' background loads. An
 * element that declared itself not migratable (`movable: false`) is never
 * moved: its load counts on its PE as background does.
 */

export interface ElementLoad {
  /** Position of the element in the step's list. */
  id: number;
  pe: number;
  /** Milliseconds spent in its entry methods since the last step. */
  load: number;
  /** False for an element that must stay on its PE (`migratable = false`); movable when left out. */
  movable?: boolean;
}

/** New PE of each element, by id (same order as the input). */
export type Placement = number[];

export type Strategy = (elements: readonly ElementLoad[], background: readonly number[]) => Placement;

/** Each PE's load before placing the movable elements: background plus its pinned elements. */
function fixedLoad(elements: readonly ElementLoad[], background: readonly number[]): number[] {
  const peLoad = background.slice();
  for (const e of elements) if (e.movable === false) peLoad[e.pe] += e.load;
  return peLoad;
}

/** The least-loaded PE; among equally loaded ones `own`, the element's own PE (elements with no measured load stay put instead of piling onto PE 0). */
function leastLoaded(peLoad: readonly number[], own: number): number {
  let best = own;
  for (let pe = 0; pe < peLoad.length; pe++) if (peLoad[pe] < peLoad[best]) best = pe;
  return best;
}

/** The movable elements, heaviest first. */
const heaviestFirst = (elements: readonly ElementLoad[]): ElementLoad[] => elements.filter((e) => e.movable !== false).sort((a, b) => b.load - a.load || a.id - b.id);

/** GreedyLB's placement, and the PE loads it leads to. */
function greedyPlacement(elements: readonly ElementLoad[], background: readonly number[]): { placement: Placement; peLoad: number[] } {
  const peLoad = fixedLoad(elements, background);
  const placement = elements.map((e) => e.pe);
  for (const e of heaviestFirst(elements)) {
    const best = leastLoaded(peLoad, e.pe);
    placement[e.id] = best;
    peLoad[best] += e.load;
  }
  return { placement, peLoad };
}

/** Heaviest movable element first, each to the currently least-loaded PE (its own among equally loaded ones). */
const greedy: Strategy = (elements, background) => greedyPlacement(elements, background).placement;

/**
 * Greedy's balance with fewer moves (Charm++'s GreedyRefineLB, its
 * TreeLB strategy GreedyRefine): first the maximum PE load GreedyLB would
 * reach, times a tolerance; then, heaviest first, each element stays on
 * its PE if that keeps the PE within the bound, and goes to the least
 * loaded PE otherwise (the bound rising to that PE's load should it pass
 * it). A placement already as balanced as GreedyLB's, within the
 * tolerance, is left as it is, where GreedyLB, which ignores placement (as
 * Charm++'s does), moves elements back and forth between steps on noise in
 * the measured loads. Tolerance 1.05: measured loads vary by a few percent
 * from step to step (Charm++'s default is 1; its hybrid tree uses 1.03).
 */
const greedyRefine: Strategy = (elements, background) => {
  const TOLERANCE = 1.05;
  let bound = Math.max(...greedyPlacement(elements, background).peLoad) * TOLERANCE;
  const peLoad = fixedLoad(elements, background);
  const placement = elements.map((e) => e.pe);
  for (const e of heaviestFirst(elements)) {
    const pe = peLoad[e.pe] + e.load <= bound ? e.pe : leastLoaded(peLoad, e.pe);
    placement[e.id] = pe;
    peLoad[pe] += e.load;
    bound = Math.max(bound, peLoad[pe]);
  }
  return placement;
};

/**
 * Moves as little as possible: while some PE is above the average by more
 * than the tolerance, move its largest movable element that fits onto the
 * least-loaded PE without overloading it.
 */
const refine: Strategy = (elements, background) => {
  const TOLERANCE = 1.05;
  const n = background.length;
  const placement = elements.map((e) => e.pe);
  const peLoad = background.slice();
  for (const e of elements) peLoad[e.pe] += e.load;
  const average = peLoad.reduce((a, b) => a + b, 0) / n;
  const limit = average * TOLERANCE;
  const onPe = (pe: number): ElementLoad[] => elements.filter((e) => e.movable !== false && placement[e.id] === pe).sort((a, b) => b.load - a.load);
  for (let guard = 0; guard < elements.length; guard++) {
    let heavy = 0;
    let light = 0;
    for (let pe = 1; pe < n; pe++) {
      if (peLoad[pe] > peLoad[heavy]) heavy = pe;
      if (peLoad[pe] < peLoad[light]) light = pe;
    }
    if (peLoad[heavy] <= limit) break;
    const movable = onPe(heavy).find((e) => peLoad[light] + e.load <= limit && e.load > 0);
    if (!movable) break;
    placement[movable.id] = light;
    peLoad[heavy] -= movable.load;
    peLoad[light] += movable.load;
  }
  return placement;
};

/** Every movable element to the next PE (for testing migration). */
const rotate: Strategy = (elements, background) => elements.map((e) => (e.movable !== false ? (e.pe + 1) % background.length : e.pe));

/** Every movable element to a PE chosen at random (Charm++'s RandCentLB). */
const random: Strategy = (elements, background) => elements.map((e) => (e.movable !== false ? Math.floor(Math.random() * background.length) : e.pe));

const none: Strategy = (elements) => elements.map((e) => e.pe);

export const STRATEGIES: Record<string, Strategy> = {
  GreedyLB: greedy,
  GreedyRefineLB: greedyRefine,
  RefineLB: refine,
  RotateLB: rotate,
  RandCentLB: random,
  none,
};

/** The strategy named on the command line with `+balancer NAME`, if any. */
export function balancerFromArgs(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('+balancer');
  return at >= 0 ? argv[at + 1] : undefined;
}

export function strategyNamed(name: string, where: string): Strategy {
  const strategy = STRATEGIES[name];
  if (!strategy) throw new Error(`${where}: unknown load balancer "${name}" (known: ${Object.keys(STRATEGIES).join(', ')})`);
  return strategy;
}
