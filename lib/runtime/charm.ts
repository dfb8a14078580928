/**
 * The `charm` object: the runtime's public face. Each method checks its
 * arguments and hands over to the module of its concern (start.ts,
 * timers.ts, charmGroup.ts, collections/, reductions/, sections/, ...);
 * the queries about PEs, hosts and spanning trees are charmTopology.ts',
 * the types its signatures use charmTypes.ts'. The file is long for its
 * documentation: over half of it is the public API's docstrings (shapes,
 * errors, Charm++/Charm4py counterparts), which belong on the methods
 * users call.
 */
import { mpi } from '../transport/binding';
import { registerClass, type ChareClass } from '../model/registry';
import { isStarted, runtime } from '../model/context';
import { Future } from '../model/future';
import { iwaitAny } from './iwait';
import type { Channel } from '../channels';
import { checkOptionKeys } from '../optionKeys';
import { programArgs } from './options';
import { ARRAY_OPTIONS, CHARE_OPTIONS, GROUP_OPTIONS, SCHEDULE_OPTIONS, START_OPTIONS } from './optionKeys';
import type { AnyMethod, ArrayProxy, CollectionProxy, ElementProxy, EntryMethodNames, IndexOf, ProxyOf } from '../model/proxy';
import type { Creatable, CreateArgs, MethodArgs, RegisterOptions, WhenMatch } from './charmTypes';
import { CharmTopology } from './charmTopology';
import { createChare, type ChareOptions } from '../collections/singletons';
import { Chare, type ChareIndex } from '../model/chare';
import { createGroup, type GroupOptions } from '../collections/groups';
import { whenCreated } from '../collections/collections';
import { createArray, type ArrayDims, type ArrayOptions, type DimsArg, type SparseDims } from '../collections/arrays';
import { registerMap, type ArrayIndex, type ArrayMapFunction } from '../collections/arrayIndex';
import { registerReducer, type Reducer } from '../reductions/reducers';
import type { CustomKind } from '../reductions/kinds';
import { Callback, callback, type NotBaseMember, type ReductionTarget } from '../reductions/targets';
import { requestQuiescence } from '../quiescence';
import { fatal } from '../errors';
import { registerSerializable, UNSENDABLE, type ClassOf, type SerializableOptions } from '../codec/values';
import { abortJob, requestExit } from './lifecycle';
import { charmGroup, type CharmRemote } from './charmGroup';
import { startProgram, type MainChareClass, type StartOptions } from './start';
import { scheduleAfter, type ScheduleOptions } from './timers';
import { formatStats } from '../profiling/profile';
import { Pool } from '../pool/pool';
import { guardMethod } from '../when';
import { combine, createSection, type Collection, type Section, type Selection } from '../sections/sections';
import { markTransfer, type TypedArray } from '../codec/transfer';
import { Ccs } from '../ccs/ccs';
import { liveViewUrl } from '../liveview/liveview';
import { checkpointDir, startCheckpoint, type CheckpointStatus } from '../checkpoint/protocol';
import { registerReadonly } from '../readonlies';
import { expectStart } from './neverStarted';

/**
 * The runtime. Every PE runs the same program: register chare classes at
 * module load, then call `charm.start(main)`; `main` runs on PE 0.
 */
export class Charm extends CharmTopology {
  /**
   * Starts the runtime on this PE and runs `main(args)` on PE 0 once every
   * PE is ready; or, given a chare class, creates that main chare on PE 0
   * with `args` as its constructor's argument (Charm4py's
   * `charm.start(Main)`; its async set-up goes in `onCreated()`). `args` are
   * the program's arguments without the runtime's own options (`+balancer
   * NAME`, `+stats`, `+trace FILE`). The job runs until some PE calls
   * `charm.exit()`.
   *
   * @example
   * charm.start(async () => {
   *   const g = charm.createGroup(Hello);
   *   await g.awaitable.sayHi();
   *   charm.exit();
   * });
   */
  start(main: ((args: string[]) => unknown) | MainChareClass, options: StartOptions = {}): void {
    checkOptionKeys('charm.start', options, START_OPTIONS);
    startProgram(main, options, () => this.waitQD());
  }

