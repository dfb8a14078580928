// np: 1 2 3 4
// The features Charm4py has that charmts lacked (issue 13, section 3),
// beyond what the ported suite (test/charm4py/) exercises: user classes that
// travel, are reduced and migrate; callbacks of every kind; placement by
// the runtime; classes registered under their own names; waiting on a
// condition; timers that hold quiescence back; pool jobs on few workers.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Reducer, SerializationError, type ArrayElementProxy, type Future } from '../lib';

// ---------------------------------------------------------------- user classes travel

class Vec {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  plus(o: Vec): Vec {
    return new Vec(this.x + o.x, this.y + o.y);
  }
}
charm.registerSerializable(Vec);

/** A class with its own travelling form (the PUP idea): only the data, not the cache. */
class Histogram {
  private cache: string | undefined;
  constructor(readonly counts: Uint32Array) {}
  describe(): string {
    return (this.cache ??= `${this.counts.length} bins, ${this.counts.reduce((a, b) => a + b, 0)} counts`);
  }
}
charm.registerSerializable(Histogram, {
  name: 'stats.Histogram',
  pack: (h) => h.counts,
  unpack: (counts) => new Histogram(counts as Uint32Array),
});

const vecSum = charm.registerReducer<Vec>('vecSum', (a, b) => a.plus(b));

class NotRegistered {
  value = 1;
}

class Carrier extends Chare<readonly number[]> {
  held: { v: Vec; h: Histogram } | undefined;
  echo<T>(value: T): T {
    return value;
  }
  isVec(value: unknown): boolean {
    return value instanceof Vec && value.plus(new Vec(1, 1)).x === value.x + 1;
  }
  contributeVec(f: Future<Vec>): void {
    this.contribute(new Vec(this.thisIndex[0], 1), vecSum, f);
  }
  keep(): void {
    this.held = { v: new Vec(this.thisIndex[0], -1), h: new Histogram(new Uint32Array([this.thisIndex[0], 2])) };
  }
  moveTo(pe: number): void {
    this.migrate(pe);
  }
  check(): [number, string, boolean] {
    return [charm.myPe(), this.held!.h.describe(), this.held!.v instanceof Vec && this.held!.v.x === this.thisIndex[0]];
  }
}
charm.register(Carrier);

test('user classes travel: instances of registered classes (fields or pack/unpack) arrive as instances of their class', async () => {
  const a = charm.createArray(Carrier, charm.numPes());
  const last = a[charm.numPes() - 1];
  const v = await last.ret.echo(new Vec(2, 3));
  assert.ok(v instanceof Vec);
  assert.equal([v.x, v.y], [2, 3]);
  assert.ok(await last.ret.isVec(new Vec(5, 6)));
  const h = await last.ret.echo(new Histogram(new Uint32Array([1, 2, 3])));
  assert.ok(h instanceof Histogram);
  assert.is(h.describe(), '3 bins, 6 counts');
  // inside other values, and the other kinds that round-trip
  const value = {
    list: [new Vec(1, 2), { deep: new Vec(3, 4) }],
    map: new Map<unknown, unknown>([['v', new Vec(5, 6)], [7, new Set([1, 'two', 3n])]]),
    date: new Date(1_700_000_000_000),
    big: 2n ** 70n,
    re: /ab+c/gi,
    typed: { f64: new Float64Array([1.5, -2]), u8: new Uint8Array([1, 2, 3]), i64: new BigInt64Array([-1n, 2n ** 40n]) },
  };
  const back = (await last.ret.echo(value)) as typeof value; // TYPES: a generic entry method loses its type parameter through .ret
  assert.equal(back, value);
  assert.ok(back.list[0] instanceof Vec && (back.list[1] as { deep: Vec }).deep instanceof Vec && back.map.get('v') instanceof Vec);
  assert.ok(back.re instanceof RegExp && back.re.source === 'ab+c' && back.re.flags === 'gi');
  // a class itself travels (chare classes and registered classes), by name
  assert.ok((await last.ret.echo(Vec)) === Vec);
  assert.ok((await last.ret.echo(Carrier)) === Carrier);
  // an unregistered class is refused at the caller, naming the remedy
  assert.throws(() => last.echo(new NotRegistered()), (e: unknown) => e instanceof SerializationError && /class NotRegistered cannot be sent; register it with charm\.registerSerializable\(NotRegistered\)/.test((e as Error).message));
  assert.throws(() => charm.registerSerializable(NotRegistered, { name: 'Vec' }), /another class is already registered as "Vec"; pass \{ name \}/);
  assert.throws(() => charm.registerSerializable(Vec), /class Vec is registered already/);
});

