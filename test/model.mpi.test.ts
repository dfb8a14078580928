// The programming model in a real MPI job: chares, groups, proxies,
// futures, the charm group, quiescence, and errors at the caller.
import * as assert from 'uvu/assert';
import { inspect } from 'util';
import { test, runTests } from './helpers/mpiTest';
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import { charm, Chare, Future, RemoteError, SerializationError, type CollectionProxy, type ElementProxy } from '../lib';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Full collections, with the finalizers they make due run in between. */
async function collectAll(): Promise<void> {
  for (let k = 0; k < 3; k++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

class Member extends Chare {
  hits = 0;
  seen: unknown[] = [];
  /** For `chain`: whether `stop` came, and the calls made so far. */
  private stopped = false;
  private links = 0;
  private holding: NodeJS.Timeout | undefined;

  whoAmI(): { pe: number; index: number } {
    return { pe: charm.myPe(), index: this.thisIndex };
  }
  hit(): void {
    this.hits++;
  }
  count(): number {
    return this.hits;
  }
  keep(value: unknown): void {
    this.seen.push(value);
  }
  /** Takes any number of arguments (a rest parameter): never refused for their count. */
  countArgs(...values: unknown[]): number {
    return values.length;
  }
  kept(): unknown[] {
    return this.seen;
  }
  echo<T>(value: T): T {
    return value;
  }
  async slowDouble(x: number): Promise<number> {
    await charm.sleep(0.01);
    return 2 * x;
  }
  fail(message: string): void {
    throw new TypeError(message);
  }
  failPlain(message: string): void {
    throw new Error(message);
  }
  async failLater(message: string): Promise<void> {
    await charm.sleep(0.001);
    throw new RangeError(message);
  }
  /** Calls `target.hit()` through a proxy received as an argument. */
  relay(target: ElementProxy<Member>): void {
    target.hit();
  }
  private keptFuture: Future<string> | undefined;
  /** Keeps `future` until `fulfilKept`. */
  keepFuture(future: Future<string>): void {
    this.keptFuture = future;
  }
  async fulfilKept(value: string): Promise<void> {
    await collectAll();
    this.keptFuture!.send(value);
    this.keptFuture = undefined;
  }
  fulfil(future: Future<string>, value: string): void {
    future.send(value);
  }
  /** Sends a value to the member on the next PE, `hops` times around the ring. */
  ring(hops: number, done: Future<number>): void {
    if (hops === 0) done.send(charm.myPe());
    else this.thisProxy[(this.thisIndex + 1) % charm.numPes()].ring(hops - 1, done);
  }
  /** Starts `fanout` chained messages to random members, each continuing `depth` more times. */
  cascade(depth: number): void {
    this.hits++;
    if (depth > 0) for (let i = 0; i < 2; i++) this.thisProxy[(this.thisIndex + i + 1) % charm.numPes()].cascade(depth - 1);
  }
  proxyOfSelf(): ElementProxy<Member> {
    return this.thisElement;
  }
  /** Calls itself (a chain of local messages, never an empty queue) until `stop` arrives; sends the links made. */
  chain(done: Future<number>, started?: Future<void>): void {
    started?.send();
    if (this.stopped) {
      done.send(this.links);
      this.stopped = false;
      this.links = 0;
    } else {
      this.links++;
      this.thisProxy[this.thisIndex].chain(done);
    }
  }
  stop(): void {
    this.stopped = true;
  }
  /** Keeps its PE busy for `ms` milliseconds; answers with the PE. */
  busy(ms: number): number {
    const until = performance.now() + ms;
    while (performance.now() < until);
    return charm.myPe();
  }
  /** Awaits calls to itself one at a time (`ms` of work each) until `other` has answered a call made first, or `cap` calls; the calls made. */
  async awaitChain(other: ElementProxy<Member>, ms: number, cap: number): Promise<number> {
    let answered = false;
    void other.ret.busy(ms).then(() => (answered = true));
    let calls = 0;
    while (!answered && calls < cap) {
      await this.thisElement.ret.busy(ms);
      calls++;
    }
    return calls;
  }
  /** Keeps this PE from handling messages for `ms` of every `ms` + 1 (a plain interval: not the job's work, as QD sees it) until `release`. */
  hold(ms: number): void {
    this.holding = setInterval(() => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    }, ms + 1);
  }
  release(): void {
    clearInterval(this.holding);
  }
  /** Tells `target` to stop (a message from this member's PE). */
  stopOther(target: ElementProxy<Member>): void {
    target.stop();
  }
}
charm.register(Member);

class Solo extends Chare {
  constructor(readonly label: string) {
    super();
  }
  where(): { pe: number; label: string } {
    return { pe: charm.myPe(), label: this.label };
  }
}
charm.register(Solo);

/** Records the order in which things happen on one PE. */
class Order extends Chare {
  log: string[] = [];
  waiting: Future<string> | undefined;
  async waiter(): Promise<void> {
    this.waiting = charm.createFuture<string>();
    this.log.push('wait');
    const v = await this.waiting;
    this.log.push(`resumed:${v}`);
  }
  release(): void {
    this.log.push('release');
    this.waiting!.send('x');
  }
  after(): void {
    this.log.push('after');
  }
  result(): string[] {
    return this.log;
  }
}
charm.register(Order);

class NotRegistered extends Chare {}

let group: CollectionProxy<Member>;

test('main runs on PE 0 with the program arguments', () => {
  assert.is(charm.myPe(), 0);
  assert.ok(Array.isArray(process.argv));
  assert.ok(charm.numPes() >= 1);
});

test('host layout: one host here, PEs on host 0', async () => {
  assert.is(charm.numHosts(), 1);
  assert.is(charm.myHost(), 0);
  const hosts = await charm.thisProxy.ret.myHost();
  assert.equal(hosts, new Array(charm.numPes()).fill(0));
});

test('the charm group answers for each PE', async () => {
  for (let pe = 0; pe < charm.numPes(); pe++) assert.is(await charm.thisProxy[pe].ret.myPe(), pe);
  assert.equal(await charm.thisProxy.ret.numPes(), new Array(charm.numPes()).fill(charm.numPes()));
});

test('group: one member per PE, thisIndex is the PE, broadcast results in PE order', async () => {
  group = charm.createGroup(Member);
  const all = await group.ret.whoAmI();
  assert.equal(all, Array.from({ length: charm.numPes() }, (_, pe) => ({ pe, index: pe })));
  const last = charm.numPes() - 1;
  assert.equal(await group[last].ret.whoAmI(), { pe: last, index: last });
  assert.equal(await group.at(last).ret.whoAmI(), { pe: last, index: last });
});

test('broadcast reaches every member exactly once; awaitable completes after all', async () => {
  for (let i = 0; i < 5; i++) group.hit();
  await group.awaitable.hit();
  assert.equal(await group.ret.count(), new Array(charm.numPes()).fill(6));
});

test('fire-and-forget calls from one sender arrive in order', async () => {
  const target = group[charm.numPes() - 1];
  for (let i = 0; i < 200; i++) target.keep(i);
  const kept = (await target.ret.kept()) as number[];
  assert.equal(kept.slice(-200), Array.from({ length: 200 }, (_, i) => i));
});

test('async entry methods: ret waits for the returned promise', async () => {
  const results = await Promise.all([0, 1, 2].map((x) => group[x % charm.numPes()].ret.slowDouble(x)));
  assert.equal(results, [0, 2, 4]);
});

test('values survive the trip: numbers, strings, nested objects, Map, Set, Date, BigInt, typed arrays', async () => {
  const big = new Float64Array(100_000).map((_, i) => i * 0.5);
  const value = {
    ints: [0, -1, 2 ** 31 - 1, -(2 ** 31)],
    floats: [0.5, -0, NaN, Infinity, 1e300, 2 ** 40],
    text: ['', 'ascii', 'ünïcødé ✓ 𝄞'],
    flags: [true, false, null, undefined],
    nested: { a: { b: { c: [1, [2, [3]]] } } },
    map: new Map<unknown, unknown>([['k', 1], [2, { x: 'y' }]]),
    set: new Set([1, 'two', 3]),
    date: new Date(1_700_000_000_000),
    bigint: 12345678901234567890n,
    small: new Int16Array([1, -2, 3]),
    big,
    bytes: Buffer.from('buffer bytes'),
    u64: new BigUint64Array([1n, 2n ** 63n]),
  };
  for (let pe = 0; pe < charm.numPes(); pe++) {
    const back = (await group[pe].ret.echo(value)) as typeof value;
    assert.equal(back.ints, value.ints);
    assert.ok(Object.is(back.floats[1], -0));
    assert.ok(Number.isNaN(back.floats[2]));
    assert.equal(back.floats.slice(3), value.floats.slice(3));
    assert.equal(back.text, value.text);
    assert.equal(back.flags, value.flags);
    assert.equal(back.nested, value.nested);
    assert.equal([...back.map], [...value.map]);
    assert.equal([...back.set], [...value.set]);
    assert.is(back.date.getTime(), value.date.getTime());
    assert.is(back.bigint, value.bigint);
    assert.instance(back.small, Int16Array);
    assert.equal([...back.small], [1, -2, 3]);
    assert.instance(back.big, Float64Array);
    assert.is(back.big.length, big.length);
    assert.is(back.big[99_999], 99_999 * 0.5);
    assert.ok(Buffer.isBuffer(back.bytes));
    assert.is(back.bytes.toString(), 'buffer bytes');
    assert.equal([...back.u64], [1n, 2n ** 63n]);
  }
});

test('a 4 MiB typed array arrives intact', async () => {
  const data = new Uint32Array(1 << 20).map((_, i) => (i * 2654435761) >>> 0);
  const back = (await group[charm.numPes() - 1].ret.echo(data)) as Uint32Array;
  assert.is(back.length, data.length);
  let same = true;
  for (let i = 0; i < data.length; i++) if (back[i] !== data[i]) same = false;
  assert.ok(same);
});

test('local sends do not alias: mutating an argument after the call changes nothing', async () => {
  const arr = [1, 2, 3];
  const typed = new Float64Array([1, 2]);
  group[0].keep(arr);
  group[0].keep(typed);
  arr.push(4);
  typed[0] = 99;
  const kept = (await group[0].ret.kept()) as unknown[];
  assert.equal(kept.slice(-2)[0], [1, 2, 3]);
  assert.equal([...(kept.slice(-1)[0] as Float64Array)], [1, 2]);
});

test('an awaiting entry method resumes before the next message is processed', async () => {
  const o = charm.createChare(Order, [], { onPE: 0 });
  o.waiter();
  o.release();
  o.after();
  assert.equal(await o.ret.result(), ['wait', 'release', 'resumed:x', 'after']);
});

test('singletons: created on onPE, constructor arguments arrive', async () => {
  for (let pe = 0; pe < charm.numPes(); pe++) {
    const s = charm.createChare(Solo, [`s${pe}`], { onPE: pe });
    assert.equal(await s.ret.where(), { pe, label: `s${pe}` });
  }
  // Without onPE the runtime places it (the next PE in turn: test/charm4pyFeatures.mpi.test.ts checks the spread).
  const placed = await charm.createChare(Solo, ['placed']).ret.where();
  assert.ok(placed.pe >= 0 && placed.pe < charm.numPes() && placed.label === 'placed');
});

test('proxies travel as arguments and results', async () => {
  const last = charm.numPes() - 1;
  const before = await group[last].ret.count();
  group[0].relay(group[last]);
  const self = await group[last].ret.proxyOfSelf();
  await self.awaitable.hit();
  assert.is(await group[last].ret.count(), before + 2);
});

test('futures: created explicitly, sent from another chare, multi-value, iwait', async () => {
  const f = charm.createFuture<string>();
  group[charm.numPes() - 1].fulfil(f, 'from afar');
  assert.is(await f, 'from afar');
  assert.is(await f.get(), 'from afar');

  const many = charm.createFuture<number>(3);
  for (let i = 0; i < 3; i++) many.send(i);
  assert.equal((await many).sort(), [0, 1, 2]);

  const futures = [0, 1, 2].map((x) => group[x % charm.numPes()].ret.slowDouble(x));
  const seen: number[] = [];
  for await (const v of charm.iwait(futures)) seen.push(v);
  assert.equal(seen.sort(), [0, 2, 4]);
});

test('a future of charm.createFuture is fulfilled after full collections, whether it was sent in a message or not, kept or dropped here', async () => {
  // Never in a message: its slot is on the future, which the test holds.
  const f = charm.createFuture<number>();
  const g = charm.createFuture<number>(2);
  await collectAll();
  f.send(5);
  g.send(1);
  await collectAll();
  g.send(2);
  assert.is(await f, 5);
  assert.equal(await g, [1, 2]);
  // Kept by chares (on the last PE, and on this one) and dropped here: the chare may still fulfil it, and does (a value
  // for a future no longer waiting would end the job), and one held here too gets its value.
  for (const pe of new Set([charm.numPes() - 1, 0])) {
    group[pe].keepFuture(charm.createFuture<string>());
    await collectAll();
    await group[pe].ret.fulfilKept('nobody awaits this');
    const held = charm.createFuture<string>();
    group[pe].keepFuture(held);
    await collectAll();
    await group[pe].ret.fulfilKept(`to PE 0 from ${pe}`);
    assert.is(await held, `to PE 0 from ${pe}`);
  }
});

test('awaiting a future of this PE resumes as soon as awaiting a promise fulfilled after it does', async () => {
  // A future is a native promise on its PE: a thenable's await would take
  // two more microtask turns (a job calling its then, a derived promise).
  const order: string[] = [];
  const future = charm.createFuture<number>();
  let fulfil = (_: number): void => undefined;
  const promise = new Promise<number>((resolve) => (fulfil = resolve));
  const waiters = [(async () => order.push(`future ${await future}`))(), (async () => order.push(`promise ${await promise}`))()];
  future.send(1);
  fulfil(2);
  await Promise.all(waiters);
  assert.equal(order, ['future 1', 'promise 2']);
  assert.is(await future.get(), 1);
});

test('iwait over thousands of futures yields each value once, in completion order, and throws at a failed one', async () => {
  const n = 2000;
  const futures = Array.from({ length: n }, () => charm.createFuture<number>());
  const values = charm.iwait(futures);
  const first = values.next(); // iwait is now waiting on every future
  // Fulfilled last first: completion order is the reverse of creation order.
  for (let i = n - 1; i >= 0; i--) futures[i].send(i);
  const seen: number[] = [(await first).value as number];
  for await (const v of values) seen.push(v);
  assert.equal(seen, Array.from({ length: n }, (_, i) => n - 1 - i));

  const mixed: Future<unknown>[] = [group[0].ret.slowDouble(1), group[charm.numPes() - 1].ret.fail('the second'), group[0].ret.slowDouble(2)];
  try {
    for await (const v of charm.iwait(mixed)) assert.type(v, 'number');
    assert.unreachable('a failed future makes iwait throw');
  } catch (error) {
    assert.instance(error, RemoteError);
    assert.match((error as Error).message, 'the second');
  }
});

test('messages go around the ring of PEs', async () => {
  const done = charm.createFuture<number>();
  group[0].ring(10 * charm.numPes(), done);
  assert.is(await done, 0);
});

test('a chare calling itself without end does not hold up messages from other PEs', async () => {
  const done = charm.createFuture<number>();
  const started = charm.createFuture<void>();
  group[0].chain(done, started);
  // Stopped only once running: whether a message from another PE or the first local link runs first is not ordered.
  await started;
  group[charm.numPes() - 1].stopOther(group[0]);
  assert.ok((await done) > 0);
});

test('a chain of awaited local calls does not hold up replies from other PEs', async () => {
  // Each local call completes a future, and the PE used to go back to its
  // local queue without draining MPI: the other PE's reply waited for the
  // whole chain (3,000 calls of 1 ms here).
  const CAP = 3000;
  const other = group[charm.numPes() - 1];
  let answered = false;
  void other.ret.busy(1).then(() => (answered = true));
  let calls = 0;
  while (!answered && calls < CAP) {
    await group[0].ret.busy(1);
    calls++;
  }
  assert.ok(answered, `main: no answer from PE ${charm.numPes() - 1} after ${calls} awaited local calls`);
  // The same chain inside an async entry method.
  const inMethod = await group[0].ret.awaitChain(other, 1, CAP);
  assert.ok(inMethod < CAP, `entry method: no answer from PE ${charm.numPes() - 1} after ${inMethod} awaited local calls`);
});

test('an error in an entry method rejects the caller\'s future with message, PE and remote stack', async () => {
  const last = charm.numPes() - 1;
  try {
    await group[last].ret.fail('bad input');
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, RemoteError);
    const e = error as RemoteError;
    assert.is(e.pe, last);
    assert.is(e.remoteName, 'TypeError');
    assert.match(e.message, 'bad input');
    assert.match(e.message, `PE ${last}`);
    assert.match(e.message, 'Member.fail');
    assert.match(e.remoteStack, 'fail');
    // The class is named once where the error prints (a fatal error, console.log, String(e)): not "TypeError: TypeError on PE …".
    const said = `TypeError on PE ${last} in Member.fail (index ${last}): bad input`;
    assert.is(e.message, said);
    assert.is(String(e), said);
    assert.is((e.stack ?? '').split('\n')[0], said);
    assert.is(inspect(e).split('\n')[0], said);
  }
  try {
    await group[last].ret.failPlain('plain');
    assert.unreachable('should have thrown');
  } catch (error) {
    const said = `Error on PE ${last} in Member.failPlain (index ${last}): plain`;
    assert.is(String(error), said);
    assert.is(((error as Error).stack ?? '').split('\n')[0], said);
  }
  try {
    await group.awaitable.failLater('async failure');
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.match((error as Error).message, 'async failure');
  }
});

