// np: 1 2 3 4 5
// Charm4py's tests/reductions, ported: allReduce, reductions of arrays and
// groups to every kind of target, custom reducers (over user classes too),
// futures as targets, logical reducers, section reductions against whole
// array reductions, gather.
import * as assert from 'uvu/assert';
import { port, runPorts, range, asGroup, asArray } from './port';
import { charm, Chare, Reducer, type ArrayProxy, type CollectionProxy, type ElementProxy, type Future, type Section } from '../../lib';

function assertAllclose(actual: ArrayLike<number>, desired: ArrayLike<number>, tol: number): void {
  assert.is(actual.length, desired.length);
  let close = 0;
  for (let i = 0; i < desired.length; i++) if (Math.abs(actual[i] - desired[i]) <= tol) close++;
  assert.is(close, actual.length);
}
function assertAlmostEqual(actual: number, desired: number, tol: number): void {
  assert.ok(Math.abs(actual - desired) <= tol, `${actual} is not within ${tol} of ${desired}`);
}

// ---------------------------------------------------------------- allreduce.py

class AllreduceTest extends Chare<number | readonly number[]> {
  async run(numChares: number, doneFuture: Future<void>): Promise<void> {
    const index = typeof this.thisIndex === 'number' ? this.thisIndex : this.thisIndex[0];
    let i = 137;
    for (let k = 0; k < 1000; k++) {
      const result = await this.allReduce(index + i, Reducer.sum);
      const expected = (numChares * (numChares - 1)) / 2 + i * numChares;
      assert.is(result, expected);
      i += 1;
    }
    this.contribute(undefined, Reducer.nop, doneFuture);
  }
}
charm.register(AllreduceTest);

port('reductions/allreduce.py', async () => {
  const g1 = charm.createGroup(asGroup(AllreduceTest));
  const g2 = charm.createGroup(asGroup(AllreduceTest));
  const numArrayChares = charm.numPes() * 8;
  const a1 = charm.createArray(asArray(AllreduceTest), numArrayChares);
  const a2 = charm.createArray(asArray(AllreduceTest), numArrayChares);
  await charm.awaitCreation(g1, g2, a1, a2);
  const waitAlldone = range(4).map(() => charm.createFuture());
  let i = 0;
  for (const collection of [g1, g2]) collection.run(charm.numPes(), waitAlldone[i++]);
  for (const collection of [a1, a2]) collection.run(numArrayChares, waitAlldone[i++]);
  for (const done of waitAlldone) await done;
  console.log('DONE');
});

// ---------------------------------------------------------------- array_reduction.py and group_reduction.py

/** The main chare of both: counts the reductions reported, then ends (the original exits). */
class ReductionMain extends Chare {
  recvdReductions = 0;
  constructor(
    private readonly expectedReductions: number,
    private readonly finished: Future<void>,
    /** What done_int and done_float check (each original's constants). */
    private readonly expectedInt: number,
    private readonly expectedFloat: number[],
  ) {
    super();
  }
  private count(what: string): void {
    console.log(`[Main] All ${what} contributions done. Test passed`);
    this.recvdReductions += 1;
    if (this.recvdReductions >= this.expectedReductions) this.finished.send();
  }
  doneInt(result: number): void {
    assert.is(result, this.expectedInt, 'sum_int reduction failed');
    this.count('sum_int');
  }
  doneNop(): void {
    this.count('nop');
  }
  doneFloat(result: number[]): void {
    assertAllclose(result, this.expectedFloat, 1e-3);
    this.count('sum_float');
  }
  doneTarget(what = 'bcast'): void {
    this.count(what);
  }
}
charm.register(ReductionMain);

/** Main's proxy and the collections, in every PE's globals (as the originals' module globals). */
const red = globalThis as unknown as {
  mainProxy: ElementProxy<ReductionMain>;
  arrProxy: ArrayProxy<ArrayRedTest>;
  groupProxy: CollectionProxy<GroupRedTest>;
  arrayProxy: ArrayProxy<GroupRedArray>;
};

