// np: 1 2 3 4 5
// The protocols under the worst order the scheduler allows. Every PE
// handles what MPI brings before each message it sent itself (the local
// pass set by tests, `localPass` in lib/scheduler/scheduler.ts), and a
// chain of calls each PE sends itself keeps its local queue from emptying:
// a PE's own copy of a broadcast, a quiescence wave or a reduction step
// then comes after the other PEs' answers to it, as the bounded local pass
// allows under load (quiescence detection failed so before 200ad58). Tree
// branching 2, so that np 3 and 5 give uneven trees with inner PEs.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, Reducer, type ArrayProxy, type CollectionProxy, type Section } from '../lib';
import { localPass } from '../lib/scheduler/scheduler';

localPass.ms = 0;
localPass.mpiFirst = true;

/** Calls a member sends itself, one after the other: its PE's local queue stays busy. */
class Churn extends Chare {
  chained = 0;
  spin(n: number): void {
    this.chained++;
    if (n > 0) this.thisElement.spin(n - 1);
  }
  count(): number {
    return this.chained;
  }
}
charm.register(Churn);

class Cell extends Chare<readonly number[]> {
  /** Broadcast rounds run here, in the order run. */
  seen: number[] = [];
  done: Future<unknown> | undefined;
  /** A broadcast round; with `wander`, the element moves on afterwards. */
  hit(round: number, wander: boolean): number {
    this.seen.push(round);
    if (wander) this.migrate((charm.myPe() + 1 + this.thisIndex[0]) % charm.numPes());
    return this.thisIndex[0];
  }
  log(): number[] {
    return this.seen;
  }
  record(): [number, number[]] {
    return [this.thisIndex[0], this.seen];
  }
  pe(): number {
    return charm.myPe();
  }
  async sums(rounds: number): Promise<number[]> {
    const out: number[] = [];
    for (let k = 0; k < rounds; k++) out.push((await this.allReduce(this.thisIndex[0] + k, Reducer.sum)) as number);
    return out;
  }
  async sectionSums(section: Section<Cell>, rounds: number): Promise<number[]> {
    const out: number[] = [];
    for (let k = 0; k < rounds; k++) out.push((await this.allReduce(this.thisIndex[0] * k, Reducer.sum, section)) as number);
    return out;
  }
  step(done: Future<unknown>): void {
    this.done = done;
    this.AtSync();
  }
  override resumeFromSync(): void {
    this.contribute(charm.myPe(), Reducer.gather, this.done!);
  }
  /** Work that fans out: a call to each of `n` other elements. */
  fan(n: number, size: number): void {
    for (let k = 1; k <= n; k++) this.thisProxy.at([(this.thisIndex[0] + k) % size]).log();
  }
}
charm.register(Cell);

let churn: CollectionProxy<Churn>;
const CHAIN = 300;

/** Starts a chain of self-sent calls on every PE. */
function stir(): void {
  churn.spin(CHAIN);
}

const range = (n: number, f: (i: number) => number = (i) => i): number[] => Array.from({ length: n }, (_, i) => f(i));

test('quiescence waves whose reports come before the PE\'s own copy', async () => {
  churn = charm.createGroup(Churn);
  const n = 4 * charm.numPes();
  const arr = charm.createArray(Cell, [n]) as ArrayProxy<Cell>;
  for (let round = 1; round <= 5; round++) {
    stir();
    arr.fan(3, n);
    await charm.waitQD();
    // Quiescence: every chain ran to its end.
    for (const c of await churn.ret.count()) assert.is(c, round * (CHAIN + 1));
  }
});

test('awaited broadcasts reach every element once, in order, while the elements move', async () => {
  const n = 3 * charm.numPes();
  const arr = charm.createArray(Cell, [n]) as ArrayProxy<Cell>;
  const rounds = 30;
  for (let round = 1; round <= rounds; round++) {
    stir();
    const replies = await arr.ret.hit(round, round % 3 !== 0);
    assert.equal(replies, range(n));
  }
  for (const log of await arr.ret.log()) assert.equal(log, range(rounds, (i) => i + 1));
});

test('allReduce rounds over an array and over a section', async () => {
  const n = 2 * charm.numPes() + 1;
  const arr = charm.createArray(Cell, [n]) as ArrayProxy<Cell>;
  const rounds = 20;
  stir();
  const total = range(n).reduce((a, b) => a + b, 0);
  for (const sums of await arr.ret.sums(rounds)) assert.equal(sums, range(rounds, (k) => total + k * n));
  const members = range(n).filter((i) => i % 2 === 1).map((i) => [i]);
  const section = charm.createSection(arr, members) as Section<Cell>;
  stir();
  const odd = members.reduce((a, [i]) => a + i, 0);
  for (const sums of await section.ret.sectionSums(section, rounds)) assert.equal(sums, range(rounds, (k) => odd * k));
});

test('load-balancing steps: the decision reaches PE 0 after elements it moved', async () => {
  const numPes = charm.numPes();
  const n = 2 * numPes;
  const arr = charm.createArray(Cell, [n], [], { loadBalancing: 'RotateLB' }) as ArrayProxy<Cell>;
  const start = await arr.ret.pe();
  for (let step = 1; step <= 3; step++) {
    stir();
    const done = charm.createFuture<number[]>();
    arr.step(done);
    // RotateLB moves every element one PE on per step.
    assert.equal(await done, start.map((pe) => (pe + step) % numPes));
  }
});

test('insertions between broadcasts: each new element runs the broadcasts after its insertion, once', async () => {
  const numPes = charm.numPes();
  const arr = charm.createArray(Cell, { ndims: 1 }) as ArrayProxy<Cell>;
  const inserted: number[] = [];
  for (let round = 1; round <= 12; round++) {
    stir();
    const i = round - 1;
    arr.ckInsert([i], [], { onPE: (i * 3) % numPes });
    inserted.push(i);
    await arr.ckDoneInserting();
    assert.equal([...(await arr.ret.hit(round, round % 2 === 0))].sort((a, b) => a - b), inserted);
  }
  for (const [i, log] of await arr.ret.record()) assert.equal(log, range(12 - i, (k) => i + 1 + k), `element ${i}`);
});

runTests({ treeBranching: 2 });
