// np: 1 2 3 4 5
// Exactly once when an index is deleted and inserted again without waiting
// (issue 12's fault 2 and the insert, destroy, insert race): the new
// element is made once the old one is gone, calls after it reach it once,
// calls right after a deletion are refused. Split from exactly.mpi.test.ts;
// run at np 1 to 5, as homes and askers land differently with the PE count.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, type Future, type ArrayProxy } from '../lib';

type Index = readonly number[];

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

/** An element that knows which insertion of its index it is. */
class Generation extends Chare<Index> {
  constructor(readonly generation: number) {
    super();
  }
  /** Holds this element's PE (messages to it wait meanwhile). */
  spin(ms: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end);
  }
  whoAmI(): [generation: number, pe: number] {
    return [this.generation, charm.myPe()];
  }
  /** The calls to note, in the order they ran. */
  notes: number[] = [];
  note(k: number): void {
    this.notes.push(k);
  }
  record(): { index: number; generation: number; notes: number[] } {
    return { index: this.thisIndex[0], generation: this.generation, notes: this.notes };
  }
}
charm.register(Generation);

/**
 * Keeps the PE of element `busy` busy for `ms` (a call from the PE that deletes next: calls from one PE
 * to an element that stays put arrive in order, so the spin runs before the deletion and the deletion waits).
 */
function keepBusy(a: ArrayProxy<Generation>, busy: number, ms: number): void {
  a.at([busy]).spin(ms);
}

/** Deletes each target and inserts its index again at once, calls the new element, then waits for the deletions. */
async function replace(a: ArrayProxy<Generation>, targets: { index: number; onPE: number }[], busy: number): Promise<[number, number][]> {
  keepBusy(a, busy, 50);
  const deletions = targets.map((t) => a.at([t.index]).ckDestroy());
  for (const t of targets) a.ckInsert([t.index], [1], { onPE: t.onPE });
  const answers = await Promise.all(targets.map((t) => a.at([t.index]).ret.whoAmI()));
  await Promise.all(deletions);
  return answers;
}

/** Deletes each index and calls it at once: each call is refused (it follows the deletion). */
async function destroyAndCall(a: ArrayProxy<Generation>, indices: number[]): Promise<string[]> {
  keepBusy(a, indices[0], 20);
  const deletions = indices.map((i) => a.at([i]).ckDestroy());
  const calls = indices.map(async (i) => {
    try {
      return `answered ${JSON.stringify(await a.at([i]).ret.whoAmI())}`;
    } catch (e) {
      return (e as Error).message;
    }
  });
  await Promise.all(deletions);
  return Promise.all(calls);
}

/**
 * For each target: inserts its index `cycles` times with a deletion between, none awaited (generation k
 * on PE onPE[k - 1]), then calls note(0..2) on it; returns what the last generation answers once the
 * deletions are done.
 */
async function churn(a: ArrayProxy<Generation>, targets: { index: number; onPE: number[] }[], cycles: number): Promise<[number, number][]> {
  const deletions: Future<void>[] = [];
  for (const t of targets) {
    for (let k = 1; k <= cycles; k++) {
      a.ckInsert([t.index], [k], { onPE: t.onPE[k - 1] });
      deletions.push(a.at([t.index]).ckDestroy());
    }
    a.ckInsert([t.index], [cycles + 1], { onPE: t.onPE[cycles] });
    for (let k = 0; k < 3; k++) a.at([t.index]).note(k);
  }
  const answers = await Promise.all(targets.map((t) => a.at([t.index]).ret.whoAmI()));
  await Promise.all(deletions);
  return answers;
}

/**
 * For each target (its element inserted and done with): deletes it, inserts its index again, deletes and
 * inserts it once more, none awaited, then makes `calls` calls of note on it; returns what the last element
 * answers. The notes are all made after the second deletion: the second element must see none of them.
 */
async function twiceThenBurst(a: ArrayProxy<Generation>, targets: { index: number; onPE: number[] }[], calls: number, resume = false): Promise<[number, number][]> {
  for (const t of targets) {
    const first = a.at([t.index]).ckDestroy();
    a.ckInsert([t.index], [2], { onPE: t.onPE[0] });
    a.at([t.index]).ckDestroy();
    a.ckInsert([t.index], [3], { onPE: t.onPE[1] });
    if (resume) await first; // the first element is gone; the second may be made, its deletion still on its way
    for (let k = 0; k < calls; k++) a.at([t.index]).note(k);
  }
  return Promise.all(targets.map((t) => a.at([t.index]).ret.whoAmI()));
}

