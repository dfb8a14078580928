/**
 * Futures: a value that will be sent, from any PE, to the PE that created
 * the future. A future can be passed to other chares in messages; awaiting
 * it suspends only the awaiting entry method.
 */
import { inspect } from 'util';
import { isImmutable, registerExtension, registerSerializable } from '../codec/values';
import { copyValue } from '../codec/clone';
import { FutureReply as Reply, readFutureValue, writeFutureValue } from '../codec/wire';
import type { Reader } from '../codec/reader';
import type { Writer } from '../codec/writer';
import { broadcastError, noteOrigin, remoteError as remote, type RemoteError } from '../errors';
import { runtime } from './context';
import { failureOf, type Failure } from './failure';
import { TurnoverMap } from '../turnoverMap';

/**
 * single: one value; multi: `expected` values in arrival order; slots: one
 * value per member, in member order; count: completion of `expected` sends;
 * replies / completions: one value, the list of a broadcast's member
 * replies in member order (an array broadcast's gathered replies), giving
 * that list or only completion. In the member modes a member that failed
 * leaves its error in its slot, and the future rejects with a
 * BroadcastError naming every failed member once all have replied.
 */
export type FutureMode = 'single' | 'multi' | 'slots' | 'count' | 'replies' | 'completions';

interface Slot {
  /** The future itself (to forward values into). */
  future: Future<unknown>;
  values: unknown[];
  /** Failed members' errors, by slot (member modes), or the error of a future that failed. */
  errors: RemoteError[];
  /** Values expected in all. */
  expected: number;
  remaining: number;
  mode: FutureMode;
  /** In `heldSlots`, not `open` (a charm.createFuture() future not yet in a message). */
  held: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * This PE's futures waiting for values, by id, once their id may be
 * anywhere but in the future object: the runtime's own (a call's reply,
 * a broadcast's gathering: the id travels in the message), and a
 * `charm.createFuture()` future once it has been in a message (another PE,
 * or a chare here, may fulfil it). A `charm.createFuture()` future never
 * in a message has its slot in `heldSlots`, keyed by the future, weakly:
 * only code holding it can fulfil it, so once nothing holds it, its slot
 * goes with it (a future made and dropped unfulfilled kept its entry,
 * about 560 B, for good). Not a field of the future: it would show when
 * the future is printed.
 */
const open = new TurnoverMap<number, Slot>();
const heldSlots = new WeakMap<Future<unknown>, Slot>();
/** What runs when one of this PE's futures completes, by id (`whenComplete`). */
const onComplete = new Map<number, () => void>();

/**
 * @internal Runs `then` when this PE's future `future` completes, fulfilled
 * or rejected, before code awaiting it resumes. Not a handler on its
 * promise: a rejection nothing awaits is still reported as unhandled.
 */
export function whenComplete(future: Future<unknown>, then: () => void): void {
  onComplete.set(future.id, then);
}

/**
 * The resolving functions of the promise made last: one executor for
 * every future's promise, not a closure and its context per future (an
 * awaited call makes a future).
 */
const settledAlready = (): void => {};
const captured: { resolve: (value: unknown) => void; reject: (reason: unknown) => void } = { resolve: settledAlready, reject: settledAlready };
function capture(resolve: (value: never) => void, reject: (reason: unknown) => void): void {
  captured.resolve = resolve as (value: unknown) => void;
  captured.reject = reject;
}
let nextId = 1;

/** A member's failure inside the gathered replies of an array broadcast. */
export class MemberFailure {
  constructor(readonly failure: Failure) {}
}
registerSerializable(MemberFailure, { name: 'charmts.MemberFailure' });

const remoteError = (f: Failure): RemoteError => remote(f.message, f.pe, f.where, f.stack, f.name);

/**
 * A value of type `T` that will arrive later. Await it (it is thenable), or
 * call `get()`. Any chare holding it can fulfil it with `send(value)`.
 * A multi-value future (`charm.createFuture<V>(n)`) is a `Future<V[], V>`:
 * each `send` gives one `V`, and it completes with all `n` of them.
 * A future sent a future completes with that future's value (as a promise
 * resolved with a promise does), wherever the inner future lives.
 *
 * On the PE that created it a future is a native promise (with Promise's
 * `then`, `catch` and `finally`; `instanceof Future`, not `instanceof
 * Promise`), so `await future` costs what `await promise` does. Elsewhere
 * it is a reference to send values into, and awaiting it throws.
 * Charm4py: `Future`; Charm++: `CkFuture`.
 *
 * @typeParam T - what awaiting the future gives
 * @typeParam Sent - what one `send` takes
 */
export class Future<T = unknown, Sent = T> implements PromiseLike<T> {
  /** @internal Use `charm.createFuture()`. Makes a reference to future `id` of PE `pe`, which cannot be awaited. */
  constructor(
    /** PE that created the future and receives its value. */
    readonly pe: number,
    /** @internal */
    readonly id: number,
  ) {}