test('user classes are reduced (a custom reducer over them) and migrate with their chare', async () => {
  const n = 2 * charm.numPes();
  const a = charm.createArray(Carrier, n);
  const f = charm.createFuture<Vec>();
  a.contributeVec(f);
  const sum = await f;
  assert.ok(sum instanceof Vec);
  assert.equal([sum.x, sum.y], [(n * (n - 1)) / 2, n]);
  await a.awaitable.keep();
  for (let i = 0; i < n; i++) (a[i] as ArrayElementProxy<Carrier>).ckMigrate((i + 1) % charm.numPes());
  await charm.waitQD();
  const checks = await a.ret.check();
  checks.forEach(([pe, description, isVec], i) => {
    assert.is(pe, (i + 1) % charm.numPes());
    assert.is(description, `2 bins, ${i + 2} counts`);
    assert.ok(isVec);
  });
});

// ---------------------------------------------------------------- names

class Twin extends Chare {
  which(): string {
    return 'first';
  }
}
charm.register(Twin);
const SecondTwin = class Twin extends Chare {
  which(): string {
    return 'second';
  }
};
charm.register(SecondTwin, { name: 'other.Twin' });

test('two chare classes of the same name: the second registers under its own name; without one, the error says how', async () => {
  const g1 = charm.createGroup(Twin);
  const g2 = charm.createGroup(SecondTwin);
  assert.equal(await g1.ret.which(), new Array(charm.numPes()).fill('first'));
  assert.equal(await g2.ret.which(), new Array(charm.numPes()).fill('second'));
  const Third = class Twin extends Chare {};
  assert.throws(() => charm.register(Third), /another class is already registered as "Twin"; give this one its own name: charm\.register\(Twin, \{ name: 'module\.Twin' \}\)/);
});

// ---------------------------------------------------------------- placement

class Fib extends Chare {
  /** Fibonacci by recursive futures, a chare per call (Charm4py's examples/fibonacci); reports where each chare ran. */
  async fib(n: number, placements: Future<number[], number>): Promise<number> {
    placements.send(charm.myPe());
    if (n < 2) return n;
    const [a, b] = [charm.createChare(Fib), charm.createChare(Fib)];
    const [x, y] = await Promise.all([a.ret.fib(n - 1, placements), b.ret.fib(n - 2, placements)]);
    return x + y;
  }
}
charm.register(Fib);

test('single chares are placed by the runtime: recursive Fibonacci spreads its 465 chares over every PE', async () => {
  const chares = 465; // fib(12): 2 * fib(13) - 1 calls
  const placements = charm.createFuture<number>(chares);
  assert.is(await charm.createChare(Fib).ret.fib(12, placements), 144);
  const perPe = new Array<number>(charm.numPes()).fill(0);
  for (const pe of await placements) perPe[pe]++;
  for (const count of perPe) assert.ok(count >= Math.floor(chares / (2 * charm.numPes())), `chares per PE: ${perPe.join(', ')}`);
});

// ---------------------------------------------------------------- wait, creation, callbacks, timers

