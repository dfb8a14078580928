/**
 * The load-balancing step of one array on one PE. A step is two runtime
 * reductions over the elements (reduction stream Balance): each element's
 * AtSync contributes its measured load ("@balance"); PE 0 runs the
 * strategy and broadcasts the moves; every element reports once it is in
 * place ("@resume"), with why if it stayed where a move was decided; then
 * every element's resumeFromSync runs.
 */
import type { ArrayIndex } from '../collections/arrayIndex';
import { keyOf } from '../collections/arrayIndex';
import type { Chare, MemberState } from '../model/chare';
import { isMigratable } from '../migration/state';
import { runtime } from '../model/context';
import { pieceSoFar } from '../model/activity';
import { Reducer } from '../reductions/reducers';
import { Stream } from '../reductions/streams';
import { strategyNamed } from './strategies';

export interface BalancedElement {
  readonly chare: Chare<never>;
  readonly index: ArrayIndex;
  readonly state: MemberState;
}

/** What the step needs from the array it balances, whose elements are `E`s (handed back to it as they are). */
export interface BalancedArray<E extends BalancedElement> {
  readonly name: string;
  /** Strategy name, or '' when the array does not balance. */
  readonly balancer: string;
  elements(): Iterable<E>;
  /** Contributes to the element's next reduction of the Balance stream. */
  contribute(element: E, data: unknown, reducer: Reducer, step: '@balance' | '@resume'): void;
  /** Moves the element to `pe` (as soon as no entry method of it runs). */
  move(element: E, pe: number): void;
  /** Runs the element's resumeFromSync, if its class has one. */
  resume(element: E): void;
  /** Broadcasts a decision (the moves of the step completing reduction `reduction`), or without one the resume order, to every PE's part of the array. */
  broadcast(decision?: { reduction: number; moves: [ArrayIndex, number][] }): void;
}

/** What one step did, as PE 0 learns at its end (the live view lists them). */
export interface StepReport {
  /** The array balanced. */
  array: string;
  /** The strategy that decided. */
  balancer: string;
  /** Number of the step within the array (0, 1, ...). */
  step: number;
  /** Elements measured, how many of them moved, and how many the strategy moved that stayed (`StepStay`). */
  elements: number;
  moved: number;
  stayed: number;
  /** Per PE: milliseconds of element load measured there, and there after the step. */
  loadBefore: number[];
  loadAfter: number[];
}

/** One element a step moves: its index, the PE it was measured on and the PE it goes to. */
export interface StepMove {
  index: ArrayIndex;
  from: number;
  to: number;
}

/** One element the strategy moved (to `to`) that stayed on its PE (`from`), and why. */
export interface StepStay extends StepMove {
  reason: string;
}

/** A move decided, with the element's load (moved back to `from` in the report if it stays). */
type PlannedMove = StepMove & { load: number };

/** What observes steps: the report, the step's moves and stays (lists made only while something observes). */
export type StepObserver = (report: StepReport, moves: readonly StepMove[], stays: readonly StepStay[]) => void;

const observers = new Set<StepObserver>();