  /**
   * @internal The id of a future to be created later (`create(..., id)`):
   * a call can name its future in its message and make the future (a
   * promise and its entry here) once the message is on its way.
   */
  static reserve(): number {
    return nextId++;
  }

  /**
   * @internal Creates a future owned by this PE that completes after
   * `expected` values (`id`: one reserved for it). `held`: only through
   * the object (charm.createFuture), its slot on it until it is first in
   * a message (see `open`).
   */
  static create<T>(expected: number, mode: FutureMode, id = nextId++, held = false): Future<T> {
    const future = new LocalFuture(runtime().myPe, id) as unknown as Future<T>;
    const slot: Slot = {
      future: future as Future<unknown>,
      // The single-valued modes' one value goes to [0] (a push onto [] made a store of 17).
      values: mode === 'slots' ? new Array(expected) : mode === 'multi' || mode === 'count' ? [] : [undefined],
      errors: [],
      expected,
      remaining: expected,
      mode,
      held,
      resolve: captured.resolve,
      reject: captured.reject,
    };
    captured.resolve = captured.reject = settledAlready;
    if (held) heldSlots.set(future as Future<unknown>, slot);
    else open.set(id, slot);
    noteOrigin(future);
    if (expected === 0) complete(slot);
    return future;
  }

  /** How a future prints: its value or state, like a promise; a future of another PE names it. */
  [inspect.custom](_depth: number, options: import('util').InspectOptions): string {
    if (!(this instanceof LocalFuture)) return `Future { of PE ${this.pe} }`;
    // The promise's state and value, without its class, its pe and id, and the bookkeeping symbols async hooks may have added to it.
    const shown = inspect(this, { ...options, customInspect: false, breakLength: Infinity }).replace(/,? ?\[Symbol\([^)]*\)\]: [^,} ]*/g, '');
    return `Future ${shown.replace(/^Future \[Promise\] /, '').replace(/, pe: \d+, id: \d+ }$/, ' }')}`;
  }

  /**
   * The value, once it has arrived: the future itself, a promise, on the
   * PE that created it. Only that PE can wait on it. Charm4py: `future.get()`.
   *
   * @throws Error on another PE, or for a future of this PE that came back in a message after nothing here held it any more.
   */
  get(): Promise<T> {
    if (!(this instanceof LocalFuture)) {
      const me = runtime().myPe;
      if (this.pe === me) throw new Error(`charmts: future ${this.id} of PE ${me} has completed already: only the Future object it was created as can still be awaited`);
      throw new Error(`charmts: a future can only be awaited on the PE that created it (PE ${this.pe}), not on PE ${me}`);
    }
    return this as unknown as Promise<T>;
  }

  /**
   * Refuses to be a number: `future * 2` or `total += future` is a
   * forgotten `await` (or a future given where its value was meant, as a
   * pool item), which JavaScript would turn into NaN or a string and carry
   * on. Temporal's objects refuse `valueOf` in the same way; printing
   * (`${future}`, console.log) still works. In Python, Charm4py's future
   * raises a TypeError in arithmetic too.
   *
   * @throws TypeError always.
   */
  valueOf(): never {
    throw new TypeError(`charmts: a Future is not its value: await it (or future.get()) first; arithmetic or + on a Future is a forgotten await`);
  }

  /** Promise's `then` on the PE that created the future (its own: see LocalFuture); elsewhere throws, as `get()` does. */
  then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.get().then(onfulfilled, onrejected);
  }

  /**
   * Fulfils the future with `value` (one of its values, for a multi-value
   * future), from any PE; the value may be left out only when `Sent`
   * allows `undefined` (`Future<void>`). Charm4py: `future.send(value)`.
   *
   * @throws SerializationError if the value cannot be sent.
   */
  send(...[value]: undefined extends Sent ? [value?: Sent] : [value: Sent]): void {
    sendReply(this, -1, Reply.Value, value);
  }

  /**
   * @internal Like `send`, for a value nothing else holds (just decoded
   * from a message, as the pool's results): a future of this PE takes it
   * without the copy that protects a value sent from user code.
   */
  sendOwned(value: Sent): void {
    sendReply(this, -1, Reply.Value, value, true);
  }

  /** @internal Sends `value` into slot `slot` (results in member order). */
  sendSlot(slot: number, value: unknown): void {
    sendReply(this, slot, Reply.Value, value);
  }

  /** @internal Rejects the future (or, with `slot`, fails that member's slot) with an error raised in `where` on PE `pe` (default: this one). */
  sendError(error: unknown, where: string, pe = runtime().myPe, slot = -1): void {
    sendReply(this, slot, Reply.Error, failureOf(error, where, pe));
  }
}