class ArrayRedTest extends Chare<readonly number[]> {
  constructor() {
    super();
    console.log('Test ' + JSON.stringify(this.thisIndex) + ' created on PE ' + charm.myPe());
  }
  doReduction(): void {
    const main = red.mainProxy;
    // Python's mainProxy.done_int as a target: a callback; what it checks travels with it here.
    this.contribute(42, Reducer.sum, charm.callback(main, 'doneInt')); // test contributing single int back to Main
    this.contribute([10.1, 13.4, this.thisIndex[0]], Reducer.sum, charm.callback(main, 'doneFloat')); // list of floats
    this.contribute(undefined, Reducer.nop, charm.callback(main, 'doneNop')); // nop reduction to main
    this.contribute(4.2, Reducer.sum, charm.callback(this.thisProxy[0], 'reductionTarget')); // to Test[0]
    this.contribute(new Float64Array([4.2, 8.4]), Reducer.sum, charm.callback(this.thisProxy, 'reductionTargetBcast')); // to Test (broadcast)
    this.contribute(4, Reducer.sum, charm.callback(red.groupProxy[0], 'reduceFromArray')); // to TestGroup[0]
    this.contribute(new Int32Array([0, 8, 3]), Reducer.sum, charm.callback(red.groupProxy, 'reduceFromArrayBcast')); // to TestGroup (broadcast)
  }
  reductionTarget(result: number): void {
    assert.is(this.thisIndex[0], 0);
    assertAlmostEqual(result, 42.0, 1e-3);
    red.mainProxy.doneTarget('array-to-array');
  }
  reductionTargetBcast(result: Float64Array): void {
    assertAllclose(result, [42.0, 84.0], 1e-3);
    this.contribute(undefined, Reducer.nop, charm.callback(red.mainProxy, 'doneTarget'));
  }
}
charm.register(ArrayRedTest);

class GroupRedTest extends Chare {
  constructor() {
    super();
    console.log('TestGroup ' + this.thisIndex + ' created on PE ' + charm.myPe());
  }
  // group_reduction.py's contributions
  doReduction(): void {
    const main = red.mainProxy;
    this.contribute(42, Reducer.sum, charm.callback(main, 'doneInt'));
    this.contribute([10.1, 13.4, this.thisIndex], Reducer.sum, charm.callback(main, 'doneFloat'));
    this.contribute(undefined, Reducer.nop, charm.callback(main, 'doneNop'));
    this.contribute([4.2, 13.1], Reducer.sum, charm.callback(red.arrayProxy[0], 'reduceGroupToArray')); // to TestArray[0]
    this.contribute(-4, Reducer.sum, charm.callback(red.arrayProxy, 'reduceGroupToArrayBcast')); // to TestArray (broadcast)
    this.contribute([5, 7, -3, 0], Reducer.sum, charm.callback(this.thisProxy[0], 'reduceGroupToGroup')); // to TestGroup[0]
    this.contribute(-4.2, Reducer.sum, charm.callback(this.thisProxy, 'reduceGroupToGroupBcast')); // to TestGroup (broadcast)
  }
  reduceGroupToGroup(result: number[]): void {
    assert.is(this.thisIndex, 0);
    assert.equal(result, [5, 7, -3, 0].map((x) => charm.numPes() * x), 'Group-to-group reduction failed.');
    red.mainProxy.doneTarget('group-to-group');
  }
  reduceGroupToGroupBcast(result: number): void {
    assertAlmostEqual(result, -4.2 * charm.numPes(), 1e-3);
    this.contribute(undefined, Reducer.nop, charm.callback(red.mainProxy, 'doneTarget'));
  }
  // array_reduction.py's targets in the group
  reduceFromArray(result: number): void {
    assert.is(this.thisIndex, 0);
    assert.is(result, 40, 'Array-to-group sum_int reduction failed.');
    red.mainProxy.doneTarget('array-to-group');
  }
  reduceFromArrayBcast(result: Int32Array): void {
    assert.equal([...result], [0, 80, 30], 'Array-to-group bcast sum_int reduction failed.');
    this.contribute(undefined, Reducer.nop, charm.callback(red.mainProxy, 'doneTarget'));
  }
}
charm.register(GroupRedTest);

