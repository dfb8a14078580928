/**
 * The pool's scheduler, on PE 0 (as in Charm4py). Jobs queue up oldest
 * first; their chunks go out to free worker slots. Workers are every PE but
 * PE 0 when there are several: PE 0 runs main and this scheduler, and a long
 * task there would hold up the dispatch to every other worker (a PE runs one
 * thing at a time). On a single PE, PE 0 is the worker.
 *
 * How many chunks a worker holds at once (running or queued behind the
 * running one) follows the job's chunk run time, as the workers report it:
 * a worker may hold as many as keep about QUEUED_WORK_MS of work in hand,
 * at least MIN_DEPTH (a second chunk hides the round trip of asking for
 * more) and at most MAX_DEPTH. Tiny chunks then keep enough in flight to
 * cover the round trip, which on an oversubscribed host (more PEs than
 * cores) is a scheduling slice of the OS rather than microseconds; long
 * chunks stay two to a worker, so that the last of a job are not stuck
 * behind each other on one worker while others have none. For the same
 * reason a worker never holds more than half its share of the chunks not
 * handed out yet (as in guided self-scheduling): a worker the OS has put
 * aside for a few milliseconds then holds few of a job's last chunks;
 * except when a worker's whole share of them is less work than
 * QUEUED_WORK_MS, which balances nothing and cost tiny tasks a round trip,
 * a wake-up of each worker, per chunk held back (np 4 on 2 cores, 20
 * chunks of 100 tiny tasks: 4 to 5 rounds a job, each waiting for the OS
 * to run the workers, against 2 now).
 * Until a job's first chunk comes back, its depth is MIN_DEPTH; a job never
 * fills a worker deeper than an older job still handing out chunks may.
 */
import type { Future } from '../model/future';
import type { CollectionProxy, ElementProxy } from '../model/proxy';
import type { FunctionRef } from './functions';
import { runOf, unpack, type Packed, type Run } from './packing';
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
  | { readonly kind: 'chunks'; readonly futures: Future<ChunkResults>[] }
  /** Each task's result as soon as its chunk is done, a future per task (`multiFuture`). */
  | { readonly kind: 'each'; readonly futures: Future<unknown>[] };

/** An error a task threw, as it travels. */
export interface TaskFailure {
  readonly message: string;
  readonly name: string;
  readonly stack: string;
  /** Position in its chunk of the task that failed, or -1 when the chunk failed as a whole (its tasks or results could not be read or sent). */
  readonly task: number;
  /** Name of that task's own function, for tasks that carry theirs (`submit`, `submitAll`); '' otherwise. */
  readonly fn: string;
}

/** How a chunk ended on its worker: its results, packed (see packing.ts), or why it failed. */
export type ChunkOutcome = { readonly results: Run } | { readonly failure: TaskFailure };

/** A job's tasks, as `charm.pool` hands them to the scheduler. */
export interface Tasks {
  /**
   * The function of every task, each task being its one argument (the
   * item); or null when each task is `[function, ...arguments]`.
   */
  readonly fn: FunctionRef | null;
  /** The tasks, packed in chunks of `chunksize` (the last may be shorter). */
  readonly chunks: Packed;
  readonly chunksize: number;
  /** Tasks in all. */
  readonly count: number;
}

interface Job {
  readonly id: number;
  readonly fn: FunctionRef | null;
  readonly chunks: Packed;
  readonly chunksize: number;
  /** Chunks in all. */
  readonly total: number;
  readonly destination: Destination;
  /** Every task's result, in task order, for destinations that wait for all of them. */
  readonly results: unknown[];
  /** Most workers running chunks of it at once (Charm4py's ncores). */
  readonly ncores: number;
  /** Chunks running, per worker PE. */
  readonly running: Map<number, number>;
  /** Average run time of its chunks on their workers (ms), or -1 until one is reported. */
  runMs: number;
  /** 1 for each chunk whose results have been passed on, by number (a failed chunk's have not). */
  readonly delivered: Uint8Array;
  remaining: number;
  next: number;
}

/** What a job's options say about it. */
export interface JobOptions {
  /** Most workers used at once (default: all of them). */
  ncores?: number;
}

/** Chunks a worker holds at least (and before a job's run time is known): a second one hides the round trip of asking for more. */
const MIN_DEPTH = 2;
/** Chunks a worker holds at most. */
const MAX_DEPTH = 16;
/** Work a worker may hold, in ms of its chunks' run time (see the header). */
const QUEUED_WORK_MS = 1;
/** Weight of a new run time in a job's average. */
const RUN_WEIGHT = 0.25;

