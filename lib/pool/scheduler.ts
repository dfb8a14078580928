/**
 * The pool's scheduler, on PE 0 (as in Charm4py). Jobs queue up oldest
 * first; their chunks go out to free worker slots. Workers are every PE but
 * PE 0 when there are several: PE 0 runs main and this scheduler, and a long
 * task there would hold up the dispatch to every other worker (a PE runs one
 * thing at a time). On a single PE, PE 0 is the worker.
 */
import type { Future } from '../model/future';
import type { CollectionProxy } from '../model/proxy';
import type { FunctionRef } from './functions';
import type { PoolWorker } from './worker';

/** The results of one chunk, as a streaming caller (`charm.pool.imap`) gets them. */
export interface ChunkResults {
  readonly chunk: number;
  readonly results: unknown[];
}

/** Where a job's results go. */
export type Destination =
  /** Every result in item order, once all are in (`map`). */
  | { readonly kind: 'all'; readonly future: Future<unknown[]> }
  /** The result of the job's only task (`submit`). */
  | { readonly kind: 'one'; readonly future: Future<unknown> }
  /** Each chunk's results as soon as they are in, a future per chunk (`imap`). */
  | { readonly kind: 'chunks'; readonly futures: Future<ChunkResults>[] };

/** An error a task threw, as it travels. */
export interface TaskFailure {
  readonly message: string;
  readonly name: string;
  readonly stack: string;
}

/** How a chunk ended on its worker. */
export type ChunkOutcome = { readonly results: unknown[] } | { readonly failure: TaskFailure };

interface Job {
  readonly fn: FunctionRef;
  /** Each chunk is a list of tasks, each task the list of its arguments. */
  readonly chunks: unknown[][][];
  readonly destination: Destination;
  /** Per chunk, for destinations that wait for every result. */
  readonly results: unknown[][];
  remaining: number;
  next: number;
}

/** Chunks a worker may hold at once: a second one hides the round trip of asking for more. */
const SLOTS_PER_WORKER = 2;

export class TaskScheduler {
  private readonly jobs = new Map<number, Job>();
  /** Ids of jobs with chunks not handed out yet, oldest first. */
  private readonly queue: number[] = [];
  /** One entry per free slot: the worker's PE. */
  private readonly freeSlots: number[] = [];
  private nextJob = 0;

  constructor(
    private readonly workers: CollectionProxy<PoolWorker>,
    numPes: number,
  ) {
    const pes = numPes === 1 ? [0] : Array.from({ length: numPes - 1 }, (_, i) => i + 1);
    // Interleaved, so that the first chunks of a job spread over every worker.
    for (let k = 0; k < SLOTS_PER_WORKER; k++) this.freeSlots.push(...pes);
  }

  /** A new job of `chunks`, results to `destination`. */
  submit(fn: FunctionRef, chunks: unknown[][][], destination: Destination): void {
    if (chunks.length === 0) {
      if (destination.kind === 'all') destination.future.send([]);
      return;
    }
    const id = this.nextJob++;
    this.jobs.set(id, { fn, chunks, destination, results: [], remaining: chunks.length, next: 0 });
    this.queue.push(id);
    this.dispatch();
  }

  /** Worker `pe` gave back the slot of a chunk whose task waits. */
  release(pe: number): void {
    this.freeSlots.push(pe);
    this.dispatch();
  }

  /** A chunk ended on worker `pe`; `freesSlot` unless that chunk released its slot already. */
  chunkDone(pe: number, id: number, chunk: number, outcome: ChunkOutcome, freesSlot: boolean): void {
    if (freesSlot) this.freeSlots.push(pe);
    // A job that failed is gone: chunks of it still running end here unheard.
    const job = this.jobs.get(id);
    if (job && 'failure' in outcome) {
      this.jobs.delete(id);
      // The worker rejects the caller's future itself, so that the error names the PE the task ran on.
      this.workers[pe].reject(futureOf(job.destination, chunk), outcome.failure, `charm.pool task ${job.fn.name || '(anonymous function)'}`);
    } else if (job && 'results' in outcome) {
      this.deliver(id, job, chunk, outcome.results);
    }
    this.dispatch();
  }

  private deliver(id: number, job: Job, chunk: number, results: unknown[]): void {
    const last = --job.remaining === 0;
    if (last) this.jobs.delete(id);
    const destination = job.destination;
    if (destination.kind === 'chunks') {
      destination.futures[chunk].send({ chunk, results });
      return;
    }
    job.results[chunk] = results;
    if (!last) return;
    if (destination.kind === 'all') destination.future.send(job.results.flat());
    else destination.future.send(job.results[0][0]);
  }

  /** Hands chunks to free slots, oldest job first. */
  private dispatch(): void {
    while (this.freeSlots.length > 0 && this.queue.length > 0) {
      const id = this.queue[0];
      const job = this.jobs.get(id);
      if (!job || job.next === job.chunks.length) {
        // Failed, or every chunk handed out already.
        this.queue.shift();
        continue;
      }
      const chunk = job.next++;
      this.workers[this.freeSlots.shift()!].run(id, chunk, job.fn, job.chunks[chunk]);
    }
  }
}

function futureOf(destination: Destination, chunk: number): Future<unknown> {
  return destination.kind === 'chunks' ? destination.futures[chunk] : destination.future;
}