/**
 * What `Future.create` constructs: a native promise (its constructor runs
 * Promise's) whose prototype inherits Future's methods, with Promise's own
 * `then`, `catch` and `finally`. Its `constructor` is %Promise%, so `await
 * future` takes V8's fast path for native promises (PromiseResolve returns
 * it as it is); a thenable's await costs a NewPromiseResolveThenableJob
 * calling `then` and a derived promise, two more microtask turns. (Made
 * with Reflect.construct(Promise, [executor], newTarget) instead, a future
 * took 30 us against a promise's 1.5 in a loop of await: that path misses
 * V8's fast construction.)
 */
class LocalFuture extends Promise<unknown> {
  constructor(
    readonly pe: number,
    readonly id: number,
  ) {
    super(capture);
  }
}
Object.setPrototypeOf(LocalFuture.prototype, Future.prototype);
Object.defineProperties(LocalFuture.prototype, {
  constructor: { value: Promise, writable: true, configurable: true },
  then: { value: Promise.prototype.then, writable: true, configurable: true },
  catch: { value: Promise.prototype.catch, writable: true, configurable: true },
  finally: { value: Promise.prototype.finally, writable: true, configurable: true },
  [Symbol.toStringTag]: { value: 'Promise', configurable: true },
});

/**
 * This PE's futures by id, as long as something here holds them: a future
 * of this PE that comes back in a message is the object it was created as,
 * so it can be awaited, even after it completed.
 */
const live = new Map<number, WeakRef<Future<unknown>>>();
const forget = new FinalizationRegistry<number>((id) => {
  if (live.get(id)?.deref() === undefined) live.delete(id);
});

/**
 * A future being encoded into a message in `w`. A future of this PE is
 * findable in `live` from now on (only once it leaves in a message can it
 * come back; most futures never do, an awaited call's, and a WeakRef and a
 * finalizer per future were a tenth of an awaited broadcast's time at np
 * 1), so that a copy made here decodes as the object itself; `live` holds
 * it weakly. Its slot moves to `open` only once the message is whole and
 * goes (`keepOpen`, by the writer): had it moved at once, a call refused
 * at its caller because a later argument cannot be sent kept the slot,
 * and the future with it, in `open` for good.
 */
