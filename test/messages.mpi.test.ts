// A message carries the values as they were at the call: on every path a
// value leaves a chare by (element, broadcast and section calls, .ret
// replies, future.send, channels, reductions, migration, pool tasks and
// their results), local and remote, at 8 B, 16 KiB, 1 MiB and 16 MiB. Each
// case fills a Float64Array with 1, sends it, fills it with 2 right after
// the call, and checks that the receiver saw only 1s.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Reducer, type ArrayProxy, type Future } from '../lib';
import { SIZES, channelTo, filled, spread, targets, verdict } from './helpers/payloads';

/** Arrays handed out by a chare and written after the call that sent them (by a later message). */
const leftBehind: Float64Array[] = [];

class Box extends Chare<readonly number[]> {
  data: Float64Array | undefined;

  check(a: Float64Array, n: number, v: number): string {
    return verdict(a, n, v);
  }
  /** `a` holds n values v and is the whole of an ArrayBuffer of its own (no header, no other message's bytes); the string after it came intact. */
  checkOwn(a: Float64Array, n: number, v: number, tag: string): string {
    return verdict(a, n, v, true) !== 'ok' ? verdict(a, n, v, true) : tag === `after ${n}` ? 'ok' : `tag "${tag}"`;
  }
  /** As checkOwn, for two arrays in one call: each has a buffer of its own. */
  checkTwo(a: Float64Array, b: Float64Array, n: number, v: number): string {
    const seen = [verdict(a, n, v, true), verdict(b, n, v, true)].find((x) => x !== 'ok');
    return seen ?? (a.buffer === b.buffer ? 'two arrays share one buffer' : 'ok');
  }
  /** A .ret reply: the result is written right after the method returns (before the caller reads it). */
  give(bytes: number): Float64Array {
    const a = filled(bytes, 1);
    queueMicrotask(() => a.fill(2));
    return a;
  }
  fulfil(f: Future<Float64Array>, bytes: number): void {
    const a = filled(bytes, 1);
    f.send(a);
    a.fill(2);
  }
  contributeOnes(bytes: number, f: Future<Float64Array[]>): void {
    const a = filled(bytes, 1);
    this.contribute(a, Reducer.gather, f);
    a.fill(2);
  }
  async listen(this: Box, from: number, n: number): Promise<string> {
    return verdict(await channelTo(this, from).recv(), n, 1);
  }
  talk(this: Box, to: number, bytes: number): void {
    const a = filled(bytes, 1);
    channelTo(this, to).send(a);
    a.fill(2);
  }
  /** Migration: the state leaves with the element; the old PE keeps a reference and writes it afterwards. */
  moveTo(pe: number, bytes: number): void {
    this.data = filled(bytes, 1);
    leftBehind.push(this.data);
    this.migrate(pe);
  }
  checkData(n: number): string {
    return verdict(this.data, n, 1);
  }
}
charm.register(Box);

/** One per PE: writes what chares on its PE left behind. */
class Scribbler extends Chare {
  scribble(): number {
    for (const a of leftBehind) a.fill(2);
    const n = leftBehind.length;
    leftBehind.length = 0;
    return n;
  }
}
charm.register(Scribbler);

/** One per PE: checks each call's array as it runs, answers the verdicts (each after the value expected) later. */
class Tally extends Chare {
  private verdicts: string[] = [];
  take(a: Float64Array, n: number, v: number): void {
    this.verdicts.push(`${v}: ${verdict(a, n, v, true)}`);
  }
  taken(): string[] {
    const out = this.verdicts;
    this.verdicts = [];
    return out;
  }
}
charm.register(Tally);

/**
 * One per PE: floods of small calls (1 B to 4 KiB, every size the binding
 * stages a send in) toward a PE that is busy, so that MPI holds the sends
 * back (the receiver's queue fills) and reads them only later; each from
 * one array rewritten after each call.
 */
class Flood extends Chare {
  private next = new Map<number, number>();
  private fault = '';
  /** Keeps this PE busy for `ms`: the calls sent to it meanwhile back up in the senders' MPI. */
  stall(ms: number): void {
    const until = performance.now() + ms;
    while (performance.now() < until);
  }
  take(from: number, seq: number, data: Uint8Array): void {
    const expected = this.next.get(from) ?? 0;
    this.next.set(from, seq + 1);
    if (this.fault) return;
    if (seq !== expected) this.fault = `call ${seq} from PE ${from} came after ${expected - 1}`;
    for (let i = 0; i < data.length && !this.fault; i++) if (data[i] !== ((seq + i) & 255)) this.fault = `call ${seq} from PE ${from}: byte ${i} of ${data.length} is ${data[i]}`;
  }
  send(to: number, calls: number): void {
    const scratch = new Uint8Array(4000);
    for (let seq = 0; seq < calls; seq++) {
      const data = scratch.subarray(0, 1 + ((seq * 397) % scratch.length));
      for (let i = 0; i < data.length; i++) data[i] = (seq + i) & 255;
      this.thisProxy[to].take(charm.myPe(), seq, data);
      scratch.fill(0xee);
    }
  }
  verdict(): string {
    return this.fault || [...this.next.values()].join(' ');
  }
}
charm.register(Flood);

