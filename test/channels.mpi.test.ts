// Channels in a real MPI job: in-order streams between chares, many
// channels per chare, typed arrays, waiting on several channels, values
// sent before the other end exists, channels kept in the state of array
// elements that migrate, and misuse.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Channel, type ArrayProxy, type CollectionProxy, type ElementProxy, type Future } from '../lib';
import { channelEnds } from '../lib/channels';
import { localCollection } from '../lib/collections/collections';
import type { LocalArray } from '../lib/collections/localArray';
import type { CallTarget } from '../lib/model/proxy';
import { TOMBSTONES_KEPT } from '../lib/location/locations';

class Peer extends Chare {
  /** Receives `count` values from the member on PE `from` and checks their order. */
  async drain(from: number, count: number, port: number): Promise<number> {
    const ch = new Channel(this, this.thisProxy[from], port);
    let expected = 0;
    for (let i = 0; i < count; i++) {
      const v = (await ch.recv()) as number;
      if (v !== expected++) return -1;
    }
    ch.close();
    return count;
  }
  flood(to: number, count: number, port: number): void {
    const ch = new Channel(this, this.thisProxy[to], port);
    for (let i = 0; i < count; i++) ch.send(i);
  }
  /** Echoes every message back on the same channel, `count` times. */
  async echo(to: number, count: number): Promise<void> {
    const ch = new Channel(this, this.thisProxy[to]);
    for (let i = 0; i < count; i++) ch.send(...((await ch.recv()) as unknown[]));
  }
  async talk(to: number, count: number): Promise<boolean> {
    const ch = new Channel(this, this.thisProxy[to]);
    const data = new Float64Array(1 << 17).map((_, i) => i);
    for (let i = 0; i < count; i++) {
      ch.send(i, data);
      const [j, back] = (await ch.recv()) as [number, Float64Array];
      if (j !== i || back.length !== data.length || back[12345] !== 12345) return false;
    }
    return true;
  }
  /** Waits on channels from every other PE, in whatever order values come. */
  async gatherAny(): Promise<number[]> {
    const others = Array.from({ length: charm.numPes() }, (_, pe) => pe).filter((pe) => pe !== this.thisIndex);
    const channels = others.map((pe) => new Channel(this, this.thisProxy[pe], 7));
    const got: number[] = [];
    for (let i = 0; i < channels.length; i++) {
      const [, value] = await Channel.select(channels);
      got.push(value as number);
    }
    return got.sort((a, b) => a - b);
  }
  sendTo(to: number, port: number, value: number): void {
    new Channel(this, this.thisProxy[to], port).send(value);
  }
  /** Answers a visitor on a channel of its own: takes its value and sends it back. */
  async serve(visitor: ElementProxy<Visitor>): Promise<void> {
    const ch = new Channel(this, visitor, 1);
    ch.send(await ch.recv());
  }
  /** Waits on channels from `a` and `b` (port 6) at once: the index of the one that had a value. */
  async pick(a: ElementProxy<Visitor>, b: ElementProxy<Visitor>): Promise<number> {
    const channels = [new Channel(this, a, 6), new Channel(this, b, 6)];
    const [winner] = await Channel.select(channels);
    return channels.indexOf(winner);
  }
  /** This member's channel ends (test hook). */
  ends(): number {
    return channelEnds(this);
  }
  /** Sends 0, then a value that cannot be sent (its error returned), then 1, to the member on PE `to`. */
  sendUnsendable(to: number, port: number): string {
    const ch = new Channel(this, this.thisProxy[to], port);
    ch.send(0);
    let error = 'no error';
    try {
      ch.send((() => 1) as never);
    } catch (e) {
      error = (e as Error).message;
    }
    ch.send(1);
    return error;
  }
  misuse(): string[] {
    const out: string[] = [];
    const attempt = (f: () => unknown): void => {
      try {
        f();
        out.push('no error');
      } catch (e) {
        out.push((e as Error).message);
      }
    };
    attempt(() => new Channel(this, this.thisProxy[this.thisIndex]));
    attempt(() => new Channel(this, this.thisProxy));
    attempt(() => new Channel(this, 42 as never));
    // Futures and channels mixed, and other things that are neither (a TypeError from inside before).
    attempt(() => charm.iwait([charm.createFuture(), new Channel(this, this.thisProxy[this.thisIndex], 98)] as never));
    attempt(() => charm.iwait([charm.createFuture(), Promise.resolve(1)] as never));
    attempt(() => charm.iwait(7 as never));
    if (charm.numPes() > 1) {
      const ch = new Channel(this, this.thisProxy[(this.thisIndex + 1) % charm.numPes()], 99);
      ch.close();
      attempt(() => ch.send(1));
    }
    return out;
  }
}
charm.register(Peer);