class GroupRedArray extends Chare<readonly number[]> {
  constructor() {
    super();
    console.log('TestArray ' + JSON.stringify(this.thisIndex) + ' created on PE ' + charm.myPe());
  }
  reduceGroupToArray(result: number[]): void {
    assert.is(this.thisIndex[0], 0);
    assertAllclose(result, [4.2, 13.1].map((x) => charm.numPes() * x), 1e-3);
    red.mainProxy.doneTarget('group-to-array');
  }
  reduceGroupToArrayBcast(result: number): void {
    assert.is(result, -4 * charm.numPes(), 'Group-to-array bcast reduction failed.');
    this.contribute(undefined, Reducer.nop, charm.callback(red.mainProxy, 'doneTarget'));
  }
}
charm.register(GroupRedArray);

port('reductions/array_reduction.py', async () => {
  const ARRAY_SIZE = [10]; // 1-D array with 10 elements
  console.log(`Running reduction example on ${charm.numPes()} processors for 10 elements, array dims=${JSON.stringify(ARRAY_SIZE)}`);
  const finished = charm.createFuture();
  const mainProxy = charm.createChare(ReductionMain, [7, finished, 420, [101.0, 134.0, 45.0]], { onPE: 0 });
  const arrProxy = charm.createArray(ArrayRedTest, ARRAY_SIZE);
  const groupProxy = charm.createGroup(GroupRedTest);
  await charm.thisProxy.awaitable.updateGlobals({ mainProxy, arrProxy, groupProxy });
  arrProxy.doReduction();
  await finished;
});

port('reductions/group_reduction.py', async () => {
  const n = charm.numPes();
  console.log('Running reduction example on ' + n + ' processors');
  const finished = charm.createFuture();
  const expectedFloat = [...[10.1, 13.4].map((x) => x * n), (n * (n - 1)) / 2];
  const mainProxy = charm.createChare(ReductionMain, [7, finished, 42 * n, expectedFloat], { onPE: 0 });
  const groupProxy = charm.createGroup(GroupRedTest);
  // create an array to test group-to-array reductions
  const arrayProxy = charm.createArray(GroupRedArray, [10]);
  await charm.thisProxy.awaitable.updateGlobals({ mainProxy, arrayProxy });
  groupProxy.doReduction();
  await finished;
});

// ---------------------------------------------------------------- bench_reductions.py

const BENCH_CHARES_PER_PE = 8;
/** The original runs 5000 iterations to time them; 100 here (the time is printed, not checked). */
const BENCH_ITER = 100;
const DATA_LEN = 20000; // number of values
const VAL_CHECK = (DATA_LEN * (DATA_LEN - 1)) / 2;

class BenchTest extends Chare<readonly number[]> {
  readonly data = Float64Array.from(range(DATA_LEN));
  reductions = 0;
  constructor(private readonly main: ElementProxy<BenchMain>) {
    super();
  }
  run(): void {
    if (this.reductions === BENCH_ITER) {
      this.contribute(undefined, Reducer.nop, charm.callback(this.main, 'done'));
    } else {
      this.contribute(this.data, Reducer.sum, charm.callback(this.main, 'collectSum'));
      this.reductions += 1;
    }
  }
}
charm.register(BenchTest);

