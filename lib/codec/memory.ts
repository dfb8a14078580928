/**
 * The memory of a segment delivered on this PE (a local message, a future
 * fulfilled here, a contribution kept for a reduction): a copy of its own,
 * or, for a transfer, the sender's memory moved without a copy.
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