/** A singleton: a channel between two of them names each by its collection, not both `Lone[0]`. */
class Lone extends Chare {
  sendAfterClose(other: ElementProxy<Lone>): string {
    const ch = new Channel(this, other);
    ch.close();
    try {
      ch.send(1);
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  }
}
charm.register(Lone);

let peers: CollectionProxy<Peer>;

test('thousands of values arrive in order; many channels per chare (ports)', async () => {
  peers = charm.createGroup(Peer);
  const last = charm.numPes() - 1;
  if (last === 0) return; // one PE: a chare cannot open a channel to itself
  const results = [0, 1, 2].map((port) => peers[last].ret.drain(0, 3000, port));
  for (let port = 0; port < 3; port++) peers[0].flood(last, 3000, port);
  assert.equal(await Promise.all(results), [3000, 3000, 3000]);
});

test('a send that throws (a value that cannot be sent) takes no place in the stream: the value after it arrives', async () => {
  const last = charm.numPes() - 1;
  if (last === 0) return;
  const drained = peers[last].ret.drain(0, 2, 7);
  assert.match(await peers[0].ret.sendUnsendable(last, 7), /cannot be sent/);
  assert.is(await drained, 2, 'values 0 and 1, in order');
});

test('request and reply over one channel, with 1 MiB typed arrays', async () => {
  if (charm.numPes() === 1) return;
  const last = charm.numPes() - 1;
  peers[last].echo(0, 20);
  assert.ok(await peers[0].ret.talk(last, 20));
});

test('waiting on several channels at once (select)', async () => {
  if (charm.numPes() === 1) return;
  const result = peers[0].ret.gatherAny();
  for (let pe = 1; pe < charm.numPes(); pe++) peers[pe].sendTo(0, 7, pe * 10);
  assert.equal(await result, Array.from({ length: charm.numPes() - 1 }, (_, i) => (i + 1) * 10));
});

test('values sent before the receiving end exists are kept for it', async () => {
  if (charm.numPes() === 1) return;
  const last = charm.numPes() - 1;
  await peers[0].awaitable.flood(last, 50, 11);
  await charm.waitQD();
  assert.is(await peers[last].ret.drain(0, 50, 11), 50);
});

/** Two elements keep a channel to each other in their state (as Charm4py's particle example). */
class End extends Chare<readonly number[]> {
  ch: Channel | undefined;
  received: number[] = [];
  open(ends: ArrayProxy<End>): void {
    this.ch = new Channel(this, ends.at([1 - this.thisIndex[0]]));
  }
  /** One exchange: send my value, receive the other end's. */
  async exchange(round: number): Promise<number> {
    this.ch!.send(round * 10 + this.thisIndex[0]);
    const got = (await this.ch!.recv()) as number;
    this.received.push(got);
    return charm.myPe();
  }
  send(value: number): void {
    this.ch!.send(value);
  }
  async receive(): Promise<number> {
    return (await this.ch!.recv()) as number;
  }
  moveTo(pe: number): void {
    this.migrate(pe);
  }
  log(): number[] {
    return this.received;
  }
}
charm.register(End);

test('a channel kept in the state of migrating elements goes on after every move', async () => {
  const ends = charm.createArray(End, [2]);
  await ends.awaitable.open(ends);
  const numPes = charm.numPes();
  for (let round = 0; round < 12; round++) {
    const pes = await ends.ret.exchange(round);
    if (round > 0) assert.is(pes[0], round % numPes, `round ${round} ran where element 0 moved`);
    // Move one end or both between exchanges (a load-balancing step would do the same).
    ends.at([0]).moveTo((round + 1) % numPes);
    if (round % 2 === 1) ends.at([1]).moveTo(((round + 1) * 3) % numPes);
    await charm.waitQD();
  }
  const logs = await ends.ret.log();
  assert.equal(logs[0], Array.from({ length: 12 }, (_, r) => r * 10 + 1));
  assert.equal(logs[1], Array.from({ length: 12 }, (_, r) => r * 10));
});

test('values sent to an element while it migrates, and values it has not taken yet, move with it in order', async () => {
  const ends = charm.createArray(End, [2]);
  await ends.awaitable.open(ends);
  const last = charm.numPes() - 1;
  for (let v = 0; v < 50; v++) {
    ends.at([0]).send(v);
    if (v % 10 === 5) ends.at([1]).moveTo(((v - 5) / 10) % (last + 1));
  }
  await charm.waitQD();
  ends.at([1]).moveTo(last);
  for (let v = 0; v < 50; v++) assert.is(await ends.at([1]).ret.receive(), v);
});

/** A short-lived element of a sparse array that talks to a long-lived member and to another visitor. */
class Visitor extends Chare<readonly number[]> {
  async visit(hub: ElementProxy<Peer>): Promise<number> {
    const ch = new Channel(this, hub, 1);
    ch.send(this.thisIndex[0]);
    return (await ch.recv()) as number;
  }
  async pair(other: ElementProxy<Visitor>): Promise<number> {
    const ch = new Channel(this, other, 2);
    ch.send(this.thisIndex[0]);
    return (await ch.recv()) as number;
  }
  /** Sends on a channel made before and on one made after `gate` (awaited while this element is deleted): the errors. */
  async lingering(other: ElementProxy<Visitor>, gate: Future<number>): Promise<string[]> {
    const before = new Channel(this, other, 4);
    await gate;
    const errors: string[] = [];
    for (const ch of [before, new Channel(this, other, 5)]) {
      try {
        ch.send(1);
        errors.push('sent');
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    return errors;
  }
  /** Makes a channel end to `hub` (port 6), sending `values` values. */
  open(hub: ElementProxy<Peer>, values: number): void {
    const ch = new Channel(this, hub, 6);
    for (let i = 0; i < values; i++) ch.send(i);
  }
  /** Takes `n` values from `other` (port 8), then waits for one more: what that recv gives. */
  async drain(other: ElementProxy<Visitor>, n: number): Promise<string> {
    const ch = new Channel<number>(this, other, 8);
    for (let i = 0; i < n; i++) await ch.recv();
    try {
      return `received ${await ch.recv()}`;
    } catch (error) {
      return (error as Error).message;
    }
  }
  /** Sends `other` `values` values on port 8. */
  offer(other: ElementProxy<Visitor>, values: number): void {
    const ch = new Channel<number>(this, other, 8);
    for (let i = 0; i < values; i++) ch.send(i);
  }
  /** Waits on a channel from `other` (port 9) that brings nothing: what the recv gives. */
  async stall(other: ElementProxy<Visitor>): Promise<string> {
    const ch = new Channel<number>(this, other, 9);
    try {
      return `received ${await ch.recv()}`;
    } catch (error) {
      return (error as Error).message;
    }
  }
  /** Sends `other` `values` values on `port` (0: makes its end of the channel only). */
  sendOn(other: ElementProxy<Visitor>, port: number, values: number): void {
    const ch = new Channel<number>(this, other, port);
    for (let i = 0; i < values; i++) ch.send(i);
  }
  /** Selects `times` times over channels from `a` and `b` (port 10): each value and its channel, until one fails (its error). */
  async selectOn(a: ElementProxy<Visitor>, b: ElementProxy<Visitor>, times: number): Promise<string[]> {
    const channels = [new Channel<number>(this, a, 10), new Channel<number>(this, b, 10)];
    const got: string[] = [];
    try {
      for (let i = 0; i < times; i++) {
        const [winner, value] = await Channel.select(channels);
        got.push(`received ${value} from ${channels.indexOf(winner)}`);
      }
    } catch (error) {
      got.push((error as Error).message);
    }
    return got;
  }
  /** Waits with charm.iwait on channels from `a` and `b` (port 12), taking each one's value as it is yielded; then takes one more from `a`. */
  async iwaitOn(a: ElementProxy<Visitor>, b: ElementProxy<Visitor>): Promise<string[]> {
    const channels = [new Channel<number>(this, a, 12), new Channel<number>(this, b, 12)];
    const got: string[] = [];
    for await (const ch of charm.iwait(channels)) got.push(`${channels.indexOf(ch)} gave ${await ch.recv()}`);
    got.push(`then 0 gave ${await channels[0].recv()}`);
    return got;
  }
  /** Sends `other` a value it never takes: its end stays after this one is deleted. */
  spare(other: ElementProxy<Visitor>): void {
    new Channel(this, other, 3).send(0);
  }
}
charm.register(Visitor);

test('a long-lived chare talking on channels to elements that come and go keeps no channel end of those deleted; a pair of ends deleted together is fine', async () => {
  const np = charm.numPes();
  const hubPe = np - 1;
  const visitors = charm.createArray(Visitor, { ndims: 1 });
  const batch = 16;
  await charm.waitQD();
  const before = await peers[hubPe].ret.ends(); // the member's channels of the tests above
  const counts: number[] = [];
  for (let b = 0; b < 40; b++) {
    const first = b * batch;
    for (let n = first; n < first + batch; n++) visitors.ckInsert([n], [], { onPE: n % np });
    await visitors.ckDoneInserting();
    await Promise.all(
      Array.from({ length: batch }, async (_, k) => {
        const n = first + k;
        peers[hubPe].serve(visitors.at([n]));
        assert.is(await visitors.at([n]).ret.visit(peers[hubPe]), n);
        assert.is(await visitors.at([n]).ret.pair(visitors.at([n ^ 1])), n ^ 1);
      }),
    );
    await Promise.all(Array.from({ length: batch }, (_, k) => visitors.at([first + k]).ckDestroy()));
    if (b % 10 === 9) {
      await charm.waitQD();
      counts.push(await peers[hubPe].ret.ends());
    }
  }
  console.log(`[report] channel ends of a long-lived member after every 160 visitors deleted: ${counts.join(' ')} (before: ${before})`);
  for (const c of counts) assert.ok(c <= before, `the member keeps ${c - before} channel ends of deleted visitors`);
  // An array deleted whole: its elements' ends go the same way (their notices to each other find the array gone).
  const group = charm.createArray(Visitor, [2 * np]);
  await Promise.all(
    Array.from({ length: 2 * np }, async (_, n) => {
      peers[hubPe].serve(group.at([n]));
      assert.is(await group.at([n]).ret.visit(peers[hubPe]), n);
      assert.is(await group.at([n]).ret.pair(group.at([n ^ 1])), n ^ 1);
    }),
  );
  await group.ckDestroy();
  await charm.waitQD();
  assert.is(await peers[hubPe].ret.ends(), before, 'no end kept of an array deleted whole');
});

test("a gone notice to an element whose tombstone its home forgot is dropped there, not held for good (nor given to a later element at the index)", async () => {
  const np = charm.numPes();
  const visitors = charm.createArray(Visitor, { ndims: 1 });
  const id = (visitors as unknown as CallTarget).__ref.id;
  const a = 0;
  const b = np; // both homed on PE 0 (sparse 1D: index % np)
  visitors.ckInsert([a], [], { onPE: 1 % np });
  visitors.ckInsert([b], [], { onPE: 0 });
  await visitors.ckDoneInserting();
  await visitors.at([a]).ret.spare(visitors.at([b])); // B keeps its end (a value not taken), so it tells A at its deletion
  await visitors.at([a]).ckDestroy();
  // The home forgets the oldest tombstones past TOMBSTONES_KEPT: A's goes.
  const batch = 64;
  for (let first = 2; first < 2 + TOMBSTONES_KEPT; first += batch) {
    const indices = Array.from({ length: batch }, (_, k) => (first + k) * np);
    for (const n of indices) visitors.ckInsert([n], [], { onPE: 0 });
    await visitors.ckDoneInserting();
    await Promise.all(indices.map((n) => visitors.at([n]).ckDestroy()));
  }
  await visitors.at([b]).ckDestroy(); // its gone notice goes to A, via the home
  await charm.waitQD();
  const held = (localCollection(id) as LocalArray).heldAtHome();
  assert.equal(held, [], `held at the home: ${JSON.stringify(held)}`);
});

test('a deleted element whose async method was suspended cannot send on its channels after: a clear error naming it', async () => {
  const np = charm.numPes();
  const visitors = charm.createArray(Visitor, { ndims: 1 });
  visitors.ckInsert([0], [], { onPE: 0 }); // awaits a future made here
  visitors.ckInsert([1], [], { onPE: np - 1 });
  await visitors.ckDoneInserting();
  const gate = charm.createFuture<number>();
  const errors = visitors.at([0]).ret.lingering(visitors.at([1]), gate);
  await visitors.at([0]).ckDestroy();
  gate.send(1);
  const [before, after] = await errors;
  assert.match(before, /send after Visitor\[0\] was deleted/);
  assert.match(after, /send after Visitor\[0\] was deleted/);
  await visitors.at([1]).ckDestroy();
});

test('a recv nothing can reach any more rejects, naming why: its own element deleted while it waits; the other end deleted after all it sent was taken', async () => {
  const np = charm.numPes();
  const visitors = charm.createArray(Visitor, { ndims: 1 });
  visitors.ckInsert([0], [], { onPE: 0 });
  visitors.ckInsert([1], [], { onPE: np - 1 });
  visitors.ckInsert([2], [], { onPE: 1 % np });
  await visitors.ckDoneInserting();
  const stalled = visitors.at([0]).ret.stall(visitors.at([1]));
  await charm.waitQD(); // its recv waits
  await visitors.at([0]).ckDestroy();
  assert.match(await stalled, /port 9: recv: Visitor\[0\] was deleted while it waited/);
  const drained = visitors.at([2]).ret.drain(visitors.at([1]), 2);
  visitors.at([1]).offer(visitors.at([2]), 2);
  await charm.waitQD(); // both values taken, the third recv waits
  await visitors.at([1]).ckDestroy();
  assert.match(await drained, /port 8: recv: the other end was deleted after sending 2 values, all taken/);
  await visitors.at([2]).ckDestroy();
});

test('charm.iwait over channels yields each channel once, as its first value comes, and leaves the value for recv (Charm4py: a channel ahead is not taken twice, as Channel.select would)', async () => {
  const np = charm.numPes();
  const visitors = charm.createArray(Visitor, { ndims: 1 });
  for (let n = 0; n < 3; n++) visitors.ckInsert([n], [], { onPE: (n + 1) % np });
  await visitors.ckDoneInserting();
  const [hub, a, b] = [0, 1, 2].map((n) => visitors.at([n]));
  a.sendOn(hub, 12, 2); // a is a step ahead: two values before b's first
  await charm.waitQD();
  const got = hub.ret.iwaitOn(a, b);
  await charm.waitQD(); // the hub took a's value and waits on b's channel
  b.sendOn(hub, 12, 1);
  assert.equal(await got, ['0 gave 0', '1 gave 0', 'then 0 gave 1']);
  await visitors.ckDestroy();
});

test("a select nothing can reach any more rejects with its own error: its element deleted while it waits; every other end deleted after all it sent was taken (one done meanwhile drops out)", async () => {
  const np = charm.numPes();
  const visitors = charm.createArray(Visitor, { ndims: 1 });
  for (let i = 0; i < 4; i++) visitors.ckInsert([i], [], { onPE: (np - 1 + i) % np });
  await visitors.ckDoneInserting();
  const stalled = visitors.at([0]).ret.selectOn(visitors.at([1]), visitors.at([2]), 1);
  await charm.waitQD(); // the select waits
  await visitors.at([0]).ckDestroy();
  const [deleted] = await stalled;
  assert.match(deleted, /^Channel\.select: .*port 10.* is of Visitor\[0\], which was deleted while the select waited$/);
  // Visitor[3] selects twice over channels from [1] and [2], which send nothing yet.
  const picks = visitors.at([3]).ret.selectOn(visitors.at([1]), visitors.at([2]), 2);
  await visitors.at([1]).ret.sendOn(visitors.at([3]), 10, 0);
  await visitors.at([2]).ret.sendOn(visitors.at([3]), 10, 0);
  await charm.waitQD();
  await visitors.at([2]).ckDestroy(); // its end is done (nothing sent): it drops out of the select, which waits on
  await charm.waitQD();
  await visitors.at([1]).ret.sendOn(visitors.at([3]), 10, 1);
  await charm.waitQD(); // the second select waits on [1] alone
  await visitors.at([1]).ckDestroy();
  assert.equal(await picks, ['received 0 from 0', "Channel.select: every channel's other end was deleted and all it sent was taken (channel Visitor[3] <-> Visitor[1] port 10, …)"]);
  await visitors.at([3]).ckDestroy();
});

test("an end that lost a select is forgotten once its other end is gone (the notice came while the select waited on it)", async () => {
  const np = charm.numPes();
  const hub = peers[np - 1];
  const visitors = charm.createArray(Visitor, { ndims: 1 });
  visitors.ckInsert([0], [], { onPE: 0 });
  visitors.ckInsert([1], [], { onPE: np - 1 });
  await visitors.ckDoneInserting();
  await charm.waitQD();
  const before = await hub.ret.ends();
  const picked = hub.ret.pick(visitors.at([0]), visitors.at([1]));
  await visitors.at([1]).ret.open(hub, 0); // an end that sends nothing
  await visitors.at([1]).ckDestroy(); // its notice reaches the hub while the select waits on that end
  await charm.waitQD();
  await visitors.at([0]).ret.open(hub, 1);
  assert.is(await picked, 0);
  await visitors.at([0]).ckDestroy();
  await charm.waitQD();
  assert.is(await hub.ret.ends(), before, 'the hub keeps no end of the two deleted visitors');
});

test('misuse: a channel to a collection, to a non-proxy, send after close, charm.iwait over channels (a channel to itself is fine)', async () => {
  const messages = await peers[0].ret.misuse();
  assert.is(messages[0], 'no error');
  assert.match(messages[1], 'must be a proxy of one chare');
  assert.match(messages[2], 'must be a proxy of one chare');
  assert.is(messages[3], 'charm.iwait: element 1 is a Channel and element 0 a Future: give futures (it yields their values) or channels (it yields each channel once it has a value), not both');
  assert.match(messages[4], 'charm.iwait: element 1 is a promise, not a Future');
  assert.match(messages[5], 'charm.iwait: expected an iterable of futures or of channels (an array, say), got a number (7)');
  if (charm.numPes() > 1) assert.is(messages[6], `channel Peer[0] <-> Peer[1] port 99: send after close`);
  const [a, b] = [charm.createChare(Lone), charm.createChare(Lone, [], { onPE: charm.numPes() - 1 })];
  const [ida, idb] = [a, b].map((p) => (p as unknown as CallTarget).__ref.id);
  assert.is(await a.ret.sendAfterClose(b), `channel singleton Lone (collection ${ida}) <-> singleton Lone (collection ${idb}) port 0: send after close`);
});

runTests();
