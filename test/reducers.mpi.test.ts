// Reductions in a real MPI job: every reducer over groups and arrays,
// typed arrays of every kind, custom and tuple reducers, allreduce, every
// kind of target, ordering, migration and insertion during reductions,
// PEs without members, and mismatched contributions.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, Reducer, RemoteError, type Statistics } from '../lib';

const concatPairs = charm.registerReducer<number[]>('concatPairs', (a, b) => [...a, ...b].sort((x, y) => x - y));

type Contribution = { data: unknown; reducer: Reducer };

/** Group member: contributes what it is told, as a function of its PE. */
class G extends Chare {
  received: unknown[] = [];
  give(kind: string, f: Future<unknown>): void {
    const { data, reducer } = contributionFor(kind, this.thisIndex);
    this.contribute(data, reducer, f);
  }
  giveTo(kind: string, target: import('../lib').Callback): void {
    const { data, reducer } = contributionFor(kind, this.thisIndex);
    this.contribute(data, reducer, target);
  }
  collect(value: unknown): void {
    this.received.push(value);
  }
  got(): unknown[] {
    return this.received;
  }
  many(count: number, f: Future<number[], number>): void {
    for (let i = 0; i < count; i++) this.contribute(i * 100 + this.thisIndex, Reducer.max, f);
  }
  async all(): Promise<number> {
    return this.allReduce(this.thisIndex + 1, Reducer.sum);
  }
  mismatched(f: Future<unknown>): void {
    this.contribute(1, this.thisIndex === 0 ? Reducer.sum : Reducer.max, f);
  }
  shapes(f: Future<unknown>): void {
    this.contribute(new Float64Array(this.thisIndex + 1), Reducer.sum, f);
  }
  badCalls(): string[] {
    const out: string[] = [];
    try {
      this.contribute(1, 'sum' as unknown as Reducer, charm.createFuture());
    } catch (e) {
      out.push((e as Error).message);
    }
    try {
      this.contribute(1, Reducer.sum, 42 as unknown as Future<number>);
    } catch (e) {
      out.push((e as Error).message);
    }
    return out;
  }
}
charm.register(G);

/** The contribution of member `i` for reducer `kind`, and the result expected over `n` members. */
function contributionFor(kind: string, i: number): Contribution {
  switch (kind) {
    case 'sum': return { data: i + 1, reducer: Reducer.sum };
    case 'product': return { data: i + 1, reducer: Reducer.product };
    case 'max': return { data: i * 3, reducer: Reducer.max };
    case 'min': return { data: 10 - i, reducer: Reducer.min };
    case 'bigint': return { data: BigInt(i) * 10n ** 15n, reducer: Reducer.sum };
    case 'array': return { data: [i, 2 * i, 1], reducer: Reducer.sum };
    case 'and': return { data: i !== 1, reducer: Reducer.logicalAnd };
    case 'or': return { data: i === 0, reducer: Reducer.logicalOr };
    case 'xor': return { data: true, reducer: Reducer.logicalXor };
    case 'bitAnd': return { data: 0b1111 ^ (1 << i), reducer: Reducer.bitAnd };
    case 'bitOr': return { data: 1 << i, reducer: Reducer.bitOr };
    case 'bitXor': return { data: 0b101, reducer: Reducer.bitXor };
    case 'gather': return { data: `pe${i}`, reducer: Reducer.gather };
    case 'set': return { data: { pe: i }, reducer: Reducer.set };
    case 'concat': return { data: [i, i], reducer: Reducer.concat };
    case 'random': return { data: i, reducer: Reducer.random };
    case 'statistics': return { data: i, reducer: Reducer.statistics };
    case 'nop': return { data: undefined, reducer: Reducer.nop };
    case 'custom': return { data: [i], reducer: concatPairs };
    case 'tuple': return { data: [i, i, `x${i}`], reducer: Reducer.tuple(Reducer.sum, Reducer.max, Reducer.gather) };
    default: {
      // typed:<Kind>
      const Ctor = (globalThis as unknown as Record<string, new (n: number) => ArrayLike<number | bigint> & { [i: number]: number | bigint }>)[kind.slice(6)];
      const a = new Ctor(4);
      for (let k = 0; k < 4; k++) a[k] = (typeof a[0] === 'bigint' ? BigInt(i + k) : i + k) as never;
      return { data: a, reducer: Reducer.sum };
    }
  }
}

