/**
 * Tasks and results as the pool moves them: encoded once into runs of
 * values (a job's chunks, a chunk's results) that travel as bytes, passed
 * on without being decoded again.
 *
 * A job's tasks are packed at the call (`charm.pool.map` and friends), so
 * that they carry the values as they were then, although most chunks go
 * out later; the scheduler on PE 0 copies each chunk's bytes into the
 * message to its worker, and decodes a chunk's results straight into their
 * places in the job's results. Before, every task was encoded three times
 * on PE 0 (the job message, the chunk message, the copy of the results
 * for a future of PE 0) as a list of its own, with an error path string
 * built for each element: for tiny tasks in chunks of 100, that encoding
 * was PE 0's main cost, and PE 0 paces every worker. Here an error path is
 * only built for a value that can fail to encode.
 *
 * Large typed arrays in the values stay segments (copied once, or moved
 * when transferred), carried beside the bytes as views of whole buffers.
 */
import { Reader } from '../codec/reader';
import { Writer } from '../codec/writer';
import { decodeValue, encodeValue } from '../codec/values';

/** Runs of encoded values, as they travel: run k is bytes[ends[k-1] .. ends[k]) (from 0 for run 0), its segments parts[partEnds[k-1] .. partEnds[k]). */
export interface Packed {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
  /** Segments (large typed arrays) of the values, each the whole of its buffer. */
  readonly parts: Uint8Array[];
  readonly partEnds: Uint32Array;
}

/** One run on its own (a chunk to run, the results of a chunk). */
export interface Run {
  readonly bytes: Uint8Array;
  readonly parts: Uint8Array[];
}

/** A writer kept from one packing to the next unless a job made it large. */
const KEEP_WRITER_BYTES = 1 << 20;
let writer = new Writer();
let inUse = false;

/**
 * Encodes `values` in runs of `runLength` (the last may be shorter).
 * `label(i)` names value i in a SerializationError; it is only called for
 * values that could fail.
 */
export function pack(values: readonly unknown[], runLength: number, label: (i: number) => string): Packed {
  return withWriter((w) => {
    const runs = Math.ceil(values.length / runLength);
    const ends = new Uint32Array(runs);
    const partEnds = new Uint32Array(runs);
    for (let k = 0; k < runs; k++) {
      encode(w, values, k * runLength, Math.min(values.length, (k + 1) * runLength), label);
      ends[k] = w.pos;
      partEnds[k] = w.segments.length;
    }
    return { ...taken(w), ends, partEnds };
  });
}

/** `values` packed as one run (a chunk's results). */
export function packRun(values: readonly unknown[], label: (i: number) => string): Run {
  return withWriter((w) => {
    encode(w, values, 0, values.length, label);
    return taken(w);
  });
}

function encode(w: Writer, values: readonly unknown[], from: number, to: number, label: (i: number) => string): void {
  for (let i = from; i < to; i++) {
    const v = values[i];
    const t = typeof v;
    encodeValue(w, v, t === 'object' || t === 'function' || t === 'symbol' ? label(i) : '');
  }
}

/** What `w` holds, as a copy of its bytes and the segments (copied, or moved when transferred). */
function taken(w: Writer): Run {
  w.keep();
  const bytes = Uint8Array.prototype.slice.call(w.buf, 0, w.pos);
  const buffers = w.takeParts();
  return { bytes, parts: buffers ? buffers.map((buffer) => new Uint8Array(buffer)) : [] };
}

/** Runs `f` with the module's writer, reset before and after. */
function withWriter<T>(f: (w: Writer) => T): T {
  // A user class's pack() could start a job of its own: a writer of its own then.
  const w = inUse ? new Writer() : writer;
  const outer = !inUse;
  inUse = true;
  try {
    w.reset();
    return f(w);
  } finally {
    w.reset(); // drop references to the values' segments
    if (outer) {
      inUse = false;
      if (w.buf.length > KEEP_WRITER_BYTES) writer = new Writer();
    }
  }
}

/** Run k of `packed`, as views (no copy). */
export function runOf(packed: Packed, k: number): Run {
  const start = k === 0 ? 0 : packed.ends[k - 1];
  const firstPart = k === 0 ? 0 : packed.partEnds[k - 1];
  const lastPart = packed.partEnds[k];
  return {
    bytes: packed.bytes.subarray(start, packed.ends[k]),
    parts: firstPart === lastPart ? [] : packed.parts.slice(firstPart, lastPart),
  };
}

const reader = new Reader();
let reading = false;
/**
 * Runs up to this size are read from a copy in `scratch`: a message
 * delivers them as small typed arrays, which V8 keeps on its heap, and
 * reaching their `.buffer` would move each off-heap (the codec avoids it
 * too, see SMALL_TYPED in codec/typed.ts).
 */
const SMALL_RUN = 256;
const scratch = Buffer.allocUnsafeSlow(SMALL_RUN);
const scratchView = new DataView(scratch.buffer, scratch.byteOffset, SMALL_RUN);

/** The values of `run`, in order. */
export function unpack(run: Run): unknown[] {
  const { bytes } = run;
  const n = bytes.byteLength;
  // A user class's unpack() runs inside: should it unpack too, a reader (and bytes) of its own.
  const outer = !reading;
  const r = outer ? reader : new Reader();
  let buf: Buffer;
  let view: DataView;
  if (outer && n <= SMALL_RUN) {
    scratch.set(bytes);
    [buf, view] = [scratch, scratchView];
  } else {
    buf = Buffer.from(bytes.buffer, bytes.byteOffset, n);
    view = new DataView(buf.buffer, buf.byteOffset, n);
  }
  reading = true;
  try {
    r.resetValue(buf, view, n, run.parts.map(wholeBuffer));
    const values: unknown[] = [];
    // Nothing decoded refers to the bytes (strings and typed arrays are copies): scratch can be reused.
    while (r.pos < n) values.push(decodeValue(r));
    return values;
  } finally {
    if (outer) reading = false;
  }
}

/** The buffer a segment view covers whole (as a message delivers it), or a copy of the view's bytes. */
function wholeBuffer(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return view.buffer as ArrayBuffer;
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
}
