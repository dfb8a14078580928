/**
 * Typed arrays made ahead of need, for the small typed arrays messages
 * deliver. Every typed array a message delivers gets an ArrayBuffer of its
 * own; one over V8's on-heap limit (64 bytes) is a buffer off the heap,
 * and making one costs 0.3-0.6 us here (a backing store, its malloc, the
 * sweeper's bookkeeping), most of what receiving a 512-byte array cost
 * (encode + decode of a 512 B Float64Array call, in-process: 0.6 us for
 * the buffer and its copy, 0.06 us for the copy into an array made ahead).
 * So the decoder takes an array of the kind and length it needs from here
 * when there is one, and the scheduler makes the ones taken again while
 * its PE waits for messages (`restock`): off the path from a message's
 * arrival to its entry method, where a ping-pong's PE spends half its time.
 *
 * Each array here is new, handed out once and never seen again: the
 * receiver owns it and exactly its buffer, as one made at the receive.
 * What this leaves is the buffer's end, which comes in lumps: V8 frees the
 * backing stores of the arrays that died at the next scavenge, all at
 * once, on one of its worker threads, which takes a core from a PE when
 * every core has a PE polling on it. A 512 B ping-pong's PE scavenges every
 * 17-19 thousand messages, and freeing as many buffers is 2-4 ms of CPU
 * (in-process, 15 thousand in the pause: 2.3 ms): the trial a scavenge
 * fell in was 1.4-2.7x the median trial, the others 0.96-0.99x (np 2,
 * load 6-12; bench/cases/pingpong.ts). Arrays of 64 bytes or less live on
 * V8's heap: nothing to free. Buffers shared between arrays (a slab, as
 * Node's small Buffers) would remove the lumps, but a receiver could then
 * no longer transfer an array on (transfer.ts).
 * Bounded: up to KINDS (kind, length) pairs, the ones taken lately, with
 * up to PER_KIND arrays each, under SEGMENT_THRESHOLD bytes (128 KiB in all);
 * a length seen once has one array made ahead, a length that keeps coming
 * faster than the PE waits up to PER_KIND.
 */

import { doubleFields, objectArray } from '../shapes';

/** A typed-array constructor, given the whole ArrayBuffer the array is to view. */
type Make = new (buffer: ArrayBuffer) => ArrayBufferView;

interface Stock {
  kind: number;
  byteLength: number;
  make: Make;
  /** How many to keep made ahead: 1 at first, one more (up to PER_KIND) each time a take found none. */
  target: number;
  /** Arrays made ahead, and a byte view of each one's buffer (to copy into). */
  arrays: ArrayBufferView[];
  bytes: Uint8Array[];
  /** The `ticks` value at its last take (the stock taken from longest ago makes room for a new one). */
  lastTaken: number;
}

/** Arrays of up to this many bytes are made on V8's heap, cheaply: nothing to gain here. */
export const ON_HEAP_BYTES = 64;
const KINDS = 8;
const PER_KIND = 4;

const stocks = objectArray<Stock>();
let ticks = 0;
/** Some stock is short of its target (restock has work). */
let short = false;

/**
 * A copy of the `byteLength` bytes at `byteOffset` in `source` as a typed
 * array of kind `kind` (made by `make`) made
 * ahead, or undefined when none is left: the caller makes one, and from
 * now on one is made ahead for the next such copy.
 */
export function freshCopy(kind: number, make: Make, source: ArrayBufferLike, byteOffset: number, byteLength: number): ArrayBufferView | undefined {
  ticks++;
  for (let i = 0; i < stocks.length; i++) {
    const s = stocks[i];
    if (s.kind !== kind || s.byteLength !== byteLength) continue;
    s.lastTaken = ticks;
    short = true;
    if (s.arrays.length === 0) {
      if (s.target < PER_KIND) s.target++;
      return undefined;
    }
    s.bytes.pop()!.set(new Uint8Array(source, byteOffset, byteLength));
    return s.arrays.pop();
  }
  want(kind, byteLength, make);
  return undefined;
}

function want(kind: number, byteLength: number, make: Make): void {
  // Lists of objects and a double clock from the start (shapes.ts): the first array or a count past 2^30 stored would change their maps.
  const stock: Stock = doubleFields({ kind, byteLength, make, target: 1, arrays: objectArray<ArrayBufferView>(), bytes: objectArray<Uint8Array>(), lastTaken: ticks }, ['lastTaken']);
  if (stocks.length < KINDS) {
    stocks.push(stock);
  } else {
    let oldest = 0;
    for (let i = 1; i < stocks.length; i++) if (stocks[i].lastTaken < stocks[oldest].lastTaken) oldest = i;
    stocks[oldest] = stock;
  }
  short = true;
}

/**
 * Makes one array for a stock short of its target; false when none is short.
 * For a PE with nothing to do: one array a call, so that a message that
 * arrives meanwhile waits for one allocation at most.
 */
export function restock(): boolean {
  if (!short) return false;
  for (let i = 0; i < stocks.length; i++) {
    const s = stocks[i];
    if (s.arrays.length >= s.target) continue;
    // The buffer first, then both views on it: reading a typed array's
    // .buffer is a call into V8's runtime.
    const buffer = new ArrayBuffer(s.byteLength);
    s.arrays.push(new s.make(buffer));
    s.bytes.push(new Uint8Array(buffer));
    return true;
  }
  short = false;
  return false;
}