/**
 * Calls the element at `index` (this PE knows nothing of it: the call goes by its home, which the element
 * `busy` keeps busy next), deletes it, learns where it is from the first call's forwarded delivery, then
 * calls it again: what the second call gets (its deletion was made first: refused).
 */
async function learnAfterDestroy(a: ArrayProxy<Generation>, index: number, busy: number): Promise<string> {
  const first = a.at([index]).ret.whoAmI();
  keepBusy(a, busy, 100);
  const deletion = a.at([index]).ckDestroy();
  await first; // the element's PE told this one where it is before it answered
  let got: string;
  try {
    got = `answered ${JSON.stringify(await a.at([index]).ret.whoAmI())}`;
  } catch (e) {
    got = (e as Error).message;
  }
  await deletion;
  return got;
}

class Replacer extends Chare {
  learnAfterDestroy(a: ArrayProxy<Generation>, index: number, busy: number): Promise<string> {
    return learnAfterDestroy(a, index, busy);
  }
  twiceThenBurst(a: ArrayProxy<Generation>, targets: { index: number; onPE: number[] }[], calls: number, resume: boolean): Promise<[number, number][]> {
    return twiceThenBurst(a, targets, calls, resume);
  }
  churn(a: ArrayProxy<Generation>, targets: { index: number; onPE: number[] }[], cycles: number): Promise<[number, number][]> {
    return churn(a, targets, cycles);
  }
  replace(a: ArrayProxy<Generation>, targets: { index: number; onPE: number }[], busy: number): Promise<[number, number][]> {
    return replace(a, targets, busy);
  }
  destroyAndCall(a: ArrayProxy<Generation>, indices: number[]): Promise<string[]> {
    return destroyAndCall(a, indices);
  }
}
charm.register(Replacer);

test('fault 2: ckDestroy then ckInsert of the same index at once, from any PE, while the old element\'s PE is busy: the new element is made once the old one is gone', async () => {
  const numPes = charm.numPes();
  const replacers = charm.createGroup(Replacer);
  for (const caller of new Set([0, numPes - 1])) {
    const a = charm.createArray(Generation, { ndims: 1 });
    // An element on every PE x for every home h (round-robin map: index h + numPes * k).
    const placed = range(numPes).flatMap((x) => range(numPes).map((h) => ({ x, index: h + numPes * (x + 1), onPE: (x + 1) % numPes })));
    for (const p of placed) a.ckInsert([p.index], [0], { onPE: p.x });
    await a.ckDoneInserting();
    for (let x = 0; x < numPes; x++) {
      const here = placed.filter((p) => p.x === x);
      // The deletions wait behind a spin on PE x; the insertions reach the homes before them
      // (only what the home knows of the deletion can order the two).
      const targets = here.map(({ index, onPE }) => ({ index, onPE }));
      const busy = here[0].index;
      const answers = caller === 0 ? await replace(a, targets, busy) : await replacers[caller].ret.replace(a, targets, busy);
      assert.equal(answers, here.map((p) => [1, p.onPE]), `elements on PE ${x} replaced from PE ${caller}: the new ones answer, where they were inserted`);
    }
    await a.ckDoneInserting();
    const all = await a.ret.whoAmI();
    assert.equal(all, placed.map((p) => [1, p.onPE]), 'each index once, the new element only');
    // A call right after ckDestroy is refused, wherever the element is (on the caller's PE too), however busy its PE.
    for (let pe = 0; pe < numPes; pe++) {
      const here = placed.filter((p) => p.onPE === pe).map((p) => p.index);
      const refusals = caller === 0 ? await destroyAndCall(a, here) : await replacers[caller].ret.destroyAndCall(a, here);
      here.forEach((i, k) => assert.ok(refusals[k].endsWith(`Generation[${i}] was deleted: the call to whoAmI was not delivered`), `a call from PE ${caller} right after deleting Generation[${i}] on PE ${pe}: ${refusals[k]}`));
    }
  }
});