class Waiter extends Chare {
  level = 0;
  readonly log: string[] = [];
  async waitFor(target: number): Promise<string[]> {
    await this.wait(() => this.level >= target);
    this.log.push(`reached ${target}`);
    return this.log;
  }
  async waitBadly(): Promise<void> {
    await this.wait(() => {
      throw new RangeError('no condition');
    });
  }
  raise(): void {
    this.level += 1;
    this.log.push(`level ${this.level}`);
  }
  got(value?: unknown): void {
    this.log.push(`got ${JSON.stringify(value ?? null)}`);
  }
  logged(): string[] {
    return this.log;
  }
  contributeTo(target: Future<number> | ReturnType<typeof charm.callback>): void {
    this.contribute(1, Reducer.sum, target);
  }
}
charm.register(Waiter);

test('Chare.wait in an async entry method: the method waits, the chare keeps receiving; a throwing condition rejects', async () => {
  const w = charm.createChare(Waiter, [], { onPE: charm.numPes() - 1 });
  const waited = w.ret.waitFor(2);
  w.raise();
  w.raise();
  assert.equal(await waited, ['level 1', 'level 2', 'reached 2']);
  const error = await w.ret.waitBadly().then(undefined, (e: unknown) => e);
  assert.match(String(error), /RangeError on PE \d+ in Waiter\.waitBadly .*: no condition/);
  assert.throws(() => charm.awaitCreation(42 as never), /charm\.awaitCreation \(argument 0\): expected the proxy of a chare, group, array or section/);
});

test('reductions and quiescence call back every kind of target: an element, a collection, a section, a future, a function', async () => {
  const g = charm.createGroup(Waiter);
  const section = charm.createSection(g, [0]);
  const targets = [charm.callback(g[0], 'got'), charm.callback(g, 'got'), charm.callback(section, 'got')];
  for (const target of targets) g.contributeTo(target);
  const f = charm.createFuture<number>();
  g.contributeTo(f);
  assert.is(await f, charm.numPes());
  await charm.waitQD();
  const expected = `got ${charm.numPes()}`;
  assert.equal((await g[0].ret.logged()).filter((l) => l === expected).length, 3); // element, collection, section
  for (const target of targets) charm.startQD(target);
  let called = false;
  charm.startQD(() => (called = true));
  const qd = charm.createFuture();
  charm.startQD(qd);
  await qd;
  await charm.waitQD();
  assert.ok(called);
  assert.equal((await g[0].ret.logged()).filter((l) => l === 'got null').length, 3);
  assert.throws(() => g[0].contributeTo((() => 0) as never), /function \(anonymous\) cannot be sent|target must be/);
});

test('timers: scheduleAfter calls entry methods, futures and functions; a counted timer holds quiescence back', async () => {
  const w = charm.createChare(Waiter, [], { onPE: charm.numPes() - 1 });
  const t0 = charm.wallTime();
  charm.scheduleAfter(charm.callback(w, 'got'), 0.05, ['timer'], { countsForQD: true });
  await charm.waitQD();
  assert.ok((await w.ret.logged()).includes('got "timer"'), 'quiescence came after the counted timer fired');
  assert.ok(charm.wallTime() - t0 >= 0.04);
  const f = charm.createFuture<string>();
  charm.scheduleAfter(f, 0.01, ['to a future']);
  assert.is(await f, 'to a future');
  const fired = await new Promise<number>((resolve) => charm.scheduleAfter((x: number) => resolve(x), 0.01, [7]));
  assert.is(fired, 7);
});

// ---------------------------------------------------------------- pool

function wherePe(x: number): [number, number] {
  return [x, charm.myPe()];
}
charm.pool.register(wherePe);

test('pool jobs with ncores use at most that many workers', async () => {
  for (const ncores of [1, 2]) {
    const results = await charm.pool.map(wherePe, Array.from({ length: 60 }, (_, i) => i), { ncores });
    assert.equal(results.map(([x]) => x), Array.from({ length: 60 }, (_, i) => i));
    assert.ok(new Set(results.map(([, pe]) => pe)).size <= ncores);
  }
  assert.throws(() => charm.pool.map(wherePe, [1], { ncores: 0 }), /ncores must be a positive integer/);
});

runTests();
