/** The `charm` object: the runtime's public face. */
import { mpi } from '../transport/binding';
import { registerClass, classInfo, type ChareClass } from '../model/registry';
import { isStarted, runtime } from '../model/context';
import { Future, iwait, setForwarder } from '../model/future';
import type { CollectionProxy, ElementProxy } from '../model/proxy';
import { createChare, type ChareOptions } from '../collections/singletons';
import { createGroup, groupRef, installGroupMember } from '../collections/groups';
import { createArray, type ArrayDims, type ArrayOptions, type ArrayProxy } from '../collections/arrays';
import { registerMap, type ArrayMapFunction } from '../collections/arrayIndex';
import { registerReducer, type Reducer } from '../reductions/reducers';
import { callback, type Callback } from '../reductions/targets';
import type { EntryMethodNames } from '../model/proxy';
import { requestQuiescence } from '../quiescence';
import { fatal } from '../errors';
import { registerSerializable, type ClassOf, type SerializableOptions } from '../codec/values';
import { abortJob, requestExit, startRuntime } from './lifecycle';
import { CharmRemote } from './charmGroup';
import { formatStats, type ProfileOptions } from '../profiling/profile';
import { enableRemoteCode } from '../console/remoteCode';
import { setBranching } from '../tree';
import { Pool, installPool } from '../pool/pool';
import { addGuard } from '../when';
import { createSection, type Section, type Selection } from '../sections/sections';
import type { Chare } from '../model/chare';

/** Arguments of a constructor, or an empty list for constructors without parameters. */
type CtorArgs<C extends ChareClass> = ConstructorParameters<C>;

/**
 * Options of `charm.start`. Profiling can also be asked for on the command
 * line: `+stats` prints per-PE statistics at exit, `+trace FILE` writes a
 * Chrome trace-event file (open it in Perfetto or chrome://tracing).
 */
export interface StartOptions extends ProfileOptions {
  /**
   * Let other PEs run code here: `charm.thisProxy[pe].exec(code)`,
   * `.eval(expression)` and `.updateGlobals({...})`. Off by default (code
   * from a message runs with the process's full rights).
   */
  remoteCode?: boolean;
  /** Branching factor of the spanning tree used by broadcasts, reductions and quiescence (default 4). */
  treeBranching?: number;
}

/** Options of `charm.register` for one class. */
export interface RegisterOptions {
  /** The name the class is known by on every PE (default: its class name). */
  name: string;
}

/** Collection id of the runtime's own group. */
const CHARM_GROUP_ID = 0;

registerClass(CharmRemote);

/**
 * The runtime. Every PE runs the same program: register chare classes at
 * module load, then call `charm.start(main)`; `main` runs on PE 0.
 */
export class Charm {
  /**
   * Starts the runtime on this PE and runs `main(args)` on PE 0 once every
   * PE is ready. The job runs until some PE calls `charm.exit()`.
   *
   * @example
   * charm.start(async () => {
   *   const g = charm.createGroup(Hello);
   *   await g.awaitable.sayHi();
   *   charm.exit();
   * });
   */
  start(main: (args: string[]) => unknown, options: StartOptions = {}): void {
    if (typeof main !== 'function') throw new TypeError(`charm.start: main must be a function, got ${typeof main}`);
    enableRemoteCode(options.remoteCode === true);
    if (options.treeBranching !== undefined) setBranching(options.treeBranching);
    startRuntime(options, () => {
      installGroupMember(groupRef(CHARM_GROUP_ID, classInfo(CharmRemote, 'charm')), []);
      setForwarder((inner, to, slot) => this.thisProxy[inner.pe].forwardFuture(inner, to, slot));
      installPool();
    });
    const rt = runtime();
    if (rt.myPe !== 0) return;
    setImmediate(() => {
      try {
        const result = main(process.argv.slice(2));
        if (result instanceof Promise) result.catch((error: unknown) => fatal(error, 'on PE 0 in main'));
      } catch (error) {
        fatal(error, 'on PE 0 in main');
      }
    });
  }

  /** Ends the whole job with exit code `code` (default 0), from any PE. */
  exit(code = 0): void {
    if (!Number.isInteger(code) || code < 0 || code > 255) throw new RangeError(`charm.exit: code must be an integer 0..255, got ${String(code)}`);
    requestExit(code);
  }

