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