test('a call that fails before anyone awaits its future gives its error to the await that comes later (Charm4py: f = ...; later f.get())', async () => {
  const last = charm.numPes() - 1;
  const call = group[last].ret.fail('failed before the await');
  const broadcast = group.awaitable.failLater('a broadcast failed before the await');
  await charm.sleep(0.3); // both failures arrive here while nobody awaits them
  const seen: string[] = [];
  for (const f of [call, broadcast]) {
    try {
      await f;
      assert.unreachable('should have thrown');
    } catch (error) {
      seen.push((error as Error).message);
    }
  }
  assert.match(seen[0], 'failed before the await');
  assert.match(seen[1], 'a broadcast failed before the await');
});

test('quiescence: waitQD returns once every cascade of messages is done', async () => {
  const before = (await group.ret.count()).reduce((a, b) => a + b, 0);
  group[0].cascade(8);
  await charm.waitQD();
  const after = (await group.ret.count()).reduce((a, b) => a + b, 0);
  assert.is(after - before, 2 ** 9 - 1);
  const f = charm.createFuture();
  group.cascade(2);
  charm.startQD(f);
  await f;
  const last = (await group.ret.count()).reduce((a, b) => a + b, 0);
  assert.is(last - after, charm.numPes() * 7);
});

test('quiescence: a waitQD made while another detection is under way waits for the work sent before it', async () => {
  // Main, woken by a plain timer at moments all through a detection that
  // another waitQD started, sends a ring of calls and waits for quiescence,
  // which must come after the ring's end. The last PE is held up part of
  // the time, so that detections last. A request joining after PE 0's own
  // snapshot in a wave was answered by that wave and the one before, quiet
  // and equal, both having missed the ring (1 round in 10 or so at np 4).
  const n = charm.numPes();
  if (n > 1) await group[n - 1].ret.hold(20);
  try {
    for (let round = 0; round < 25; round++) {
      const other = charm.waitQD();
      await charm.sleep((round % 6) / 1000);
      const done = charm.createFuture<number>();
      let ended = false;
      void done.then(() => (ended = true));
      group[0].ring(12, done);
      await charm.waitQD();
      assert.ok(ended, `round ${round}: quiescence came before the ring's last message`);
      await other;
    }
  } finally {
    if (n > 1) await group[n - 1].ret.release();
  }
});