function encoding(w: Writer, future: Future<unknown>): void {
  if (heldSlots.has(future)) w.defer(keepOpen, future);
  if (future.pe !== runtime().myPe || live.get(future.id)?.deref() === future) return;
  live.set(future.id, new WeakRef(future));
  forget.register(future, future.id);
}

/** A message carrying `future` went: its id left the object, and whoever gets it may fulfil it, with or without the object. */
function keepOpen(future: object): void {
  const f = future as Future<unknown>;
  const slot = heldSlots.get(f);
  if (!slot) return; // moved by an earlier message, or completed
  open.set(f.id, slot);
  heldSlots.delete(f);
  slot.held = false;
}

/** The future of PE `pe` numbered `id`: the object it was created as when it is this PE's and still held here. */
export function futureAt(pe: number, id: number): Future<unknown> {
  return (pe === runtime().myPe ? live.get(id)?.deref() : undefined) ?? new Future(pe, id);
}

function sendReply(future: Future<unknown>, slot: number, reply: Reply, value: unknown, owned = false): void {
  const rt = runtime();
  const { pe, id } = future;
  if (pe === rt.myPe) {
    // A future of this PE is fulfilled at once: the waiting entry method
    // resumes before the next message, as after any await. It gets a copy,
    // as from a message: later writes by the sender do not reach it, and
    // what could not be sent to another PE is refused here too. (The name
    // is built only for a value that could be refused: a string per reply.)
    deliver(id, slot, reply, owned || isImmutable(value) ? value : copyValue(value, `value sent to a future of PE ${pe}`), future);
    return;
  }
  writeFutureValue(rt.scheduler.writer, reply, id, slot, value, `value sent to a future of PE ${pe}`);
  rt.scheduler.send(pe);
}

function complete(slot: Slot): void {
  if (slot.held) heldSlots.delete(slot.future);
  else open.delete(slot.future.id);
  if (onComplete.size > 0) {
    const then = onComplete.get(slot.future.id);
    if (then) {
      onComplete.delete(slot.future.id);
      then();
    }
  }
  const mode = slot.mode;
  let values = slot.values;
  if (mode === 'replies' || mode === 'completions') {
    // An array broadcast's replies, gathered: failures are in their members' places.
    values = (values[0] as unknown[] | undefined) ?? [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v instanceof MemberFailure) slot.errors[i] = remoteError(v.failure);
    }
  }
  if (slot.errors.length > 0) {
    const failed = slot.errors.filter((e) => e !== undefined);
    if (mode === 'single' || mode === 'multi') {
      slot.reject(failed[0]);
    } else {
      const withValues = mode === 'slots' || mode === 'replies';
      const members = withValues ? values.length : mode === 'count' ? slot.expected : values.length;
      slot.reject(broadcastError(failed, Array.from({ length: members }, (_, i) => slot.errors[i] ?? (withValues ? values[i] : undefined))));
    }
    return;
  }
  slot.resolve(mode === 'single' ? values[0] : mode === 'count' || mode === 'completions' ? undefined : values);
}

/** Handler of Kind.FutureValue messages. */
export function receiveFutureValue(r: Reader): void {
  const m = readFutureValue(r);
  deliver(m.id, m.slot, m.reply, m.value);
}

/**
 * Set when a future completes: code awaiting it resumes in microtasks, and
 * the scheduler lets those run before it dispatches the next message.
 */
export const resumption = { pending: false };
// Written once now: V8 takes a field not written since its object was made
// for a constant, which the message loop's optimized code then assumed, and
// the first future's value deoptimized it (lib/shapes.ts).
resumption.pending = true;
resumption.pending = false;

/** Asks the PE owning `inner` to send its value, once it has it, into `slot` of future `id` here. */
let forwardFrom: (inner: Future<unknown>, to: Future<unknown>, slot: number) => void = () => {
  throw new Error('charmts: futures cannot be forwarded before charm.start');
};

/** @internal Set once by the runtime group: how a future of another PE is asked for its value. */
export function setForwarder(forward: typeof forwardFrom): void {
  forwardFrom = forward;
}

