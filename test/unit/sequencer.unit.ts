// PE 0's numbering of an array's broadcasts and insertions
// (lib/collections/sequencer.ts) and a PE's broadcast history
// (lib/collections/history.ts), in-process: censuses numbered by bytes and
// before insertions, where an inserted element joins, reductions held
// while it waits, history dropped by census.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ENTRY_OVERHEAD_BYTES, HISTORY_BYTES, Sequencer, type Membership } from '../../lib/collections/sequencer';
import { BroadcastHistory } from '../../lib/collections/history';
import { LocalSlab } from '../../lib/scheduler/slab';

import { Stream as S } from '../../lib/reductions/streams';

/** A sequencer over a fake array: what it broadcasts, drops and adds to populations. */
function fixture(firstUnstarted = [0, 0, 0, 0]) {
  const log = { censuses: [] as number[], dropped: [] as number[], joins: [] as [number, number][] };
  const sequencer = new Sequencer({
    broadcastCensus: (seq) => log.censuses.push(seq),
    dropHistory: (seq) => log.dropped.push(seq),
    firstUnstarted: (stream) => firstUnstarted[stream],
    join: (stream, from) => log.joins.push([stream, from]),
  });
  return { sequencer, log, firstUnstarted };
}

test('broadcasts and reply reductions are numbered in order; a census follows once the bytes since the last pass HISTORY_BYTES', () => {
  const { sequencer, log } = fixture();
  assert.equal(sequencer.number(100, false), { seq: 1, reply: undefined });
  assert.equal(sequencer.number(100, true), { seq: 2, reply: 0 });
  assert.equal(sequencer.number(100, true), { seq: 3, reply: 1 });
  sequencer.afterBroadcast();
  assert.equal(log.censuses, [], 'small broadcasts: no census yet');
  sequencer.number(HISTORY_BYTES, false);
  sequencer.afterBroadcast();
  assert.equal(log.censuses, [5], 'census numbered as broadcast 5, right after broadcast 4');
  assert.equal(sequencer.number(1, false).seq, 6);
});

test('an insertion with no broadcast since the last census is decided at once, at the first unstarted reductions', () => {
  const { sequencer, log } = fixture([3, 0, 1, 0]);
  let decided: Membership | undefined;
  sequencer.insert((m) => (decided = m));
  assert.equal(decided, { first: [3, 0, 1, 0], broadcasts: 0 });
  assert.equal(log.censuses, []);
  assert.equal(log.joins, [[0, 3], [1, 0], [2, 1], [3, 0]]);
});

test('an insertion after a broadcast waits for a census; it joins after what elements had started at it, and reductions it may join are held meanwhile', () => {
  const { sequencer, log, firstUnstarted } = fixture([2, 0, 0, 0]);
  sequencer.number(50, true); // broadcast 1, replies 0: e.g. it starts user reduction 2 on the members
  const decided: Membership[] = [];
  sequencer.insert((m) => decided.push(m));
  assert.equal(log.censuses, [2], 'census 0 is broadcast 2');
  assert.equal(decided, [], 'waiting for the census');
  assert.ok(sequencer.held(S.User, 2) && sequencer.held(S.User, 7), 'user reductions from the first unstarted one are held');
  assert.not.ok(sequencer.held(S.User, 1), 'an earlier one completes');
  assert.ok(sequencer.held(S.Replies, 1), 'replies to broadcasts after the census are held');
  assert.not.ok(sequencer.held(S.Replies, 0), 'replies to the broadcast before the insertion are not');
  assert.not.ok(sequencer.held(S.Census, 5), 'censuses never are');
  // A second insertion with no broadcast in between waits for the same census.
  firstUnstarted[S.User] = 3;
  sequencer.insert((m) => decided.push(m));
  assert.equal(log.censuses, [2]);
  // Census 0 completes: elements had started user reductions up to 2 (next 3), balancing none.
  sequencer.completed(0, [3, 0]);
  assert.equal(log.dropped, [2], 'every element ran broadcasts up to 2');
  assert.equal(decided, [
    { first: [3, 1, 0, 1], broadcasts: 2 },
    { first: [3, 1, 0, 1], broadcasts: 2 },
  ]);
  assert.not.ok(sequencer.held(S.User, 9), 'nothing held once decided');
  // Decided later than its census, an insertion does not join reductions PE 0 saw start meanwhile.
  firstUnstarted[S.User] = 5;
  sequencer.insert((m) => decided.push(m));
  assert.equal(decided[2], { first: [5, 1, 0, 1], broadcasts: 2 });
});

test('censuses complete in order; each drops the history up to its own broadcast', () => {
  const { sequencer, log } = fixture();
  sequencer.number(HISTORY_BYTES, false);
  sequencer.afterBroadcast(); // census 0 = broadcast 2
  sequencer.number(HISTORY_BYTES, false);
  sequencer.afterBroadcast(); // census 1 = broadcast 4
  sequencer.completed(0, [0, 0]);
  sequencer.completed(1, [0, 0]);
  assert.equal(log.censuses, [2, 4]);
  assert.equal(log.dropped, [2, 4]);
});

