/**
 * The long-lived objects of the message path (the writer, the scheduler,
 * its counters and queues) made with their final V8 shape, so that no
 * message changes it later. V8 optimizes a function against the shapes
 * (maps) it has seen; an object whose map changes deoptimizes every
 * function optimized against the old one, and with the message loop's
 * functions inlined into one another, that is all of them at once, then
 * recompiled (np 2 ping-pong, --trace-deopt: run, step, spin, drainAgain,
 * finish, transmit, beginMessage, memberCall, "wrong map").
 */

/**
 * An empty array that V8 already holds as an array of objects (elements
 * kind PACKED_ELEMENTS). An empty literal starts as an array of small
 * integers, and the first object put in it gives it another map: the
 * writer's segments did at a program's first message with a segment
 * (4 KiB), the scheduler's large buffers (which the binding fills) with
 * its first large ones (the loop's functions were deoptimized at the first
 * 256 KiB message).
 */
export function objectArray<T extends object>(): T[] {
  const array: (T | null)[] = [null];
  array.length = 0;
  return array as T[];
}

/**
 * Makes the number fields `keys` of `object` (all of its own, by default)
 * double fields, keeping their values. V8 holds a field that has only held small integers as one, and
 * the first fraction or integer past 2^30 stored in it gives its object a
 * new map: the scheduler's byte counters did after a PE's first GiB sent
 * (in the middle of the 4 MiB ping-pong), its clock readings at its first
 * message. A field that has held a double stays one, whatever is stored.
 * Returns `object`.
 */
export function doubleFields<T extends object>(object: T, keys: readonly string[] = Object.keys(object)): T {
  const fields = object as unknown as Record<string, number>;
  for (const key of keys) {
    const value = fields[key];
    if (typeof value !== 'number') throw new Error(`charmts: ${object.constructor.name} has no number field ${key}`);
    fields[key] = 0.5;
    fields[key] = value;
  }
  return object;
}
