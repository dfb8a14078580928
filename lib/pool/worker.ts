/**
 * The pool as a group: the member on every PE runs chunks of tasks, and the
 * member on PE 0 also holds the scheduler. Tasks run as message-driven
 * async work: a task that awaits (its own tasks, say) suspends only itself,
 * and the PE goes on with other messages meanwhile.
 */
import { Chare } from '../model/chare';
import { runtime } from '../model/context';
import type { Future } from '../model/future';
import type { CollectionProxy } from '../model/proxy';
import { resolve, type FunctionRef } from './functions';
import { packRun, unpack } from './packing';
import { TaskScheduler, type ChunkOutcome, type Destination, type JobOptions, type TaskFailure, type Tasks } from './scheduler';

/** A member of the pool's group (one per PE). */
export class PoolWorker extends Chare {
  private readonly scheduler: TaskScheduler | undefined;

  constructor() {
    super();
    const rt = runtime();
    this.scheduler = rt.myPe === 0 ? new TaskScheduler(this.thisProxy as CollectionProxy<PoolWorker>, rt.numPes) : undefined;
  }

  private get onPe0(): TaskScheduler {
    if (!this.scheduler) throw new Error(`charmts: pool scheduling reached PE ${runtime().myPe}; only PE 0 schedules`);
    return this.scheduler;
  }

  /** PE 0: a new job. */
  submit(tasks: Tasks, destination: Destination, options: JobOptions): void {
    this.onPe0.submit(tasks, destination, options);
  }

  /** PE 0: worker `pe` has a free slot again. */
  release(pe: number): void {
    this.onPe0.release(pe);
  }

  /** PE 0: a chunk ended on worker `pe` after its tasks ran `runMs` (-1: they waited). */
  chunkDone(pe: number, job: number, chunk: number, outcome: ChunkOutcome, freesSlot: boolean, runMs: number): void {
    this.onPe0.chunkDone(pe, job, chunk, outcome, freesSlot, runMs);
  }

  /**
   * A worker: runs the tasks of one chunk (packed: see packing.ts), one
   * after the other, and reports the outcome. With `fn`, each task is its
   * one argument; without, each is `[function, ...arguments]`.
   */
  async run(this: PoolWorker, job: number, chunk: number, fn: FunctionRef | null, bytes: Uint8Array, parts: Uint8Array[]): Promise<void> {
    const scheduler = this.thisProxy[0];
    const pe = runtime().myPe;
    let holdsSlot = true;
    let outcome: ChunkOutcome;
    const start = performance.now();
    try {
      const common = fn && resolve(fn);
      const tasks = unpack({ bytes, parts });
      const results: unknown[] = [];
      for (const each of tasks) {
        let result: unknown;
        if (common) {
          result = common(each);
        } else {
          const call = each as unknown[];
          result = resolve(call[0] as FunctionRef)(...call.slice(1));
        }
        if (!isThenable(result)) {
          results.push(result);
          continue;
        }
        // The task waits, perhaps for tasks of its own: its slot goes back
        // to the scheduler, or parents waiting in every slot would leave no
        // slot for their children.
        if (holdsSlot) scheduler.release(pe);
        holdsSlot = false;
        results.push(await result);
      }
      outcome = { results: packRun(results, (i) => `result ${i} of chunk ${chunk}`) };
    } catch (error) {
      outcome = { failure: failureOf(error) };
    }
    // The scheduler sizes the job's share of each worker by it (see scheduler.ts).
    const runMs = holdsSlot ? performance.now() - start : -1;
    try {
      scheduler.chunkDone(pe, job, chunk, outcome, holdsSlot, runMs);
    } catch (error) {
      // Results that cannot be sent (functions, symbols...) fail the chunk instead.
      scheduler.chunkDone(pe, job, chunk, { failure: failureOf(error) }, holdsSlot, runMs);
    }
  }

  /** A worker: rejects `futures` with the failure of a task that ran here (the error names this PE). */
  reject(futures: Future<unknown>[], failure: TaskFailure, where: string): void {
    for (const future of futures) future.sendError(Object.assign(new Error(failure.message), { name: failure.name, stack: failure.stack }), where);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function failureOf(error: unknown): TaskFailure {
  const e = error instanceof Error ? error : new Error(String(error));
  return { message: e.message, name: e.name, stack: e.stack ?? '' };
}