/** PE 0: calls `observer` with every step decided from now on; returns the function that stops it. */
export function observeSteps(observer: StepObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

export class BalancingStep<E extends BalancedElement> {
  /** PE busy time at the last step: the background load is measured from it. */
  private busyAtStep = runtime().scheduler.counters.busyMs;
  /** PE 0: steps decided so far. */
  private decided = 0;
  /** PE 0, while something observes: the step decided and not yet over (its report waits for the stays). */
  private pending: { report: StepReport; moves: PlannedMove[] } | undefined;

  constructor(private readonly array: BalancedArray<E>) {}

  /** The element called AtSync and its entry method returned: report its load. */
  reportLoad(element: E): void {
    element.state.atSync = false;
    // Whether it may move is read now: a chare can change its `migratable` between steps.
    // AtSync in a continuation of an async method reports before that continuation is charged: add its time so far.
    const data = [element.index, runtime().myPe, element.state.load + pieceSoFar(element.state), this.backgroundLoad(), isMigratable(element.chare)];
    this.array.contribute(element, data, Reducer.gather, '@balance');
  }

  /** This PE's busy time since the last step not spent in this array's elements. */
  private backgroundLoad(): number {
    let elementLoad = 0;
    for (const element of this.array.elements()) elementLoad += element.state.load;
    return Math.max(0, runtime().scheduler.counters.busyMs - this.busyAtStep - elementLoad);
  }

  /** PE 0: a reduction of the step completed. */
  completed(step: string, value: unknown, reduction: number): void {
    if (step === '@resume') {
      if (this.pending) this.report(this.pending, value as ([ArrayIndex, string] | undefined)[]);
      this.pending = undefined;
      this.array.broadcast();
      return;
    }
    const numPes = runtime().numPes;
    const reports = value as [ArrayIndex, number, number, number, boolean][];
    const background = new Array<number>(numPes).fill(0);
    for (const [, pe, , bg] of reports) background[pe] = Math.max(background[pe], bg);
    const loads = reports.map(([, pe, load, , movable], id) => ({ id, pe, load, movable }));
    const placement = strategyNamed(this.array.balancer, this.array.name)(loads, background);
    // Pinned elements stay, whatever a strategy says.
    for (const e of loads) if (e.movable === false) placement[e.id] = e.pe;
    const moves = reports.flatMap((report, id): [ArrayIndex, number][] => (placement[id] !== report[1] ? [[report[0], placement[id]]] : []));
    const decided = this.decided++;
    if (observers.size) {
      const report: StepReport = { array: this.array.name, balancer: this.array.balancer, step: decided, elements: reports.length, moved: moves.length, stayed: 0, loadBefore: new Array<number>(numPes).fill(0), loadAfter: new Array<number>(numPes).fill(0) };
      for (const { pe, load, id } of loads) {
        report.loadBefore[pe] += load;
        report.loadAfter[placement[id]] += load;
      }
      const moved = reports.flatMap(([index, from, load], id): PlannedMove[] => (placement[id] !== from ? [{ index, from, to: placement[id], load }] : []));
      this.pending = { report, moves: moved };
    }
    this.array.broadcast({ reduction, moves });
  }

  /** PE 0: tells the observers what the step did: the decided moves less those that did not happen (`stays`: [index, why] of each). */
  private report({ report, moves }: { report: StepReport; moves: PlannedMove[] }, stays: ([ArrayIndex, string] | undefined)[]): void {
    const why = new Map(stays.flatMap((stay) => (stay ? [[keyOf(stay[0]), stay[1]]] : [])));
    const moved: StepMove[] = [];
    const stayed: StepStay[] = [];
    for (const move of moves) {
      const reason = why.get(keyOf(move.index));
      if (reason === undefined) {
        moved.push({ index: move.index, from: move.from, to: move.to });
        continue;
      }
      stayed.push({ index: move.index, from: move.from, to: move.to, reason });
      report.loadAfter[move.to] -= move.load;
      report.loadAfter[move.from] += move.load;
    }
    report.moved = moved.length;
    report.stayed = stayed.length;
    for (const observer of observers) observer(report, moved, stayed);
  }

  /**
   * Every PE: moves its elements as decided by step `reduction`. Elements
   * that already arrived here in this step have reported; the others move
   * or report now (those with a suspended async entry method in place).
   */
  apply(reduction: number, moves: [ArrayIndex, number][]): void {
    const destination = new Map(moves.map(([index, pe]) => [keyOf(index), pe]));
    for (const element of [...this.array.elements()]) {
      if (element.state.next[Stream.Balance] !== reduction + 1) continue;
      const pe = destination.get(keyOf(element.index));
      // An element with an async entry method suspended in an await stays
      // for this step: its stack cannot travel, and waiting for the method
      // to finish could wait for ever when what it awaits is this step's
      // end (a promise resumeFromSync resolves). Charm4py refuses to migrate
      // such a chare; the Charm4py pattern (AtSync, then return) has returned
      // long before the decision arrives, and moves.
      const running = element.state.running;
      if (pe === undefined || pe === runtime().myPe) {
        this.settle(element);
      } else if (running !== undefined) {
        this.settle(element, `suspended in an async entry method (${running.join(', ')})`);
      } else {
        element.state.balancing = true;
        this.array.move(element, pe);
      }
    }
  }

  /**
   * The element is in place for this step; `stayed` says why, if the step
   * moved it elsewhere. A gather (not a nop) so that PE 0 reports what
   * happened, not what was decided: it learns of a stay no other way.
   */
  settle(element: E, stayed?: string): void {
    element.state.balancing = false;
    this.array.contribute(element, stayed === undefined ? undefined : [element.index, stayed], Reducer.gather, '@resume');
  }

  /** Every PE: the step is over. */
  resume(): void {
    this.busyAtStep = runtime().scheduler.counters.busyMs;
    for (const element of [...this.array.elements()]) {
      element.state.load = 0;
      this.array.resume(element);
    }
  }
}
