// Type tests: contribute (data checked against the reducer, the result
// against the target) and allReduce (the precise result type).
import { charm, Chare, Future, Reducer, type Callback, type Statistics } from '../../lib';

const mean = charm.registerReducer<{ sum: number; n: number }>('typesMean', (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }));

class Member extends Chare {
  gotNumber(value: number): void {
    void value;
  }
  gotArray(values: Float64Array): void {
    void values;
  }
  gotNothing(): void {}

  async natural(stored: Callback, anyFuture: Future): Promise<void> {
    const i = this.thisIndex;
    // numbers, bigints, typed arrays, arrays, element-wise
    this.contribute(i, Reducer.sum, charm.createFuture<number>());
    this.contribute(BigInt(i), Reducer.product, charm.createFuture<bigint>());
    this.contribute(new Float64Array(3), Reducer.max, charm.createFuture<Float64Array>());
    this.contribute([i, i], Reducer.min, charm.createFuture<number[]>());
    this.contribute(i, Reducer.bitOr, charm.createFuture<number>());
    this.contribute(new Int32Array(2), Reducer.bitXor, charm.createFuture<Int32Array>());
    this.contribute(i > 0, Reducer.logicalAnd, charm.createFuture<boolean>());
    this.contribute([true, false], Reducer.logicalOr, charm.createFuture<boolean[]>());
    this.contribute(i, Reducer.logicalAnd, charm.createFuture<boolean>());
    this.contribute(new Uint8Array(4), Reducer.logicalXor, charm.createFuture<Uint8Array>());
    // collecting reducers
    this.contribute({ pe: i }, Reducer.gather, charm.createFuture<{ pe: number }[]>());
    this.contribute('x', Reducer.set, charm.createFuture<string[]>());
    this.contribute([i, i + 1], Reducer.concat, charm.createFuture<number[]>());
    this.contribute('one', Reducer.random, charm.createFuture<string>());
    this.contribute(1.5, Reducer.statistics, charm.createFuture<Statistics>());
    // completion only: nop, or any reduction into a Future<void>
    this.contribute(undefined, Reducer.nop, charm.createFuture());
    this.contribute(i, Reducer.sum, charm.createFuture<void>());
    // custom and tuple reducers
    this.contribute({ sum: i, n: 1 }, mean, charm.createFuture<{ sum: number; n: number }>());
    this.contribute([i, 'tag', true], Reducer.tuple(Reducer.sum, Reducer.gather, Reducer.logicalAnd), charm.createFuture<[number, string[], boolean]>());
    // callbacks: by the method's parameter
    this.contribute(i, Reducer.sum, charm.callback(this.thisProxy[0], 'gotNumber'));
    this.contribute(new Float64Array(2), Reducer.sum, charm.callback(this.thisProxy, 'gotArray'));
    this.contribute(i, Reducer.max, charm.callback(this.thisProxy, 'gotNothing'));
    // untyped targets (a stored Callback, a Future) are not checked
    this.contribute(i, Reducer.sum, stored);
    this.contribute(i, Reducer.sum, anyFuture);
    // a reducer chosen at run time
    const chosen: Reducer = i % 2 ? Reducer.sum : Reducer.max;
    this.contribute(i, chosen, charm.createFuture<number>());
    // a multi-value future takes one value per send: a reduction sends one
    this.contribute(i, Reducer.sum, charm.createFuture<number>(2));

    const total: number = await this.allReduce(i, Reducer.sum);
    const big: bigint = await this.allReduce(10n, Reducer.sum);
    const arr: Float32Array = await this.allReduce(new Float32Array(4), Reducer.max);
    const list: number[] = await this.allReduce([1, 2, 3], Reducer.sum);
    const flags: boolean = await this.allReduce(true, Reducer.logicalXor);
    const names: string[] = await this.allReduce('me', Reducer.gather);
    const joined: string[] = await this.allReduce(['a', 'b'], Reducer.concat);
    const stats: Statistics = await this.allReduce(2, Reducer.statistics);
    const nothing: undefined = await this.allReduce(undefined, Reducer.nop);
    const custom: { sum: number; n: number } = await this.allReduce({ sum: 1, n: 1 }, mean);
    const [sum, max]: [number, number] = await this.allReduce([i, i], Reducer.tuple(Reducer.sum, Reducer.max));
    let widened = await this.allReduce(1, Reducer.sum);
    widened = 42;
    void total, big, arr, list, flags, names, joined, stats, nothing, custom, sum, max, widened;
  }

  async invalid(): Promise<void> {
    const i = this.thisIndex;
    // @ts-expect-error a sum of numbers is a number
    this.contribute(i, Reducer.sum, charm.createFuture<string>());
    // @ts-expect-error strings cannot be summed
    this.contribute('a', Reducer.sum, charm.createFuture<string>());
    // @ts-expect-error logical reducers take booleans, or numbers as truth values, not strings
    this.contribute('yes', Reducer.logicalAnd, charm.createFuture<boolean>());
    // @ts-expect-error and give booleans
    this.contribute(i, Reducer.logicalAnd, charm.createFuture<number>());
    // @ts-expect-error bitwise reducers take integers, not float arrays
    this.contribute(new Float64Array(1), Reducer.bitAnd, charm.createFuture<Float64Array>());
    // @ts-expect-error gather gives an array
    this.contribute(i, Reducer.gather, charm.createFuture<number>());
    // @ts-expect-error concat takes arrays
    this.contribute(i, Reducer.concat, charm.createFuture<number[]>());
    // @ts-expect-error statistics take numbers
    this.contribute([i], Reducer.statistics, charm.createFuture<Statistics>());
    // @ts-expect-error nop takes no data
    this.contribute(i, Reducer.nop, charm.createFuture());
    // @ts-expect-error a custom reducer takes its own type
    this.contribute({ sum: 'x', n: 1 }, mean, charm.createFuture<{ sum: number; n: number }>());
    // @ts-expect-error a tuple reducer takes one value per reducer
    this.contribute([i], Reducer.tuple(Reducer.sum, Reducer.max), charm.createFuture<[number, number]>());
    // @ts-expect-error and gives one result per reducer
    this.contribute([i, 'x'], Reducer.tuple(Reducer.sum, Reducer.gather), charm.createFuture<[number, string]>());
    // @ts-expect-error the same through a future of the wrong type, from a variable
    this.contribute(new Float64Array(1), Reducer.max, charm.createFuture<number>());
    // @ts-expect-error a tuple reducer's result goes to a future of its tuple of results
    this.contribute([i, i], Reducer.tuple(Reducer.sum, Reducer.max), charm.createFuture<number>());
    // @ts-expect-error the callback's method takes a Float64Array, the result is a number
    this.contribute(i, Reducer.sum, charm.callback(this.thisProxy, 'gotArray'));
    // @ts-expect-error a target is a future or a callback
    this.contribute(i, Reducer.sum, 42);
    // @ts-expect-error a reducer is a Reducer
    this.contribute(i, 'sum', charm.createFuture<number>());
    // @ts-expect-error allReduce gives the reducer's result
    const wrong: string = await this.allReduce(i, Reducer.sum);
    // @ts-expect-error gathered values come as an array
    const notArray: number = await this.allReduce(i, Reducer.gather);
    void wrong, notArray;
  }
}
charm.register(Member);

// @ts-expect-error a custom reducer's combine takes two of its values
charm.registerReducer<number>('typesBad', (a: string, b: number) => a + b);
