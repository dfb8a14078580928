/**
 * Futures: a value that will be sent, from any PE, to the PE that created
 * the future. A future can be passed to other chares in messages; awaiting
 * it suspends only the awaiting entry method.
 */
import { inspect } from 'util';
import { registerExtension } from '../codec/values';
import { FutureReply as Reply, readFutureValue, writeFutureValue } from '../codec/wire';
import type { Reader } from '../codec/reader';
import { noteOrigin, remoteError } from '../errors';
import { checkSendable } from '../reductions/snapshot';
import { runtime } from './context';

/**
 * single: one value; multi: `expected` values in arrival order; slots: one
 * value per member, in member order; count: completion of `expected` sends.
 */
export type FutureMode = 'single' | 'multi' | 'slots' | 'count';

interface Slot {
  values: unknown[];
  remaining: number;
  mode: FutureMode;
  /** Rejected already: later replies (from other members) are counted and dropped. */
  failed: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const open = new Map<number, Slot>();
let nextId = 1;

/**
 * A value of type `T` that will arrive later. Await it (it is thenable), or
 * call `get()`. Any chare holding it can fulfil it with `send(value)`.
 * A multi-value future (`charm.createFuture<V>(n)`) is a `Future<V[], V>`:
 * each `send` gives one `V`, and it completes with all `n` of them.
 *
 * @typeParam T - what awaiting the future gives
 * @typeParam Sent - what one `send` takes
 */
export class Future<T = unknown, Sent = T> implements PromiseLike<T> {
  private promise: Promise<T> | undefined;

  /** @internal Use `charm.createFuture()`. */
  constructor(
    /** PE that created the future and receives its value. */
    readonly pe: number,
    /** @internal */
    readonly id: number,
  ) {}

  /** @internal Creates a future owned by this PE that completes after `expected` values. */
  static create<T>(expected: number, mode: FutureMode): Future<T> {
    const id = nextId++;
    const future = new Future<T>(runtime().myPe, id);
    future.promise = new Promise<T>((resolve, reject) => {
      open.set(id, {
        values: mode === 'slots' ? new Array(expected) : [],
        remaining: expected,
        mode,
        failed: false,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
    });
    noteOrigin(future.promise);
    if (expected === 0) complete(id);
    return future;
  }

  /** How a future prints: its value or state, like a promise; a future of another PE names it. */
  [inspect.custom](_depth: number, options: import('util').InspectOptionsStylized): string {
    if (!this.promise) return `Future { of PE ${this.pe} }`;
    // The promise's state and value, without the bookkeeping symbols async hooks may have added to it.
    const shown = inspect(this.promise, { ...options, breakLength: Infinity }).replace(/,? ?\[Symbol\([^)]*\)\]: [^,} ]*/g, '');
    return `Future ${shown.replace(/^Promise /, '')}`;
  }

  /** The value, once it has arrived. Only the PE that created the future can wait on it. */
  get(): Promise<T> {
    if (!this.promise) {
      throw new Error(`charmts: a future can only be awaited on the PE that created it (PE ${this.pe}), not on PE ${runtime().myPe}`);
    }
    return this.promise;
  }

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
    sendReply(this.pe, this.id, -1, Reply.Value, value);
  }

  /** @internal Sends `value` into slot `slot` (results in member order). */
  sendSlot(slot: number, value: unknown): void {
    sendReply(this.pe, this.id, slot, Reply.Value, value);
  }

  /** @internal Rejects the future with an error raised in `where` on PE `pe` (default: this one). */
  sendError(error: unknown, where: string, pe = runtime().myPe): void {
    const e = error instanceof Error ? error : new Error(String(error));
    sendReply(this.pe, this.id, -1, Reply.Error, { message: e.message, name: e.name, stack: e.stack ?? '', where, pe });
  }
}

function sendReply(pe: number, id: number, slot: number, reply: Reply, value: unknown): void {
  const rt = runtime();
  if (pe === rt.myPe) {
    // A future of this PE is fulfilled at once: the waiting entry method
    // resumes before the next message, as after any await. What could not
    // be sent to another PE is refused here too.
    checkSendable(value, `value sent to a future of PE ${pe}`);
    deliver(id, slot, reply, value);
    return;
  }
  writeFutureValue(rt.scheduler.writer, reply, id, slot, value, `value sent to a future of PE ${pe}`);
  rt.scheduler.send(pe);
}

function complete(id: number): void {
  const slot = open.get(id)!;
  open.delete(id);
  if (!slot.failed) slot.resolve(slot.mode === 'single' ? slot.values[0] : slot.mode === 'count' ? undefined : slot.values);
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

function deliver(id: number, slotIndex: number, reply: Reply, value: unknown): void {
  resumption.pending = true;
  const slot = open.get(id);
  if (!slot) throw new Error(`charmts: PE ${runtime().myPe} received a value for future ${id}, which is not waiting for one (was it sent more values than it expects?)`);
  if (reply === Reply.Error && !slot.failed) {
    const e = value as { message: string; name: string; stack: string; where: string; pe: number };
    slot.failed = true;
    slot.reject(remoteError(e.message, e.pe, e.where, e.stack, e.name));
  } else if (slot.mode === 'slots' && slotIndex >= 0) {
    slot.values[slotIndex] = value;
  } else if (slot.mode !== 'count') {
    slot.values.push(value);
  }
  if (--slot.remaining === 0) complete(id);
}

/**
 * Yields the value of each future as soon as it arrives, in completion
 * order (Charm4py's `charm.iwait`; an async generator cannot yield the
 * futures themselves, since yielding a thenable awaits it).
 */
export async function* iwait<T>(futures: Iterable<Future<T>>): AsyncGenerator<T> {
  const pending = new Map<number, Promise<[number, T]>>();
  let key = 0;
  for (const f of futures) {
    const k = key++;
    pending.set(k, f.get().then((v) => [k, v]));
  }
  while (pending.size) {
    const [done, value] = await Promise.race(pending.values());
    pending.delete(done);
    yield value;
  }
}

registerExtension<Future>(
  {
    id: 2,
    matches: (v): v is Future => v instanceof Future,
    encode(w, f) {
      w.u32(f.pe);
      w.u32(f.id);
    },
    decode(r) {
      return new Future(r.u32(), r.u32());
    },
  },
  [Future],
);
