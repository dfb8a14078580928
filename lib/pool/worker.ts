/**
 * The pool as a group: a member on every PE runs chunks of tasks; the
 * member on PE 0 also schedules them. Workers are every PE but 0 when
 * there are several (PE 0 runs main and the scheduling, as in Charm4py),
 * or PE 0 alone.
 */
import { Chare } from '../model/chare';
import { runtime } from '../model/context';
import type { Future } from '../model/future';
import type { CollectionProxy } from '../model/proxy';
import { resolve, type FunctionRef } from './functions';

/** A task failure, as sent back to the scheduler. */
export interface TaskFailure {
  message: string;
  name: string;
  stack: string;
  pe: number;
}

interface Job {
  fn: FunctionRef;
  /** One task: the result itself, not a list of one. */
  single: boolean;
  chunks: unknown[][][];
  results: unknown[][];
  remaining: number;
  next: number;
  done: Future<unknown[]>;
  failed: boolean;
}

/** Chunks a worker may hold at once (a second hides the latency of asking for more). */
const SLOTS_PER_WORKER = 2;

export class PoolWorker extends Chare {
  // PE 0 only: the scheduler's state.
  private readonly jobs = new Map<number, Job>();
  private readonly queue: number[] = [];
  private readonly freeSlots: number[] = [];
  private nextJob = 0;

  constructor() {
    super();
    if (runtime().myPe === 0) for (const pe of this.workers()) for (let k = 0; k < SLOTS_PER_WORKER; k++) this.freeSlots.push(pe);
  }

  private workers(): number[] {
    const numPes = runtime().numPes;
    return numPes === 1 ? [0] : Array.from({ length: numPes - 1 }, (_, i) => i + 1);
  }

  /** PE 0: a new job of `chunks` (each a list of argument lists). */
  submit(fn: FunctionRef, chunks: unknown[][][], done: Future<unknown[]>, single: boolean): void {
    const id = this.nextJob++;
    this.jobs.set(id, { fn, single, chunks, results: new Array(chunks.length), remaining: chunks.length, next: 0, done, failed: false });
    if (chunks.length === 0) {
      this.finish(id);
      return;
    }
    this.queue.push(id);
    this.dispatch();
  }

  /** PE 0: hands chunks to free worker slots, oldest job first. */
  private dispatch(this: PoolWorker): void {
    while (this.freeSlots.length && this.queue.length) {
      const id = this.queue[0];
      const job = this.jobs.get(id);
      if (!job || job.next >= job.chunks.length) {
        // Finished, failed, or every chunk handed out already.
        this.queue.shift();
        continue;
      }
      const chunk = job.next++;
      this.thisProxy[this.freeSlots.shift()!].run(id, chunk, job.fn, job.chunks[chunk]);
    }
  }

  /** A worker: runs one chunk; gives its slot back early if a task waits (so nested tasks never starve). */
  async run(this: PoolWorker, job: number, chunk: number, fn: FunctionRef, items: unknown[][]): Promise<void> {
    const scheduler = this.thisProxy[0];
    const pe = runtime().myPe;
    let released = false;
    const results: unknown[] = [];
    try {
      const task = resolve(fn);
      for (const args of items) {
        const result = task(...args);
        if (result instanceof Promise) {
          if (!released) scheduler.release(pe);
          released = true;
          results.push(await result);
        } else {
          results.push(result);
        }
      }
      scheduler.chunkDone(job, chunk, results, undefined, released ? -1 : pe);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      scheduler.chunkDone(job, chunk, [], { message: e.message, name: e.name, stack: e.stack ?? '', pe }, released ? -1 : pe);
    }
  }

  /** PE 0: a worker's slot is free again. */
  release(pe: number): void {
    this.freeSlots.push(pe);
    this.dispatch();
  }

  /** PE 0: a chunk finished (`freed` is the worker whose slot it frees, or -1). */
  chunkDone(job: number, chunk: number, results: unknown[], failure: TaskFailure | undefined, freed: number): void {
    if (freed >= 0) this.freeSlots.push(freed);
    const state = this.jobs.get(job);
    if (state && !state.failed) {
      if (failure) {
        state.failed = true;
        this.jobs.delete(job);
        const error = new Error(failure.message);
        error.name = failure.name;
        error.stack = failure.stack;
        state.done.sendError(error, 'a pool task', failure.pe);
      } else {
        state.results[chunk] = results;
        if (--state.remaining === 0) this.finish(job);
      }
    }
    this.dispatch();
  }

  private finish(job: number): void {
    const state = this.jobs.get(job)!;
    this.jobs.delete(job);
    const results = state.results.flat();
    (state.done as Future<unknown>).send(state.single ? results[0] : results);
  }
}

/** The pool group's proxy type. */
export type PoolProxy = CollectionProxy<PoolWorker>;
