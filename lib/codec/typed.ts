/**
 * Typed arrays in values (values.ts): small ones inline, copied element by
 * element; large or transferred ones as segments, copied (or moved) by the
 * binding at the send.
 */
import type { Reader } from './reader';
import type { Writer } from './writer';
import { Tag } from './tags';
import { isDetached, isMarked } from './transfer';
import { freshCopy, ON_HEAP_BYTES } from './fresh';
import { SerializationError } from './serializationError';

/**
 * Typed arrays up to this size are copied element by element: V8 keeps
 * small typed arrays on its heap, and touching their `.buffer` (or slicing
 * an ArrayBuffer) would move them off-heap, which costs far more.
 */
const SMALL_TYPED = 256;

type Get = (v: DataView, at: number) => number | bigint;
type Set = (v: DataView, at: number, x: number | bigint) => void;
/** Per typed-array kind (same order as TYPED_KINDS): element size and little-endian accessors. */
const ELEMENTS: [number, Get, Set][] = [
  [1, (v, o) => v.getInt8(o), (v, o, x) => v.setInt8(o, x as number)],
  [1, (v, o) => v.getUint8(o), (v, o, x) => v.setUint8(o, x as number)],
  [1, (v, o) => v.getUint8(o), (v, o, x) => v.setUint8(o, x as number)],
  [2, (v, o) => v.getInt16(o, true), (v, o, x) => v.setInt16(o, x as number, true)],
  [2, (v, o) => v.getUint16(o, true), (v, o, x) => v.setUint16(o, x as number, true)],
  [4, (v, o) => v.getInt32(o, true), (v, o, x) => v.setInt32(o, x as number, true)],
  [4, (v, o) => v.getUint32(o, true), (v, o, x) => v.setUint32(o, x as number, true)],
  [4, (v, o) => v.getFloat32(o, true), (v, o, x) => v.setFloat32(o, x as number, true)],
  [8, (v, o) => v.getFloat64(o, true), (v, o, x) => v.setFloat64(o, x as number, true)],
  [8, (v, o) => v.getBigInt64(o, true), (v, o, x) => v.setBigInt64(o, x as bigint, true)],
  [8, (v, o) => v.getBigUint64(o, true), (v, o, x) => v.setBigUint64(o, x as bigint, true)],
  [1, (v, o) => v.getUint8(o), (v, o, x) => v.setUint8(o, x as number)],
];

// Float64Array, the common numeric payload, is copied through direct
// DataView calls (inlined); other kinds go through the table, whose call
// site sees every kind and so stays an indirect call per element.
const FLOAT64 = 8;

function writeElements(w: Writer, kind: number, items: ArrayLike<number | bigint>): void {
  const [size, , set] = ELEMENTS[kind];
  const n = items.length;
  w.ensure(n * size);
  const view = w.view;
  const at = w.pos;
  if (kind === FLOAT64) for (let i = 0; i < n; i++) view.setFloat64(at + i * 8, items[i] as number, true);
  else for (let i = 0; i < n; i++) set(view, at + i * size, items[i]);
  w.pos = at + n * size;
}

function readElements(r: Reader, kind: number, bytes: number): ArrayBufferView {
  const view = r.view;
  const at = r.pos;
  r.pos = at + bytes;
  if (kind === FLOAT64) {
    const out = new Float64Array(bytes / 8);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(at + i * 8, true);
    return out;
  }
  const [size, get] = ELEMENTS[kind];
  const ctor = TYPED_KINDS[kind];
  const out = (ctor === Buffer ? Buffer.allocUnsafe(bytes) : new (ctor as Float64ArrayConstructor)(bytes / size)) as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < bytes / size; i++) out[i] = get(view, at + i * size);
  return out as unknown as ArrayBufferView;
}

/**
 * Typed arrays at least this large travel as segments: copied once, by the
 * binding at the send (not into the writer first), into a buffer the
 * receiver keeps. Transferred typed arrays are segments at any size.
 */
const SEGMENT_THRESHOLD = 4096;

type TypedArrayConstructor =
  | Int8ArrayConstructor | Uint8ArrayConstructor | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor
  | Float32ArrayConstructor | Float64ArrayConstructor | BigInt64ArrayConstructor | BigUint64ArrayConstructor
  | typeof Buffer;

const TYPED_KINDS: TypedArrayConstructor[] = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, Buffer,
];
/** Buffer's place in TYPED_KINDS, after the typed arrays proper: small Buffers are slices of Node's pool (Buffer.allocUnsafe), not arrays of their own made ahead. */
const BUFFER = TYPED_KINDS.indexOf(Buffer);
export const typedKindOf = new Map<unknown, number>(TYPED_KINDS.map((c, i) => [c, i]));

/** A typed array (its kind's index in TYPED_KINDS): inline while small, else a segment copied (or moved) at the send. */
export function encodeTyped(w: Writer, view: ArrayBufferView, kind: number, path: string): void {
  const bytes = view.byteLength;
  if (bytes === 0 && isDetached(view)) {
    throw new SerializationError(path, `the ${view.constructor.name} is detached (its memory was transferred): it has no data to send`);
  }
  const moved = isMarked(view);
  w.ensure(6);
  w.buf[w.pos] = moved || bytes >= SEGMENT_THRESHOLD ? Tag.TypedSegment : Tag.TypedInline;
  w.buf[w.pos + 1] = kind;
  w.view.setUint32(w.pos + 2, bytes, true);
  w.pos += 6;
  if (moved) w.transfer(view, path);
  else if (bytes >= SEGMENT_THRESHOLD) w.segment(view);
  else if (bytes <= SMALL_TYPED) writeElements(w, kind, view as unknown as ArrayLike<number | bigint>);
  else w.bytes(new Uint8Array(view.buffer, view.byteOffset, bytes));
}

/** A typed array written inline (its tag read). */
export function decodeTypedInline(r: Reader): ArrayBufferView {
  const kind = r.u8();
  const n = r.u32();
  if (n > ON_HEAP_BYTES && kind < BUFFER) {
    // An array made ahead while the PE waited (see fresh.ts), when there is one.
    const fresh = freshCopy(kind, TYPED_KINDS[kind] as Float64ArrayConstructor, r.memory(), r.buf.byteOffset + r.pos, n);
    if (fresh) {
      r.pos += n;
      return fresh;
    }
  }
  if (n <= SMALL_TYPED) return readElements(r, kind, n);
  return typedView(TYPED_KINDS[kind], r.bytesCopy(n), 0, n);
}

/** A typed array sent as a segment (its tag read). */
export function decodeTypedSegment(r: Reader): ArrayBufferView {
  const ctor = TYPED_KINDS[r.u8()];
  const n = r.u32();
  const [buffer, offset] = r.segment(n);
  return typedView(ctor, buffer, offset, n);
}

function typedView(ctor: TypedArrayConstructor, buffer: ArrayBuffer, offset: number, bytes: number): ArrayBufferView {
  if (ctor === Buffer) return Buffer.from(buffer, offset, bytes);
  const size = (ctor as Float64ArrayConstructor).BYTES_PER_ELEMENT;
  return new (ctor as Float64ArrayConstructor)(buffer, offset, bytes / size);
}