  /** Prints `message` and ends the whole job at once with a non-zero exit code. */
  abort(message: string): never {
    return abortJob(String(message));
  }

  /**
   * Registers a chare class under `options.name`: for two classes of the
   * same name (from different modules), give at least one its own name.
   *
   * @example
   * charm.register(Hello, { name: 'aux.Hello' });
   */
  register<C extends ChareClass>(cls: C, options: RegisterOptions): C;
  /** Registers chare classes so every PE can create them by name (their class name). Usable as a class decorator. */
  register<C extends ChareClass>(cls: C, ...more: ChareClass[] | [ClassDecoratorContext]): C;
  register<C extends ChareClass>(cls: C, ...more: unknown[]): C {
    const options = more[0];
    if (more.length === 1 && typeof options === 'object' && options !== null && 'name' in options) {
      registerClass(cls, (options as RegisterOptions).name);
      return cls;
    }
    registerClass(cls);
    for (const other of more) if (typeof other === 'function') registerClass(other as ChareClass);
    return cls;
  }

  /**
   * Lets instances of a user class travel in messages, reductions and
   * migrating chares' state (Charm4py pickles any class). Call it at module
   * load, on every PE. By default an instance travels as its own fields and
   * arrives as an object of its class (the constructor does not run);
   * `pack`/`unpack` choose another form; `name` tells apart classes of the
   * same name.
   *
   * @example
   * class Vec { constructor(public x = 0, public y = 0) {} }
   * charm.registerSerializable(Vec);
   */
  registerSerializable<T extends object>(cls: ClassOf<T>, options?: SerializableOptions<T>): void {
    registerSerializable(cls, options);
  }

  /** This PE's number, 0..numPes()-1. */
  myPe(): number {
    return runtime('charm.myPe').myPe;
  }

  /** Number of PEs (MPI ranks) in the job. */
  numPes(): number {
    return runtime('charm.numPes').numPes;
  }

  /** Number of hosts the job runs on. */
  numHosts(): number {
    return runtime('charm.numHosts').numHosts;
  }

  /** This PE's host, 0..numHosts()-1 (hosts numbered by their lowest PE). */
  myHost(): number {
    const rt = runtime('charm.myHost');
    return rt.hostOfPe[rt.myPe];
  }

  /** True once `charm.start` has run on this PE. */
  isStarted(): boolean {
    return isStarted();
  }

  /** Wall-clock time in seconds (MPI_Wtime). */
  wallTime(): number {
    return mpi.Wtime();
  }

  /** The runtime as a group: `charm.thisProxy[pe]` reaches the runtime on PE `pe`. */
  get thisProxy(): CollectionProxy<CharmRemote> {
    runtime('charm.thisProxy');
    return groupRef(CHARM_GROUP_ID, classInfo(CharmRemote, 'charm')).proxy() as CollectionProxy<CharmRemote>;
  }

  /** Creates one chare of class `cls` on `options.onPE` (default: this PE). */
  createChare<C extends ChareClass>(cls: C, args?: CtorArgs<C>, options?: ChareOptions): ElementProxy<InstanceType<C>> {
    return createChare(cls, args ?? [], options);
  }

  /** Creates a group: one chare of class `cls` on every PE. */
  createGroup<C extends ChareClass>(cls: C, args?: CtorArgs<C>): CollectionProxy<InstanceType<C>> {
    return createGroup(cls, args ?? []);
  }

  /**
   * Creates a chare array of class `cls`: dense with extents (`10`,
   * `[4, 4]`, up to 6 dimensions), or sparse and empty (`{ ndims: 2 }`,
   * `{ keys: true }` for string or bytes keys) to fill with `ckInsert`.
   *
   * @example
   * const cells = charm.createArray(Cell, [8, 8]);
   * cells.at([0, 1]).update(1.5);
   */
  createArray<C extends ChareClass>(cls: C, dims: ArrayDims, args?: CtorArgs<C>, options?: ArrayOptions): ArrayProxy<InstanceType<C>> {
    return createArray(cls, dims, args ?? [], options);
  }

  /** Registers an array map (index to PE) under its name; do it at module load on every PE. */
  registerMap(fn: ArrayMapFunction, name?: string): void {
    registerMap(fn, name);
  }

