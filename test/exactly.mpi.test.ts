// np: 1 2 3 4 5
// Exactly once under migration, insertion and deletion, reductions that
// count the right members, and quiescence that waits for them: each fault
// of issue 12 (1-7, 10) as a small program, generalised to its kind. Run at
// np 1 to 5: which PE a member, a home or a tree child lands on changes
// with the PE count.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, Reducer, RemoteError, type ArrayProxy } from '../lib';

type Index = readonly number[];

const next = (): number => (charm.myPe() + 1) % charm.numPes();

/** An element that moves when told to, inside broadcasts and calls, and keeps a log of what it ran. */
class Mover extends Chare<Index> {
  news: number[] = [];
  calls: number[] = [];
  arrivals = 0;
  /** A broadcast handler that moves the element on (fault 1). */
  hop(n: number): number {
    this.news.push(n);
    this.migrate(next());
    return n;
  }
  /** A broadcast that does not move it. */
  stay(n: number): void {
    this.news.push(n);
  }
  /** A call that moves the element on (fault 1: held calls; fault 7: chasing). */
  call(n: number, move: boolean): void {
    this.calls.push(n);
    if (move) this.migrate(next());
  }
  moveTo(pe: number): void {
    this.migrate(pe);
  }
  override onMigrated(): void {
    this.arrivals++;
  }
  report(): { index: Index; news: number[]; calls: number[]; pe: number } {
    return { index: this.thisIndex, news: this.news, calls: this.calls, pe: charm.myPe() };
  }
  hello(): number {
    return charm.myPe();
  }
  /** Answers into a future of several values (deletion order). */
  tell(f: Future<number[], number>, k: number): void {
    f.send(k);
  }
  /** A reduction every member takes part in: sum of ones (fault 3, 4). */
  count(target: Future<number> | ReturnType<typeof charm.callback>): void {
    this.contribute(1, Reducer.sum, target as Future<number>);
  }
}
charm.register(Mover);

/** Places every element on the last PE. */
function lastPe(_index: unknown, numPes: number): number {
  return numPes - 1;
}
charm.registerMap(lastPe);

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

test('fault 1: broadcasts whose handlers move the element run exactly once each, in order', async () => {
  const n = 2 * charm.numPes();
  const a = charm.createArray(Mover, [n]);
  const rounds = 30;
  for (let k = 1; k <= rounds; k++) {
    a.hop(k);
    if (k % 3 === 0) a.at([k % n]).moveTo((k * 7) % charm.numPes());
  }
  // The input: two broadcasts and a move, the handler moving the element back.
  a.hop(rounds + 1);
  a.hop(rounds + 2);
  a.at([0]).moveTo(charm.numPes() - 1);
  const acks = await a.ret.hop(rounds + 3);
  assert.equal(acks, new Array(n).fill(rounds + 3), 'one acknowledgement per element');
  await charm.waitQD();
  for (const r of await a.ret.report()) assert.equal(r.news, range(rounds + 3, 1), `broadcasts run by element ${r.index}`);
});

test('fault 1: with awaited broadcasts between them (each lets every PE drop the history before it), broadcasts whose handlers move the element run exactly once each', async () => {
  const n = 2 * charm.numPes();
  const a = charm.createArray(Mover, [n]);
  let k = 0;
  for (let round = 0; round < 20; round++) {
    await a.awaitable.stay(++k);
    a.hop(++k); // carries k - 1: every PE drops up to it, while elements are in flight
    a.at([round % n]).moveTo((round * 5) % charm.numPes());
    a.stay(++k);
    if (round % 4 === 0) await charm.waitQD(); // every element settled where it went
  }
  assert.equal(await a.ret.hop(++k), new Array(n).fill(k), 'one reply per element');
  await charm.waitQD();
  for (const r of await a.ret.report()) assert.equal(r.news, range(k, 1), `broadcasts run by element ${r.index}`);
});

test('fault 1: calls held at the home before insertion that move the element run exactly once; so do the broadcasts after', async () => {
  const a = charm.createArray(Mover, { ndims: 1 });
  const n = 2 * charm.numPes();
  for (let i = 0; i < n; i++) for (let k = 1; k <= 4; k++) a.at([i]).call(k, true);
  for (let i = 0; i < n; i++) a.ckInsert([i], [], { onPE: (i * 3) % charm.numPes() });
  for (let k = 1; k <= 5; k++) a.hop(k);
  await a.ckDoneInserting();
  await charm.waitQD();
  for (const r of await a.ret.report()) {
    // Each call once, in any order: calls chasing an element that moves on each one may take different routes
    // (a PE forwards by what it knows at the time) and overtake each other, as in Charm++ (docs/internals.md, Element calls).
    assert.equal([...r.calls].sort((x, y) => x - y), [1, 2, 3, 4], `calls run by element ${r.index} (ran ${r.calls.join(', ')})`);
    assert.equal(r.news, range(r.news.length, r.news[0] ?? 1), `consecutive broadcasts for element ${r.index}`);
    assert.is(r.news[r.news.length - 1] ?? 5, 5, `element ${r.index} ran the last broadcast`);
  }
});

