/**
 * Reductions abandoned when their collection is deleted (an array deleted
 * whole, lib/collections/wholeDeletion.ts, and the sections over it): each
 * future that a reduction under way was to complete gets the deletion's
 * error once, wherever in the tree the reduction's parts were held.
 *
 * Algorithm: a convergecast of the reductions' targets over their own span
 * (span.ts, the tree their partials travel). When the deletion reaches a
 * PE, its manager (manager.ts `abandon`) stops combining, rejects the
 * contributors here awaiting an allReduce, and notes the futures that the
 * reductions it holds go to: its open partials, and at the root also its
 * totals and the reductions it numbered (a broadcast's replies). It then
 * waits for one report (ReductionStep.Abandoned) from each of its children
 * in the span, noting meanwhile the futures named by the partials and late
 * contributions that still arrive, and sends its own report, the futures
 * it knows, each once, to its parent. A child sends its partials before
 * its report, and messages between two PEs keep their order, so a partial
 * in flight to a PE that has deleted its part arrives before the report it
 * waits for: none is missed. The root, with every report in, sends the
 * error to each future once. A report may reach a PE before the deletion
 * does (a section's tree is not the array's): it is kept until then.
 *
 * Callbacks are not called (as in Charm++, the reduction never completes;
 * nothing awaits a callback). A late contribution (sent straight to the
 * root by a member that had migrated, manager.ts) that reaches the root
 * after its last report is not counted: its future is not told.
 */
import type { Reader } from '../codec/reader';
import { Kind, ReductionStep as Step, beginReduction, readBodyValue, readPartial, readReduction, writeBodyValue } from '../codec/wire';
import { runtime } from '../model/context';
import { Future } from '../model/future';
import type { Span } from './span';
import { Stream } from './streams';

/** Managers abandoned on this PE still waiting for their children's reports, by span kind and id. */
const waiting = new Map<number, Abandonment>();
const keyOf = (kind: Kind, id: number): number => id * 2 + (kind === Kind.Section ? 1 : 0);

/**
 * A reduction message for a collection or section this PE has deleted
 * (its manager is gone from the collection's table): to its manager while
 * that still gathers targets; dropped afterwards (nothing is under way).
 */
export function receiveAbandoned(kind: Kind, id: number, r: Reader): void {
  waiting.get(keyOf(kind, id))?.receive(r);
}

/**
 * A contribution to section `id` reaching this PE after the deletion (from
 * a live member of a combined section, or sent before it): its target is
 * gathered with the others if this PE still gathers (true); if not, the
 * caller tells it.
 */
export function noteAbandoned(id: number, target: unknown): boolean {
  const gathering = waiting.get(keyOf(Kind.Section, id));
  gathering?.note(target);
  return gathering !== undefined;
}

/**
 * Section `id` was dropped (its proxy collected on its creator:
 * lib/sections/branch.ts Drop) while this PE gathered its targets: a child
 * that had the Drop before the deletion will not report, so this PE
 * reports what it has now.
 */
export function stopGathering(id: number): void {
  waiting.get(keyOf(Kind.Section, id))?.finishNow();
}

/** One manager's targets, gathered from its PE and the PEs below it in the span. */
export class Abandonment {
  private readonly futures = new Map<string, Future<unknown>>();
  private reportsIn = 0;
  /** Set once the deletion has reached this PE. */
  private error: Error | undefined;
  private where = '';

  constructor(
    private readonly collectionId: number,
    private readonly span: Span,
    private readonly children: number,
  ) {}

  /** A reduction under way goes to `destination`: told at the end if it is a future. */
  note(destination: unknown): void {
    if (destination instanceof Future) this.futures.set(`${destination.pe}/${destination.id}`, destination);
  }

  /** A child's report: the futures of the reductions it and the PEs below it held. */
  reportIn(futures: readonly Future<unknown>[]): void {
    for (const future of futures) this.note(future);
    this.reportsIn++;
    this.tryFinish();
  }

  /** The deletion reached this PE: the reduction messages still arriving come here (receiveAbandoned). */
  abandon(error: Error, where: string): void {
    this.error = error;
    this.where = where;
    if (this.reportsIn < this.children) waiting.set(keyOf(this.span.kind, this.collectionId), this);
    this.tryFinish();
  }

  /** A reduction message reaching this PE after the deletion: a partial's or late contribution's target is noted, a child's report taken. */
  receive(r: Reader): void {
    const { step, stream } = readReduction(r);
    if (step === Step.Partial || step === Step.Late) this.note(readPartial(r, stream === Stream.User).destination);
    else if (step === Step.Abandoned) this.reportIn(readBodyValue(r) as Future<unknown>[]);
  }

  /** Reports without waiting for the children still to report (stopGathering). */
  finishNow(): void {
    this.reportsIn = this.children;
    this.tryFinish();
  }

  private tryFinish(): void {
    if (this.error === undefined || this.reportsIn < this.children) return;
    waiting.delete(keyOf(this.span.kind, this.collectionId));
    const rt = runtime();
    if (rt.myPe === this.span.root) {
      for (const future of this.futures.values()) future.sendError(this.error, this.where);
    } else {
      const w = rt.scheduler.writer;
      beginReduction(w, Step.Abandoned, this.collectionId, 0, 0, this.span.kind);
      writeBodyValue(w, [...this.futures.values()], 'the targets of reductions abandoned at a deletion');
      rt.scheduler.send(this.span.parent());
    }
    this.futures.clear();
  }
}