function expected(kind: string, n: number): unknown {
  const pes = Array.from({ length: n }, (_, i) => i);
  switch (kind) {
    case 'sum': return (n * (n + 1)) / 2;
    case 'product': return pes.reduce((a, i) => a * (i + 1), 1);
    case 'max': return 3 * (n - 1);
    case 'min': return 10 - (n - 1);
    case 'bigint': return pes.reduce((a, i) => a + BigInt(i) * 10n ** 15n, 0n);
    case 'array': return [pes.reduce((a, i) => a + i, 0), pes.reduce((a, i) => a + 2 * i, 0), n];
    case 'and': return n < 2;
    case 'or': return true;
    case 'xor': return n % 2 === 1;
    case 'bitAnd': return pes.reduce((a, i) => a & (0b1111 ^ (1 << i)), 0b1111);
    case 'bitOr': return pes.reduce((a, i) => a | (1 << i), 0);
    case 'bitXor': return n % 2 === 1 ? 0b101 : 0;
    case 'gather': return pes.map((i) => `pe${i}`);
    case 'set': return pes.map((i) => ({ pe: i }));
    case 'concat': return pes.flatMap((i) => [i, i]);
    case 'nop': return undefined;
    case 'custom': return pes;
    case 'tuple': return [pes.reduce((a, i) => a + i, 0), n - 1, pes.map((i) => `x${i}`)];
    default: return undefined;
  }
}

const SIMPLE = ['sum', 'product', 'max', 'min', 'bigint', 'array', 'and', 'or', 'xor', 'bitAnd', 'bitOr', 'bitXor', 'gather', 'set', 'concat', 'nop', 'custom', 'tuple'];
const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

let group: import('../lib').CollectionProxy<G>;

test('every reducer over a group gives the exact result', async () => {
  group = charm.createGroup(G);
  const n = charm.numPes();
  for (const kind of SIMPLE) {
    const f = charm.createFuture<unknown>();
    group.give(kind, f);
    assert.equal(await f, expected(kind, n), kind);
  }
  const r = charm.createFuture<number>();
  group.give('random', r as Future<unknown>);
  const picked = await r;
  assert.ok(Number.isInteger(picked) && picked >= 0 && picked < n);
  const s = charm.createFuture<Statistics>();
  group.give('statistics', s as Future<unknown>);
  const stats = await s;
  const mean = (n - 1) / 2;
  assert.is(stats.count, n);
  assert.ok(Math.abs(stats.mean - mean) < 1e-12);
  const variance = Array.from({ length: n }, (_, i) => (i - mean) ** 2).reduce((a, b) => a + b, 0) / n;
  assert.ok(Math.abs(stats.variance - variance) < 1e-12);
});

test('numeric reducers work element-wise on every typed-array kind, keeping the kind', async () => {
  const n = charm.numPes();
  for (const kind of TYPED) {
    const f = charm.createFuture<ArrayLike<number | bigint>>();
    group.give(`typed:${kind}`, f as Future<unknown>);
    const result = await f;
    assert.is(result.constructor.name, kind, kind);
    for (let k = 0; k < 4; k++) {
      const want = Array.from({ length: n }, (_, i) => i + k).reduce((a, b) => a + b, 0);
      let wrapped: number | bigint = want;
      if (kind === 'Int8Array') wrapped = ((want + 128) % 256) - 128;
      if (kind === 'Uint8Array') wrapped = want % 256;
      if (kind === 'Uint8ClampedArray') wrapped = Math.min(255, want);
      if (kind.startsWith('Big')) wrapped = BigInt(want);
      assert.is(result[k], wrapped, `${kind}[${k}]`);
    }
  }
});

test('targets: future, element callback, broadcast callback, a runtime group method', async () => {
  const n = charm.numPes();
  const last = n - 1;
  group.giveTo('sum', charm.callback(group[last], 'collect'));
  group.giveTo('max', charm.callback(group, 'collect'));
  await charm.waitQD();
  // In either order: the sum comes straight from PE 0, the max down the
  // broadcast tree (through PE 1 at np 4), and routes keep no order between
  // them (docs/internals.md, "Order"). Across hosts PE 0's first message
  // to PE last waits for Open MPI to open that TCP connection meanwhile.
  const got = (await group[last].ret.got()) as number[];
  assert.equal([...got].sort((a, b) => a - b), [expected('sum', n) as number, expected('max', n) as number].sort((a, b) => a - b));
  for (const got of await group.ret.got()) assert.ok((got as unknown[]).includes(expected('max', n)));
  // The runtime group as a target: myPe on PE 0 receives the result (and ignores it).
  group.giveTo('nop', charm.callback(charm.thisProxy[0], 'myPe'));
  await charm.waitQD();
});

test('successive reductions complete in order; allreduce returns to every contributor', async () => {
  const n = charm.numPes();
  const f = charm.createFuture<number>(20);
  group.many(20, f);
  assert.equal(await f, Array.from({ length: 20 }, (_, i) => i * 100 + n - 1));
  assert.equal(await group.ret.all(), new Array(n).fill((n * (n + 1)) / 2));
});

/** Array element: contributes its index, and moves between contributions. */
class Roamer extends Chare<readonly number[]> {
  rounds = 0;
  step(f: Future<number>, move: boolean): void {
    this.rounds++;
    this.contribute(this.thisIndex[0] + 1, Reducer.sum, f);
    if (move) this.migrate((charm.myPe() + 1 + (this.thisIndex[0] % 2)) % charm.numPes());
  }
  gatherMe(f: Future<unknown>): void {
    this.contribute(this.thisIndex[0], Reducer.gather, f);
  }
}
charm.register(Roamer);

