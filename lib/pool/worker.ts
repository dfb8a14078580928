/**
 * The pool as a group: the member on every PE runs chunks of tasks, and the
 * member on PE 0 also holds the scheduler. Tasks run as message-driven
 * async work: a task that awaits (its own tasks, say) suspends only itself,
 * and the PE goes on with other messages meanwhile.
 */
import { Chare } from '../model/chare';
import { runtime } from '../model/context';
import type { Future } from '../model/future';
import type { CollectionProxy, ElementProxy } from '../model/proxy';
import { resolve, type Callable, type FunctionRef } from './functions';
import { packRun, unpack, type Run } from './packing';
import { TaskScheduler, type Destination, type JobOptions, type TaskFailure, type Tasks } from './scheduler';

/** PE 0's scheduler, on PE 0; undefined elsewhere. */
let pe0Scheduler: TaskScheduler | undefined;

/**
 * The scheduler when this is PE 0: a job started here goes to it by a
 * direct call rather than a message to this PE (that message copied the
 * packed tasks and the destination once more: a fifth of PE 0's time per
 * pool.map of 20 chunks of tiny tasks).
 */
export function schedulerHere(): TaskScheduler | undefined {
  return pe0Scheduler;
}

/** A member of the pool's group (one per PE). */
export class PoolWorker extends Chare {
  private readonly scheduler: TaskScheduler | undefined;
  /** The job whose function this worker got last, and that function (later chunks of the job come without it). */
  private fnJob = -1;
  private fnRef: FunctionRef | null = null;
  /** The proxy of PE 0's member, once built (`thisProxy[0]` builds one each time). */
  private pe0: ElementProxy<PoolWorker> | undefined;