test('calls made just before ckDestroy reach the element before its deletion, from PE 0 and from a PE that caches a moved element', async () => {
  const a = charm.createArray(Mover, { ndims: 1 });
  const n = 2 * charm.numPes();
  for (let i = 0; i < n; i++) a.ckInsert([i], [], { onPE: (i * 3) % charm.numPes() });
  await a.ckDoneInserting();
  // Away from where they were made, and known there by PE 0 (a forwarded call teaches the caller).
  for (let i = 0; i < n; i++) a.at([i]).moveTo((i + 1) % charm.numPes());
  await charm.waitQD();
  for (let i = 0; i < n; i++) await a.at([i]).ret.hello();
  const calls = 5;
  const f = charm.createFuture<number>(n * calls);
  const destroyed: Future<void>[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < calls; k++) a.at([i]).tell(f, i * calls + k);
    destroyed.push(a.at([i]).ckDestroy()); // a call refused as made to a deleted element would end the job
  }
  for (const d of destroyed) await d;
  assert.equal([...(await f)].sort((x, y) => x - y), range(n * calls), 'every call before the deletion ran');
});

test('fault 2: a call right after re-inserting a deleted index reaches the new element, from any PE', async () => {
  const a = charm.createArray(Mover, { ndims: 1 });
  const helpers = charm.createGroup(Reinserter);
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < charm.numPes(); i++) a.ckInsert([i], [], { onPE: (i + round) % charm.numPes() });
    await a.ckDoneInserting();
    for (let i = 0; i < charm.numPes(); i++) await a.at([i]).ckDestroy();
    // Main re-inserts and calls at once...
    a.ckInsert([0], [], { onPE: round % charm.numPes() });
    assert.is(await a.at([0]).ret.hello(), round % charm.numPes());
    // ...and so does every PE, for an index of its own.
    const pes = await helpers.ret.reinsertAndCall(a, round);
    assert.equal(pes.slice(1), range(charm.numPes() - 1, 1).map((pe) => (pe + round) % charm.numPes()));
    await a.ckDoneInserting();
    for (let i = 0; i < charm.numPes(); i++) await a.at([i]).ckDestroy();
  }
});

class Reinserter extends Chare {
  async reinsertAndCall(a: ArrayProxy<Mover>, round: number): Promise<number> {
    if (this.thisIndex === 0) return -1;
    a.ckInsert([this.thisIndex], [], { onPE: (this.thisIndex + round) % charm.numPes() });
    return a.at([this.thisIndex]).ret.hello();
  }
}
charm.register(Reinserter);

test('fault 3: an element inserted right after a broadcast that starts a reduction joins the next one, wherever members and the element are', async () => {
  const numPes = charm.numPes();
  for (const onPE of new Set([0, numPes - 1, Math.floor(numPes / 2)])) {
    // Members on the last PE only (the layout), then spread.
    for (const spread of [false, true]) {
      const a = charm.createArray(Mover, { ndims: 1 });
      const members = 3;
      for (let i = 0; i < members; i++) a.ckInsert([i], [], { onPE: spread ? i % numPes : numPes - 1 });
      await a.ckDoneInserting();
      let expected = members;
      for (let round = 0; round < 4; round++) {
        const before = charm.createFuture<number>();
        a.count(before);
        a.ckInsert([100 + round], [], { onPE });
        const after = charm.createFuture<number>();
        a.count(after);
        assert.is(await before, expected, `reduction started before insertion ${round} (element on PE ${onPE})`);
        assert.is(await after, ++expected, `reduction started after insertion ${round} (element on PE ${onPE})`);
      }
      await a.ckDoneInserting();
    }
  }
});

/** Counts the reduction results it is given (a callback target). */
class Recorder extends Chare {
  got: number[] = [];
  record(value: number): void {
    this.got.push(value);
  }
  seen(): number[] {
    return this.got;
  }
}
charm.register(Recorder);

test('fault 4: quiescence waits for a reduction in flight (members on one PE, the tree elsewhere)', async () => {
  const a = charm.createArray(Mover, [3], [], { map: lastPe });
  const recorder = charm.createChare(Recorder, [], { onPE: 0 });
  const cb = charm.callback(recorder, 'record');
  for (let i = 1; i <= 20; i++) {
    a.count(cb);
    await charm.waitQD();
    assert.is((await recorder.ret.seen()).length, i, `try ${i}: the reduction's callback ran before quiescence`);
  }
});

