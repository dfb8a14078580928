// Type tests: starting the runtime and creating chares, groups and arrays
// (constructor arguments, shapes matching index types, options).
import { charm, Chare, Future, type ArrayIndex, type ArrayProxy, type CollectionProxy, type DimsOf, type ElementProxy } from '../../lib';

class Plain extends Chare {
  hello(): string {
    return 'hi';
  }
}
class WithArgs extends Chare {
  constructor(readonly name: string, readonly count: number) {
    super();
  }
  show(): string {
    return `${this.name} ${this.count}`;
  }
}
class OptionalArgs extends Chare {
  constructor(readonly label = 'x') {
    super();
  }
}
class Grid extends Chare<[number, number]> {
  constructor(readonly size: number) {
    super();
  }
}
class Line extends Chare<[number]> {}
class ReadonlyGrid extends Chare<readonly [number, number]> {}
class AnyDims extends Chare<readonly number[]> {}
class Loose extends Chare<any> {}

/** A helper of the user's, generic over the index, typed with the exported DimsOf (review: DimsArg inferred D as I here and refused it). */
function makeArray<I extends ArrayIndex>(cls: new () => Chare<I>, dims: DimsOf<I>): ArrayProxy<Chare<I>> {
  return charm.createArray(cls, dims);
}
class Keyed extends Chare<string> {
  constructor(readonly owner: string) {
    super();
  }
}
charm.register(Plain, WithArgs, OptionalArgs, Grid, Line, ReadonlyGrid, AnyDims, Keyed, Loose);

/** Array maps, written for the indices of the arrays they place (no cast to ArrayIndex). */
function byRow(index: readonly [number, number], numPes: number): number {
  return index[0] % numPes;
}
function firstNumber(index: readonly number[], numPes: number): number {
  return index[0] % numPes;
}
function byKey(key: string, numPes: number): number {
  return key.length % numPes;
}
function anywhere(_index: unknown, numPes: number): number {
  return numPes - 1;
}
charm.registerMap(byRow);
charm.registerMap(firstNumber);
charm.registerMap(byKey);
charm.registerMap(anywhere);
charm.registerMap((index, numPes) => (typeof index === 'string' ? 0 : numPes - 1), 'inline');
// @ts-expect-error a map places array indices, and a PE number is none
charm.registerMap((pe: number) => pe);

