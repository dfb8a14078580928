// np: 1 2 3 4
// Deleting a whole chare array (`arr.ckDestroy()`, Charm++'s
// CProxy_A::ckDestroy()): every element on every PE goes, broadcasts made
// before it run first, calls after it are refused with an error naming the
// array (at once where the deletion is known, at the receiver for a call
// in flight; calls the home held for an index not made yet too), and a
// PE's tables do not keep anything of an array deleted: 100 arrays
// created, used (broadcasts, reductions, migrations, a section) and
// deleted leave no part, reference or location record behind.
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Reducer, RemoteError, type ArrayProxy, type CollectionProxy, type Future, type Section } from '../lib';
import { localCollection, localCollections, sendCall } from '../lib/collections/collections';
import { CallMode, type CallTarget } from '../lib/model/proxy';
import { METHOD_DESTROY } from '../lib/model/methodIds';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

class Cell extends Chare<readonly number[]> {
  bcasts = 0;
  where(): number {
    return charm.myPe();
  }
  count(done: Future<number[], number>): void {
    this.bcasts++;
    done.send(this.bcasts);
  }
  sum(done: Future<number>): void {
    this.contribute(1, Reducer.sum, done);
  }
  /** Contributes 1 to a sum over `section`, to `done`. */
  give(section: Section<Cell>, done: Future<number>): void {
    this.contribute(1, Reducer.sum, done, section);
  }
  /** Keeps this PE busy for `ms` (the deletion waits in its queue), then contributes 1 to a sum to `done`. */
  stallThenSum(ms: number, done: Future<number>): void {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // deaf to messages
    }
    this.contribute(1, Reducer.sum, done);
  }
  moveOn(): void {
    this.migrate((charm.myPe() + 1) % charm.numPes());
  }
  /** Answers after `ms` (suspended meanwhile). */
  async slow(ms: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return charm.myPe();
  }
  /** Joins an allReduce the others never join: the error it ends with, or '' if it completed. */
  async lonelyAllReduce(): Promise<string> {
    try {
      await this.allReduce(1, Reducer.sum);
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  }
  open = false;
  guarded(): string {
    return 'ran';
  }
  /** An iterative loop started by a broadcast nobody awaits: some work and an allReduce per iteration, for good. */
  async iterate(): Promise<void> {
    for (;;) {
      await charm.sleep(0.001);
      await this.allReduce(1, Reducer.sum);
    }
  }
  /** Keeps this PE busy for `ms`, then moves to PE `to` (as the method returns). */
  stallThenMove(ms: number, to: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // deaf to messages: the deletion waits in the queue
    }
    this.migrate(to);
  }
}
charm.register(Cell);
charm.when(Cell, 'guarded', (self) => self.open);

