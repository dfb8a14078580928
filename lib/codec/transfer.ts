/**
 * Transfers: zero copy as an explicit choice. `charm.transfer(view)` marks
 * a typed array; the next message it is part of takes its memory instead
 * of a copy, and detaches it at the call (as `postMessage(v, [buffer])` and
 * `structuredClone(v, { transfer })` do): the sender can no longer read or
 * write it, and the receiver gets memory of its own. Only a view of a whole
 * ArrayBuffer can be transferred (Node's small Buffers are slices of one
 * shared pool).
 */

/** The typed arrays a message can carry, and reducers combine element-wise (Node's Buffer is a Uint8Array). */
export type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

const marked = new WeakSet<ArrayBufferView>();
/** Whether any array was ever marked: until then a typed array sent costs no lookup in `marked`. */
let anyMarked = false;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'an object';
}

/** True when `view`'s ArrayBuffer was detached (transferred). */
export function isDetached(view: ArrayBufferView): boolean {
  if (view.byteLength !== 0 || view.buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(view.buffer);
    return false;
  } catch {
    return true;
  }
}

/** Marks `view` to be transferred by the message it is sent in; returns `view`. */
export function markTransfer<T extends TypedArray>(view: T): T {
  const where = 'charm.transfer';
  if (!ArrayBuffer.isView(view) || view instanceof DataView) {
    throw new TypeError(`${where}: expected a typed array (Float64Array, Uint8Array, Buffer, ...), got ${kindOf(view)}`);
  }
  const name = view.constructor.name;
  const buffer = view.buffer as ArrayBuffer | SharedArrayBuffer;
  if (typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer) {
    throw new TypeError(`${where}: the ${name} lives in a SharedArrayBuffer, which is shared rather than owned, so it cannot be transferred; send it without charm.transfer (it is copied)`);
  }
  if (isDetached(view)) throw new TypeError(`${where}: the ${name} is detached already (was it transferred before?)`);
  if (view.byteOffset !== 0 || view.byteLength !== buffer.byteLength) {
    throw new TypeError(
      `${where}: the ${name} covers bytes ${view.byteOffset}..${view.byteOffset + view.byteLength} of a ${buffer.byteLength}-byte ArrayBuffer; ` +
        'only a view of a whole ArrayBuffer can be transferred (small Buffers are slices of a pool Node shares between Buffers): ' +
        `transfer a copy of its own (new ${name}(view), Buffer.allocUnsafeSlow) or send it without charm.transfer`,
    );
  }
  marked.add(view);
  anyMarked = true;
  return view;
}

/** True when `view` was marked by `charm.transfer`. */
export const isMarked = (view: ArrayBufferView): boolean => anyMarked && marked.has(view);