class BenchMain extends Chare {
  private arrayProxy: ArrayProxy<BenchTest> | undefined;
  private startTime = 0;
  constructor(private readonly finished: Future<void>) {
    super();
  }
  start(): void {
    this.arrayProxy = charm.createArray(BenchTest, charm.numPes() * BENCH_CHARES_PER_PE, [this.thisElement]);
    this.arrayProxy.run();
    this.startTime = charm.wallTime();
  }
  collectSum(result: Float64Array): void {
    assertAlmostEqual(result.reduce((a, b) => a + b, 0), charm.numPes() * BENCH_CHARES_PER_PE * VAL_CHECK, 0.05);
    this.arrayProxy!.run();
  }
  done(): void {
    console.log('Program done in', charm.wallTime() - this.startTime);
    this.finished.send(); // the original prints the stats and exits
  }
}
charm.register(BenchMain);

port('reductions/bench_reductions.py', async () => {
  const finished = charm.createFuture();
  charm.createChare(BenchMain, [finished], { onPE: 0 }).start();
  await finished;
  await charm.printStats();
});

// ---------------------------------------------------------------- custom_reduction.py

// Reducer.addReducer(myReducer): Charm4py's reducer takes the list of contributions; this one two at a time.
const myReducer = charm.registerReducer<number[]>('myReducer', (a, b) => [a[0] + b[0], Math.max(a[1], b[1]), Math.min(a[2], b[2])]);

/** A user class with `+` and `*` (Python's __add__ and __mul__), sent and reduced as itself. */
class MyObject {
  constructor(readonly value: number) {}
  add(other: MyObject): MyObject {
    return new MyObject(this.value + other.value);
  }
  mul(other: MyObject): MyObject {
    return new MyObject(this.value * other.value);
  }
}
charm.registerSerializable(MyObject);
// Reducer.sum and Reducer.product over MyObject use its operators; TypeScript has no operator overloading, so they are reducers naming the methods.
const myObjectSum = charm.registerReducer<MyObject>('myObjectSum', (a, b) => a.add(b));
const myObjectProduct = charm.registerReducer<MyObject>('myObjectProduct', (a, b) => a.mul(b));

class CustomMain extends Chare {
  recvdReductions = 0;
  readonly expectedReductions = 4;
  constructor(
    private readonly nElements: number,
    private readonly lastIdx: number[],
    private readonly finished: Future<void>,
  ) {
    super();
  }
  private count(): void {
    this.recvdReductions += 1;
    if (this.recvdReductions >= this.expectedReductions) this.finished.send();
  }
  doneCharmBuiltin(result: number[]): void {
    const sumIndices = (this.nElements * (this.nElements - 1)) / 2;
    assert.equal(result, [10, sumIndices], 'Built-in Charm sum_int reduction failed');
    console.log('[Main] All Charm builtin reductions done. Test passed');
    this.count();
  }
  donePythonBuiltin(result: MyObject): void {
    const sumIndices = (this.nElements * (this.nElements - 1)) / 2;
    assert.ok(result instanceof MyObject);
    assert.ok(result.value === sumIndices || result.value === 0, 'Built-in Python _sum or _product reduction failed');
    console.log('[Main] All Python builtin reductions done. Test passed');
    this.count();
  }
  donePythonCustom(result: number[]): void {
    assert.equal(result, [10, this.lastIdx[0], 0], 'Custom Python myReduce failed');
    console.log('[Main] All Python custom reductions done. Test passed');
    this.count();
  }
}
charm.register(CustomMain);

class CustomTest extends Chare<readonly number[]> {
  doReduction(main: ElementProxy<CustomMain>): void {
    // test contributing using built-in Charm reducer
    this.contribute([1, this.thisIndex[0]], Reducer.sum, charm.callback(main, 'doneCharmBuiltin'));
    const a = new MyObject(this.thisIndex[0]);
    // test contributing using built-in Python reducer (sum and product of a user class)
    this.contribute(a, myObjectSum, charm.callback(main, 'donePythonBuiltin'));
    this.contribute(a, myObjectProduct, charm.callback(main, 'donePythonBuiltin'));
    // test contributing using custom Python reducer
    this.contribute([1, this.thisIndex[0], this.thisIndex[0]], myReducer, charm.callback(main, 'donePythonCustom'));
  }
}
charm.register(CustomTest);