/** How `p` settled: its value or error, or, should it hang for `ms`, an error saying so (which the test's assertion shows). */
async function settles<T>(what: string, p: PromiseLike<T>, ms = 20_000): Promise<{ value?: T; error?: Error }> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<{ error: Error }>((resolve) => (timer = setTimeout(() => resolve({ error: new Error(`${what} did not settle within ${ms} ms`) }), ms)));
  try {
    return await Promise.race([Promise.resolve(p).then((value) => ({ value }), (error: Error) => ({ error })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** One per PE: holds proxies, calls through them, and looks at this PE's tables. */
class Probe extends Chare {
  kept: ArrayProxy<Cell> | undefined;
  watched: WeakRef<object>[] = [];
  keep(arr: ArrayProxy<Cell>): void {
    this.kept = arr;
  }
  /** Calls element 0 through the proxy kept before the deletion: the error, or '' if it went out. */
  callKept(): string {
    try {
      this.kept!.at([0]).where();
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  }
  /** Calls element 0 through `arr`, received now, after the deletion. */
  callReceived(arr: ArrayProxy<Cell>): string {
    try {
      arr.at([0]).where();
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  }
  /** Joins an allReduce over `section`: the error it ends with, or '' if it completed. */
  async join(section: Section<unknown, unknown>): Promise<string> {
    try {
      await this.allReduce(1, Reducer.sum, section);
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  }
  /** Joins allReduces over `section` for good, in a method nobody awaits. */
  async loopOver(section: Section<unknown, unknown>): Promise<void> {
    for (;;) await this.allReduce(1, Reducer.sum, section);
  }
  /** Waits `ms`, then joins an allReduce over `section`, in a method nobody awaits. */
  async joinLater(section: Section<unknown, unknown>, ms: number): Promise<void> {
    await charm.sleep(ms / 1000);
    await this.allReduce(1, Reducer.sum, section);
  }
  collections(): number {
    return [...localCollections()].length;
  }
  /** Watches this PE's part of array `id` and its reference: they must be collected once the array is deleted. */
  watch(id: number): void {
    const part = localCollection(id);
    if (part) this.watched.push(new WeakRef(part), new WeakRef(part.ref));
  }
  /** The watched objects still alive after a full GC. */
  async alive(): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 20)); // reduction hint timers (2 ms) let go of their managers
    collectGarbage();
    collectGarbage();
    return this.watched.filter((w) => w.deref() !== undefined).length;
  }
}
charm.register(Probe);

let probes: CollectionProxy<Probe>;

test('set up', async () => {
  probes = charm.createGroup(Probe);
  await probes.awaitable.collections();
});

const idOf = (arr: unknown): number => (arr as CallTarget).__ref.id;

test('ckDestroy deletes the array on every PE after the broadcasts made before it; later calls are refused naming it', async () => {
  const n = 3 * charm.numPes();
  const arr = charm.createArray(Cell, [n]);
  await probes.awaitable.keep(arr);
  const before = await probes.ret.collections();
  const counted = charm.createFuture<number>(n);
  arr.count(counted);
  const deleted = arr.ckDestroy();
  assert.throws(() => arr.at([1]).where(), /Cell\[1\]\.where: the Cell array \(collection \d+\) was deleted/, 'refused at once on the PE that asked');
  await deleted;
  assert.equal(await counted, new Array<number>(n).fill(1), 'the broadcast made before the deletion ran on every element');
  assert.equal(await probes.ret.collections(), before.map((c) => c - 1), 'every PE dropped its part');
  assert.throws(() => arr.count(counted), /Cell array\.count: the Cell array \(collection \d+\) was deleted/);
  assert.throws(() => arr.ckDestroy(), /ckDestroy: the Cell array/);
  for (const message of await probes.ret.callKept()) assert.match(message, /Cell\[0\]\.where: the Cell array \(collection \d+\) was deleted/, 'a proxy kept on another PE');
  for (const message of await probes.ret.callReceived(arr)) assert.match(message, /the Cell array \(collection \d+\) was deleted/, 'a proxy received after the deletion');
});

test('a call in flight when the deletion reaches its PE is refused there: its future rejects naming array, element and method', async () => {
  const arr = charm.createArray(Cell, [charm.numPes()]);
  const ref = (arr as unknown as CallTarget).__ref;
  await arr.ckDestroy();
  const last = charm.numPes() - 1;
  // As a call sent before the sender knew: straight to the element's PE, past the sender's check.
  const call = sendCall(ref, last, [last], ref.info.methodIds.get('where')!, [], CallMode.Result, false, 1)!;
  try {
    await call;
    assert.unreachable('the call must be refused');
  } catch (error) {
    assert.instance(error, RemoteError);
    const message = (error as Error).message;
    assert.ok(message.includes(`a call to where of element [${last}], sent from PE 0, was not delivered: the Cell array (collection ${ref.id}) was deleted`), message);
  }
});

test("a runtime call in flight (an element's ckDestroy) is refused under its name, never a method number", async () => {
  const arr = charm.createArray(Cell, [charm.numPes()]);
  const ref = (arr as unknown as CallTarget).__ref;
  await arr.ckDestroy();
  const last = charm.numPes() - 1;
  const call = sendCall(ref, last, [last], METHOD_DESTROY, [0, 1], CallMode.Completion, false, 1)!;
  try {
    await call;
    assert.unreachable('the call must be refused');
  } catch (error) {
    const message = (error as Error).message;
    assert.ok(message.includes(`a call to ckDestroy of element [${last}], sent from PE 0, was not delivered: the Cell array (collection ${ref.id}) was deleted`), message);
    assert.not.match(message, /#\d/);
  }
});

test('calls the home held for an index not inserted yet are refused at the deletion', async () => {
  const arr = charm.createArray(Cell, { ndims: 1 });
  const last = charm.numPes() - 1;
  const held = arr.at([last]).ret.where(); // its home is PE last (round-robin map): held there
  await probes.at(last).awaitable.collections(); // sent after the call, on the same pair of PEs: the call is in
  const deleted = arr.ckDestroy();
  try {
    await held;
    assert.unreachable('the held call must be refused');
  } catch (error) {
    assert.match((error as Error).message, /a call to where of element \[\d+\], sent from PE 0, was not delivered: the Cell array \(collection \d+\) was deleted/);
  }
  await deleted;
});

test('two ckDestroy calls, from PE 0 and another PE: one completes, the other is rejected naming the array', async () => {
  if (charm.numPes() < 2) return;
  const arr = charm.createArray(Cell, [charm.numPes()]);
  const other = charm.createChare(Deleter, [], { onPE: 1 });
  // Which request PE 0 takes first is not ordered: its own (local) or the other PE's (through MPI).
  const first = arr.ckDestroy().then(() => '', (error: unknown) => (error as Error).message);
  const second = other.ret.destroy(arr);
  const outcomes = [await first, await second];
  assert.is(outcomes.filter((o) => o === '').length, 1, `one deletion completes: ${JSON.stringify(outcomes)}`);
  assert.match(outcomes.find((o) => o !== '') ?? '', /ckDestroy: the Cell array \(collection \d+\) was deleted/);
});

test('an awaited broadcast whose replies are not in when the array is deleted is rejected with the deleted error', async () => {
  const arr = charm.createArray(Cell, [2 * charm.numPes()]);
  // Every element suspended: no reply is in at the deletion. (Awaited from now on: a rejection nobody awaits ends the job.)
  const replies = settles('the awaited broadcast', arr.ret.slow(300));
  await arr.ckDestroy();
  const { error } = await replies;
  assert.match(error?.message ?? 'resolved', /the Cell array \(collection \d+\) was deleted/);
});

test("a reduction under way at the deletion: its future and an element's awaited allReduce are rejected, once", async () => {
  const arr = charm.createArray(Cell, [2 * charm.numPes()]);
  const done = charm.createFuture<number>();
  const reduced = settles('the reduction future', done);
  arr.at([0]).sum(done); // element 0 (PE 0) alone contributes: the others never will
  const other = charm.createArray(Cell, [2 * charm.numPes()]);
  const lonely = settles('the allReduce', other.at([1]).ret.lonelyAllReduce());
  await probes.awaitable.collections(); // both contributions are in
  await arr.ckDestroy();
  await other.ckDestroy();
  const { error, value: sum } = await reduced;
  assert.match(error?.message ?? `resolved with ${sum}`, /the Cell array \(collection \d+\) was deleted/);
  const { value, error: failed } = await lonely;
  assert.match(value ?? failed?.message ?? '', /the Cell array \(collection \d+\) was deleted/);
  await probes.awaitable.collections(); // nothing more arrives (a second value to a future would end the job)
});

test("a reduction to a future none of whose parts reached PE 0 at the deletion is rejected, once: held lower in the tree, or in flight to a PE that deleted its part", async () => {
  if (charm.numPes() < 2) return; // every part is PE 0's
  const n = 2 * charm.numPes();
  const last = charm.numPes() - 1;
  const arr = charm.createArray(Cell, [n]);
  const onLast = (await arr.ret.where()).flatMap((pe, i) => (pe === last ? [i] : []));
  const held = charm.createFuture<number>();
  const heldSettles = settles('the reduction held on the last PE', held);
  arr.at([onLast[0]]).sum(held); // one of the last PE's elements: that PE holds its part
  await probes.at(last).awaitable.collections(); // it is in
  await arr.ckDestroy();
  const a = await heldSettles;
  assert.match(a.error?.message ?? `resolved with ${a.value}`, /the Cell array \(collection \d+\) was deleted/);
  const arr2 = charm.createArray(Cell, [n]);
  const inFlight = charm.createFuture<number>();
  const inFlightSettles = settles('the reduction in flight', inFlight);
  arr2.at([onLast[0]]).sum(inFlight);
  await probes.at(last).awaitable.collections();
  arr2.at([onLast[1]]).stallThenSum(500, inFlight); // completes the last PE's part after its parent deleted its part
  await arr2.ckDestroy();
  const b = await inFlightSettles;
  assert.match(b.error?.message ?? `resolved with ${b.value}`, /the Cell array \(collection \d+\) was deleted/);
  await probes.awaitable.collections(); // nothing more arrives (a second value to a future would end the job)
});

test('an array deleted with more section reductions under way than a PE keeps records of dropped sections (300): every future settles, once', async () => {
  const n = 2 * charm.numPes();
  const arr = charm.createArray(Cell, [n]);
  const futures: Future<number>[] = [];
  for (let k = 0; k < 300; k++) {
    const section = charm.createSection(arr, [[0], [n - 2], [n - 1]]);
    const f = charm.createFuture<number>();
    arr.at([n - 2]).give(section, f); // the last members' PE holds the partial: [n - 1] never contributes
    futures.push(f);
  }
  await charm.waitQD();
  await arr.ckDestroy();
  const outcomes = await Promise.all(futures.map((f, k) => settles(`section reduction ${k}`, f)));
  outcomes.forEach((o, k) => assert.match(o.error?.message ?? `resolved with ${o.value}`, /the Cell array \(collection \d+\) was deleted/, `section reduction ${k}`));
  await probes.awaitable.collections(); // nothing more arrives (a second value to a future would end the job)
});

test("a group member of a combined section whose array is deleted, in a method nobody awaits: waiting in an allReduce, or joining one after the deletion, it ends quietly", async () => {
  const arr = charm.createArray(Cell, [charm.numPes()]);
  const both = charm.combine<unknown>(arr, probes);
  await probes.awaitable.collections();
  probes.loopOver(both); // the array's members never join
  await probes.awaitable.collections();
  await arr.ckDestroy();
  probes.joinLater(both, 1); // every PE has deleted its part: refused at the call
  await charm.sleep(0.3);
  // A fatal error from a probe's method would have ended the job by now.
  assert.is((await probes.ret.collections()).length, charm.numPes());
});

test('deleting an array whose elements loop on allReduce in methods nobody awaits ends those methods quietly; the job goes on', async () => {
  const arr = charm.createArray(Cell, [2 * charm.numPes()]);
  arr.iterate();
  await new Promise((resolve) => setTimeout(resolve, 100)); // iterating
  await arr.ckDestroy();
  // A fatal error from a member's loop would have ended the job by now.
  assert.is((await probes.ret.collections()).length, charm.numPes());
});

test("a call waiting on its when condition in an element migrating at the deletion is refused to its caller", async () => {
  if (charm.numPes() < 2) return;
  const arr = charm.createArray(Cell, [charm.numPes()]);
  const last = charm.numPes() - 1;
  const waiting = settles('the waiting call', arr.at([last]).ret.guarded()); // waits: open is false
  await probes.at(last).awaitable.collections(); // it is in
  arr.at([last]).stallThenMove(500, 0); // leaves PE last after PE 0 has deleted its part
  await arr.ckDestroy();
  const { error } = await waiting;
  assert.match(error?.message ?? 'resolved', /Cell\[\d+\] was (migrating when its array was deleted|deleted with its array)/);
});

test("a section multicast reaching a PE after the deletion: each member's result is refused, none lost", async () => {
  if (charm.numPes() < 2) return;
  const n = 2 * charm.numPes();
  const arr = charm.createArray(Cell, [n]);
  const section = charm.createSection(arr, Array.from({ length: n }, (_, i) => [i]));
  await section.awaitable.where(); // established on every PE
  const caller = charm.createChare(Deleter, [], { onPE: charm.numPes() - 1 });
  const called = settles('the section multicast', caller.ret.multicastLater(section, 500)); // after PE 0 has deleted its part
  await arr.ckDestroy();
  const { value, error } = await called;
  assert.match(value ?? error?.message ?? '', /was deleted/);
});

test("reductions over a section of a deleted array settle: a member's to a future, and a combined section's live members' allReduce", async () => {
  const n = 2 * charm.numPes();
  const arr = charm.createArray(Cell, [n]);
  const section = charm.createSection(arr, Array.from({ length: n }, (_, i) => [i]));
  await section.awaitable.where();
  const done = charm.createFuture<number>();
  const reduced = settles('the section reduction', done);
  arr.at([0]).give(section, done); // the others never will
  await probes.awaitable.collections();
  await arr.ckDestroy();
  const { error, value } = await reduced;
  assert.match(error?.message ?? `resolved with ${value}`, /the Cell array \(collection \d+\) was deleted/);
  // An array and the group of probes: the probes join before the deletion (the array's members never do) and after it.
  const arr2 = charm.createArray(Cell, [charm.numPes()]);
  const both = charm.combine<unknown>(arr2, probes);
  const before = Array.from({ length: charm.numPes() }, (_, pe) => settles(`probe ${pe}'s allReduce`, probes.at(pe).ret.join(both)));
  await probes.awaitable.collections();
  await arr2.ckDestroy();
  for (const joined of await Promise.all(before)) assert.match(joined.value ?? joined.error?.message ?? '', /the Cell array \(collection \d+\) was deleted/);
  const after = await settles("probe 0's allReduce after the deletion", probes.at(0).ret.join(both));
  assert.match(after.value ?? after.error?.message ?? '', /Probe\[0\]\.contribute to a section: the Cell array \(collection \d+\) was deleted/);
});

class Deleter extends Chare {
  /** Stalls `ms` (the deletion waits in this PE's queue), then calls the section and awaits it: its error, or '' if it completed. */
  async multicastLater(section: Section<Cell>, ms: number): Promise<string> {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // deaf to messages
    }
    try {
      await section.ret.where();
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  }
  /** Deletes `arr` from here: the error, or '' if the deletion completed. */
  async destroy(arr: ArrayProxy<Cell>): Promise<string> {
    try {
      await arr.ckDestroy();
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  }
}
charm.register(Deleter);

/** Creates an array, uses it and deletes it (in a function of its own: nothing here holds its proxy afterwards). */
async function useAndDelete(loadBalancing: boolean): Promise<void> {
  const n = 2 * charm.numPes();
  const arr = charm.createArray(Cell, [n], [], { loadBalancing });
  await probes.awaitable.watch(idOf(arr));
  const section = charm.createSection(arr, [[0], [n - 1]]);
  await section.awaitable.where();
  const done = charm.createFuture<number>();
  arr.sum(done);
  assert.is(await done, n);
  arr.at([0]).moveOn();
  await arr.awaitable.where();
  await arr.ckDestroy();
}

test('100 arrays created, used and deleted leave nothing on any PE', async () => {
  const before = await probes.ret.collections();
  for (let round = 0; round < 100; round++) await useAndDelete(round % 2 === 0);
  assert.equal(await probes.ret.collections(), before);
  assert.equal(await probes.ret.alive(), new Array<number>(charm.numPes()).fill(0), 'no part or reference of a deleted array is kept');
});

runTests();
