/**
 * The contributors on one PE awaiting the result of an allReduce
 * (`this.allReduce`, destination 'all': manager.ts).
 *
 * Algorithm: a contributor to reduction r of a stream gets a promise,
 * listed under r. The root broadcasts the result down the reduction's span
 * once (ReductionStep.AllReduceResult), so each PE decodes it once and
 * resolves its list for r: the first contributor takes the decoded value,
 * each other one a copy of its own (a contributor may write into its
 * result). Resolving marks a resumption (model/future.ts), so the
 * contributors resume before the scheduler's next message. When the
 * collection is deleted every list is rejected with the deletion's error
 * (abandoned.ts). Lists come and go one reduction at a time: a TurnoverMap.
 */
import { copyValue } from '../codec/clone';
import { resumption } from '../model/future';
import { TurnoverMap } from '../turnoverMap';

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class AllReduceWaiters {
  private readonly lists = new TurnoverMap<number, Waiter[]>();

  /** Contributors waiting (checkpoints: a reduction is under way). */
  get size(): number {
    return this.lists.size;
  }

  /** A contributor to reduction `key` (manager.ts keyOf) awaits its result. */
  wait(key: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const list = this.lists.get(key);
      if (list) list.push({ resolve, reject });
      else this.lists.set(key, [{ resolve, reject }]);
    });
  }

  /** The result of reduction `key` came (`describe` names it, should a copy fail). */
  resolve(key: number, value: unknown, describe: string): void {
    const waiters = this.lists.get(key);
    this.lists.delete(key);
    if (waiters) resumption.pending = true; // contributors awaiting the result resume before the next message
    waiters?.forEach((waiter, i) => waiter.resolve(i === 0 ? value : copyValue(value, `result of ${describe}`)));
  }

  /** The collection was deleted: every contributor waiting gets `error`. */
  rejectAll(error: Error): void {
    for (const [key, waiters] of this.lists.entries()) {
      this.lists.delete(key);
      for (const waiter of waiters) waiter.reject(error);
    }
  }
}
