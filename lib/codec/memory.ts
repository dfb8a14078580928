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
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
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