port('reductions/custom_reduction.py', async () => {
  const ARRAY_SIZE = [10];
  const lastIdx = ARRAY_SIZE.map((x) => x - 1);
  const nElements = ARRAY_SIZE.reduce((a, b) => a * b, 1);
  console.log(`Running reduction example on ${charm.numPes()} processors for ${nElements} elements`);
  const finished = charm.createFuture();
  const main = charm.createChare(CustomMain, [nElements, lastIdx, finished], { onPE: 0 });
  charm.createArray(CustomTest, ARRAY_SIZE).doReduction(main);
  await finished;
});

// ---------------------------------------------------------------- future_reduction.py

class FutureRedTest extends Chare<number | readonly number[]> {
  constructor(f: Future<Float64Array>) {
    super();
    this.contribute(Float64Array.from(range(10)), Reducer.sum, f);
  }
}
charm.register(FutureRedTest);

port('reductions/future_reduction.py', async () => {
  const f1 = charm.createFuture<Float64Array>();
  const f2 = charm.createFuture<Float64Array>();
  charm.createGroup(asGroup(FutureRedTest), [f1]);
  charm.createArray(asArray(FutureRedTest), charm.numPes() * 4, [f2]);
  assertAllclose(await f1, range(10).map((x) => x * charm.numPes()), 1e-7);
  assertAllclose(await f2, range(10).map((x) => x * charm.numPes() * 4), 1e-7);
});

// ---------------------------------------------------------------- logical_ops.py

const LOGICAL_SIZE = 100;
type Logical = boolean | boolean[];

class LogicalTest extends Chare {
  /** numpy's bool arrays are arrays of booleans here. */
  doallfalse(f1: Future<Logical>, f2: Future<Logical>, f3: Future<Logical>, array = false): void {
    const data = array ? new Array<boolean>(LOGICAL_SIZE).fill(false) : false;
    this.contribute(data, Reducer.logicalAnd, f1);
    this.contribute(data, Reducer.logicalOr, f2);
    this.contribute(data, Reducer.logicalXor, f3);
  }
  doalltrue(f1: Future<Logical>, f2: Future<Logical>, f3: Future<Logical>, array = false): void {
    const data = array ? new Array<boolean>(LOGICAL_SIZE).fill(true) : true;
    this.contribute(data, Reducer.logicalAnd, f1);
    this.contribute(data, Reducer.logicalOr, f2);
    this.contribute(data, Reducer.logicalXor, f3);
  }
  test1(f1: Future<Logical>, f2: Future<Logical>, f3: Future<Logical>): void {
    const data = this.thisIndex % 2 === 0;
    this.contribute(data, Reducer.logicalAnd, f1);
    this.contribute(data, Reducer.logicalOr, f2);
    this.contribute(data, Reducer.logicalXor, f3);
  }
}
charm.register(LogicalTest);

port('reductions/logical_ops.py', async () => {
  const g = charm.createGroup(LogicalTest);
  const n = charm.numPes();
  const futures = (): [Future<Logical>, Future<Logical>, Future<Logical>] => [charm.createFuture<Logical>(), charm.createFuture<Logical>(), charm.createFuture<Logical>()];
  // The original runs at 4 PEs, where the exclusive ors below are false; at other PE counts they are the parity of the trues.
  const allTrueXor = n % 2 === 1;
  const evensXor = Math.ceil(n / 2) % 2 === 1;

  let [f1, f2, f3] = futures();
  g.doallfalse(f1, f2, f3, false);
  assert.is(await f1, false);
  assert.is(await f2, false);
  assert.is(await f3, false);

  [f1, f2, f3] = futures();
  g.doallfalse(f1, f2, f3, true);
  assert.equal(await f1, new Array(LOGICAL_SIZE).fill(false));
  assert.equal(await f2, new Array(LOGICAL_SIZE).fill(false));
  assert.equal(await f3, new Array(LOGICAL_SIZE).fill(false));

  [f1, f2, f3] = futures();
  g.doalltrue(f1, f2, f3, false);
  assert.is(await f1, true);
  assert.is(await f2, true);
  assert.is(await f3, allTrueXor);

  [f1, f2, f3] = futures();
  g.doalltrue(f1, f2, f3, true);
  assert.equal(await f1, new Array(LOGICAL_SIZE).fill(true));
  assert.equal(await f2, new Array(LOGICAL_SIZE).fill(true));
  assert.equal(await f3, new Array(LOGICAL_SIZE).fill(allTrueXor));

  [f1, f2, f3] = futures();
  g.test1(f1, f2, f3);
  assert.is(await f1, n === 1);
  assert.is(await f2, true);
  assert.is(await f3, evensXor);
});