/** The owner of `inner` (this PE): sends its value, once it has it, into `slot` of `to`. */
export function forwardValue(inner: Future<unknown>, to: Future<unknown>, slot: number): void {
  const where = `future ${inner.id} of PE ${inner.pe}`;
  let value: Promise<unknown>;
  try {
    value = futureAt(inner.pe, inner.id).get();
  } catch {
    to.sendError(new Error(`${where} was passed on as a value, but nothing on PE ${inner.pe} holds it any more: its value is gone`), where, runtime().myPe, slot);
    return;
  }
  value.then(
    (value) => to.sendSlot(slot, value),
    (error: unknown) => to.sendError(error, where, runtime().myPe, slot),
  );
}

/** A value (or error) for future `id` of this PE; `future`, when the sender held it, finds a slot kept on the future. */
function deliver(id: number, slotIndex: number, reply: Reply, value: unknown, future?: Future<unknown>): void {
  resumption.pending = true;
  const slot = (future && heldSlots.get(future)) ?? open.get(id);
  if (!slot) throw new Error(`charmts: PE ${runtime().myPe} received a value for future ${id}, which is not waiting for one: a future takes as many values as it was made for (one by default) and no more. Was it sent a value twice, or made the target of two reductions? A member that calls contribute twice joins the next reduction with its second call (as in Charm++), so that reduction, completing, sends to the same future again`);
  if (reply === Reply.Value && value instanceof Future) {
    // A future's value is the inner future's value, as for promises.
    const to = slot.future;
    if (value.pe === runtime().myPe) forwardValue(value, to, slotIndex);
    else forwardFrom(value, to, slotIndex);
    return;
  }
  if (reply === Reply.Error) {
    slot.errors[slotIndex >= 0 && slot.mode !== 'single' && slot.mode !== 'multi' ? slotIndex : slot.errors.length] = remoteError(value as Failure);
  } else if (slot.mode === 'slots' && slotIndex >= 0) {
    slot.values[slotIndex] = value;
  } else if (slot.mode === 'multi' || slot.mode === 'slots') {
    slot.values.push(value);
  } else if (slot.mode !== 'count') {
    slot.values[0] = value;
  }
  if (--slot.remaining === 0) complete(slot);
}

/**
 * Yields the value of each future as soon as it arrives, in completion
 * order (Charm4py's `charm.iwait`; an async generator cannot yield the
 * futures themselves, since yielding a thenable awaits it). Each future
 * settles into a queue in arrival order, which the generator reads: O(1)
 * per future (racing the pending futures at every step would be O(n) per
 * step, O(n^2) in all). A future that fails makes the generator throw its
 * error when its turn comes.
 */
export async function* iwait<T>(futures: Iterable<Future<T>>): AsyncGenerator<T> {
  const arrived: ({ ok: true; value: T } | { ok: false; error: unknown } | undefined)[] = [];
  let wake: (() => void) | undefined;
  const settle = (outcome: { ok: true; value: T } | { ok: false; error: unknown }): void => {
    arrived.push(outcome);
    const w = wake;
    wake = undefined;
    w?.();
  };
  let total = 0;
  for (const f of futures) {
    total++;
    f.get().then(
      (value) => settle({ ok: true, value }),
      (error: unknown) => settle({ ok: false, error }),
    );
  }
  for (let next = 0; next < total; next++) {
    if (next === arrived.length) await new Promise<void>((resolve) => (wake = resolve));
    const outcome = arrived[next]!;
    arrived[next] = undefined; // yielded values are the caller's, not kept here
    if (!outcome.ok) throw outcome.error;
    yield outcome.value;
  }
}

registerExtension<Future>(
  {
    id: 2,
    matches: (v): v is Future => v instanceof Future,
    encode(w, f) {
      encoding(w, f);
      w.u32(f.pe);
      w.u32(f.id);
    },
    decode(r) {
      return futureAt(r.u32(), r.u32());
    },
  },
  [Future],
);
