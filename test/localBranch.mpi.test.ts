// Direct access to a chare on this PE: a group's ckLocalBranch (Charm++ and
// Charm4py), a singleton's on its PE, and an array element's ckLocal
// (Charm++), before and after the element moves.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, type CollectionProxy } from '../lib';

/** A per-PE cache, the usual use of a local branch. */
class Cache extends Chare {
  hits = 0;
  /** True when the local branch seen from this member is the member itself. */
  selfIsBranch(): boolean {
    return this.thisProxy.ckLocalBranch() === this;
  }
  hitsHere(): number {
    return this.hits;
  }
  /** What ckLocalBranch says on this PE: the member's PE, or the error. */
  branchPe(): number | string {
    try {
      return this.thisProxy.ckLocalBranch().thisIndex;
    } catch (error) {
      return (error as Error).message;
    }
  }
}
charm.register(Cache);

/** A singleton: its own proxy's local branch is itself on its PE only. */
class Solo extends Chare {
  selfIsBranch(): boolean {
    return this.thisProxy.ckLocalBranch() === this;
  }
  whole(): CollectionProxy<Solo> {
    return this.thisProxy;
  }
}
charm.register(Solo);

class Cell extends Chare<[number]> {
  value = 0;
  /** Whether ckLocal of element `i`, asked on this PE, finds it here, and whether it is this chare. */
  look(i: number): [found: boolean, self: boolean] {
    const found = this.thisProxy[i].ckLocal();
    return [found !== undefined, found === this];
  }
  pe(): number {
    return charm.myPe();
  }
  moveTo(pe: number): void {
    this.migrate(pe);
  }
}
charm.register(Cell);

test('group: ckLocalBranch is this PE\'s member itself, on every PE and from main', async () => {
  const cache = charm.createGroup(Cache);
  const seen = await cache.ret.selfIsBranch();
  assert.equal(seen, new Array(charm.numPes()).fill(true));
  // main on PE 0 uses its member directly; a later call sees the change
  const mine = cache.ckLocalBranch();
  assert.is(mine.thisIndex, 0);
  mine.hits += 3;
  assert.is(await cache[0].ret.hitsHere(), 3);
});

test('group: a PE without a member, or one the creation has not reached yet, gets a named error', async () => {
  const fresh = charm.createGroup(Cache);
  assert.throws(() => fresh.ckLocalBranch(), /charmts: group of Cache\.ckLocalBranch\(\) on PE 0: the group of Cache has not been created on this PE yet \(its creation is on its way: `await charm\.awaitCreation\(group\)` first, or await a call to it;/);
  await fresh.awaitable.hitsHere();
  assert.is(fresh.ckLocalBranch().thisIndex, 0);
  const awaited = charm.createGroup(Cache);
  await charm.awaitCreation(awaited); // what the message advises
  assert.is(awaited.ckLocalBranch().thisIndex, 0);
  if (charm.numPes() < 2) return;
  const onOne = charm.createGroup(Cache, [], { onPEs: [1] });
  await onOne[1].awaitable.hitsHere();
  assert.throws(() => onOne.ckLocalBranch(), /charmts: group of Cache\.ckLocalBranch\(\) on PE 0: the group of Cache has no member on this PE \(it lives on PE 1\)$/);
  assert.is(await onOne[1].ret.branchPe(), 1);
});

test('singleton: ckLocalBranch on its own PE is the chare; elsewhere a named error', async () => {
  const pe = charm.numPes() - 1;
  const solo = charm.createChare(Solo, [], { onPE: pe });
  assert.is(await solo.ret.selfIsBranch(), true);
  const whole = await solo.ret.whole();
  if (pe === 0) assert.is(whole.ckLocalBranch().thisIndex, 0);
  else assert.throws(() => whole.ckLocalBranch(), new RegExp(`charmts: singleton Solo\\.ckLocalBranch\\(\\) on PE 0: the singleton Solo has no member on this PE \\(it lives on PE ${pe}\\)$`));
});

test('array: ckLocal finds an element on its PE only, and follows it when it moves', async () => {
  const numPes = charm.numPes();
  const cells = charm.createArray(Cell, [numPes]);
  // each element finds itself, and (np > 1) not its neighbour on another PE
  for (let i = 0; i < numPes; i++) {
    assert.equal(await cells[i].ret.look(i), [true, true], `Cell[${i}] looking at itself`);
    if (numPes > 1) assert.equal(await cells[i].ret.look((i + 1) % numPes), [false, false], `Cell[${i}] looking at its neighbour`);
  }
  const home = await cells[0].ret.pe();
  assert.is(cells[0].ckLocal() !== undefined, home === 0, 'main sees Cell[0] exactly when it lives on PE 0');
  if (numPes < 2) return;
  // Cell[1] moves to PE 0: found there (by main and by Cell[0]), no longer on its old PE
  cells[1].moveTo(0);
  await charm.waitQD();
  assert.is(await cells[1].ret.pe(), 0);
  const moved = cells[1].ckLocal();
  assert.ok(moved, 'Cell[1] is on PE 0 after its move');
  assert.is(moved.thisIndex[0], 1);
  assert.equal(await cells[0].ret.look(1), [true, false]);
  assert.equal(await cells[2 % numPes].ret.look(1), [numPes === 2, false]);
});

runTests();