/**
 * One per PE: a chain of calls to itself that never lets its local queue
 * empty (as a PE of a stencil), so the scheduler's local slab wraps round
 * many times, with messages of their own (when it is full) in between: 3000
 * calls of 512 B to 4 KiB, a backlog growing to some 2 MB and shrinking.
 */
class Chain extends Chare {
  private sent = 0;
  private next = 0;
  private total = 0;
  private faults: string[] = [];
  private done: Future<string[]> | undefined;

  start(backlog: number, total: number, done: Future<string[]>): void {
    this.total = total;
    this.done = done;
    for (let k = 0; k < backlog; k++) this.sendNext();
  }

  private sendNext(): void {
    const v = this.sent++;
    const n = 64 + ((v * 37) % 440);
    const a = new Float64Array(n).fill(v);
    this.thisElement.link(a, n, v);
    a.fill(-1);
  }

  link(a: Float64Array, n: number, v: number): void {
    if (v !== this.next) this.faults.push(`call ${v} came after call ${this.next - 1}`);
    this.next = v + 1;
    const seen = verdict(a, n, v, true);
    if (seen !== 'ok') this.faults.push(`call ${v}: ${seen}`);
    // Two calls each for 300 calls (the backlog grows), then one every other call for 300 (it shrinks).
    const sends = Math.floor(v / 300) % 2 === 0 ? 2 : v % 2;
    for (let k = 0; k < sends && this.sent < this.total; k++) this.sendNext();
    if (this.next === this.total) this.done!.send(this.faults.slice(0, 5));
  }
}
charm.register(Chain);

function checkTask(a: Float64Array, n: number): string {
  return verdict(a, n, 1);
}
charm.pool.register(checkTask);

function makeTask(bytes: number): Float64Array {
  const a = filled(bytes, 1);
  queueMicrotask(() => a.fill(2)); // after the task returned and its result was sent
  return a;
}
charm.pool.register(makeTask);

let boxes: ArrayProxy<Box>;

test('element calls and .ret replies carry the values of the call, local and remote', async () => {
  boxes = charm.createArray(Box, [charm.numPes()], [], { map: spread });
  for (const bytes of SIZES) {
    for (const i of targets()) {
      const a = filled(bytes, 1);
      const seen = boxes.at([i]).ret.check(a, bytes / 8, 1);
      a.fill(2);
      assert.is(await seen, 'ok', `call to element ${i}, ${bytes} B`);
      const got = await boxes.at([i]).ret.give(bytes);
      assert.is(verdict(got, bytes / 8, 1), 'ok', `.ret reply from element ${i}, ${bytes} B`);
    }
  }
});

/**
 * Sizes either side of each form's bounds (binding/protocol.h): inline,
 * segment first, contiguous with two segments, parted; one array is
 * segment first up to 256 KiB and its call (kLoneSegmentLimit), parted
 * from 272 KiB (over the limit with any call).
 */
const FORM_SIZES = [64, 72, 512, 4088, 4096, 16 * 1024, 32 * 1024, 32 * 1024 + 512, 64 * 1024, 256 * 1024, 256 * 1024 + 8, 272 * 1024];

test('received arrays own exactly their ArrayBuffer and never see a write after the call, at every form\'s bounds', async () => {
  for (const bytes of FORM_SIZES) {
    for (const i of targets()) {
      // One array: inline below 4 KiB, segment first from 4 KiB to the lone-segment limit, parted beyond.
      const a = filled(bytes, 1);
      const one = boxes.at([i]).ret.checkOwn(a, bytes / 8, 1, `after ${bytes / 8}`);
      a.fill(2);
      assert.is(await one, 'ok', `one array to element ${i}, ${bytes} B`);
      // Two arrays: contiguous (both segments in one message) up to the limit.
      const b = filled(bytes, 1);
      const c = filled(bytes, 1);
      const two = boxes.at([i]).ret.checkTwo(b, c, bytes / 8, 1);
      b.fill(2);
      c.fill(3);
      assert.is(await two, 'ok', `two arrays to element ${i}, ${bytes} B`);
    }
  }
});

test('the largest messages (64 MiB) carry the values of the call too', async () => {
  const bytes = 64 << 20;
  for (const i of targets()) {
    const a = filled(bytes, 1);
    const seen = boxes.at([i]).ret.check(a, bytes / 8, 1);
    a.fill(2);
    assert.is(await seen, 'ok', `call to element ${i}, 64 MiB`);
  }
});