test('array reductions while elements migrate: each contribution counts exactly once', async () => {
  const size = 3 * charm.numPes() + 1;
  const arr = charm.createArray(Roamer, [size]);
  const want = (size * (size + 1)) / 2;
  for (let round = 0; round < 30; round++) {
    const f = charm.createFuture<number>();
    arr.step(f, true);
    assert.is(await f, want, `round ${round}`);
  }
  const g = charm.createFuture<number[]>();
  arr.gatherMe(g as Future<unknown>);
  assert.equal(await g, Array.from({ length: size }, (_, i) => i));
});

test('sparse arrays: inserted from several PEs, an element inserted between reductions joins the next', async () => {
  const arr = charm.createArray(Roamer, { ndims: 1 });
  const inserters = charm.createGroup(Inserter);
  await inserters.awaitable.insert(arr, 2);
  await arr.ckDoneInserting();
  const n = 2 * charm.numPes();
  const sum = (m: number): number => (m * (m + 1)) / 2;
  const f = charm.createFuture<number>();
  arr.step(f, false);
  const indices = Array.from({ length: n }, (_, k) => Math.floor(k / 2) * 100 + (k % 2));
  assert.is(await f, indices.reduce((a, i) => a + i + 1, 0));
  arr.ckInsert([9999]);
  await arr.ckDoneInserting();
  const g = charm.createFuture<number>();
  arr.step(g, false);
  assert.is(await g, indices.reduce((a, i) => a + i + 1, 0) + 10000);
  void sum;
});

class Inserter extends Chare {
  insert(arr: import('../lib').ArrayProxy<Roamer>, count: number): void {
    for (let i = 0; i < count; i++) arr.ckInsert([this.thisIndex * 100 + i]);
  }
}
charm.register(Inserter);

/** Array element: contributes with sum, except element `odd`, with max. */
class Mixer extends Chare<[number]> {
  mix(f: Future<unknown>, odd: number): void {
    this.contribute(1, this.thisIndex[0] === odd ? Reducer.max : Reducer.sum, f);
  }
}
charm.register(Mixer);

test('an array smaller than the PE count (PEs without members) and a one-element array', async () => {
  for (const size of [1, 2]) {
    const arr = charm.createArray(Roamer, [size]);
    for (let round = 0; round < 5; round++) {
      const f = charm.createFuture<number>();
      arr.step(f, charm.numPes() > 1);
      assert.is(await f, (size * (size + 1)) / 2);
    }
  }
});

test('mixed reducers in an array: the error names which element used which reducer, and its PE', async () => {
  const n = 2 * charm.numPes();
  const arr = charm.createArray(Mixer, [n]);
  const f = charm.createFuture<unknown>();
  arr.mix(f, n - 1);
  try {
    await f;
    assert.unreachable('mixed reducers must fail');
  } catch (error) {
    const message = (error as Error).message;
    assert.match(message, new RegExp(`max by element \\[${n - 1}\\] on PE ${charm.numPes() - 1}\\b`));
    assert.match(message, /sum by element \[\d+\] on PE \d+/);
  }
});

test('bad input: mismatched reducers and shapes reject the future naming the collection and reduction; wrong arguments fail at the call', async () => {
  if (charm.numPes() > 1) {
    const f = charm.createFuture<unknown>();
    group.mismatched(f);
    try {
      await f;
      assert.unreachable();
    } catch (error) {
      assert.instance(error, RemoteError);
      const message = (error as Error).message;
      assert.match(message, /in reduction \d+ of G \(collection \d+\): contributors used different reducers: (sum|max) by member \d+ on PE \d+, (sum|max) by member \d+ on PE \d+/);
      assert.ok(message.includes('sum by member 0 on PE 0'), message);
      assert.match(message, /max by member (\d+) on PE \1\b/);
    }
    const s = charm.createFuture<unknown>();
    group.shapes(s);
    try {
      await s;
      assert.unreachable();
    } catch (error) {
      // Member i gives i + 1 numbers: every length is named with its member (the first four; the others counted), and the reduction once.
      const message = (error as Error).message;
      const n = charm.numPes();
      const lengths = Array.from({ length: Math.min(n, 4) }, (_, i) => `${i + 1} from member ${i} on PE ${i}`);
      if (n > 4) lengths.push(`other lengths from ${n - 4} more contribution${n > 5 ? 's' : ''}`);
      assert.ok(message.endsWith(`: contributions of different lengths to Reducer.sum (every contributor must give the same length): ${lengths.join('; ')}`), message);
      assert.is(message.split('reduction ').length, 2, message);
    }
  }
  const [badReducer, badTarget] = await group[0].ret.badCalls();
  assert.match(badReducer, /G\[0\]\.contribute: reducer must be a Reducer/);
  assert.match(badTarget, /G\[0\]\.contribute: target must be a Future or a callback/);
});

// A binary spanning tree here (4 elsewhere): at np 4 the reductions pass through an inner PE.
runTests({ treeBranching: 2 });
