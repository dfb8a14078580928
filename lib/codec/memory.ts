/**
 * The memory of a segment delivered on this PE (a local message, a future
 * fulfilled here, a contribution kept for a reduction): a copy of its own,
 * or, for a transfer, the sender's memory moved without a copy. And the
 * copies of whole small messages kept or queued on this PE (pooledCopy).
 */

/**
 * From this size a copy goes to warm memory from the binding's pool (once
 * the runtime has said how, with useWarmCopies): a fresh allocation of
 * megabytes page-faults on first touch (0.5 to 0.8 ms per MiB measured
 * here), several times the cost of the copy itself.
 */
const WARM_COPY_BYTES = 64 * 1024;

let warmCopy: ((view: ArrayBufferView) => ArrayBuffer) | undefined;

/** Large copies go through `copy` (the binding's pool) from now on; the codec itself loads no binding. */
export function useWarmCopies(copy: (view: ArrayBufferView) => ArrayBuffer): void {
  warmCopy = copy;
}

/** A copy of `view`'s bytes in an ArrayBuffer of its own. */
export function ownCopy(view: ArrayBufferView): ArrayBuffer {
  if (warmCopy && view.byteLength >= WARM_COPY_BYTES) return warmCopy(view);
  return copyBytes(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * A copy of `length` bytes of `buffer` from `byteOffset`, in a new
 * ArrayBuffer. A new buffer filled with set() costs 0.5 us at 512 B, 0.9 us
 * at 4 KiB and 3.0-3.6 us at 32 KiB here, against 0.75, 2.0 and 4.4 us for
 * ArrayBuffer.prototype.slice (V8 takes a slow path for its species lookup);
 * a copy into the binding's pool cost 0.5, 0.9 and 8 us.
 */
export function copyBytes(buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBuffer {
  const out = new ArrayBuffer(length);
  new Uint8Array(out).set(new Uint8Array(buffer, byteOffset, length));
  return out;
}

/**
 * Moves `buffer`'s memory into a new ArrayBuffer, detaching `buffer`
 * (structuredClone with a transfer list moves the backing store without
 * copying it).
 */
export function moveBuffer(buffer: ArrayBuffer): ArrayBuffer {
  const length = buffer.byteLength;
  const moved = structuredClone(buffer, { transfer: [buffer] });
  // Buffers V8 cannot detach (WebAssembly memory) are cloned instead, silently.
  if (length > 0 && buffer.byteLength !== 0) {
    throw new TypeError('charm.transfer: this ArrayBuffer cannot be detached (WebAssembly memory?), so it cannot be transferred; send it without charm.transfer');
  }
  return moved;
}

/**
 * A whole message held in a buffer of its own: `buf` and `view` (same
 * offsets, as a Reader's) cover the buffer it lies in, from `base`.
 */
export interface Held {
  readonly buf: Buffer;
  readonly view: DataView;
  readonly base: number;
  readonly byteLength: number;
}

/**
 * Copies of small messages (local messages, kept broadcasts) are made in
 * Node's buffer pool, and copies in one pool slab share one Buffer and one
 * DataView of the slab: a slice of its own plus a Buffer and a DataView of
 * it cost 1.3 us per 37-byte message here, the pooled copy 0.4 us (and a
 * slice over 64 bytes, an ArrayBuffer off V8's heap, 2.7 us). A slab's
 * bytes are handed out once and never reused, so a copy stays the
 * message's own; a slab is freed when no copy in it is left.
 */
let slab: ArrayBufferLike | undefined;
let slabBuf: Buffer;
let slabView: DataView;

/**
 * Up to this size a copy goes to the pool. Node's pool slabs are 8 KiB:
 * copies of 2-4 KiB would take a new slab every second copy (3000 B:
 * 0.6-1.5 us, against 0.6-1.0 for a slice of its own).
 */
const POOLED_BYTES = 1024;

/** A copy of bytes [start, end) of `bytes`: in the pool up to POOLED_BYTES, else a slice of its own. */
export function pooledCopy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  // Uint8Array's slice copies (Buffer's would not).
  if (end - start > POOLED_BYTES) return Uint8Array.prototype.slice.call(bytes, start, end);
  const out = Buffer.allocUnsafe(end - start);
  out.set(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start));
  return out;
}

function slabOf(message: Uint8Array): void {
  if (message.buffer === slab) return;
  slab = message.buffer;
  slabBuf = Buffer.from(slab);
  slabView = new DataView(slab);
}

/** The Buffer over the whole buffer `message` lies in (shared by the copies of one pool slab); `message` starts at its byteOffset. */
export function heldBuffer(message: Uint8Array): Buffer {
  slabOf(message);
  return slabBuf;
}

/** The DataView of the same buffer as heldBuffer's (same offsets). */
export function heldView(message: Uint8Array): DataView {
  slabOf(message);
  return slabView;
}

/** `message` (a copy of its own, as pooledCopy's) as a Held. */
export function held(message: Uint8Array): Held {
  return { buf: heldBuffer(message), view: slabView, base: message.byteOffset, byteLength: message.byteLength };
}
