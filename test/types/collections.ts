// Type tests: conditional entry methods (charm.when), sections, the task
// pool and typed channels.
import { charm, Chare, Channel, Future, Reducer, type Section } from '../../lib';

class Block extends Chare<[number, number]> {
  iteration = 0;
  halo(iteration: number, edge: Float64Array): void {
    void iteration;
    void edge;
  }
  total(): number {
    return 1;
  }
  overSection(section: Section<Block>, f: Future<number>): void {
    this.contribute(1, Reducer.sum, f, section);
    section.halo(1, new Float64Array(1));
    // @ts-expect-error the fourth argument is a section
    this.contribute(1, Reducer.sum, f, 3);
  }
  async exchange(): Promise<void> {
    // typed channels: what one end sends, the other receives
    const values = new Channel<Float64Array>(this, this.thisProxy.at([0, 0]));
    values.send(new Float64Array(2));
    const got: Float64Array = await values.recv();
    const pairs = new Channel<[number, string]>(this, this.thisProxy.at([0, 1]), 1);
    pairs.send(1, 'a');
    pairs.send([2, 'b']);
    const [n, s]: [number, string] = await pairs.recv();
    const untyped = new Channel(this, this.thisProxy.at([1, 1]));
    untyped.send(1, 'two', [3]);
    const anything: unknown = await untyped.recv();
    const [from, value]: [Channel<Float64Array>, Float64Array] = await Channel.select([values, values]);
    // charm.iwait over channels yields the channels themselves, typed
    for await (const ready of charm.iwait([values, values])) {
      const taken: Float64Array = await ready.recv();
      // @ts-expect-error a channel of Float64Array gives Float64Arrays
      const notString: string = await ready.recv();
      void taken, notString;
    }
    for await (const result of charm.iwait([charm.createFuture<number>()])) {
      // over futures, their values
      const n2: number = result;
      void n2;
    }
    // sections of this array
    const row = charm.createSection(this.thisProxy, (i) => i[0] === this.thisIndex[0]);
    const members: readonly [number, number][] = row.members;
    row.halo(1, new Float64Array(1));
    const totals: number[] = await row.ret.total();
    const [evens, odds] = row.split((i) => i[1] % 2 === 0);
    evens.union(odds).halo(2, got);
    this.thisProxy.at([0, 0]).overSection(row, charm.createFuture<number>());
    void n, s, anything, from, value, members, totals;

    // @ts-expect-error a channel of Float64Array sends Float64Arrays
    values.send('x');
    // @ts-expect-error one at a time
    values.send(new Float64Array(1), new Float64Array(1));
    // @ts-expect-error and receives them
    const wrong: string = await values.recv();
    // @ts-expect-error a pair is sent whole or as its two parts
    pairs.send(1);
    // @ts-expect-error sections of a 2D array select by tuples
    charm.createSection(this.thisProxy, [1, 2]);
    // one slice per dimension, or tuples
    const block = charm.createSection(this.thisProxy, [{ start: 0, stop: 2 }, { start: 1, stop: 3 }]);
    const corners = charm.createSection(this.thisProxy, [[0, 0], [1, 1]]);
    void block, corners;
    // @ts-expect-error a 2D array takes one slice per dimension, not one
    charm.createSection(this.thisProxy, { start: 0, stop: 2 });
    // @ts-expect-error nor three
    charm.createSection(this.thisProxy, [{ start: 0, stop: 2 }, { start: 0, stop: 2 }, { start: 0, stop: 2 }]);
    // @ts-expect-error the selection does not change the index type: 1D tuples are not this array's
    charm.createSection(this.thisProxy, [[0], [1]]);
    // @ts-expect-error section calls are checked like proxy calls
    row.halo('1');
    // @ts-expect-error the owner of a channel is a chare
    new Channel({}, this.thisElement);
    void wrong;
  }
}
class Member extends Chare {
  ping(): number {
    return this.thisIndex;
  }
}
charm.register(Block, Member);

// a guarded entry method: the condition sees the chare and the call's arguments
charm.when(Block, 'halo', (self, iteration, edge) => iteration === self.iteration && edge.length > 0);
// @ts-expect-error no such method
charm.when(Block, 'nope', () => true);
// @ts-expect-error the arguments are the method's
charm.when(Block, 'halo', (self, iteration: string) => iteration === String(self.iteration));
// @ts-expect-error the condition returns a boolean
charm.when(Block, 'halo', () => 1);

function square(x: number): number {
  return x * x;
}
async function fib(n: number): Promise<number> {
  return n < 2 ? n : (await charm.pool.submit(fib, n - 1)) + (await charm.pool.submit(fib, n - 2));
}
charm.pool.register(square);
charm.pool.register(fib);

charm.start(async () => {
  const group = charm.createGroup(Member);
  const some = charm.createSection(group, [0, 1]);
  const slice = charm.createSection(group, { start: 0, stop: 4, step: 2 });
  const pes: readonly number[] = some.members;
  const pings: number[] = await slice.ret.ping();
  const squares: number[] = await charm.pool.map(square, [1, 2, 3], { chunksize: 2 });
  const later: Future<number[]> = charm.pool.mapAsync(square, new Set([1, 2]));
  const one: number = await charm.pool.submit(fib, 10);
  for await (const { index, value } of charm.pool.imap(square, [4, 5])) {
    const i: number = index;
    const v: number = value;
    void i, v;
  }
  void pes, pings, squares, later, one;

  // @ts-expect-error a group section selects PEs
  charm.createSection(group, [[0]]);
  // @ts-expect-error items are the function's argument
  charm.pool.map(square, ['a']);
  // @ts-expect-error results are the function's
  const strings: string[] = await charm.pool.map(square, [1]);
  // @ts-expect-error submit passes the function's arguments
  charm.pool.submit(fib, 'ten');
  // @ts-expect-error options are checked
  charm.pool.map(square, [1], { chunkSize: 2 });
  void strings;
});