// ---------------------------------------------------------------- section_reduction.py

type Data = number | number[] | Float64Array | boolean | boolean[];

class TestVec extends Chare<readonly number[]> {
  constructor(
    private readonly op: Reducer,
    private readonly data: Data,
  ) {
    super();
  }
  doTest(section: Section<TestVec> | undefined, future: Future<Data[], Data>): void {
    if (section) this.contribute(this.data, this.op, future, section);
    else this.contribute(this.data, this.op, future);
  }
}
charm.register(TestVec);

/** Reduces the same data over a whole array and over a section of all of it: the results agree. */
async function testOp(op: Reducer, vectorSize: number, useTyped = false): Promise<boolean> {
  let data: Data;
  if (vectorSize > 1) data = useTyped ? Float64Array.from(range(vectorSize), () => Math.random()) : range(vectorSize);
  else data = Math.random() * 5;
  return compareSectionAndArray(op, vectorSize, data, useTyped);
}

async function testOpLogical(op: Reducer, vectorSize: number, useTyped = false): Promise<boolean> {
  let data: Data;
  if (vectorSize > 1) data = useTyped ? range(vectorSize).map(() => Math.random() < 0.9) : range(vectorSize).map(Boolean);
  else data = Math.random() < 0.5;
  return compareSectionAndArray(op, vectorSize, data, false);
}

async function compareSectionAndArray(op: Reducer, vectorSize: number, data: Data, close: boolean): Promise<boolean> {
  const finishedFuture = charm.createFuture<Data>(2);
  const chares = charm.createArray(TestVec, vectorSize, [op, data]);
  await chares.awaitable.doTest(undefined, finishedFuture);
  const section = charm.createSection(chares, { start: 0, stop: vectorSize }); // chares[0:vector_size]
  section.doTest(section, finishedFuture);
  const [val1, val2] = await finishedFuture;
  try {
    if (vectorSize > 1 && close) {
      const [x, y] = [val1 as Float64Array, val2 as Float64Array];
      assert.ok(x.every((v, i) => Math.abs(v - y[i]) <= 1e-5 + 1e-8 * Math.abs(y[i]))); // np.isclose(atol=1e-5)
    } else {
      assert.equal(val1, val2);
    }
    console.log(`[Main] Reduction with Reducer.${op.name} passes.`);
    return true;
  } catch {
    console.log(`[Main] Reduction with Reducer.${op.name} is not correct.`);
    return false;
  }
}