  constructor() {
    super();
    const rt = runtime();
    this.scheduler = rt.myPe === 0 ? new TaskScheduler(this.thisProxy as CollectionProxy<PoolWorker>, rt.numPes) : undefined;
    pe0Scheduler = this.scheduler;
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

  /**
   * PE 0: a chunk ended on worker `pe` after its tasks ran `runMs` (-1:
   * they waited), its results packed (see packing.ts). Flat arguments:
   * an object here cost PE 0 its keys' encoding on every chunk.
   */
  chunkDone(pe: number, job: number, chunk: number, bytes: Uint8Array, parts: Uint8Array[], freesSlot: boolean, runMs: number): void {
    this.onPe0.chunkDone(pe, job, chunk, { results: { bytes, parts } }, freesSlot, runMs);
  }

  /** PE 0: a chunk failed on worker `pe`. */
  chunkFailed(pe: number, job: number, chunk: number, failure: TaskFailure, freesSlot: boolean): void {
    this.onPe0.chunkDone(pe, job, chunk, { failure }, freesSlot, -1);
  }

  /**
   * A worker: runs the tasks of one chunk (packed: see packing.ts), one
   * after the other, and reports the outcome. With `fn`, each task is its
   * one argument; with null, each is `[function, ...arguments]`; undefined:
   * `fn` as in the last chunk this worker got, of the same job. A chunk
   * whose tasks all return at once runs as a plain call (an async method
   * costs a promise and its settling per chunk); from its first task that
   * waits, the rest goes on as async work.
   */
  run(job: number, chunk: number, fn: FunctionRef | null | undefined, bytes: Uint8Array, parts: Uint8Array[]): Promise<void> | undefined {
    const start = performance.now();
    const results: unknown[] = [];
    let tasks: unknown[] = [];
    let common: Callable | null = null;
    let i = -1;
    try {
      common = this.functionOf(job, chunk, fn);
      tasks = unpack({ bytes, parts });
      for (i = 0; i < tasks.length; i++) {
        const result = runTask(common, tasks[i]);
        if (isThenable(result)) return this.finishWaiting(job, chunk, common, tasks, i, result, results);
        results.push(result);
      }
    } catch (error) {
      this.report(job, chunk, tasks, undefined, failureOf(error, tasks, i, !common), true, -1);
      return undefined;
    }
    // The scheduler sizes the job's share of each worker by it (see scheduler.ts).
    this.report(job, chunk, tasks, results, undefined, true, performance.now() - start);
    return undefined;
  }

  /** The rest of a chunk whose task `i` waits (`first`); `results` holds those of the tasks before it. */
  private async finishWaiting(job: number, chunk: number, common: Callable | null, tasks: unknown[], i: number, first: PromiseLike<unknown>, results: unknown[]): Promise<void> {
    // The task waits, perhaps for tasks of its own: its slot goes back to
    // the scheduler, or parents waiting in every slot would leave no slot
    // for their children.
    this.scheduling().release(runtime().myPe);
    let k = i;
    try {
      results.push(await first);
      for (k = i + 1; k < tasks.length; k++) {
        const result = runTask(common, tasks[k]);
        results.push(isThenable(result) ? await result : result);
      }
    } catch (error) {
      this.report(job, chunk, tasks, undefined, failureOf(error, tasks, k, !common), false, -1);
      return;
    }
    this.report(job, chunk, tasks, results, undefined, false, -1);
  }

  /** The function of every task of chunk `chunk` of `job` (null: each task carries its own), from `fn` as run() got it. */
  private functionOf(job: number, chunk: number, fn: FunctionRef | null | undefined): Callable | null {
    if (fn === undefined) {
      if (this.fnJob !== job) throw new Error(`charmts: pool chunk ${chunk} of job ${job} came without its function, and PE ${runtime().myPe} has that of job ${this.fnJob}`);
      fn = this.fnRef;
    } else {
      this.fnJob = job;
      this.fnRef = fn;
    }
    return fn && resolve(fn);
  }

  /** The member on PE 0, which schedules. */
  private scheduling(): ElementProxy<PoolWorker> {
    return (this.pe0 ??= this.thisProxy[0] as ElementProxy<PoolWorker>);
  }

  /** Sends PE 0 a chunk's results (packed here), or its failure: `failure`, or results that cannot be sent. */
  private report(job: number, chunk: number, tasks: unknown[], results: unknown[] | undefined, failure: TaskFailure | undefined, holdsSlot: boolean, runMs: number): void {
    const scheduler = this.scheduling();
    const pe = runtime().myPe;
    let packed: Run | undefined;
    if (results) {
      try {
        packed = packRun(results, (i) => `result ${i} of chunk ${chunk}`);
      } catch (e) {
        // A chunk of one task: that task is the one (the error names the result otherwise).
        failure = failureOf(e, tasks, tasks.length === 1 ? 0 : -1, this.fnRef === null);
      }
    }
    if (packed) scheduler.chunkDone(pe, job, chunk, packed.bytes, packed.parts, holdsSlot, runMs);
    else scheduler.chunkFailed(pe, job, chunk, failure!, holdsSlot);
  }

  /** A worker: rejects `futures` with the failure of a task that ran here (the error names this PE). */
  reject(futures: Future<unknown>[], failure: TaskFailure, where: string): void {
    for (const future of futures) future.sendError(Object.assign(new Error(failure.message), { name: failure.name, stack: failure.stack }), where);
  }
}

/** Runs one task: `common(task)`, or, without a common function, the task's own `[function, ...arguments]`. */
function runTask(common: Callable | null, task: unknown): unknown {
  if (common) return common(task);
  const call = task as unknown[];
  return resolve(call[0] as FunctionRef)(...call.slice(1));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** How `error` travels to PE 0, with the task it came from: `tasks[task]` (-1: none in particular) and, with `ownFunctions` (each task is `[function, ...arguments]`), that task's function's name. */
function failureOf(error: unknown, tasks: unknown[], task: number, ownFunctions: boolean): TaskFailure {
  const e = error instanceof Error ? error : new Error(String(error));
  const fn = ownFunctions && task >= 0 && task < tasks.length ? (tasks[task] as [FunctionRef])[0].name : '';
  return { message: e.message, name: e.name, stack: e.stack ?? '', task: task < tasks.length ? task : -1, fn };
}