class Contributor extends Chare<Index> {
  data = Buffer.from([1, 2, 3]);
  floats = new Float64Array([0.5, 1.5]);
  sums(f: Future<[Buffer, Float64Array]>): void {
    this.contribute([this.data, this.floats], Reducer.tuple(Reducer.sum, Reducer.sum), f);
    // The data is the member's again at once.
    this.floats[0] = 1000;
  }
  state(): [number[], number[]] {
    return [[...this.data], [...this.floats]];
  }
}
charm.register(Contributor);

test('fault 5: a reduction never writes into a contribution, and a contribution is the data at the call', async () => {
  const n = charm.numPes() + 1;
  const a = charm.createArray(Contributor, [n]);
  const f = charm.createFuture<[Buffer, Float64Array]>();
  a.sums(f);
  const [bytes, floats] = await f;
  assert.equal([...bytes], [n, 2 * n, 3 * n]);
  assert.equal([...floats], [0.5 * n, 1.5 * n]);
  for (const [data, after] of await a.ret.state()) {
    assert.equal(data, [1, 2, 3], "the member's Buffer is untouched");
    assert.equal(after, [1000, 1.5], 'the member changed its data after contributing');
  }
});

class Suspended extends Chare<Index> {
  gate: Future<void> | undefined;
  /** Element 3 waits for main before contributing; the others contribute now. */
  async work(f: Future<number>, gates: Future<[Future<void>]>): Promise<void> {
    if (this.thisIndex[0] === 3) {
      this.gate = charm.createFuture<void>();
      gates.send([this.gate]);
      await this.gate;
    }
    this.contribute(1, Reducer.sum, f);
  }
}
charm.register(Suspended);

test('fault 6: an element deleted while an async method is suspended contributes nothing afterwards', async () => {
  const a = charm.createArray(Suspended, { ndims: 1 });
  for (let i = 0; i < 4; i++) a.ckInsert([i], [], { onPE: i % charm.numPes() });
  await a.ckDoneInserting();
  for (let round = 0; round < 3; round++) {
    const f = charm.createFuture<number>();
    const gates = charm.createFuture<[Future<void>]>();
    a.work(f, gates);
    const [gate] = await gates;
    await a.at([3]).ckDestroy();
    gate.send();
    assert.is(await f, 3, `round ${round}: the sum over live elements 0..2`);
    a.ckInsert([3], [], { onPE: (round + 1) % charm.numPes() });
    await a.ckDoneInserting();
  }
  // The next reduction counts the re-inserted element again.
  const f = charm.createFuture<number>();
  const gates = charm.createFuture<[Future<void>]>();
  a.work(f, gates);
  (await gates)[0].send();
  assert.is(await f, 4);
});

class Stale extends Chare<Index> {
  /** Moves away, leaving a timer that uses this (now stale) object. */
  leave(report: Future<string>): void {
    setTimeout(() => {
      try {
        this.contribute(1, Reducer.sum, charm.createFuture<number>());
        report.send('contributed');
      } catch (error) {
        report.send((error as Error).message);
      }
    }, 10);
    this.migrate(next());
  }
}
charm.register(Stale);

test('fault 6: the object a migrated element left behind is refused, naming why, and counts in no reduction', async () => {
  if (charm.numPes() === 1) return; // nowhere to go
  const a = charm.createArray(Stale, [1]);
  const report = charm.createFuture<string>();
  a.at([0]).leave(report);
  assert.match(await report, 'Stale[0].contribute: this object is no longer the element, which migrated away from PE 0');
});

test('fault 7: calls follow an element that moves after every call, however many', async () => {
  const a = charm.createArray(Mover, [1]);
  // Over 100 (where calls used to be given up), each moving the element.
  const calls = 150;
  for (let k = 1; k <= calls; k++) a.at([0]).call(k, true);
  const senders = charm.createGroup(Sender);
  await senders.awaitable.chase(a, calls);
  await charm.waitQD();
  const r = await a.at([0]).ret.report();
  // Chasing calls may overtake each other (Charm++ promises no order).
  const fromMain = r.calls.filter((k) => k <= calls).sort((x, y) => x - y);
  assert.equal(fromMain, range(calls, 1), 'every call from main, once');
  assert.is(r.calls.length, calls * (charm.numPes() + 1), 'and every call from every PE');
  assert.is(new Set(r.calls).size, r.calls.length, 'no call twice');
});

test('location caches that disagree: moves asked for by every PE race with calls from every PE to elements of every home; each call is delivered once, and the job gets quiet (no call goes round the PEs for good)', async () => {
  const elements = 2 * charm.numPes() + 1;
  const rounds = 30;
  const a = charm.createArray(Mover, [elements]);
  const senders = charm.createGroup(Sender);
  await senders.awaitable.scatter(a, elements, rounds);
  await charm.waitQD();
  const reports = await a.ret.report();
  for (const r of reports) {
    const expected: number[] = [];
    for (let pe = 0; pe < charm.numPes(); pe++) expected.push(...range(rounds, (pe + 1) * 100000 + 1));
    assert.equal([...r.calls].sort((x, y) => x - y), expected, `the calls to element ${r.index[0]}: each once`);
  }
});