test('a method with a rest parameter is given every argument, to one member and in a broadcast', async () => {
  assert.is(await group[charm.numPes() - 1].ret.countArgs(1, 'a', [2], { ret: true }), 4);
  assert.equal(await group.ret.countArgs(), new Array(charm.numPes()).fill(0));
});

test('bad input: unregistered class, unknown method, unserializable arguments, onPE out of range, unknown options', () => {
  assert.throws(() => charm.createGroup(NotRegistered), /NotRegistered is not registered.*charm\.register/);
  assert.throws(() => charm.createChare(NotRegistered), /NotRegistered is not registered/);
  const untyped = group[0] as unknown as Record<string, (...a: unknown[]) => void>;
  assert.throws(() => untyped.noSuchMethod(1), /Member has no entry method "noSuchMethod" \(it has: /);
  // A misspelling gets the closest name, from a proxy and from charm.callback alike.
  assert.throws(() => untyped.Stop(), /charmts: chare class Member has no entry method "Stop" \(did you mean "stop"\? it has: /);
  assert.throws(() => charm.callback(group, 'rign' as never), /charm\.callback: chare class Member has no entry method "rign" \(did you mean "ring"\?/);
  // proxy[[i, j]] gets the array advice (write .at([i, j])) only from an array proxy: a group's and a member's name what they lack.
  assert.throws(() => (group as unknown as Record<string, unknown>)[[1, 0].toString()], /Member has no entry method "1,0"/);
  assert.throws(() => (untyped as unknown as Record<string, unknown>)[[1, 0].toString()], /Member has no entry method "1,0"/);
  // More arguments than the method takes: refused at the call (JavaScript would drop them), on every face; a Charm4py-style option gets the face that does it.
  assert.throws(() => untyped.hit(1), /^charmts: Member\.hit takes no arguments, given 1: JavaScript would drop the extra ones$/);
  assert.throws(() => (group as unknown as Record<string, (...a: unknown[]) => void>).keep(1, 2), /charmts: Member\.keep takes at most 1 argument, given 2/);
  assert.throws(() => (group[0].ret as unknown as Record<string, (...a: unknown[]) => void>).echo(1, { ret: true }), /Member\.echo takes at most 1 argument, given 2: options go on the proxy, not in the arguments: proxy\.ret\.echo\(\.\.\.\) returns a future of the result \(Charm4py's ret=True\)/);
  assert.throws(() => (group[0].awaitable as unknown as Record<string, (...a: unknown[]) => void>).hit({ awaitable: true }), /Member\.hit takes no arguments, given 1: options go on the proxy/);
  assert.throws(() => group[0].keep(() => 1), (e: Error) => e instanceof SerializationError && /Member\.keep: argument 0: a function/.test(e.message));
  assert.throws(() => group.keep({ nested: [Symbol('s')] }), /Member\.keep: argument 0\.nested\[0\]: a symbol/);
  // A chare passed for its proxy (Charm4py's `self`): its proxy is what to send; registering its class is refused.
  const member = group.ckLocalBranch();
  // To a member here and to one on another PE (at np > 1) alike.
  for (const pe of new Set([0, charm.numPes() - 1])) {
    assert.throws(() => group[pe].keep({ from: member }), (e: Error) => e instanceof SerializationError && e.message.includes(`Member.keep: argument 0.from: Member[${charm.myPe()}] is a chare: a chare stays where it lives; send its proxy (this.thisElement for itself, this.thisProxy for its collection)`));
  }
  assert.throws(() => charm.registerSerializable(Member), /charm\.registerSerializable\(Member\): its instances cannot be sent, registered or not: it is a chare class: a chare stays where it lives; send its proxy/);
  assert.throws(() => group[0].keep(charm), /Member\.keep: argument 0: charm is the runtime of the PE it is on: every PE has its own; use it there, not a copy/);
  assert.throws(() => charm.createChare(Solo, ['x'], { onPE: charm.numPes() }), /onPE \d+ is out of range/);
  assert.throws(() => charm.createChare(Solo, ['x'], { onPE: -1 }), /onPE -1 is out of range/);
  // Options one place early (from JavaScript; TypeScript refuses it): named as options.
  assert.throws(() => charm.createChare(Solo, { onPE: 1 } as never), /charm\.createChare\(Solo\): constructor arguments must be an array, got an object \(\{ onPE \}\): options come after the constructor arguments \(pass \[\] for none\)/);
  assert.throws(() => charm.createGroup(Member, 5 as never), /charm\.createGroup\(Member\): constructor arguments must be an array, got number$/);
  // Unknown option keys (untyped code: JavaScript, the console, `as any`) are refused with the key meant, not ignored.
  assert.throws(() => charm.createChare(Solo, ['x'], { onPe: 1 } as never), /charm\.createChare\(Solo\): unknown option "onPe"; did you mean "onPE"\? \(its options: onPE\)/);
  assert.throws(() => charm.createGroup(Member, [], { onPes: [0] } as never), /charm\.createGroup\(Member\): unknown option "onPes"; did you mean "onPEs"\?/);
  assert.throws(() => charm.createArray(Solo as never, [2] as never, ['x'] as never, { useAtSync: true } as never), /charm\.createArray\(Solo\): unknown option "useAtSync"; did you mean "loadBalancing"\?/);
  assert.throws(() => charm.createArray(Solo as never, [2] as never, ['x'] as never, { loadbalancing: true } as never), /unknown option "loadbalancing"; did you mean "loadBalancing"\?/);
  assert.throws(() => charm.createArray(Solo as never, [2] as never, ['x'] as never, { placement: 1 } as never), /unknown option "placement" \(its options: map, loadBalancing\)/);
  assert.throws(() => charm.scheduleAfter(() => undefined, 0, [], { countForQD: true } as never), /charm\.scheduleAfter: unknown option "countForQD"; did you mean "countsForQD"\?/);
  // Options that are not an object: Charm4py's Chare(C, onPE=1) said positionally was dropped without a word.
  assert.throws(() => charm.createChare(Solo, ['x'], 1 as never), /charm\.createChare\(Solo\): options must be an object \(its options: onPE\), got number 1/);
  assert.throws(() => charm.createGroup(Member, [], null as never), /charm\.createGroup\(Member\): options must be an object \(its options: onPEs\), got null/);
  assert.throws(() => charm.scheduleAfter(() => undefined, 0, [], [true] as never), /charm\.scheduleAfter: options must be an object \(its options: countsForQD\), got an array/);
  assert.throws(() => group[charm.numPes()], /index \d+ is out of range/);
  assert.throws(() => new Member(), /create it with charm\.createChare/);
  class Plain {}
  assert.throws(() => charm.register(Plain as never), /does not extend Chare/);
  class Reserved extends Chare {
    then(): void {}
  }
  assert.throws(() => charm.register(Reserved), /Reserved\.then is a reserved name on proxies; rename the method/);
  // A method replacing one of Chare's own (Charm4py refuses them too) would silently take its place.
  class Shadowing extends Chare {
    override AtSync(): void {}
  }
  assert.throws(() => charm.register(Shadowing), /charm\.register: Shadowing\.AtSync would replace Chare's own AtSync, which the runtime and the chare's code rely on/);
  for (const key of ['contribute', 'allReduce', 'wait', 'migrate', 'thisIndex']) {
    const Shadow = class extends Chare {};
    Object.defineProperty(Shadow.prototype, key, { value: () => undefined, configurable: true });
    // The reason names this method only (a `wait` was told about AtSync and migrate, which it does not touch).
    assert.throws(() => charm.register(Shadow, { name: `Shadow_${key}` } as never), new RegExp(`Shadow_${key}\\.${key} would replace Chare's own ${key}, which the runtime and the chare's code rely on \\(the class's ${key} would stand in for the runtime's wherever this\\.${key} is used\\); rename the method$`));
  }
  // Object's own (toString, valueOf) are the user's to define: ordinary entry methods.
  class Printable extends Chare {
    override toString(): string {
      return 'printable';
    }
  }
  charm.register(Printable);
  // A hook spelt wrong is never called: a program waiting in it would hang, so registration refuses it.
  class Balanced extends Chare {
    resumeFromSynch(): void {}
  }
  assert.throws(() => charm.register(Balanced), /Balanced\.resumeFromSynch looks like a misspelling of resumeFromSync, which the runtime calls by that exact name/);
  class Moving extends Chare {
    onmigrated(): void {}
  }
  assert.throws(() => charm.register(Moving), /Moving\.onmigrated looks like a misspelling of onMigrated/);
  class Packing extends Chare {
    override pack(): unknown {
      return 1;
    }
    unpak(): void {}
  }
  assert.throws(() => charm.register(Packing), /Packing\.unpak looks like a misspelling of unpack, which the runtime calls by that exact name after a move/);
  // Charm++'s own hook names: a Charm++ user's pup would leave the element's state behind at every move.
  class Pupped extends Chare {
    pup(): void {}
  }
  assert.throws(() => charm.register(Pupped), /Pupped\.pup is Charm\+\+'s name; charmts calls pack\(\) \(returning what to move\) and unpack\(state\) instead and would never call pup/);
  class JustMigrated extends Chare {
    ckJustMigrated(): void {}
  }
  assert.throws(() => charm.register(JustMigrated), /JustMigrated\.ckJustMigrated is Charm\+\+'s name; charmts calls onMigrated\(\) instead/);
  class LocalNamed extends Chare {
    ckLocal(): void {}
  }
  assert.throws(() => charm.register(LocalNamed), /LocalNamed\.ckLocal is a reserved name on proxies/);
  class Ordinary extends Chare {
    back(): void {}
    migrated(): void {}
  }
  assert.is(charm.register(Ordinary, { name: 'model.Ordinary' }), Ordinary); // near a short hook, or another word: ordinary methods
});

runTests();
