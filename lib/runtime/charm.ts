/** The `charm` object: the runtime's public face. */
import { mpi } from '../transport/binding';
import { registerClass, classInfo, type ChareClass } from '../model/registry';
import { isStarted, runtime } from '../model/context';
import { Future, iwait } from '../model/future';
import type { AnyMethod, ArrayProxy, CollectionProxy, ElementProxy, EntryMethodNames, IndexOf, ProxyOf } from '../model/proxy';
import { createChare, type ChareOptions } from '../collections/singletons';
import { createGroup, groupRef, installGroupMember } from '../collections/groups';
import { createArray, type ArrayOptions, type DimsOf, type SparseDims } from '../collections/arrays';
import { registerMap, type ArrayIndex, type ArrayMapFunction } from '../collections/arrayIndex';
import { registerReducer, type Reducer } from '../reductions/reducers';
import type { CustomKind } from '../reductions/kinds';
import { callback, type Callback, type NotBaseMember } from '../reductions/targets';
import { requestQuiescence } from '../quiescence';
import { fatal } from '../errors';
import { abortJob, requestExit, startRuntime } from './lifecycle';
import { CharmRemote } from './charmGroup';
import { formatStats, type ProfileOptions } from '../profiling/profile';
import { enableRemoteCode } from '../console/remoteCode';
import { hintIfIdle } from '../console/idleHint';
import { setBranching } from '../tree';
import { Pool, installPool } from '../pool/pool';
import { addGuard } from '../when';
import { createSection, type Section, type Selection } from '../sections/sections';
import type { Chare } from '../model/chare';
import { Ccs, installCcs } from '../ccs/ccs';
import { installLiveViz } from '../liveviz/liveviz';
import { liveViewUrl, startLiveView } from '../liveview/liveview';
import { liveViewSettings, type LiveViewOptions } from '../liveview/settings';
import { checkpointDir, installCheckpoints, restartIfAsked, startCheckpoint, type CheckpointStatus } from '../checkpoint/protocol';
import { registerReadonly } from '../checkpoint/readonlies';
import type { ReductionTarget } from '../reductions/targets';

/**
 * The arguments after the class in a creation call: the constructor's
 * arguments `A` (optional when the constructor needs none), then options `O`.
 */
export type CreateArgs<A extends readonly unknown[], O> = [] extends A ? [args?: A, options?: O] : [args: A, options?: O];