test('ckInsert, ckDestroy, ckInsert of one index at once (and twice round), from a PE other than the home, the first element off its home: one live element, the last, and each call after it delivered once', async () => {
  // The deletion's notice goes to the home directly, the first insertion by way of PE 0: the notice
  // came first, found no element to mark, and the second insertion was refused ('the element already
  // exists') once the first was made. Every asker x and home h (round-robin map), indices of their own.
  const numPes = charm.numPes();
  const replacers = charm.createGroup(Replacer);
  for (const cycles of [1, 2]) {
    const a = charm.createArray(Generation, { ndims: 1 });
    const byAsker = range(numPes).map((x) =>
      range(numPes)
        .filter((h) => h !== x || numPes === 1)
        .map((h) => ({ index: h + numPes * (x + 1), onPE: range(cycles + 1).map((k) => (h + 1 + k * x) % numPes) })),
    );
    const answers = await Promise.all(byAsker.map((targets, x) => replacers[x].ret.churn(a, targets, cycles)));
    byAsker.forEach((targets, x) =>
      assert.equal(answers[x], targets.map((t) => [cycles + 1, t.onPE[cycles]]), `from PE ${x}, ${cycles} deletion(s) each: the last element answers, where it was inserted`),
    );
    await a.ckDoneInserting();
    await charm.waitQD();
    const all = await a.ret.record();
    const expected = byAsker.flat().map((t) => ({ index: t.index, generation: cycles + 1, notes: [0, 1, 2] }));
    assert.equal(all.sort((p, q) => p.index - q.index), expected.sort((p, q) => p.index - q.index), 'each index once, the last element, every call once');
  }
});

test('ckDestroy, ckInsert, ckDestroy, ckInsert, then a burst of calls, from any PE (the home too, resuming after the first deletion): every call reaches the last element, in order, none the one deleted second', async () => {
  // The first deletion's call went on from the home to the first element; the second's followed it there
  // (the record still named it); once the first Deleted came and the second element was made, the home sent
  // the rest of the burst straight to it, ahead of the second deletion coming back by way of the first PE.
  // A home asking itself sent its calls straight by its record: resumed after the first Deleted, the same.
  const numPes = charm.numPes();
  const replacers = charm.createGroup(Replacer);
  const calls = 400;
  const a = charm.createArray(Generation, { ndims: 1 });
  // Asker x: every other home h (index h + numPes (x + 1)), and itself as home (index x + numPes (numPes + 1 + x)).
  const byAsker = range(numPes).map((x) =>
    [...range(numPes).filter((h) => h !== x), x].map((h, k, all) => ({
      index: h + numPes * (k === all.length - 1 ? numPes + 1 + x : x + 1),
      first: (h + 1) % numPes,
      onPE: [(h + 2) % numPes, (h + 3) % numPes],
      resume: h === x,
    })),
  );
  for (const t of byAsker.flat()) a.ckInsert([t.index], [1], { onPE: t.first });
  await a.ckDoneInserting();
  const answers = await Promise.all(
    byAsker.map(async (targets, x) => [
      ...(await replacers[x].ret.twiceThenBurst(a, targets.filter((t) => !t.resume), calls, false)),
      ...(await replacers[x].ret.twiceThenBurst(a, targets.filter((t) => t.resume), calls, true)),
    ]),
  );
  byAsker.forEach((targets, x) => assert.equal(answers[x], targets.map((t) => [3, t.onPE[1]]), `from PE ${x}: the third element answers, where it was inserted`));
  await a.ckDoneInserting();
  await charm.waitQD();
  const all = (await a.ret.record()).sort((p, q) => p.index - q.index);
  const expected = byAsker.flat().map((t) => ({ index: t.index, generation: 3, notes: range(calls) })).sort((p, q) => p.index - q.index);
  all.forEach((got, k) => assert.equal(got, expected[k], `Generation[${got.index}]: the third element, every note once, in order`));
  assert.is(all.length, expected.length, 'one element per index');
});

test('a call made after ckDestroy, once the caller has learnt where the element is, is refused: it follows the deletion, which waits at a busy home', async () => {
  // The deletion went by the home (the caller knew nothing of the element); the first call's forwarded
  // delivery then told the caller where the element is, and the next call went straight there, ahead of the
  // deletion, which waited behind a spin at the home: it ran on the element deleted before it was made.
  const numPes = charm.numPes();
  const replacers = charm.createGroup(Replacer);
  const a = charm.createArray(Generation, { ndims: 1 });
  // Caller x, home x + 1, element on x + 2 (distinct from np 3; the same PEs below); a busy element at the home.
  const cases = range(numPes).map((x) => {
    const home = (x + 1) % numPes;
    return { x, home, index: home + numPes * (10 + x), busy: home + numPes * (30 + x), onPE: (x + 2) % numPes };
  });
  for (const c of cases) {
    a.ckInsert([c.index], [1], { onPE: c.onPE });
    a.ckInsert([c.busy], [1], { onPE: c.home });
  }
  await a.ckDoneInserting();
  for (const c of cases) {
    const got = await replacers[c.x].ret.learnAfterDestroy(a, c.index, c.busy);
    assert.ok(
      got.endsWith(`Generation[${c.index}] was deleted: the call to whoAmI was not delivered`),
      `from PE ${c.x}, home PE ${c.home}, element on PE ${c.onPE}: the call after ckDestroy: ${got}`,
    );
  }
});

runTests();