test('broadcasts to an array and a group, and section calls, carry the values of the call', async () => {
  const group = charm.createGroup(Scribbler);
  await group.awaitable.scribble();
  const section = charm.createSection(boxes, targets().map((i) => [i]));
  for (const bytes of SIZES) {
    const a = filled(bytes, 1);
    const all = boxes.ret.check(a, bytes / 8, 1);
    a.fill(2);
    assert.equal(await all, new Array(charm.numPes()).fill('ok'), `array broadcast, ${bytes} B`);
    const b = filled(bytes, 1);
    const some = section.ret.check(b, bytes / 8, 1);
    b.fill(2);
    assert.equal(await some, targets().map(() => 'ok'), `section call, ${bytes} B`);
  }
});

test('calls queued together keep their own values, and each argument arrives in a buffer of its own', async () => {
  // Local messages are copied into shared slabs of Node's buffer pool: many
  // calls waiting at once, over several slabs, must not share bytes.
  const tally = charm.createGroup(Tally);
  for (const bytes of [8, 512, 3000]) {
    for (const pe of targets()) {
      const a = new Float64Array(bytes / 8);
      for (let v = 1; v <= 40; v++) {
        a.fill(v);
        tally[pe].take(a, bytes / 8, v);
      }
      a.fill(-1);
      const expected = Array.from({ length: 40 }, (_, k) => `${k + 1}: ok`);
      assert.equal(await tally[pe].ret.taken(), expected, `40 calls to the member on PE ${pe}, ${bytes} B`);
    }
  }
});

test('a chain of local calls that never empties the local queue keeps every value and the order of the calls', async () => {
  const chains = charm.createGroup(Chain);
  for (const pe of targets()) {
    const done = charm.createFuture<string[]>();
    chains[pe].start(50, 3000, done);
    assert.equal(await done, [], `the chain on PE ${pe}`);
  }
});

test('small calls that MPI holds back (their receiver is busy) carry the values of the call', async () => {
  const floods = charm.createGroup(Flood);
  const calls = 4000;
  floods[0].stall(300);
  await floods.awaitable.send(0, calls);
  await charm.waitQD();
  assert.is(await floods[0].ret.verdict(), Array(charm.numPes()).fill(calls).join(' '));
});

test('future.send carries the value of the call, on the future\'s PE and elsewhere', async () => {
  for (const bytes of SIZES) {
    for (const i of targets()) {
      const f = charm.createFuture<Float64Array>();
      boxes.at([i]).fulfil(f, bytes);
      assert.is(verdict(await f, bytes / 8, 1), 'ok', `future sent from PE ${i}, ${bytes} B`);
    }
    // From main itself: the future is local.
    const f = charm.createFuture<Float64Array>();
    const a = filled(bytes, 1);
    f.send(a);
    a.fill(2);
    assert.is(verdict(await f, bytes / 8, 1), 'ok', `future sent on its own PE, ${bytes} B`);
  }
});

test('channel sends carry the values of the call', async () => {
  const last = charm.numPes() - 1;
  for (const bytes of SIZES) {
    for (const [from, to] of [[0, last], [last, 0]]) {
      if (from === to && charm.numPes() > 1) continue;
      // At np 1 both ends are one element: use elements 0 and 1 of a second array there.
      const arr = charm.numPes() === 1 ? charm.createArray(Box, [2]) : boxes;
      const [a, b] = charm.numPes() === 1 ? [0, 1] : [from, to];
      const heard = arr.at([b]).ret.listen(a, bytes / 8);
      arr.at([a]).talk(b, bytes);
      assert.is(await heard, 'ok', `channel ${a} -> ${b}, ${bytes} B`);
    }
  }
});

test('reduction contributions are taken at the call', async () => {
  for (const bytes of SIZES) {
    const f = charm.createFuture<Float64Array[]>();
    boxes.contributeOnes(bytes, f);
    const result = await f;
    assert.is(result.length, charm.numPes());
    for (const [k, a] of result.entries()) assert.is(verdict(a, bytes / 8, 1), 'ok', `contribution ${k}, ${bytes} B`);
  }
});

test('migrated state is what it was when the element left', async () => {
  if (charm.numPes() < 2) return; // an element cannot leave a single PE
  const group = charm.createGroup(Scribbler);
  for (const bytes of SIZES) {
    const mover = charm.createArray(Box, [1], [], { map: spread });
    await mover.at([0]).awaitable.moveTo(1, bytes);
    assert.is(await group[0].ret.scribble(), 1, 'PE 0 kept a reference to the state');
    assert.is(await mover.at([0]).ret.checkData(bytes / 8), 'ok', `migrated state, ${bytes} B`);
  }
});

test('pool task arguments and results carry the values of the call', async () => {
  for (const bytes of SIZES) {
    const a = filled(bytes, 1);
    const seen = charm.pool.submit(checkTask, a, bytes / 8);
    a.fill(2);
    assert.is(await seen, 'ok', `task argument, ${bytes} B`);
    assert.is(verdict(await charm.pool.submit(makeTask, bytes), bytes / 8, 1), 'ok', `task result, ${bytes} B`);
  }
});

runTests();