/** The constructor arguments `A` after the class (optional when the constructor needs none). */
export type ConstructorArgs<A extends readonly unknown[]> = [] extends A ? [args?: A] : [args: A];

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
  /**
   * Serve the live view on PE 0 (as `+liveview [HOST:]PORT` does): a page
   * with the liveViz image, per-PE load, load-balancing steps and output,
   * and the CCS handlers. A port (0: any free one) or `{ port, host }`;
   * the host is 127.0.0.1 unless named. The URL, with its token, is printed
   * at start. See docs/liveview.md.
   */
  liveView?: number | LiveViewOptions;
  /**
   * Print a hint naming `charm.exit()` when main has returned and the job
   * has been idle for a while (default true; CHARMTS_IDLE_HINT=seconds, 0 for never).
   */
  idleHint?: boolean;
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
    // Stacks point at the program's TypeScript lines where it was compiled with source maps.
    process.setSourceMapsEnabled(true);
    if (options.treeBranching !== undefined) setBranching(options.treeBranching);
    const liveView = liveViewSettings(options.liveView, process.argv);
    startRuntime(options, () => {
      installGroupMember(groupRef(CHARM_GROUP_ID, classInfo(CharmRemote, 'charm')), []);
      installPool();
      installCcs();
      installLiveViz();
      installCheckpoints();
    });
    const rt = runtime();
    if (rt.myPe !== 0) return;
    if (liveView) startLiveView(liveView, () => this.thisProxy.ret.stats());
    const idle = (): void => void (options.idleHint !== false && !liveView && hintIfIdle(() => this.waitQD()));
    setImmediate(() => {
      if (restartIfAsked()) return; // `+restart DIR`: the checkpoint's callback goes on instead of main
      try {
        const result = main(process.argv.slice(2));
        if (result instanceof Promise) result.then(idle, (error: unknown) => fatal(error, 'on PE 0 in main'));
        else idle();
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

  /** Registers chare classes so every PE can create them by name. Usable as a class decorator. */
  register<C extends ChareClass>(cls: C, ...more: ChareClass[] | [ClassDecoratorContext]): C {
    registerClass(cls);
    for (const other of more) if (typeof other === 'function') registerClass(other);
    return cls;
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

  /**
   * Creates one chare of class `cls` on `options.onPE` (default: this PE)
   * with constructor arguments `args`, and returns its proxy at once.
   * Charm4py: `Chare(cls, args, onPE=pe)`.
   *
   * @throws Error if `cls` is not registered; RangeError if `onPE` is out of range.
   */
  createChare<C extends ChareClass<Chare<number>>>(cls: C, ...[args, options]: CreateArgs<ConstructorParameters<C>, ChareOptions>): ElementProxy<InstanceType<C>> {
    return createChare(cls, args ?? [], options) as ElementProxy<InstanceType<C>>;
  }

  /**
   * Creates a group: one chare of class `cls` (a `Chare`, indexed by PE) on
   * every PE, each constructed with `args`. Charm4py: `Group(cls, args=...)`.
   *
   * @throws Error if `cls` is not registered.
   */
  createGroup<C extends ChareClass<Chare<number>>>(cls: C, ...[args]: ConstructorArgs<ConstructorParameters<C>>): CollectionProxy<InstanceType<C>> {
    return createGroup(cls, args ?? []) as CollectionProxy<InstanceType<C>>;
  }

  /**
   * Creates a chare array of class `cls`: dense with extents (`10`,
   * `[4, 4]`, up to 6 dimensions), or sparse and empty (`{ ndims: 2 }`,
   * `{ keys: true }` for string or bytes keys) to fill with `ckInsert`.
   * Constructor arguments `args` are required for dense arrays whose
   * constructor needs them; sparse arrays take them per `ckInsert`.
   * The class declares its index type, which must match the shape:
   * `class Cell extends Chare<[number, number]>` for `[4, 4]` or
   * `{ ndims: 2 }`, `Chare<[number]>` for `10`, `Chare<string>` for keys.
   * Charm4py: `Array(cls, dims, args=...)`.
   *
   * @throws Error if `cls` is not registered; TypeError or RangeError for bad dimensions.
   * @example
   * const cells = charm.createArray(Cell, [8, 8]);
   * cells.at([0, 1]).update(1.5);
   */
  createArray<C extends ChareClass<Chare<ArrayIndex>>, const D>(
    cls: C,
    dims: D & DimsOf<IndexOf<InstanceType<C>>>,
    ...[args, options]: [D] extends [SparseDims] ? [args?: ConstructorParameters<C>, options?: ArrayOptions] : CreateArgs<ConstructorParameters<C>, ArrayOptions>
  ): ArrayProxy<InstanceType<C>, IndexOf<InstanceType<C>>, ConstructorParameters<C>> {
    return createArray(cls, dims, args ?? [], options) as ArrayProxy<InstanceType<C>, IndexOf<InstanceType<C>>, ConstructorParameters<C>>;
  }

  /** Registers an array map (index to PE) under its name; do it at module load on every PE. */
  registerMap(fn: ArrayMapFunction, name?: string): void {
    registerMap(fn, name);
  }

  /**
   * Registers a custom reducer under `name` on this PE; do it at module
   * load on every PE. `combine` merges two contributions (or partial
   * results) of type `T`; it must be associative. Charm4py:
   * `Reducer.addReducer(func)`.
   *
   * @throws TypeError for a bad name or a non-function; Error if the name is taken.
   */
  registerReducer<T>(name: string, combine: (a: T, b: T) => T): Reducer<CustomKind<T>> {
    return registerReducer(name, combine);
  }

  /**
   * A reduction target (or any callback) that calls `method` on `proxy`
   * (one chare, a group or an array) with the result. Inside a chare,
   * `charm.callback(this.thisProxy, 'done')` works as is. Charm4py: passing
   * `proxy.method`; Charm++: `CkCallback(CkIndex_X::method, proxy)`.
   *
   * @throws TypeError if `proxy` is not a proxy or the class has no entry method `method`.
   */
  callback<T extends Record<K, AnyMethod>, K extends string>(proxy: ProxyOf<T>, method: K & NotBaseMember<K>): Callback<T[K]> {
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

  /**
   * Handlers that clients outside the job call while it runs (Charm4py's
   * `charm.CcsRegisterHandler`): `charm.ccs.register(name, handler)`.
   * Clients reach them through the live view (`+liveview PORT`).
   */
  readonly ccs = new Ccs();

  /**
   * On PE 0: the live view's URL, token included, once it listens (the
   * line `charmts: live view at URL` prints it too). Rejects when the view
   * is off or on other PEs.
   */
  liveViewUrl(): Promise<string> {
    return liveViewUrl();
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
  createSection<T, I>(collection: ArrayProxy<T, I>, selection: Selection<I>): Section<T, I>;
  createSection<T>(collection: CollectionProxy<T>, selection: Selection<number>): Section<T, number>;
  createSection(collection: unknown, selection: unknown): unknown {
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

  /**
   * Checkpoints the whole job to directory `dir` (Charm++'s
   * `CkStartCheckpoint`), from any PE: at the next quiescence every array
   * element, group member and chare (their `pack()` or own fields), the
   * readonlies and the collections' bookkeeping are written, one file per
   * PE and a manifest, then `callback` gets a {@link CheckpointStatus}.
   * A job started with `+restart DIR` rebuilds everything from it on any
   * number of PEs and calls `callback` again, with `restarted: true`,
   * instead of running `main`. So `callback` should be an entry method
   * (`charm.callback(proxy, 'method')`): a future can learn that the
   * checkpoint is written, but nothing waits on it after a restart, which
   * refuses such a checkpoint. The previous checkpoint in `dir` stays
   * whole until this one is complete. See docs/checkpoint.md.
   *
   * Errors: a checkpoint that fails (a file that cannot be written, a
   * chare with a suspended async method, a future in a chare's state)
   * rejects a future callback, or ends the job, naming the PE, the file or
   * the chare.
   *
   * @throws TypeError (at the call) for a bad `dir` or `callback`.
   * @example
   * charm.startCheckpoint(charm.checkpointDir() ?? 'ckpt', charm.callback(this.thisProxy, 'resume'));
   */
  startCheckpoint(dir: string, callback: ReductionTarget<CheckpointStatus>): void {
    startCheckpoint(dir, callback);
  }

  /** The directory given on the command line with `+checkpoint-dir DIR` (absolute), or undefined. */
  checkpointDir(): string | undefined {
    return checkpointDir();
  }

  /**
   * Declares readonly state (Charm++'s readonly variables): a value that
   * is the same on every PE, read with `get`. A checkpoint saves PE 0's
   * value; a restart calls `set` with it on every PE before any chare is
   * rebuilt. Register at module load, on every PE.
   *
   * @throws TypeError for a bad name or accessors; Error if `name` is taken.
   * @example
   * let settings: Settings;
   * charm.registerReadonly('settings', () => settings, (s: Settings) => (settings = s));
   */
  registerReadonly<T>(name: string, get: () => T, set: (value: T) => void): void {
    registerReadonly(name, get, set as (value: never) => void);
  }

  /** Resolves after `seconds`, without blocking the PE. */
  sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/** The runtime of this PE. */
export const charm = new Charm();
