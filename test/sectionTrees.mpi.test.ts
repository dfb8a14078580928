// np: 1 2 3 4 5
// Sections over a spanning tree of their members' PEs (lib/sections/):
// sections whose members avoid PE 0 (so the tree's root is another PE),
// members that migrate between multicasts and reductions, many sections
// and many reductions in flight at once, sections built by split, union
// and combine, ordered reducers in member order, and multicasts that carry
// the section id rather than its member table. Run with tree branching 2
// at np 1 to 5, so that section trees have inner PEs and uneven shapes.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, Reducer, type ArrayProxy, type Section } from '../lib';

type Index = readonly number[];
type Tagged = [string, number];

class Cell extends Chare<Index> {
  log: number[] = [];
  where(): [number, number] {
    return [this.thisIndex[0], charm.myPe()];
  }
  hit(round: number): string {
    this.log.push(round);
    return `cell ${this.thisIndex[0]}`;
  }
  seen(): number[] {
    return [...this.log].sort((a, b) => a - b);
  }
  wander(): void {
    this.migrate((charm.myPe() + 1) % charm.numPes());
  }
  sum(section: Section<Cell>, f: Future<number>): void {
    this.contribute(this.thisIndex[0] + 1, Reducer.sum, f, section);
  }
  sumIfIn(section: Section<Cell>, f: Future<number>): void {
    if (section.members.some((i) => i[0] === this.thisIndex[0])) this.sum(section, f);
  }
  /** Contributes to `fs.length` reductions in a row: they are all in flight at once. */
  sums(section: Section<Cell>, fs: Future<number>[]): void {
    fs.forEach((f, k) => this.contribute((this.thisIndex[0] + 1) * (k + 1), Reducer.sum, f, section));
  }
  order(section: Section<Cell, unknown>, f: Future<Tagged[]>, g: Future<Tagged[]>): void {
    this.contribute(['c', this.thisIndex[0]], Reducer.gather, f, section);
    this.contribute([['c', this.thisIndex[0]]], Reducer.concat, g, section);
  }
  async allSum(section: Section<Cell>, rounds: number): Promise<number[]> {
    const out: number[] = [];
    for (let k = 0; k < rounds; k++) out.push(await this.allReduce(this.thisIndex[0] + k, Reducer.sum, section));
    return out;
  }
}
charm.register(Cell);

/** A group member whose entry methods are declared in another order than Cell's: a combined section maps them by name. */
class Peer extends Chare {
  log: number[] = [];
  order(section: Section<Cell, unknown>, f: Future<Tagged[]>, g: Future<Tagged[]>): void {
    this.contribute(['p', this.thisIndex], Reducer.gather, f, section);
    this.contribute([['p', this.thisIndex]], Reducer.concat, g, section);
  }
  hit(round: number): string {
    this.log.push(round);
    return `peer ${this.thisIndex}`;
  }
  where(): [number, number] {
    return [this.thisIndex, charm.myPe()];
  }
  /** Makes a section here and broadcasts it to the whole array at once: its members contribute while the Establish goes down the section's tree. */
  spread(arr: ArrayProxy<Cell>, indices: number[][], f: Future<number>): void {
    arr.sumIfIn(charm.createSection(arr, indices), f);
  }
  /** A section made here, of the elements given (its Establish starts from this PE). */
  sectionOf(arr: ArrayProxy<Cell>, indices: number[][]): Section<Cell> {
    return charm.createSection(arr, indices);
  }
  async allSum(section: Section<Peer>, rounds: number): Promise<number[]> {
    const out: number[] = [];
    for (let k = 0; k < rounds; k++) out.push(await this.allReduce(this.thisIndex + k, Reducer.sum, section));
    return out;
  }
}
charm.register(Peer);

const numPes = (): number => charm.numPes();
/** Every PE but PE 0 (PE 0 alone at np 1). */
const notZero = (): number[] => (numPes() === 1 ? [0] : Array.from({ length: numPes() - 1 }, (_, k) => numPes() - 1 - k));
const sumOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

test('a group section on every PE but PE 0, highest first: multicasts, reductions and allReduce complete at its root', async () => {
  const g = charm.createGroup(Peer);
  const pes = notZero();
  const sec = charm.createSection(g, pes);
  assert.equal(await sec.ret.hit(1), pes.map((pe) => `peer ${pe}`));
  const f = charm.createFuture<Tagged[]>();
  const h = charm.createFuture<Tagged[]>();
  sec.order(sec as never, f, h);
  assert.equal(await f, pes.map((pe) => ['p', pe]), 'gather in member order');
  assert.equal(await h, pes.map((pe) => ['p', pe]), 'concat in member order');
  const rounds = 5;
  const results = await sec.ret.allSum(sec, rounds);
  const expected = Array.from({ length: rounds }, (_, k) => sumOf(pes.map((pe) => pe + k)));
  assert.equal(results, pes.map(() => expected));
  assert.equal(await g.ret.where(), Array.from({ length: numPes() }, (_, pe) => [pe, pe]));
});