charm.start(async (args: string[]) => {
  void args;
  // single chares
  const p: ElementProxy<Plain> = charm.createChare(Plain);
  charm.createChare(Plain, []);
  charm.createChare(Plain, [], { onPE: 1 });
  const w = charm.createChare(WithArgs, ['a', 1], { onPE: 0 });
  const shown: string = await w.ret.show();
  charm.createChare(OptionalArgs);
  charm.createChare(OptionalArgs, ['y']);
  // groups
  const g: CollectionProxy<WithArgs> = charm.createGroup(WithArgs, ['b', 2]);
  const all: string[] = await g.ret.show();
  const first: string = await g[0].ret.show();
  charm.createGroup(Plain);
  // arrays: dense with extents, sparse with ndims or keys
  const grid = charm.createArray(Grid, [4, 4], [1]);
  const asDeclared: ArrayProxy<Grid> = grid;
  charm.createArray(Grid, [4, 4], [1], { loadBalancing: true });
  const dims: number[] = [4, 4];
  charm.createArray(Grid, dims, [1]);
  charm.createArray(Grid, { ndims: 2 });
  charm.createArray(Grid, { ndims: 2 }, undefined, { loadBalancing: 'GreedyLB' });
  charm.createArray(Line, 10);
  charm.createArray(Line, [10]);
  charm.createArray(AnyDims, [2, 3, 4]);
  charm.createArray(AnyDims, 5);
  const keyed = charm.createArray(Keyed, { keys: true });
  keyed.ckInsert('carol', ['owner']);
  charm.createArray(Grid, { ndims: 2 }).ckInsert([9, 9], [3]);
  asDeclared.ckInsert([9, 9], [3]); // a proxy typed without its kind: checked at run time
  // @ts-expect-error a dense array (created with extents) is created whole: no ckInsert
  grid.ckInsert([9, 9], [3]);
  // @ts-expect-error the same with extents computed at run time
  charm.createArray(Grid, dims, [1]).ckInsert([0, 0], [1]);
  const runtimeProxy: number[] = await charm.thisProxy.ret.myPe();
  void p, shown, all, first, runtimeProxy, asDeclared;

  // @ts-expect-error main receives strings
  charm.start((args: number[]) => args);
  // @ts-expect-error WithArgs needs its arguments
  charm.createChare(WithArgs);
  // @ts-expect-error of the right types
  charm.createChare(WithArgs, ['a', 'b']);
  // @ts-expect-error and no more of them
  charm.createGroup(WithArgs, ['a', 1, 2]);
  // @ts-expect-error options are checked
  charm.createChare(Plain, [], { onPe: 1 });
  // @ts-expect-error an array class is not a group
  charm.createGroup(Grid, [1]);
  // @ts-expect-error a group class (indexed by PE) is not an array: declare Chare<[number]>
  charm.createArray(Plain, 4);
  // @ts-expect-error a 2D class needs 2D extents, not one number ('a 2-D array takes 2 extents or { ndims: 2 }')
  charm.createArray(Grid, 4, [1]);
  // a class with a readonly tuple index: the same shapes
  charm.createArray(ReadonlyGrid, [4, 4]);
  charm.createArray(ReadonlyGrid, { ndims: 2 });
  makeArray(ReadonlyGrid, [2, 2]);
  makeArray(AnyDims, [2, 3]);
  // A class declared Chare<any> takes any shape (as Chare<ArrayIndex> does).
  charm.createArray(Loose, { keys: true });
  charm.createArray(Loose, [2, 2]);
  // @ts-expect-error but still an array's shape ('an array is created with extents, { ndims } or { keys: true }')
  charm.createArray(Loose, 'four');
  // @ts-expect-error and the same mistake
  charm.createArray(ReadonlyGrid, 4);
  // @ts-expect-error a keyed class is created with { keys: true } ('an array indexed by keys is created with { keys: true }')
  charm.createArray(Keyed, 4, ['x']);
  // @ts-expect-error or { ndims: 2 }
  charm.createArray(Grid, { ndims: 3 });
  // @ts-expect-error one extent per dimension of the index: a 2D class, 1 extent
  charm.createArray(Grid, [4], [1]);
  // @ts-expect-error a 2D class, 3 extents
  charm.createArray(Grid, [2, 2, 2], [1]);
  // @ts-expect-error a 1D class, 2 extents (its thisIndex would be [i, j])
  charm.createArray(Line, [2, 2]);
  // @ts-expect-error tuple indices are not keys
  charm.createArray(Grid, { keys: true });
  // @ts-expect-error keys are not tuples
  charm.createArray(Keyed, [4], ['x']);
  // @ts-expect-error a dense array of Grid needs its constructor arguments
  charm.createArray(Grid, [2, 2]);
  // @ts-expect-error ckInsert takes the constructor's arguments
  grid.ckInsert([1, 1], ['one']);
  // array maps: for the array's index type, or for any index
  charm.createArray(Grid, [2, 2], [1], { map: byRow });
  charm.createArray(Grid, [2, 2], [1], { map: firstNumber });
  charm.createArray(Grid, { ndims: 2 }, undefined, { map: byRow, loadBalancing: true });
  charm.createArray(AnyDims, [2, 3], [], { map: firstNumber });
  charm.createArray(Keyed, { keys: true }, undefined, { map: byKey });
  charm.createArray(Keyed, { keys: true }, undefined, { map: anywhere });
  charm.createArray(Line, 4, [], { map: (index) => index[0] });
  // @ts-expect-error a map of 2-tuples does not place the indices of a 1D array
  charm.createArray(Line, 4, [], { map: byRow });
  // @ts-expect-error nor keys
  charm.createArray(Keyed, { keys: true }, undefined, { map: firstNumber });
  // @ts-expect-error a map of keys does not place tuples
  charm.createArray(Grid, [2, 2], [1], { map: byKey });
  // @ts-expect-error a class that does not extend Chare
  charm.createChare(Future);
  // @ts-expect-error the runtime's group has no such method
  charm.thisProxy.nope();
});

// A field keeping a collection made with the chare's own proxy, its type written out (tutorial, charmxx.md).
class Boss extends Chare {
  workers: CollectionProxy<Helper> = charm.createGroup(Helper, [this.thisElement]);
  done(): void {}
}
class Helper extends Chare {
  constructor(readonly boss: ElementProxy<Boss>) {
    super();
  }
  report(): void {
    this.boss.done();
  }
}
charm.register(Boss, Helper);