/** Chunks a worker may hold while it takes chunks of `job`, out of `workers`. */
function depthOf(job: Job, workers: number): number {
  if (job.runMs < 0) return MIN_DEPTH;
  const byWork = Math.min(MAX_DEPTH, Math.floor(QUEUED_WORK_MS / job.runMs));
  const left = job.total - job.next;
  const used = Math.min(workers, job.ncores);
  // A worker's whole share of what is left is less than QUEUED_WORK_MS of
  // work: holding chunks back balances nothing, and each one held back costs
  // a round trip, a wake-up of its worker (a scheduling slice of the OS when
  // PEs share cores).
  if (left * job.runMs <= QUEUED_WORK_MS * used) return Math.max(MIN_DEPTH, byWork);
  return Math.max(MIN_DEPTH, Math.min(byWork, Math.ceil(left / (2 * used))));
}

/** What a failed task's error names: its function, and its item or its place in the list unless it was the job's only task (`submit`). */
function failedTask(job: Job, chunk: number, failure: TaskFailure): string {
  if (!job.fn && failure.task < 0) return `charm.pool tasks of chunk ${chunk}`;
  const name = (job.fn ? job.fn.name : failure.fn) || '(anonymous function)';
  if (failure.task < 0 || job.destination.kind === 'one') return `charm.pool task ${name}`;
  const index = chunk * job.chunksize + failure.task;
  return `charm.pool task ${name} (${job.fn ? 'item' : 'task'} ${index})`;
}

export class TaskScheduler {
  private readonly jobs = new Map<number, Job>();
  /** Ids of jobs with chunks not handed out yet, oldest first. */
  private readonly queue: number[] = [];
  /** The workers' PEs. */
  private readonly pes: number[];
  /** Proxies of the members, by PE (built once: `workers[pe]` builds a proxy each time). */
  private readonly members: ElementProxy<PoolWorker>[];
  /** Chunks each worker holds (running or queued there, not released), by PE. */
  private readonly held: number[];
  /**
   * By PE: the job whose function that worker got last. Chunks of that job
   * go without it (the worker keeps it): encoding it was a good part of
   * PE 0's cost per chunk of tiny tasks.
   */
  private readonly fnSent: number[];
  /** Index in `pes` of the worker offered a chunk next: chunks go round the workers. */
  private cursor = 0;
  private nextJob = 0;

  constructor(workers: CollectionProxy<PoolWorker>, numPes: number) {
    this.pes = numPes === 1 ? [0] : Array.from({ length: numPes - 1 }, (_, i) => i + 1);
    this.members = Array.from({ length: numPes }, (_, pe) => workers[pe]);
    this.held = new Array<number>(numPes).fill(0);
    this.fnSent = new Array<number>(numPes).fill(-1);
  }

  /** A new job, results to `destination`. */
  submit(tasks: Tasks, destination: Destination, options: JobOptions = {}): void {
    const total = tasks.chunks.ends.length;
    if (total === 0) {
      if (destination.kind === 'all') destination.future.send([]);
      return;
    }
    const id = this.nextJob++;
    const ncores = options.ncores !== undefined && options.ncores > 0 ? options.ncores : Infinity;
    const results = destination.kind === 'all' || destination.kind === 'one' ? new Array<unknown>(tasks.count) : [];
    const { fn, chunks, chunksize } = tasks;
    this.jobs.set(id, { id, fn, chunks, chunksize, total, destination, results, ncores, running: new Map(), runMs: -1, delivered: new Uint8Array(total), remaining: total, next: 0 });
    this.queue.push(id);
    this.dispatch();
  }

  /** Worker `pe` gave back the slot of a chunk whose task waits. */
  release(pe: number): void {
    this.held[pe]--;
    this.dispatch();
  }