test('an array section whose members avoid PE 0, in an order that is neither index nor PE order: ordered reducers give member order', async () => {
  const n = numPes() * 6;
  const arr = charm.createArray(Cell, [n]);
  const placed = await arr.ret.where();
  const away = placed.filter(([, pe]) => pe !== 0 || numPes() === 1);
  // Highest PE first, then alternate elements forwards and backwards.
  const chosen = away.sort((a, b) => b[1] - a[1] || (a[0] % 2 ? a[0] - b[0] : b[0] - a[0])).map(([i]) => i);
  const sec = charm.createSection(arr, chosen.map((i) => [i]));
  assert.equal(sec.members, chosen.map((i) => [i]));
  const f = charm.createFuture<Tagged[]>();
  const h = charm.createFuture<Tagged[]>();
  sec.order(sec, f, h);
  assert.equal(await f, chosen.map((i) => ['c', i]));
  assert.equal(await h, chosen.map((i) => ['c', i]));
  const s = charm.createFuture<number>();
  sec.sum(sec, s);
  assert.is(await s, sumOf(chosen.map((i) => i + 1)));
  assert.equal(await sec.ret.hit(0), chosen.map((i) => `cell ${i}`));
});

test('members migrate between multicasts and reductions: every call reaches each once, every reduction counts each once', async () => {
  const n = numPes() * 4 + 1;
  const arr = charm.createArray(Cell, [n]);
  const half = Array.from({ length: Math.ceil(n / 2) }, (_, k) => [n - 1 - 2 * k]);
  const sec = charm.createSection(arr, half);
  const expected = sumOf(half.map(([i]) => i + 1));
  const rounds = 12;
  for (let round = 0; round < rounds; round++) {
    sec.wander();
    sec.hit(round);
    const f = charm.createFuture<number>();
    sec.sum(sec, f);
    assert.is(await f, expected, `round ${round}`);
    if (round % 4 === 3) await sec.awaitable.hit(100 + round);
  }
  const log = Array.from({ length: rounds }, (_, k) => k).concat([103, 107, 111]).sort((a, b) => a - b);
  assert.equal(await sec.ret.seen(), half.map(() => log));
  // allReduce from members that live away from their section PE: the result comes back to each.
  sec.wander();
  const all = await sec.ret.allSum(sec, 3);
  assert.equal(all, half.map(() => [0, 1, 2].map((k) => sumOf(half.map(([i]) => i + k)))));
});

test('many sections and many reductions in flight at once', async () => {
  const n = numPes() * 8;
  const arr = charm.createArray(Cell, [n]);
  const sections = Array.from({ length: 16 }, (_, s) => charm.createSection(arr, (i) => (i[0] * 7 + s) % (s + 2) === 0 || i[0] === (s * 5) % n));
  const perSection = 8;
  const futures = sections.map(() => Array.from({ length: perSection }, () => charm.createFuture<number>()));
  sections.forEach((sec, s) => sec.sums(sec, futures[s]));
  for (let s = 0; s < sections.length; s++) {
    const base = sumOf(sections[s].members.map((i) => i[0] + 1));
    assert.equal(await Promise.all(futures[s]), Array.from({ length: perSection }, (_, k) => base * (k + 1)), `section ${s}`);
  }
});