  /**
   * Ends the whole job with exit code `code` (0..255, default 0), from any PE. Returns at once
   * (Charm++'s `CkExit` does not): the job ends once the exit reaches every PE, and calls made
   * after it are dropped. Only the first exit counts: a later one (here or on another PE) changes
   * nothing, as a second CkExit, and PE 0 says so on stderr if it asked for another code.
   * Charm4py: `charm.exit(code)`. @throws RangeError for a bad code.
   */
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
      expectStart((options as RegisterOptions).name);
      return cls;
    }
    for (const c of [cls, ...more.filter((other) => typeof other === 'function')] as ChareClass[]) {
      registerClass(c);
      expectStart(c.name);
    }
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

  /** Why `charm` cannot be sent (codec/values.ts). */
  [UNSENDABLE](): string {
    return 'charm is the runtime of the PE it is on: every PE has its own; use it there, not a copy';
  }

  /**
   * The program's command-line arguments without the runtime's options
   * (`+balancer NAME`, `+restart DIR`, `+stats`, …), on any PE, before or
   * after `charm.start`: what main gets. `process.argv` keeps those
   * options on every PE (the runtime reads them there, some of them late).
   * Charm++: `CkGetArgv()`, argv with the runtime's options removed.
   */
  args(): string[] {
    return programArgs(process.argv.slice(2));
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
    return charmGroup();
  }

  /**
   * Creates one chare of class `cls` on `options.onPE` (default: a PE the
   * runtime chooses, dealing the chares each PE creates out over the PEs,
   * as Charm4py's `onPE=-1`) with constructor arguments `args`, and
   * returns its proxy at once. Charm4py: `Chare(cls, args, onPE=pe)`.
   *
   * @throws Error if `cls` is not registered; RangeError if `onPE` is out of range.
   */
  createChare<C extends ChareClass<Chare<number>>>(cls: C, ...[args, options]: CreateArgs<ConstructorParameters<C>, ChareOptions>): ElementProxy<InstanceType<C>> {
    checkOptionKeys(`charm.createChare(${nameOf(cls)})`, options, CHARE_OPTIONS);
    return createChare(cls, args ?? [], options) as ElementProxy<InstanceType<C>>;
  }

  /**
   * Creates a group: one chare of class `cls` (a `Chare`, indexed by PE) on
   * every PE, each constructed with `args`, or on each PE of `options.onPEs`
   * (Charm4py: `Group(cls, args=..., onPEs=...)`): broadcasts reach those
   * members, results come in PE order, members reduce among themselves.
   *
   * @throws Error if `cls` is not registered; TypeError or RangeError for bad `onPEs`.
   */
  createGroup<C extends ChareClass<Chare<number>>>(cls: C, ...[args, options]: CreateArgs<ConstructorParameters<C>, GroupOptions>): CollectionProxy<InstanceType<C>> {
    checkOptionKeys(`charm.createGroup(${nameOf(cls)})`, options, GROUP_OPTIONS);
    return createGroup(cls, args ?? [], options) as CollectionProxy<InstanceType<C>>;
  }

  /**
   * Resolves once every member of each collection (every group member,
   * array element, or the chare) exists and its async set-up
   * (`onCreated()`) has finished (Charm4py's `charm.awaitCreation`).
   * Works from any PE, for collections created anywhere.
   *
   * @example
   * const cells = charm.createArray(Cell, 64, [grid]);
   * await charm.awaitCreation(cells);
   */
  awaitCreation(...proxies: Creatable[]): Promise<void> {
    runtime('charm.awaitCreation');
    const created = proxies.map((p, i) => whenCreated(p, `charm.awaitCreation (argument ${i})`)); // bad arguments throw here
    return Promise.all(created).then(() => undefined);
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
  createArray<C extends ChareClass<Chare<ChareIndex>>, const D>(
    cls: C,
    dims: DimsArg<IndexOf<InstanceType<C>>, D>,
    ...[args, options]: [D] extends [SparseDims] ? [args?: ConstructorParameters<C>, options?: ArrayOptions<IndexOf<InstanceType<C>>>] : CreateArgs<ConstructorParameters<C>, ArrayOptions<IndexOf<InstanceType<C>>>>
  ): ArrayProxy<InstanceType<C>, IndexOf<InstanceType<C>>, ConstructorParameters<C>, [D] extends [readonly number[] | number] ? true : boolean> {
    checkOptionKeys(`charm.createArray(${nameOf(cls)})`, options, ARRAY_OPTIONS);
    // The map is only ever called with this array's indices (of type IndexOf<InstanceType<C>>);
    // dims is D once the compiler has accepted it, and checked again at run time.
    return createArray(cls, dims as ArrayDims, args ?? [], options as ArrayOptions | undefined) as ArrayProxy<InstanceType<C>, IndexOf<InstanceType<C>>, ConstructorParameters<C>, [D] extends [readonly number[] | number] ? true : boolean>;
  }

  /**
   * Registers an array map (index to PE) under its name; do it at module
   * load on every PE. `fn` may take the index type of the arrays it
   * places: `(index: readonly number[], numPes) => index[0] % numPes`.
   * Charm4py: an `ArrayMap` group.
   */
  registerMap<I extends ArrayIndex>(fn: ArrayMapFunction<I>, name?: string): void {
    registerMap(fn as ArrayMapFunction, name); // called only for arrays that name it in their options, with their indices
  }

  /**
   * Registers a custom reducer under `name` on this PE; do it at module
   * load on every PE. `combine` merges two contributions (or partial
   * results) of type `T`; it must be associative and commutative: partial
   * results combine in the order they come up the spanning tree, over a
   * collection or a section alike (for member order, contribute to
   * `Reducer.gather` or `Reducer.concat`). Charm4py: `Reducer.addReducer(func)`.
   *
   * @throws TypeError for a bad name or a non-function; Error if the name is taken.
   */
  registerReducer<T>(name: string, combine: (a: T, b: T) => T): Reducer<CustomKind<T>> {
    return registerReducer(name, combine);
  }

  /**
   * A callback to `method` of `proxy`: one chare, a whole collection
   * (broadcast) or a section (multicast). Use it as a reduction target or a
   * quiescence callback, or call it with `send(value)`. Inside a chare,
   * `charm.callback(this.thisProxy, 'done')` works as is. Charm4py: passing
   * `proxy.method`; Charm++: `CkCallback(CkIndex_X::method, proxy)`.
   *
   * @throws TypeError if `proxy` is not a proxy or the class has no entry method `method`.
   */
  callback<T extends Record<K, AnyMethod>, K extends string>(proxy: ProxyOf<T> | Section<T, unknown>, method: K & NotBaseMember<K>): Callback<T[K]> {
    return callback(proxy, method);
  }

  /**
   * Guards entry method `method` of `cls` with `condition` (Charm4py's
   * `@when`): a call waits until `condition(chare, ...args)` holds, tried
   * again after each entry method of the chare (and each continuation of
   * one). Register it at module load, on every PE.
   *
   * @example
   * charm.when(Block, 'halo', (self, iteration) => iteration === self.iteration);
   */
  when<C extends ChareClass, M extends EntryMethodNames<InstanceType<C>>>(cls: C, method: M, condition: (self: InstanceType<C>, ...args: MethodArgs<InstanceType<C>, M>) => boolean): void;
  /**
   * Guards entry method `method` of `cls` with a match of a message tag
   * against the chare's state (Charm4py's `@when('self.iteration == iter')`):
   * a call runs when `tag(...args)` equals `state(chare)`. Waiting calls are
   * kept by tag, so releasing one costs a lookup, however many wait: use
   * this form when many calls wait for successive values.
   *
   * @example
   * charm.when(Worker, 'recvId', { state: (self) => self.curId, tag: (id) => id });
   */
  when<C extends ChareClass, M extends EntryMethodNames<InstanceType<C>>>(cls: C, method: M, condition: WhenMatch<InstanceType<C>, MethodArgs<InstanceType<C>, M>>): void;
  when(cls: ChareClass, method: string, condition: unknown): void {
    guardMethod(cls, method, condition);
  }

  /** A future for one value of type `T`, to pass to other chares. */
  createFuture<T = void>(): Future<T>;
  /** A future that completes with `count` values, in arrival order. */
  createFuture<T>(count: number): Future<T[], T>;
  createFuture<T>(count?: number): Future<T> | Future<T[], T> {
    runtime('charm.createFuture');
    // Held: only code holding the future can fulfil it until it is in a message (future.ts, `open`).
    if (count === undefined) return Future.create<T>(1, 'single', undefined, true);
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`charm.createFuture: count must be a non-negative integer, got ${String(count)}`);
    return Future.create<T[]>(count, 'multi', undefined, true) as Future<T[], T>;
  }

  /**
   * Yields the value of each future as it completes, in completion order
   * (Charm4py's `charm.iwait(futures)`); given channels, yields each
   * channel once, as soon as it has a value to take, which `await
   * ch.recv()` then gives at once (Charm4py's `charm.iwait(channels)`;
   * `Channel.select` takes a value from whichever channel has one, the
   * same channel again if it is ahead).
   *
   * @throws TypeError when `items` is not an iterable of futures or of
   *   channels (a mixed list, a promise); rejects (at the `for await`) as
   *   `Channel.select` does for a closed channel or one already waited on.
   */
  iwait<T>(futures: Iterable<Future<T>>): AsyncGenerator<T>;
  iwait<T>(channels: Iterable<Channel<T>>): AsyncGenerator<Channel<T>>;
  iwait<T>(items: Iterable<Future<T>> | Iterable<Channel<T>>): AsyncGenerator<T> | AsyncGenerator<Channel<T>> {
    return iwaitAny('charm.iwait', items);
  }

  /** Resolves when the whole job is quiescent: no message in flight or being processed anywhere. */
  waitQD(): Promise<void> {
    const future = Future.create<void>(1, 'single');
    requestQuiescence(future);
    return future.get();
  }

  /**
   * At the next quiescence: fulfils `callback` (a future), calls it (a
   * callback from `charm.callback`: an entry method of a chare, a
   * collection or a section), or calls the function here.
   */
  startQD(callback: Future<void> | Callback | (() => void)): void {
    runtime('charm.startQD');
    if (callback instanceof Future) {
      requestQuiescence(callback);
    } else if (callback instanceof Callback) {
      this.waitQD().then(() => callback.send()).catch((error: unknown) => fatal(error, `on PE ${this.myPe()} calling a quiescence callback`));
    } else if (typeof callback === 'function') {
      this.waitQD().then(callback).catch((error: unknown) => fatal(error, `on PE ${this.myPe()} in a quiescence callback`));
    } else {
      throw new TypeError("charm.startQD: callback must be a Future, a callback from charm.callback(proxy, 'method') or a function");
    }
  }

  /**
   * Zero copy, as an explicit choice: marks `view` so that the message it
   * is next sent in takes its memory instead of a copy, as
   * `postMessage(value, [buffer])` and `structuredClone(value, { transfer })`
   * do. Without it a message carries a copy of every typed array, made at
   * the call. Returns `view`, to wrap an argument in place.
   *
   * At the call that sends it (an entry-method call, a `.ret` result, a
   * `future.send`, a channel send, a contribution, migrated state) `view`
   * is detached: its length becomes 0 and its memory goes to MPI without a
   * copy, or, on this PE, to the receiver itself. The receiver gets an
   * ArrayBuffer of its own. A broadcast moves it to this PE's receiver and
   * sends the others copies. A call that throws (bad arguments) leaves it
   * as it was.
   *
   * Charm++ counterpart: a `nocopy` entry-method parameter sent with
   * `CkSendBuffer(ptr, callback)`, where the sender must leave the buffer
   * alone until the callback; here the detached view makes that mistake
   * impossible. Charm4py copies buffer arguments straight into the message
   * (direct copy, no pickling), which is what charmts does without
   * `charm.transfer`.
   *
   * @throws TypeError when `view` is not a typed array, is detached, lives
   * in a SharedArrayBuffer, or covers only part of its ArrayBuffer (small
   * Node Buffers are slices of a shared pool); at the send when its
   * ArrayBuffer cannot be detached (WebAssembly memory); a
   * SerializationError when one ArrayBuffer is transferred twice in a message.
   *
   * @example
   * const field = new Float64Array(1 << 20);
   * neighbour.halo(charm.transfer(field)); // field.length === 0 from here on
   */
  transfer<T extends TypedArray>(view: T): T {
    return markTransfer(view);
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
   * A section of a group, an array or a section: members selected by a
   * list of indices, a predicate over the indices, a slice
   * `{ start, stop, step }` (groups and 1D arrays) or one slice per
   * dimension (Charm4py's `a[0:8:2, 1:8:2]`). Calls on it reach every
   * member; members reduce over it with
   * `this.contribute(data, reducer, target, section)` or
   * `this.allReduce(data, reducer, section)`.
   *
   * @example
   * const evens = charm.createSection(cells, (i) => i[0] % 2 === 0);
   * await evens.awaitable.update();
   */
  createSection<T, I>(source: ArrayProxy<T, I> | Section<T, I>, selection: Selection<NoInfer<I>>): Section<T, I>;
  createSection<T>(source: CollectionProxy<T>, selection: Selection<number>): Section<T, number>;
  createSection(source: unknown, selection: unknown): unknown {
    return createSection(source, selection);
  }

  /**
   * A section of every member of the given groups, arrays and sections,
   * each member once, whatever collection it belongs to (Charm4py's
   * `charm.combine`). Calls go to each member by method name.
   */
  combine<T>(...proxies: (Collection<T> | Section<T, unknown>)[]): Section<T, ChareIndex> {
    return combine(proxies) as Section<T, ChareIndex>;
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
   * chare with a suspended async method, a future in a chare's state, a
   * reduction half done when the job went quiet) rejects a future
   * callback, or ends the job, naming the PE, the file, the chare or the
   * reduction.
   *
   * @throws TypeError (at the call) for a bad `dir` or `callback`; Error
   * (at the call on PE 0, else as a failed checkpoint) while another
   * checkpoint is under way.
   * @example
   * charm.startCheckpoint(charm.checkpointDir() ?? 'ckpt', charm.callback(this.thisProxy, 'resume'));
   */
  startCheckpoint(dir: string, callback: ReductionTarget<CheckpointStatus>): void {
    startCheckpoint(dir, callback);
  }

  /** The directory given on the command line with `+checkpoint-dir DIR`, else, in a job restarted with `+restart DIR`, that DIR (absolute); undefined otherwise. Charm++ has no counterpart (`CkStartCheckpoint` takes the path). */
  checkpointDir(): string | undefined {
    return checkpointDir();
  }

  /**
   * Declares readonly state (Charm++'s readonly variables): a value set on
   * PE 0 by main's synchronous part (before its first await) or by the
   * main chare's constructor, then the same on every PE. PE 0 sends the
   * values once that part has run, and every other PE sets them (with
   * `set`) before it runs anything else, so every chare, even one created
   * before the value was set, reads it from its constructor on. Later
   * changes on PE 0 are not sent. A checkpoint saves PE 0's value; a
   * restart calls `set` with it on every PE before any chare is rebuilt.
   * Register at module load, before `charm.start`, on every PE. Charm4py's
   * counterpart is `charm4py.readonlies`.
   *
   * @throws TypeError for a bad name or accessors; Error if `name` is taken
   *   or the runtime has started.
   * @example
   * let mainProxy: ElementProxy<Main>;
   * charm.registerReadonly('mainProxy', () => mainProxy, (p) => (mainProxy = p));
   * // in Main's constructor: mainProxy = this.thisElement; workers then call mainProxy.done()
   */
  registerReadonly<T>(name: string, get: () => T, set: (value: T) => void): void {
    registerReadonly(name, get, set as (value: never) => void);
  }

  /**
   * Calls `target` with `args` after `seconds` (Charm4py's
   * `scheduleCallableAfter`): a callback from `charm.callback` (an entry
   * method, called with the arguments), a future (sent `args[0]`) or a
   * function of this PE. A callback or future is sent copies of `args` made
   * at this call, as a message carries them; a function gets `args`
   * themselves. The timer does not hold quiescence back unless
   * `options.countsForQD`: then quiescence is not reached while it is
   * pending.
   *
   * @example
   * charm.scheduleAfter(charm.callback(this.thisElement, 'tick'), 0.5, [step + 1]);
   */
  scheduleAfter(target: Callback | Future<never> | Future<unknown> | ((...args: never[]) => unknown), seconds: number, args: readonly unknown[] = [], options: ScheduleOptions = {}): void {
    checkOptionKeys('charm.scheduleAfter', options, SCHEDULE_OPTIONS);
    scheduleAfter(target, seconds, args, options);
  }

  /** Resolves after `seconds`, without blocking the PE. */
  sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/** The runtime of this PE. */
export const charm = new Charm();

/** A class's name for an error (whatever `cls` is: the creation call checks it after). */
function nameOf(cls: unknown): string {
  return (typeof cls === 'function' && cls.name) || '?';
}