  /**
   * A chunk ended on worker `pe`; `freesSlot` unless that chunk released
   * its slot already. `runMs`: how long its tasks ran there, or -1 when
   * they waited (the time then says nothing of the work).
   */
  chunkDone(pe: number, id: number, chunk: number, outcome: ChunkOutcome, freesSlot: boolean, runMs: number): void {
    if (freesSlot) this.held[pe]--;
    // A job that failed is gone: chunks of it still running end here unheard.
    const job = this.jobs.get(id);
    if (job) {
      if (runMs >= 0) job.runMs = job.runMs < 0 ? runMs : job.runMs + RUN_WEIGHT * (runMs - job.runMs);
      const n = job.running.get(pe)! - 1;
      if (n === 0) job.running.delete(pe);
      else job.running.set(pe, n);
    }
    if (job && 'failure' in outcome) {
      this.jobs.delete(id);
      // The worker rejects the caller's futures itself, so that the error names the PE the task ran on;
      // with a future per chunk or per task, every one not fulfilled yet fails with it: the failed
      // chunk's own included, which are all there is when it is the last of its job to report.
      const d = job.destination;
      const futures = 'future' in d ? [d.future] : undelivered(job).flatMap((c) => futuresOf(d, c, job));
      this.members[pe].reject(futures, outcome.failure, failedTask(job, chunk, outcome.failure));
    } else if (job && 'results' in outcome) {
      this.deliver(id, job, chunk, outcome.results);
    }
    this.dispatch();
  }

  /**
   * Passes a chunk's results on. They were decoded here from the worker's
   * message and nothing else holds them: a future of this PE takes them
   * without the copy a value sent from user code gets.
   */
  private deliver(id: number, job: Job, chunk: number, packed: Run): void {
    job.delivered[chunk] = 1;
    const last = --job.remaining === 0;
    if (last) this.jobs.delete(id);
    const destination = job.destination;
    if (destination.kind === 'chunks') {
      destination.futures[chunk].sendOwned({ chunk, results: unpack(packed) });
      return;
    }
    const first = chunk * job.chunksize;
    if (destination.kind === 'each') {
      unpack(packed).forEach((result, i) => destination.futures[first + i].sendOwned(result));
      return;
    }
    const results = job.results;
    const values = unpack(packed);
    for (let i = 0; i < values.length; i++) results[first + i] = values[i];
    if (!last) return;
    if (destination.kind === 'all') destination.future.sendOwned(results);
    else destination.future.sendOwned(results[0]);
  }

  /**
   * Hands chunks out, oldest job first, each to the next worker round that
   * may take it. A job fills no worker deeper than an older job still
   * handing out chunks may: else a newer job of tiny tasks would keep every
   * worker full, and an older one of long tasks would wait for all of it.
   */
  private dispatch(): void {
    const n = this.pes.length;
    let cap = MAX_DEPTH;
    for (let i = 0; i < this.queue.length; i++) {
      const job = this.jobs.get(this.queue[i]);
      if (job) this.handOut(job, cap);
      // Failed, or every chunk handed out.
      if (!job || job.next === job.total) this.queue.splice(i--, 1);
      else cap = Math.min(cap, depthOf(job, n));
    }
  }

  /** Hands chunks of `job` to the workers below its depth and `cap` (and within its ncores), going round them. */
  private handOut(job: Job, cap: number): void {
    const n = this.pes.length;
    // Stops once every worker in turn has refused.
    for (let refused = 0; refused < n && job.next < job.total; ) {
      const pe = this.pes[this.cursor];
      this.cursor = this.cursor + 1 === n ? 0 : this.cursor + 1;
      if (this.held[pe] >= Math.min(cap, depthOf(job, n)) || !(job.running.has(pe) || job.running.size < job.ncores)) {
        refused++;
        continue;
      }
      refused = 0;
      this.held[pe]++;
      const chunk = job.next++;
      job.running.set(pe, (job.running.get(pe) ?? 0) + 1);
      const tasks = runOf(job.chunks, chunk);
      // Messages from here to a worker arrive in order: it has the function still.
      const known = job.fn !== null && this.fnSent[pe] === job.id;
      this.fnSent[pe] = job.id;
      this.members[pe].run(job.id, chunk, known ? undefined : job.fn, tasks.bytes, tasks.parts);
    }
  }
}

/** The chunks of `job` whose results have not been passed on (failed, running, or not handed out yet). */
function undelivered(job: Job): number[] {
  const out: number[] = [];
  for (let c = 0; c < job.total; c++) if (!job.delivered[c]) out.push(c);
  return out;
}

/** The futures of chunk `chunk` of a job with a future per chunk or per task. */
function futuresOf(destination: Extract<Destination, { futures: unknown }>, chunk: number, job: Job): Future<unknown>[] {
  if (destination.kind === 'chunks') return [destination.futures[chunk]];
  const first = chunk * job.chunksize;
  return destination.futures.slice(first, first + job.chunksize);
}
