/**
 * `charm.pool`: tasks spread over the PEs, scheduled by PE 0 (Charm4py's
 * pool). Usable from any PE, including from inside a task (recursive
 * algorithms), since waiting for tasks never blocks a PE.
 */
import { Future } from '../model/future';
import { runtime } from '../model/context';
import { groupRef } from '../collections/groups';
import { classInfo, registerClass } from '../model/registry';
import { refOf, registerTask } from './functions';
import { PoolWorker, type PoolProxy } from './worker';

/** Collection id of the pool's group (ids of user collections never get this high). */
export const POOL_GROUP_ID = 0xfffffffe;

registerClass(PoolWorker);

/** Options of `charm.pool.map`. */
export interface MapOptions {
  /** Items per task sent to a worker (default 1): larger chunks cost fewer messages for tiny tasks. */
  chunksize?: number;
}

function pool(): PoolProxy {
  runtime('charm.pool');
  return groupRef(POOL_GROUP_ID, classInfo(PoolWorker, 'charm.pool')).proxy() as PoolProxy;
}

/** The pool's group, for charm.start to create on every PE. */
export function poolGroup(): ReturnType<typeof groupRef> {
  return groupRef(POOL_GROUP_ID, classInfo(PoolWorker, 'charm.pool'));
}

/** The task pool (`charm.pool`). */
export class Pool {
  /**
   * Registers a task function by name, on this PE; do it at module load so
   * every PE has it. Unregistered functions travel as source text instead.
   */
  register(fn: (...args: never[]) => unknown, name?: string): void {
    registerTask(fn, name);
  }

  /**
   * Applies `fn` to every item on the pool's workers; the results come back
   * in the order of the items. A task that throws rejects the result with
   * its error and the PE it ran on.
   *
   * @example
   * const squares = await charm.pool.map((x: number) => x * x, [1, 2, 3], { chunksize: 2 });
   */
  map<A, R>(fn: (item: A) => R, items: Iterable<A>, options: MapOptions = {}): Promise<Awaited<R>[]> {
    return this.mapAsync(fn, items, options).get();
  }

  /** Like `map`, returning a Future of the results. */
  mapAsync<A, R>(fn: (item: A) => R, items: Iterable<A>, options: MapOptions = {}): Future<Awaited<R>[]> {
    const chunksize = options.chunksize ?? 1;
    if (!Number.isInteger(chunksize) || chunksize < 1) throw new RangeError(`charm.pool.map: chunksize must be a positive integer, got ${String(chunksize)}`);
    if (items === null || typeof (items as Iterable<A>)[Symbol.iterator] !== 'function') throw new TypeError('charm.pool.map: items must be iterable');
    const ref = refOf(fn, 'charm.pool.map');
    const all = [...items].map((item) => [item]);
    const chunks: unknown[][][] = [];
    for (let i = 0; i < all.length; i += chunksize) chunks.push(all.slice(i, i + chunksize));
    const done = Future.create<Awaited<R>[]>(1, 'single');
    pool()[0].submit(ref, chunks, done as Future<unknown[]>, false);
    return done;
  }

  /** Runs one task `fn(...args)` on a worker; a Future of its result. */
  submit<Args extends unknown[], R>(fn: (...args: Args) => R, ...args: Args): Future<Awaited<R>> {
    const ref = refOf(fn, 'charm.pool.submit');
    const done = Future.create<Awaited<R>>(1, 'single');
    pool()[0].submit(ref, [[args]], done as unknown as Future<unknown[]>, true);
    return done;
  }
}
