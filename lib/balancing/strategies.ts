/**
 * Load-balancing strategies: from measured loads to new placements. Pure
 * functions over the elements' loads and the PEs' background loads.
 */

export interface ElementLoad {
  /** Position of the element in the step's list. */
  id: number;
  pe: number;
  /** Milliseconds spent in its entry methods since the last step. */
  load: number;
}

/** New PE of each element, by id (same order as the input). */
export type Placement = number[];

export type Strategy = (elements: readonly ElementLoad[], background: readonly number[]) => Placement;

/**
 * Heaviest element first, each to the currently least-loaded PE; among
 * equally loaded PEs an element keeps its own (elements with no measured
 * load stay where they are instead of piling onto PE 0).
 */
const greedy: Strategy = (elements, background) => {
  const peLoad = background.slice();
  const placement = elements.map((e) => e.pe);
  const order = [...elements].sort((a, b) => b.load - a.load || a.id - b.id);
  for (const e of order) {
    let best = e.pe;
    for (let pe = 0; pe < peLoad.length; pe++) if (peLoad[pe] < peLoad[best]) best = pe;
    placement[e.id] = best;
    peLoad[best] += e.load;
  }
  return placement;
};

/**
 * Moves as little as possible: while some PE is above the average by more
 * than the tolerance, move its largest element that fits onto the
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
  const onPe = (pe: number): ElementLoad[] => elements.filter((e) => placement[e.id] === pe).sort((a, b) => b.load - a.load);
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

/** Every element to the next PE (for testing migration). */
const rotate: Strategy = (elements, background) => elements.map((e) => (e.pe + 1) % background.length);

const none: Strategy = (elements) => elements.map((e) => e.pe);

export const STRATEGIES: Record<string, Strategy> = {
  GreedyLB: greedy,
  RefineLB: refine,
  RotateLB: rotate,
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