class Sender extends Chare {
  chase(a: ArrayProxy<Mover>, calls: number): void {
    for (let k = 1; k <= calls; k++) a.at([0]).call((this.thisIndex + 1) * 100000 + k, true);
  }
  /**
   * Every element gets `rounds` calls from this PE, a third of them moving
   * it on, and every other round a move to a PE of this PE's choosing: the
   * moves PEs ask for race with each other and with the calls.
   */
  scatter(a: ArrayProxy<Mover>, elements: number, rounds: number): void {
    const numPes = charm.numPes();
    for (let k = 1; k <= rounds; k++) {
      for (let i = 0; i < elements; i++) {
        a.at([i]).call((this.thisIndex + 1) * 100000 + k, k % 3 === 0);
        if (k % 2 === 0) a.at([i]).moveTo((this.thisIndex + k + i) % numPes);
      }
    }
  }
}
charm.register(Sender);

class Returner extends Chare<Index> {
  giveFunction(): unknown {
    return function notData() {};
  }
  throwType(): number {
    throw new TypeError('wrong type in throwType');
  }
  throwRange(): number {
    throw new RangeError('out of range in throwRange');
  }
  giveNumber(): number {
    return this.thisIndex[0];
  }
  echo(value: unknown): unknown {
    return value;
  }
}
charm.register(Returner);

test('fault 10: a .ret broadcast whose members return what cannot be sent rejects, naming the method and the value', async () => {
  const a = charm.createArray(Returner, [charm.numPes() + 1]);
  try {
    await a.ret.giveFunction();
    assert.unreachable('accepted a function as a result');
  } catch (error) {
    assert.instance(error, RemoteError);
    assert.match((error as Error).message, 'Returner');
    assert.match((error as Error).message, 'giveFunction');
    assert.match((error as Error).message, 'a function (notData) cannot be sent');
  }
  // The array goes on: the next broadcast's results are right.
  assert.equal(await a.ret.giveNumber(), range(charm.numPes() + 1));
  // The same rule for one element, on this PE (element 0) as on another (the last).
  for (const index of [0, charm.numPes()]) {
    const error = await a.at([index]).ret.giveFunction().then(() => undefined, (e: unknown) => e as Error);
    assert.ok(error, `element ${index} returned a function and the call succeeded`);
    assert.match(error!.message, 'a function (notData) cannot be sent');
  }
});

test('fault 12: a symbol-keyed property is refused at the caller, not dropped', () => {
  const a = charm.createArray(Returner, [1]);
  assert.throws(() => a.at([0]).echo({ ok: 1, [Symbol('tag')]: 2 }), /argument 0: a symbol-keyed property \(Symbol\(tag\)\) cannot be sent/);
});

test('fault 12: an error thrown remotely keeps its class and name; bad indices are named as indices', async () => {
  const a = charm.createArray(Returner, [8]);
  const last = a.at([7]);
  for (const [call, cls, name, pe] of [
    [() => last.ret.throwType(), TypeError, 'TypeError', charm.numPes() - 1],
    [() => last.ret.throwRange(), RangeError, 'RangeError', charm.numPes() - 1],
    [() => a.ret.throwType(), TypeError, 'TypeError', -1],
  ] as const) {
    try {
      await call();
      assert.unreachable('the call succeeded');
    } catch (error) {
      assert.instance(error, cls);
      assert.instance(error, RemoteError);
      const e = error as RemoteError;
      assert.is(e.name, name);
      assert.is(e.remoteName, name);
      if (pe >= 0) assert.is(e.pe, pe);
      assert.match(e.message, /Returner\.throw(Type|Range) \(index \[\d\]\)/);
    }
  }
  // A broadcast reports every member that failed.
  const all = await a.ret.throwType().then(() => undefined, (e: unknown) => e as RemoteError);
  assert.match(all!.message, '8 members failed');
  assert.match(all!.message, 'Returner.throwType (index [7])');
  const proxy = a as unknown as Record<string, unknown>;
  for (const key of ['-1', '1.5', 'NaN']) {
    assert.throws(() => proxy[key], (e: Error) => /index (-1|1\.5|NaN) is invalid/.test(e.message), `a[${key}]`);
  }
  assert.throws(() => a.at([2 ** 40]), /index \[1099511627776\] is out of range for extents \[8\]/);
  assert.throws(() => a.at([8]), /is out of range for extents \[8\]/);
  const sparse = charm.createArray(Returner, { ndims: 1 });
  assert.throws(() => sparse.at([2 ** 40]), /is out of range for indices up to 2147483647/);
});

runTests();