test('sections from split, union and combine: multicast, member order and reductions', async () => {
  const n = numPes() * 3 + 2;
  const arr = charm.createArray(Cell, [n]);
  const g = charm.createGroup(Peer);
  const odd = charm.createSection(arr, (i) => i[0] % 2 === 1);
  const peers = charm.createSection(g, notZero());
  const both = charm.combine<Cell>(odd, peers as never, odd);
  const members: Tagged[] = [...odd.members.map((i): Tagged => ['c', i[0]]), ...notZero().map((pe): Tagged => ['p', pe])];
  const pieces = [both, ...both.split(3), ...both.split((_, c) => c === g), both.split(2)[1].union(odd)];
  const expectedOf = (k: number): Tagged[] => {
    if (k === 0) return members;
    if (k <= 3) {
      const size = Math.ceil(members.length / 3);
      return members.slice((k - 1) * size, k * size);
    }
    if (k === 4) return members.filter(([t]) => t === 'p');
    if (k === 5) return members.filter(([t]) => t === 'c');
    const second = members.slice(Math.ceil(members.length / 2));
    const has = (m: Tagged): boolean => second.some(([t, i]) => t === m[0] && i === m[1]);
    const list = [...second, ...members.filter((m) => m[0] === 'c' && !has(m))];
    // A section's members are grouped by collection, in order of first appearance.
    const tags = [...new Set(list.map(([t]) => t))];
    return tags.flatMap((tag) => list.filter(([t]) => t === tag));
  };
  for (let k = 0; k < pieces.length; k++) {
    const sec = pieces[k] as unknown as Section<Cell, unknown>;
    if (sec.members.length === 0) continue;
    const expected = expectedOf(k);
    const names = expected.map(([t, i]) => (t === 'c' ? `cell ${i}` : `peer ${i}`));
    assert.equal(await sec.ret.hit(k), names, `piece ${k}: multicast results in member order`);
    await sec.awaitable.hit(-k);
    const f = charm.createFuture<Tagged[]>();
    const h = charm.createFuture<Tagged[]>();
    sec.order(sec, f, h);
    assert.equal(await f, expected, `piece ${k}: gather`);
    assert.equal(await h, expected, `piece ${k}: concat`);
  }
});

test('a multicast carries the section id, not its members: bytes sent do not grow with the section', async () => {
  const n = 3000;
  const arr = charm.createArray(Cell, [n]);
  const sec = charm.createSection(arr, (i) => i[0] % 3 !== 0);
  await sec.awaitable.hit(-1); // established, and every PE has sent a first reply
  const sent = async (): Promise<number> => sumOf((await charm.thisProxy.ret.stats()).map((s) => s.bytesSent));
  const before = await sent();
  for (let k = 0; k < 10; k++) sec.hit(k);
  await charm.waitQD();
  const bytes = (await sent()) - before;
  // The member table alone is over 20 KB: ten calls carrying it would send 200 KB per tree edge.
  assert.ok(bytes < 60_000, `10 multicasts to ${sec.members.length} members sent ${bytes} bytes`);
  assert.equal(new Set((await sec.ret.seen()).map((l) => l.length)), new Set([11]));
});

test('sections made on other PEs and used at once from PE 0: calls and contributions that overtake the Establish wait for it', async () => {
  const n = numPes() * 4;
  const arr = charm.createArray(Cell, [n]);
  const g = charm.createGroup(Peer);
  for (let k = 0; k < 12; k++) {
    const maker = (k % numPes() + 1) % numPes();
    const some = Array.from({ length: n }, (_, i) => [i]).filter(([i]) => (i + k) % 3 !== 0);
    const indices = k % 2 ? some.reverse() : some;
    const sec = await g[maker].ret.sectionOf(arr, indices);
    const f = charm.createFuture<number>();
    sec.sum(sec, f);
    const hits = sec.ret.hit(k);
    assert.is(await f, sumOf(indices.map(([i]) => i + 1)), `section ${k} made on PE ${maker}`);
    assert.equal(await hits, indices.map(([i]) => `cell ${i}`));
    const spread = charm.createFuture<number>();
    g[maker].spread(arr, indices, spread);
    assert.is(await spread, sumOf(indices.map(([i]) => i + 1)), `section ${k} made on PE ${maker} and broadcast to the array`);
  }
});

test('reductions over a section that avoids PE 0 combine on its own PEs: PE 0 receives only the results', async () => {
  const arr = charm.createArray(Cell, [numPes() * 8]);
  const away = (await arr.ret.where()).filter(([, pe]) => pe !== 0 || numPes() === 1).map(([i]) => [i]);
  const sec = charm.createSection(arr, away);
  await sec.awaitable.hit(-1);
  const received = async (): Promise<number> => (await charm.thisProxy.ret.stats())[0].messagesReceived;
  const before = await received();
  const rounds = 10;
  const futures = Array.from({ length: rounds }, () => charm.createFuture<number>());
  sec.sums(sec, futures);
  const expected = sumOf(away.map(([i]) => i + 1));
  assert.equal(await Promise.all(futures), futures.map((_, k) => expected * (k + 1)));
  const got = (await received()) - before;
  // A star to PE 0 would bring it one message per member per reduction (over 80 here at np 2).
  assert.ok(got <= rounds + 2 * numPes(), `PE 0 received ${got} messages for ${rounds} reductions over ${away.length} members`);
});

runTests({ treeBranching: 2 });
