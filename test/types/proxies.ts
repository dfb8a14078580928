// Type tests: proxies used inside chare methods, written as a user writes
// them (no `this:` annotations, no casts). Every line without a directive
// must compile; every `@ts-expect-error` line must fail to compile.
import { charm, Chare, Channel, Future, Reducer, type Registered, type ArrayProxy, type CollectionProxy, type ElementProxy, type ArrayElementProxy } from '../../lib';

type Index2 = [number, number];

/** A 2D array element. */
class Cell extends Chare<Index2> {
  value = 0;
  constructor(readonly scale: number) {
    super();
  }
  halo(iteration: number, edge: Float64Array): void {
    void iteration;
    void edge;
  }
  converged(residual: number): void {
    void residual;
  }
  total(): number {
    return this.value * this.scale;
  }
  async later(): Promise<string> {
    return 'done';
  }

  natural(): void {
    const [x, y] = this.thisIndex;
    // the whole array: broadcasts, with results in index order
    this.thisProxy.halo(1, new Float64Array(4));
    const all: Future<number[]> = this.thisProxy.ret.total();
    const done: Future<void> = this.thisProxy.awaitable.halo(2, new Float64Array(1));
    // elements, by tuple (readonly tuples too)
    this.thisProxy.at([x + 1, y]).halo(1, new Float64Array(4));
    const idx: readonly [number, number] = [0, 1];
    this.thisProxy.at(idx).converged(0.5);
    const one: Future<number> = this.thisProxy.at([0, 0]).ret.total();
    const text: Future<string> = this.thisProxy.at([0, 0]).ret.later();
    // array-only members
    this.thisProxy.at([1, 1]).ckMigrate(1);
    const gone: Future<void> = this.thisProxy.at([1, 1]).ckDestroy();
    this.thisProxy.ckInsert([2, 2], [1.5]);
    this.thisProxy.ckInsert([2, 3], [1.5], { onPE: 0 });
    const inserted: Future<void> = this.thisProxy.ckDoneInserting();
    this.thisElement.ckMigrate(0);
    this.thisElement.converged(1);
    // the element itself, if it lives on this PE (Charm++'s ckLocal)
    const here: Cell | undefined = this.thisProxy.at([0, 0]).ckLocal();
    const scale: number | undefined = here?.scale;
    // the element's own proxy is an array element proxy of this class
    const me: ArrayElementProxy<Cell> = this.thisElement;
    const whole: ArrayProxy<Cell> = this.thisProxy;
    // callbacks and reductions to them
    const cb = charm.callback(this.thisProxy, 'converged');
    this.contribute(0.5, Reducer.max, cb);
    this.contribute(0.5, Reducer.max, charm.callback(this.thisProxy.at([0, 0]), 'converged'));
    this.contribute(0.5, Reducer.max, charm.callback(this.thisElement, 'converged'));
    // a callback to a method without parameters only waits
    this.contribute(0.5, Reducer.max, charm.callback(this.thisProxy, 'natural'));
    // channels between array elements
    const ch = new Channel(this, this.thisProxy.at([x, y + 1]));
    ch.send(1, 'two');
    // proxies as constructor arguments
    charm.createChare(Watcher, [this.thisProxy]);
    charm.createGroup(Observer, [this.thisElement]);
    void all, done, one, text, gone, inserted, me, whole, scale;
  }

  invalid(): void {
    // @ts-expect-error a wrong argument type
    this.thisProxy.halo('1', new Float64Array(4));
    // @ts-expect-error a missing argument
    this.thisProxy.at([0, 0]).halo(1);
    // @ts-expect-error no such method
    this.thisProxy.nope();
    // @ts-expect-error a field is not an entry method
    this.thisProxy.value();
    // @ts-expect-error Chare's own members are not entry methods
    this.thisProxy.contribute(1, Reducer.sum, charm.createFuture<number>());
    // @ts-expect-error a 2D array is not indexed by a number
    this.thisProxy.at(3);
    // @ts-expect-error nor by a 1D tuple
    this.thisProxy.at([3]);
    // @ts-expect-error a 2D array's a[i] is not an element: a.at([i, j]) is
    this.thisProxy[1].halo(1, new Float64Array(4));
    // @ts-expect-error ckLocal may find nothing here
    const surely: Cell = this.thisElement.ckLocal();
    // @ts-expect-error nor by a key
    this.thisProxy.ckInsert('k');
    // @ts-expect-error the result type is checked
    const wrong: Future<string> = this.thisProxy.at([0, 0]).ret.total();
    // @ts-expect-error a broadcast's result is every member's
    const single: Future<number> = this.thisProxy.ret.total();
    // @ts-expect-error no such method to call back
    charm.callback(this.thisProxy, 'nope');
    // @ts-expect-error a field cannot be called back
    charm.callback(this.thisProxy, 'value');
    // @ts-expect-error nor a member of Chare
    charm.callback(this.thisProxy, 'contribute');
    // @ts-expect-error converged takes a number, not the Float64Array this reduction gives
    this.contribute(new Float64Array(2), Reducer.sum, charm.callback(this.thisProxy, 'converged'));
    // @ts-expect-error halo takes (number, Float64Array): not a reduction target
    this.contribute(1, Reducer.sum, charm.callback(this.thisProxy, 'halo'));
    // @ts-expect-error the remote end of a channel is one chare, not a number
    new Channel(this, 3);
    // @ts-expect-error Watcher takes an array proxy of Cell, not of Cell's elements
    charm.createChare(Watcher, [this.thisElement]);
    void wrong, single;
  }
}
charm.register(Cell);

