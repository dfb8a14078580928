/**
 * Checks what `charm.iwait` waits for: futures (it yields their values)
 * or channels (it yields each channel once it has a value, as Charm4py's
 * `charm.iwait(channels)`), so that a mixed list, a promise or something
 * else gets an error that says what to do, rather than a TypeError from
 * deep inside.
 */
import { inspect } from 'util';
import { Future, iwait } from '../model/future';
import { Channel } from '../channels';

/** `charm.iwait(items)`: futures' values, or channels once each as they have a value (see charm.ts); checked first (checkWaitables). */
export function iwaitAny<T>(where: string, items: Iterable<Future<T>> | Iterable<Channel<T>>): AsyncGenerator<T> | AsyncGenerator<Channel<T>> {
  const { futures, channels } = checkWaitables(where, items);
  return channels ? Channel.readyInTurn(channels) : iwait(futures);
}

/** What `charm.iwait` was given, every element checked. */
type Waitables<T> = { futures: Future<T>[]; channels?: undefined } | { channels: Channel<T>[]; futures?: undefined };

/** `items` as an array of futures or one of channels (the first element decides); throws a TypeError naming `where`, the element and what to use instead. */
function checkWaitables<T>(where: string, items: Iterable<Future<T>> | Iterable<Channel<T>>): Waitables<T> {
  if (items === null || items === undefined || typeof (Object(items) as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${where}: expected an iterable of futures or of channels (an array, say), got ${describe(items)}`);
  }
  const list = Array.from(items as Iterable<unknown>);
  const kind = list[0] instanceof Channel ? Channel : Future;
  list.forEach((item, i) => {
    if (item instanceof kind) return;
    if (item instanceof Channel || item instanceof Future) {
      const [given, first] = item instanceof Channel ? ['a Channel', 'a Future'] : ['a Future', 'a Channel'];
      throw new TypeError(`${where}: element ${i} is ${given} and element 0 ${first}: give futures (it yields their values) or channels (it yields each channel once it has a value), not both`);
    }
    if (typeof (item as PromiseLike<unknown> | null)?.then === 'function') {
      throw new TypeError(`${where}: element ${i} is a promise, not a Future: ${where} waits for futures (charm.createFuture(), proxy.ret.method()) or channels; await promises with Promise.all or Promise.race`);
    }
    throw new TypeError(`${where}: element ${i} is ${describe(item)}, not a ${kind === Channel ? 'Channel' : 'Future'}`);
  });
  return kind === Channel ? { channels: list as Channel<T>[] } : { futures: list as Future<T>[] };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `${value.constructor?.name ?? 'an object'} (${inspect(value, { depth: 0, breakLength: Infinity }).slice(0, 60)})`;
  return `a ${typeof value} (${inspect(value).slice(0, 60)})`;
}
