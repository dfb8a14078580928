/**
 * `charm.pool`: tasks spread over the PEs, scheduled by PE 0, as in
 * Charm4py. Usable from any PE, from inside tasks too (recursive
 * algorithms): waiting for tasks never blocks a PE.
 */
import { Future, iwait } from '../model/future';
import { runtime } from '../model/context';
import { groupRef, installGroupMember, type GroupRef } from '../collections/groups';
import { classInfo, registerClass } from '../model/registry';
import type { CollectionProxy } from '../model/proxy';
import { allowSource, refOf, registerTask, type Registered, type TaskFunction } from './functions';
import { pack } from './packing';
import { checkOptionKeys, type OptionKeys } from '../optionKeys';
import type { ChunkResults, Destination, Tasks } from './scheduler';
import { PoolWorker, schedulerHere } from './worker';

export type { TaskFunction, Registered } from './functions';

/** Collection id of the pool's group: user collection ids never get this high. */
const POOL_GROUP_ID = 0xfffffffe;

// Under a name no user class can take by accident.
registerClass(PoolWorker, 'charmts.PoolWorker');

/** Options of `charm.pool.map`, `mapAsync`, `imap` and `submitAll`. */
export interface MapOptions {
  /** Items per message to a worker (default 1): larger chunks cost fewer messages for tiny tasks. */
  chunksize?: number;
  /** Most workers the job uses at once (default: every worker), as Charm4py's `ncores`. */
  ncores?: number;
}

/** Options of `mapAsync` and `submitAllAsync` giving a future per task (Charm4py's `multi_future=True`). */
export interface MultiFutureOptions extends MapOptions {
  /** A future per task, in task order, each fulfilled as soon as its task's chunk is done. */
  multiFuture: true;
}

/** One task of `submitAll`: its function, then its arguments. */
export type TaskCall = readonly [TaskFunction, ...unknown[]];

/** The result of each task of a list, by position. */
export type TaskResults<T extends readonly TaskCall[]> = { -readonly [K in keyof T]: T[K] extends readonly [(...a: never[]) => infer R, ...unknown[]] ? Awaited<R> : never };

/** One result of `charm.pool.imap`: the item's position in the input, and its task's result. */
export interface IndexedResult<R> {
  /** Position of the item in the input. */
  readonly index: number;
  /** What the task of that item returned. */
  readonly value: R;
}

function poolRef(): GroupRef {
  return groupRef(POOL_GROUP_ID, classInfo(PoolWorker, 'charm.pool'));
}

/** Creates this PE's member of the pool's group (charm.start does, on every PE). */
export function installPool(): void {
  installGroupMember(poolRef(), []);
}

/** The keys pool options may have (multiFuture: the Async forms only; the others do not read it). */
const POOL_OPTIONS: OptionKeys<MultiFutureOptions> = { chunksize: true, ncores: true, multiFuture: true };

/** Sends a job to the scheduler on PE 0, or hands it over on PE 0 (its tasks are packed already: nothing in it can fail to encode). */
function submitJob(tasks: Tasks, destination: Destination, options: MapOptions = {}): void {
  const here = schedulerHere();
  if (here) here.submit(tasks, destination, { ncores: options.ncores });
  else (poolRef().proxy() as CollectionProxy<PoolWorker>)[0].submit(tasks, destination, { ncores: options.ncores });
}

