// Shakes out assumptions of order between routes: preloaded into every
// node process of a test run, it holds each PE's messages to each other PE,
// in their order, for CHARMTS_HOLD_PAIRS ms after the first, then sends
// them, as Open MPI's TCP transport does while it opens a pair's
// connection at its first message (across hosts, reducers' targets test
// saw a broadcast overtake an earlier direct call so). MPI allows any such
// delay: only each pair's order is kept.
//   NODE_OPTIONS="--require $PWD/dist/test/tools/holdPairs.js" CHARMTS_HOLD_PAIRS=30 node dist/test/run.js
// Read by this test tool only: the runtime has no such knob.
const hold = process.env.CHARMTS_HOLD_PAIRS;
// PEs only: the harness, the in-process unit tests and launchers load no MPI binding.
if (hold && process.env.OMPI_COMM_WORLD_SIZE !== undefined) {
  const ms = Number(hold);
  if (!(ms >= 0)) throw new Error(`holdPairs: CHARMTS_HOLD_PAIRS=${hold} is not a time in ms`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { mpi } = require('../../lib/transport/binding') as typeof import('../../lib/transport/binding');
  type Segment = ArrayBufferView | ArrayBuffer;
  const send = mpi.Send.bind(mpi);
  /** Per destination: the messages held (copies: the caller reuses its buffers), or 'open'. */
  const pairs = new Map<number, { bytes: Uint8Array; segments: Segment[] }[] | 'open'>();
  mpi.Send = (dest: number, bytes: Uint8Array, length: number, segments?: Segment[]): number => {
    let held = pairs.get(dest);
    if (held === 'open') return segments ? send(dest, bytes, length, segments) : send(dest, bytes, length);
    if (!held) {
      const list: { bytes: Uint8Array; segments: Segment[] }[] = (held = []);
      pairs.set(dest, list);
      setTimeout(() => {
        pairs.set(dest, 'open');
        for (const m of list) {
          if (m.segments.length) send(dest, m.bytes, m.bytes.length, m.segments);
          else send(dest, m.bytes, m.bytes.length);
        }
      }, ms);
    }
    // Copied as Send copies (Uint8Array's slice: a Buffer's is a view); an ArrayBuffer is Send's to transfer, later.
    const copy = (v: ArrayBufferView, n: number): Uint8Array => Uint8Array.prototype.slice.call(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), 0, n);
    held.push({ bytes: copy(bytes, length), segments: (segments ?? []).map((s) => (ArrayBuffer.isView(s) ? copy(s, s.byteLength) : s)) });
    return 0;
  };
}