port('reductions/section_reduction.py', async () => {
  const NUM_TESTS = 28;
  const { sum, product, min, max, logicalAnd, logicalOr, logicalXor } = Reducer;
  // Started together, as the original's coroutines.
  const tests = [
    // tests that when all chares participate in a section the answer is the same as when the entire array reduces
    testOp(sum, 500), testOp(product, 10), testOp(min, 100), testOp(max, 100),
    testOpLogical(logicalAnd, 10), testOpLogical(logicalOr, 10), testOpLogical(logicalXor, 10),
    // the same, the values contributed are typed arrays (numpy arrays)
    testOp(sum, 500, true), testOp(product, 10, true), testOp(min, 100, true), testOp(max, 100, true),
    testOpLogical(logicalAnd, 100, true), testOpLogical(logicalOr, 100, true), testOpLogical(logicalXor, 100, true),
    // test that single-value reductions still work
    testOp(sum, 1), testOp(product, 1), testOp(min, 1), testOp(max, 1),
    testOpLogical(logicalAnd, 1), testOpLogical(logicalOr, 1), testOpLogical(logicalXor, 1),
    // single values, typed
    testOp(sum, 1, true), testOp(product, 1, true), testOp(min, 1, true), testOp(max, 1, true),
    testOpLogical(logicalAnd, 1, true), testOpLogical(logicalOr, 1, true), testOpLogical(logicalXor, 1, true),
  ];
  assert.is(tests.length, NUM_TESTS);
  const passes = (await Promise.all(tests)).filter(Boolean).length;
  assert.is(passes, NUM_TESTS, 'ERROR: Not all tests passed.');
  console.log('All tests passed!');
});

// ---------------------------------------------------------------- test_gather.py

class GatherMain extends Chare {
  recvdReductions = 0;
  readonly expectedReductions = 5;
  readonly nElements = 10;
  constructor(private readonly finished: Future<void>) {
    super();
  }
  async run(): Promise<void> {
    console.log('Running gather example on', charm.numPes(), 'processors for', this.nElements, 'elements');
    const arrProxy = charm.createArray(GatherTest, [this.nElements]);
    const grpProxy = charm.createGroup(GatherGroup);
    arrProxy.doGather(this.thisElement);
    grpProxy.doGather(this.thisElement);
    const redFuture = charm.createFuture<number[]>();
    arrProxy.doGather(this.thisElement, redFuture);
    this.doneGatherSingle(await redFuture);
  }
  private count(): void {
    this.recvdReductions += 1;
    if (this.recvdReductions >= this.expectedReductions) this.finished.send();
  }
  doneGatherSingle(result: number[]): void {
    const arrIndices = range(this.nElements);
    const grpIndices = range(charm.numPes());
    assert.ok(equal(result, arrIndices) || equal(result, grpIndices), 'Gather single elements failed.');
    console.log('[Main] Gather collective for single elements done. Test passed');
    this.count();
  }
  doneGatherArray(result: unknown[]): void {
    const arrIndices = range(this.nElements).map((i) => [i]);
    const grpIndices = range(charm.numPes()).map((i) => [i, 42]);
    assert.ok(equal(result, arrIndices) || equal(result, grpIndices), 'Gather arrays failed.');
    console.log('[Main] Gather collective for arrays done. Test passed');
    this.count();
  }
}
charm.register(GatherMain);

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

class GatherTest extends Chare<readonly number[]> {
  doGather(main: ElementProxy<GatherMain>, redFuture?: Future<number[]>): void {
    if (redFuture === undefined) {
      this.contribute(this.thisIndex[0], Reducer.gather, charm.callback(main, 'doneGatherSingle')); // gather single elements
      this.contribute(this.thisIndex, Reducer.gather, charm.callback(main, 'doneGatherArray')); // gather arrays
    } else {
      this.contribute(this.thisIndex[0], Reducer.gather, redFuture);
    }
  }
}
charm.register(GatherTest);

class GatherGroup extends Chare {
  doGather(main: ElementProxy<GatherMain>): void {
    this.contribute(this.thisIndex, Reducer.gather, charm.callback(main, 'doneGatherSingle'));
    this.contribute([this.thisIndex, 42], Reducer.gather, charm.callback(main, 'doneGatherArray'));
  }
}
charm.register(GatherGroup);

port('reductions/test_gather.py', async () => {
  const finished = charm.createFuture();
  await charm.createChare(GatherMain, [finished], { onPE: 0 }).awaitable.run();
  await finished;
});

runPorts({ remoteCode: true });