function checkIterable(where: string, items: unknown): Iterable<unknown> {
  if (items === null || items === undefined || typeof (Object(items) as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${where}: items must be iterable, got ${items === null ? 'null' : typeof items}`);
  }
  return items as Iterable<unknown>;
}

/** Checks the options; returns the chunk size. */
function chunksizeOf(where: string, options: MapOptions): number {
  checkOptionKeys(where, options, POOL_OPTIONS); // a non-object too
  const chunksize = options.chunksize ?? 1;
  if (!Number.isInteger(chunksize) || chunksize < 1) throw new RangeError(`${where}: chunksize must be a positive integer, got ${String(chunksize)}`);
  const ncores = options.ncores;
  if (ncores !== undefined && !(Number.isInteger(ncores) && (ncores >= 1 || ncores === -1))) throw new RangeError(`${where}: ncores must be a positive integer (or -1: every worker), got ${String(ncores)}`);
  return chunksize;
}

/** Checks the arguments of the map forms and packs the items in chunks, each item the one argument of its task (values as at the call). */
function mapTasks(where: string, fn: unknown, items: unknown, options: MapOptions): Tasks {
  runtime(where);
  const ref = refOf(fn, where);
  const chunksize = chunksizeOf(where, options);
  const iterable = checkIterable(where, items);
  const values = Array.isArray(iterable) ? iterable : Array.from(iterable);
  return { fn: ref, chunks: pack(values, chunksize, (i) => `${where}: item ${i}`), chunksize, count: values.length };
}

/** Checks a list of tasks, each [function, ...arguments], and packs it in chunks; each task travels with its function. */
function callTasks(where: string, tasks: unknown, options: MapOptions): Tasks {
  runtime(where);
  const chunksize = chunksizeOf(where, options);
  const calls = Array.from(checkIterable(where, tasks), (task, i) => {
    if (!Array.isArray(task) || task.length === 0) throw new TypeError(`${where}: task ${i} must be [function, ...arguments]`);
    return [refOf(task[0], `${where} (task ${i})`), ...task.slice(1)];
  });
  return { fn: null, chunks: pack(calls, chunksize, (i) => `${where}: task ${i}`), chunksize, count: calls.length };
}

/**
 * The task pool (`charm.pool`): runs functions on the PEs, scheduled by
 * PE 0. With several PEs the workers are PEs 1 and up, so start one PE
 * more than the workers wanted; on one PE, PE 0 runs the tasks.
 *
 * A task function travels to its worker by name when registered with
 * `register` on every PE (the default, and the only way for functions that
 * use imports or closures). Unregistered functions travel as source text
 * only after `allowSourceTasks()`.
 */
export class Pool {
  /**
   * Registers a task function under its name (or `name`) on this PE. Call
   * it at module load, so that every PE has it. Returns `fn`, typed
   * `Registered<F>`: it can also be sent in any call, as its name
   * (Charm4py pickles functions by name), to a parameter typed so.
   *
   * @example
   * function square(x: number): number { return x * x; }
   * charm.pool.register(square);
   */
  register<F extends TaskFunction>(fn: F, name?: string): Registered<F> {
    return registerTask(fn, name);
  }

  /**
   * Lets unregistered functions travel as their source text
   * (`fn.toString()`), compiled and run on the worker. Off by default.
   *
   * Security: a PE that allows this evaluates code it receives in messages,
   * with the full rights of the process; allow it only when every sender
   * is trusted. Call it on every PE (at module load): a worker that has not
   * allowed it refuses such tasks. Source text carries no closures nor
   * imports: the function sees only its arguments and globals.
   */
  allowSourceTasks(): void {
    allowSource();
  }

  /**
   * Applies `fn` to every item on the workers; the results come in item
   * order. A task that throws rejects the result with a `RemoteError`
   * giving its message and the PE it ran on.
   *
   * @example
   * const squares = await charm.pool.map(square, [1, 2, 3], { chunksize: 2 });
   */
  map<A, R>(fn: (item: A) => R, items: Iterable<A>, options: MapOptions = {}): Promise<Awaited<R>[]> {
    return mapJob<R>('charm.pool.map', fn, items, options).get();
  }


  /**
   * Like `map`, but returns at once a Future of the results (it can be
   * passed to other chares); with `multiFuture: true`, a Future per item,
   * each fulfilled as soon as its item's chunk is done.
   */
  mapAsync<A, R>(fn: (item: A) => R, items: Iterable<A>, options: MultiFutureOptions): Future<Awaited<R>>[];
  mapAsync<A, R>(fn: (item: A) => R, items: Iterable<A>, options?: MapOptions): Future<Awaited<R>[]>;
  mapAsync<A, R>(fn: (item: A) => R, items: Iterable<A>, options: MapOptions | MultiFutureOptions = {}): Future<Awaited<R>[]> | Future<Awaited<R>>[] {
    if ('multiFuture' in options && options.multiFuture) return eachJob<Awaited<R>>(mapTasks('charm.pool.mapAsync', fn, items, options), options);
    return mapJob<R>('charm.pool.mapAsync', fn, items, options);
  }

  /**
   * Runs a list of tasks, each `[fn, ...args]` (functions may differ), on
   * the workers; the results come in task order (Charm4py's
   * `charm.pool.submit(tasks)`).
   *
   * @example
   * const results = await charm.pool.submitAll([[square, 3], [addFive, 4]], { chunksize: 8 });
   */
  submitAll<T extends readonly TaskCall[]>(tasks: T, options: MapOptions = {}): Promise<TaskResults<T>> {
    return this.submitAllAsync(tasks, options).get();
  }

  /** Like `submitAll`, but returns at once a Future of the results; with `multiFuture: true`, a Future per task. */
  submitAllAsync<T extends readonly TaskCall[]>(tasks: T, options: MultiFutureOptions): Future<TaskResults<T>[number]>[];
  submitAllAsync<T extends readonly TaskCall[]>(tasks: T, options?: MapOptions): Future<TaskResults<T>>;
  submitAllAsync<T extends readonly TaskCall[]>(tasks: T, options: MapOptions | MultiFutureOptions = {}): Future<TaskResults<T>> | Future<TaskResults<T>[number]>[] {
    const calls = callTasks('charm.pool.submitAll', tasks, options);
    if ('multiFuture' in options && options.multiFuture) return eachJob<TaskResults<T>[number]>(calls, options);
    const future = Future.create<TaskResults<T>>(1, 'single');
    submitJob(calls, { kind: 'all', future: future as Future<unknown[]> }, options);
    return future;
  }

  /**
   * Applies `fn` to every item on the workers and yields the results as
   * their chunks complete, each with its item's index. The tasks start at
   * the call, before the first result is asked for.
   *
   * @example
   * for await (const { index, value } of charm.pool.imap(square, items)) results[index] = value;
   */
  imap<A, R>(fn: (item: A) => R, items: Iterable<A>, options: MapOptions = {}): AsyncGenerator<IndexedResult<Awaited<R>>> {
    const tasks = mapTasks('charm.pool.imap', fn, items, options);
    const futures = Array.from(tasks.chunks.ends, () => Future.create<ChunkResults>(1, 'single'));
    submitJob(tasks, { kind: 'chunks', futures }, options);
    return indexed<Awaited<R>>(futures, tasks.chunksize);
  }

  /** Runs one task `fn(...args)` on a worker; returns at once a Future of its result. */
  submit<Args extends unknown[], R>(fn: (...args: Args) => R, ...args: Args): Future<Awaited<R>> {
    const where = 'charm.pool.submit';
    runtime(where);
    // One task that carries its function, as in submitAll; an error names its place among submit's arguments.
    const task: Tasks = { fn: null, chunks: pack([[refOf(fn, where), ...args]], 1, () => `${where}: arguments`), chunksize: 1, count: 1 };
    const future = Future.create<Awaited<R>>(1, 'single');
    submitJob(task, { kind: 'one', future: future as Future<unknown> });
    return future;
  }
}

/** Starts a map job whose results all go, in item order, to one future. */
function mapJob<R>(where: string, fn: unknown, items: unknown, options: MapOptions): Future<Awaited<R>[]> {
  const tasks = mapTasks(where, fn, items, options);
  const future = Future.create<Awaited<R>[]>(1, 'single');
  submitJob(tasks, { kind: 'all', future: future as Future<unknown[]> }, options);
  return future;
}

/** Starts a job with a future per task. */
function eachJob<R>(tasks: Tasks, options: MapOptions): Future<R>[] {
  const futures = Array.from({ length: tasks.count }, () => Future.create<R>(1, 'single'));
  submitJob(tasks, { kind: 'each', futures: futures as Future<unknown>[] }, options);
  return futures;
}

/** Yields each chunk's results as its future completes, with the indices of their items. */
async function* indexed<R>(futures: Future<ChunkResults>[], chunksize: number): AsyncGenerator<IndexedResult<R>> {
  for await (const { chunk, results } of iwait(futures)) {
    for (let i = 0; i < results.length; i++) yield { index: chunk * chunksize + i, value: results[i] as R };
  }
}