/** A group. */
class Observer extends Chare {
  constructor(readonly cell: ArrayElementProxy<Cell>) {
    super();
  }
  seen(count: number): number {
    return count + this.thisIndex;
  }
  natural(): void {
    const pe: number = this.thisIndex;
    this.thisProxy.seen(1);
    this.thisProxy[0].seen(2);
    this.thisProxy.at(pe).seen(3);
    const counts: Future<number[]> = this.thisProxy.ret.seen(1);
    const mine: Future<number> = this.thisProxy[pe].ret.seen(1);
    const me: ElementProxy<Observer> = this.thisElement;
    const whole: CollectionProxy<Observer> = this.thisProxy;
    this.contribute(1, Reducer.sum, charm.callback(this.thisProxy[0], 'seen'));
    this.contribute(1, Reducer.sum, charm.callback(this.thisProxy, 'seen'));
    this.cell.halo(1, new Float64Array(1));
    this.cell.ckMigrate(pe);
    new Channel(this, this.thisProxy[(pe + 1) % charm.numPes()]);
    // this PE's member, the object itself (Charm++ and Charm4py: ckLocalBranch)
    const branch: Observer = this.thisProxy.ckLocalBranch();
    void counts, mine, me, whole, branch.cell;
  }
  invalid(): void {
    // @ts-expect-error a group is indexed by PE numbers
    this.thisProxy.at([0]);
    // @ts-expect-error group members do not migrate
    this.thisElement.ckMigrate(1);
    // @ts-expect-error groups have no insertion
    this.thisProxy.ckInsert(1);
    // @ts-expect-error no such method
    this.thisProxy[0].nope();
    // @ts-expect-error wrong argument type
    this.thisProxy[0].seen('1');
    // @ts-expect-error the local branch is the group's, not a member proxy's (Charm4py allows g[pe].ckLocalBranch())
    this.thisProxy[0].ckLocalBranch();
    // @ts-expect-error group members do not move: no ckLocal
    this.thisElement.ckLocal();
  }
}
charm.register(Observer);

/** A single chare holding proxies it was given. */
class Watcher extends Chare {
  constructor(readonly cells: ArrayProxy<Cell>) {
    super();
  }
  poke(): void {
    this.cells.at([0, 0]).converged(1);
    this.cells.ckInsert([5, 5], [2]);
    // @ts-expect-error ckInsert takes Cell's constructor arguments when the proxy says so
    (null as unknown as ArrayProxy<Cell, Index2, [scale: number]>).ckInsert([5, 5], ['x']);
  }
}
charm.register(Watcher);

/** A 1D array: elements by number or 1-tuple; a keyed array: by string or bytes. */
class Item extends Chare<[number]> {
  next(): void {
    const [i] = this.thisIndex;
    this.thisProxy[i + 1].next();
    this.thisProxy.at(i + 1).next();
    this.thisProxy.at([i + 1]).next();
    this.thisProxy[0].ckMigrate(0);
    const one: readonly [number] = [i];
    this.thisProxy.at(one).next();
    this.thisProxy.ckInsert([i + 1]);
    // @ts-expect-error a 1D array's index is one number ('a 1-D array takes one number: at(i) or at([i])')
    this.thisProxy.at([i, 1]).next();
    const pair: [number, number] = [i, 1];
    // @ts-expect-error the same with a 2-tuple from a variable
    this.thisProxy.at(pair).next();
    // @ts-expect-error and for ckInsert
    this.thisProxy.ckInsert([i, 1]);
  }
}
class Named extends Chare<string | Uint8Array> {
  greet(): void {
    this.thisProxy.at('alice').greet();
    this.thisProxy.at(new Uint8Array([1])).greet();
    this.thisProxy.ckInsert('bob');
    // @ts-expect-error keyed arrays are not indexed by numbers
    this.thisProxy.at(1);
  }
}
charm.register(Item, Named);

/** Arguments that are functions: they cannot travel in a message, so a proxy call refuses them. */
class Hands extends Chare<[number]> {
  takesFunction(step: (x: number) => number): void {
    void step;
  }
  takesEither(done: Future<number> | ((x: number) => void), tag: string): void {
    void done, tag;
  }
  takesAnything(value: unknown, ...rest: number[]): void {
    void value, rest;
  }
  tryIt(done: Future<number>): void {
    // @ts-expect-error a function argument cannot be sent
    this.thisProxy.takesFunction((x) => x + 1);
    // @ts-expect-error the same through .ret, on one element
    void this.thisProxy.at(0).ret.takesFunction((x: number) => x);
    // @ts-expect-error the function member of a union is refused
    this.thisProxy.takesEither((x: number) => void x, 'a');
    this.thisProxy.takesEither(done, 'a');
    void this.thisProxy.awaitable.takesEither(done, 'b');
    this.thisProxy[1].takesAnything({ a: 1 }, 1, 2, 3);
    this.thisProxy.takesAnything(done);
  }
}
charm.register(Hands);

// Functions in calls: a parameter typed Registered<F> takes what charm.pool.register returned; a plain function type takes none.
const double = charm.pool.register((x: number) => 2 * x, 'double');
const unregistered = (x: number): number => 2 * x;
class Applier extends Chare {
  apply(fn: Registered<(x: number) => number>, x: number): number {
    return fn(x);
  }
  applyPlain(fn: (x: number) => number): number {
    return fn(1);
  }
  run(): void {
    this.thisProxy[0].apply(double, 3);
    // @ts-expect-error an unregistered function cannot be sent
    this.thisProxy[0].apply(unregistered, 3);
    // @ts-expect-error a plain function parameter takes no function, registered or not
    this.thisProxy[0].applyPlain(double);
    // A registered function is still an ordinary function here.
    const six: number = double(3);
    void six;
  }
}
charm.register(Applier);
