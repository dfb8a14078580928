/**
 * Checks the list of futures `charm.iwait` waits for, so that a Charm4py
 * habit (`charm.iwait(channels)`) or a promise in the list gets an error
 * that says what to do, rather than a TypeError from deep inside.
 */
import { inspect } from 'util';
import { Future } from '../model/future';
import { Channel } from '../channels';

/** `futures` as an array, every element a Future; throws a TypeError naming `where`, the element and what to use instead. */
export function checkFutures<T>(where: string, futures: Iterable<Future<T>>): Future<T>[] {
  if (futures === null || futures === undefined || typeof (Object(futures) as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${where}: expected an iterable of futures (an array, say), got ${describe(futures)}`);
  }
  const list = Array.from(futures as Iterable<unknown>);
  list.forEach((f, i) => {
    if (f instanceof Future) return;
    if (f instanceof Channel) {
      throw new TypeError(`${where}: element ${i} is a Channel, not a Future: ${where} waits for futures; to take values from whichever of several channels has one (Charm4py's charm.iwait(channels)), use Channel.select(channels), which resolves with [channel, value]`);
    }
    if (typeof (f as PromiseLike<unknown> | null)?.then === 'function') {
      throw new TypeError(`${where}: element ${i} is a promise, not a Future: ${where} waits for futures (charm.createFuture(), proxy.ret.method()); await promises with Promise.all or Promise.race`);
    }
    throw new TypeError(`${where}: element ${i} is ${describe(f)}, not a Future`);
  });
  return list as Future<T>[];
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `${value.constructor?.name ?? 'an object'} (${inspect(value, { depth: 0, breakLength: Infinity }).slice(0, 60)})`;
  return `a ${typeof value} (${inspect(value).slice(0, 60)})`;
}