test('a completed reply reduction tells that every element ran its broadcast and those before it', () => {
  const { sequencer } = fixture();
  assert.is(sequencer.ranUpTo, 0, 'nothing known at first');
  sequencer.number(10, true); // broadcast 1, reply 0
  sequencer.number(10, false); // broadcast 2
  sequencer.number(10, true); // broadcast 3, reply 1
  sequencer.number(10, true); // broadcast 4, reply 2
  assert.is(sequencer.ranUpTo, 0, 'no reply reduction complete yet');
  sequencer.repliesCompleted(0);
  assert.is(sequencer.ranUpTo, 1);
  sequencer.repliesCompleted(1);
  assert.is(sequencer.ranUpTo, 3, 'broadcast 2 (no replies) ran before 3');
  sequencer.repliesCompleted(2);
  assert.is(sequencer.ranUpTo, 4);
  for (let i = 0; i < 200; i++) sequencer.number(10, true); // broadcasts 5..204, replies 3..202
  for (let r = 3; r <= 150; r++) sequencer.repliesCompleted(r);
  assert.is(sequencer.ranUpTo, 152, 'the pairs still waiting survive compaction');
  sequencer.repliesCompleted(202);
  assert.is(sequencer.ranUpTo, 204);
});

test('the history keeps broadcasts by number, counts their bytes, and drops from the front', () => {
  const history = new BroadcastHistory();
  for (let seq = 1; seq <= 5; seq++) history.add(seq, new Uint8Array(seq * 10));
  assert.is(history.last, 5);
  const before = history.keptBytes;
  history.dropUpTo(3);
  assert.is(history.get(3), undefined);
  assert.is(history.get(4)?.length, 40);
  assert.is(before - history.keptBytes, 60 + 3 * (before - 150) / 5);
  history.dropUpTo(9);
  assert.is(history.keptBytes, 0);
  assert.is(history.last, 5, 'the last received stays: arriving elements catch up to it');
});

test('the history goes on after being emptied, and over many censuses keeps only what is not dropped', () => {
  const history = new BroadcastHistory();
  for (let seq = 1; seq <= 3; seq++) history.add(seq, new Uint8Array(8));
  history.dropUpTo(3);
  history.add(4, new Uint8Array(16));
  assert.is(history.get(4)?.length, 16);
  assert.is(history.get(3), undefined);
  let seq = 4;
  for (let census = 0; census < 50; census++) {
    for (let i = 0; i < 30; i++) history.add(++seq, new Uint8Array(seq % 7));
    history.dropUpTo(seq - 10);
    assert.is(history.get(seq - 10), undefined);
    assert.is(history.get(seq - 9)?.length, (seq - 9) % 7);
  }
  assert.is(history.get(seq)?.length, seq % 7);
  assert.is(history.get(seq + 1), undefined);
  let expected = 0;
  for (let s = seq - 9; s <= seq; s++) expected += (s % 7) + ENTRY_OVERHEAD_BYTES;
  assert.is(history.keptBytes, expected);
  history.dropUpTo(seq);
  assert.is(history.keptBytes, 0);
});

test('broadcasts kept in a ring, as an array keeps them, stay intact until dropped, and the ring gets each back in order', () => {
  // What ArrayBroadcasts.keep does: a broadcast after every one kept goes to the ring, others get a buffer of their own.
  const ring = new LocalSlab(256);
  const released: number[] = [];
  const history = new BroadcastHistory<{ bytes: Buffer; base: number; byteLength: number; fill: number }>(0, (m) => {
    released.push(m.fill);
    if (m.bytes === ring.bytes) ring.done(m.base, m.byteLength);
  });
  const keep = (seq: number, length: number): void => {
    const message = Buffer.alloc(length, seq & 0xff);
    const at = history.appends(seq) ? ring.put(message, new DataView(message.buffer, message.byteOffset, message.byteLength), length) : -1;
    history.add(seq, at >= 0 ? { bytes: ring.bytes, base: at, byteLength: length, fill: seq } : { bytes: message, base: 0, byteLength: length, fill: seq });
  };
  const intact = (seq: number): boolean => {
    const m = history.get(seq)!;
    return m.bytes.subarray(m.base, m.base + m.byteLength).every((b) => b === (seq & 0xff));
  };
  let inRing = 0;
  let seq = 0;
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 3; i++) {
      keep(++seq, 20 + ((seq * 37) % 60));
      if (history.get(seq)!.bytes === ring.bytes) inRing++;
    }
    for (let s = Math.max(1, seq - 3); s <= seq; s++) assert.ok(intact(s), `broadcast ${s} intact`);
    history.dropUpTo(seq - 2);
  }
  assert.ok(inRing > 300, `most went to the ring (${inRing} of ${seq})`);
  assert.ok(inRing < seq, 'a full ring refused some');
  assert.equal(released, Array.from({ length: seq - 2 }, (_, i) => i + 1), 'dropped in order, each once');
  assert.ok(!history.appends(seq) && history.appends(seq + 1), 'only a later broadcast appends');
});

test.run();
