/**
 * The hint timers of one reduction manager (manager.ts): a PE kept waiting
 * on reduction r of a stream for HINT_DELAY_MS asks up the tree for r to
 * be announced.
 *
 * Only the first reduction of a stream this PE has not sent can wait, so
 * one timer per stream is enough, and it is never cleared: a reduction
 * that stops waiting only stops being counted, and the timer, when it
 * fires, finds nothing waiting or re-arms for the reduction that waits
 * now, for the time that one has left. (A setTimeout and a clearTimeout
 * per reduction were about 1 us of every awaited broadcast at np 2: PE 0
 * waits on its children in each one.)
 *
 * Quiescence detection counts a timer as a message in flight while a
 * reduction waits on it (that reduction is work still to come).
 */
import { performance } from '../clock';
import { runtime } from '../model/context';
import { dispatchClock } from '../model/activity';

/** A PE kept waiting on its children this long asks for the reduction to be announced. */
export const HINT_DELAY_MS = 2;

export class HintTimers {
  /** Per stream: the reduction waiting (-1: none), since when (performance.now()), and whether quiescence counts it. */
  private readonly waiting: number[];
  private readonly since: number[];
  private readonly counted: boolean[];
  private readonly timers: (NodeJS.Timeout | undefined)[];
  /** The collection was deleted (cancel): no timer from now on. */
  private cancelled = false;

  constructor(
    streams: number,
    /** Asks for reduction `r` of `stream` to be announced (it has waited HINT_DELAY_MS). */
    private readonly hint: (stream: number, r: number) => void,
  ) {
    this.waiting = new Array<number>(streams).fill(-1);
    this.since = new Array<number>(streams).fill(0);
    this.counted = new Array<boolean>(streams).fill(false);
    this.timers = new Array<NodeJS.Timeout | undefined>(streams).fill(undefined);
  }

  /** Reduction `r` of `stream` waits (again) on this PE's members or children. */
  wait(stream: number, r: number): void {
    if (this.cancelled) return;
    if (this.waiting[stream] !== r) {
      this.waiting[stream] = r;
      // Inside a dispatch, the scheduler's latest reading (an entry method's
      // end, a microsecond ago at most) will do for a 2 ms delay: PE 0 waits on
      // its children in every awaited broadcast, and a reading costs 60-120 ns.
      this.since[stream] = dispatchClock.at >= 0 ? dispatchClock.at : performance.now();
    }
    if (!this.counted[stream]) {
      this.counted[stream] = true;
      runtime().scheduler.counters.created++;
    }
    if (this.timers[stream] === undefined) this.arm(stream, HINT_DELAY_MS);
  }

  /** Reduction `r` of `stream` no longer waits (sent, or hinted). */
  stop(stream: number, r: number): void {
    if (this.waiting[stream] !== r) return;
    this.waiting[stream] = -1;
    if (this.counted[stream]) {
      this.counted[stream] = false;
      runtime().scheduler.counters.processed++;
    }
  }

  /**
   * The collection is deleted (manager.ts abandon): nothing waits any more,
   * and the timers go at once. A timer left to fire held its manager, and
   * with it the deleted array's part, for up to its 2 ms, or longer on a
   * busy host (arrayDeletion.test saw a deleted part alive 20 ms after).
   */
  cancel(): void {
    this.cancelled = true;
    for (let s = 0; s < this.timers.length; s++) {
      clearTimeout(this.timers[s]);
      this.timers[s] = undefined;
      if (this.waiting[s] >= 0) this.stop(s, this.waiting[s]);
    }
  }

  private arm(stream: number, ms: number): void {
    this.timers[stream] = setTimeout(() => this.fire(stream), ms);
  }

  private fire(stream: number): void {
    this.timers[stream] = undefined;
    const r = this.waiting[stream];
    if (r < 0) return;
    const left = this.since[stream] + HINT_DELAY_MS - performance.now();
    if (left > 0.1) {
      this.arm(stream, left);
      return;
    }
    this.stop(stream, r);
    this.hint(stream, r);
  }
}