  /** Registers a custom reducer under `name` on this PE; do it at module load on every PE. */
  registerReducer<T>(name: string, combine: (a: T, b: T) => T): Reducer {
    return registerReducer(name, combine);
  }

  /** A reduction target (or any callback) that calls `method` on `proxy` with the result. */
  callback<T>(proxy: ElementProxy<T> | CollectionProxy<T>, method: EntryMethodNames<T>): Callback {
    return callback(proxy, method);
  }

  /**
   * Guards entry method `method` of `cls` with `condition` (Charm4py's
   * `@when`): a call waits until `condition(chare, ...args)` holds. Register
   * it at module load, on every PE.
   *
   * @example
   * charm.when(Block, 'halo', (self, iteration) => iteration === self.iteration);
   */
  when<C extends ChareClass, M extends EntryMethodNames<InstanceType<C>>>(
    cls: C,
    method: M,
    condition: (self: InstanceType<C>, ...args: InstanceType<C>[M] extends (...a: infer A) => unknown ? A : never) => boolean,
  ): void {
    const info = classInfo(cls, 'charm.when');
    const id = info.methodIds.get(method);
    if (id === undefined) throw new TypeError(`charm.when: chare class ${info.name} has no entry method "${String(method)}"`);
    if (typeof condition !== 'function') throw new TypeError(`charm.when(${info.name}.${method}): the condition must be a function`);
    addGuard(info, id, condition as unknown as (self: Chare<never>, ...args: unknown[]) => boolean);
  }

  /** A future for one value of type `T`, to pass to other chares. */
  createFuture<T = void>(): Future<T>;
  /** A future that completes with `count` values, in arrival order. */
  createFuture<T>(count: number): Future<T[], T>;
  createFuture<T>(count?: number): Future<T> | Future<T[], T> {
    runtime('charm.createFuture');
    if (count === undefined) return Future.create<T>(1, 'single');
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`charm.createFuture: count must be a non-negative integer, got ${String(count)}`);
    return Future.create<T[]>(count, 'multi') as Future<T[], T>;
  }

  /** Yields the value of each future as it completes, in completion order. */
  iwait<T>(futures: Iterable<Future<T>>): AsyncGenerator<T> {
    return iwait(futures);
  }

  /** Resolves when the whole job is quiescent: no message in flight or being processed anywhere. */
  waitQD(): Promise<void> {
    const future = Future.create<void>(1, 'single');
    requestQuiescence(future);
    return future.get();
  }

  /** Calls `callback` (a function here, or a future anywhere) at the next quiescence. */
  startQD(callback: Future<void> | (() => void)): void {
    if (callback instanceof Future) {
      runtime('charm.startQD');
      requestQuiescence(callback);
    } else if (typeof callback === 'function') {
      this.waitQD().then(callback).catch((error: unknown) => fatal(error, `on PE ${this.myPe()} in a quiescence callback`));
    } else {
      throw new TypeError('charm.startQD: callback must be a function or a Future');
    }
  }

  /** The task pool (as Charm4py's `charm.pool`): `await charm.pool.map(fn, items)`, `charm.pool.submit(fn, ...args)`. */
  readonly pool = new Pool();

  /**
   * A section of a group or array: members selected by a list of indices,
   * a predicate over the indices, or a slice `{ start, stop, step }` (groups
   * and 1D arrays). Calls on it reach every member; members reduce over it
   * with `this.contribute(data, reducer, target, section)`.
   *
   * @example
   * const evens = charm.createSection(cells, (i) => i[0] % 2 === 0);
   * await evens.awaitable.update();
   */
  createSection<T>(collection: CollectionProxy<T> | ArrayProxy<T>, selection: Selection<T>): Section<T> {
    return createSection(collection, selection);
  }

  /**
   * Prints, on this PE, every PE's statistics so far: time and count per
   * entry method (recorded when started with `+stats`, `+trace` or the
   * `stats` option), messages and bytes sent and received, busy and idle time.
   */
  async printStats(): Promise<void> {
    const all = await this.thisProxy.ret.stats();
    process.stdout.write(formatStats(all));
  }

  /** Resolves after `seconds`, without blocking the PE. */
  sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/** The runtime of this PE. */
export const charm = new Charm();
