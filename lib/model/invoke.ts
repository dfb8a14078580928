/**
 * Running an entry method: the call, its result or completion sent back to
 * whoever asked, and errors either returned to the caller or, when nobody
 * waits for them, fatal for the job.
 */
import type { Chare } from './chare';
import type { ChareClassInfo } from './registry';
import { Future } from './future';
import { running, uncaught } from '../errors';
import { runtime } from './context';
import type { Reader } from '../codec/reader';
import { readReplyTo } from '../codec/wire';
import { methodStarts, profiling, recordMethod } from '../profiling/profile';
import { METHOD_CHANNEL, deliverChannelData } from '../channels';
import { guardOf, park, retryWaiting, type WaitingCall } from '../when';

/** Where the outcome of a call goes. */
export interface Reply {
  resolve(value: unknown): void;
  reject(error: unknown, where: string): void;
  /** The same reply as data, for a call that waits on a migrating element (see `replyFrom`). */
  readonly data?: ReplyData;
}

/** A reply as data: [0, future, slot, completion only] (a call), or a collection's own form (array broadcasts). */
export type ReplyData = [kind: number, future: Future<unknown>, slot: number, completionOnly: boolean];

/** A member slot placeholder: the receiving member fills in its own position. */
export const SLOT_OF_MEMBER = -2;

/** Reads the future a call replies to, and the slot of the reply in it. */
export function readReplyFuture(r: Reader): [Future<unknown>, number] {
  const to = readReplyTo(r);
  return [new Future(to.pe, to.id), to.slot];
}

/** Reads the future a call replies to; `memberSlot` fills SLOT_OF_MEMBER. */
export function readReply(r: Reader, completionOnly: boolean, memberSlot: number): Reply {
  const [future, wanted] = readReplyFuture(r);
  return replyFrom([0, future, wanted === SLOT_OF_MEMBER ? memberSlot : wanted, completionOnly]);
}

/** The reply of a call to `future` (slot `slot`), from its data. */
export function replyFrom(data: ReplyData): Reply {
  const [, future, slot, completionOnly] = data;
  return {
    resolve: (value) => future.sendSlot(slot, completionOnly ? undefined : value),
    reject: (error, where) => future.sendError(error, where),
    data,
  };
}

export function describeCall(info: ChareClassInfo, method: string, element: Chare<never>): string {
  const index = element.thisIndex as unknown;
  const shown = index instanceof Uint8Array ? `bytes<${Buffer.from(index).toString('hex')}>` : JSON.stringify(index);
  return `${info.name}.${method} (index ${shown})`;
}

/** Told of every async entry method started: its promise settles when it finishes (never rejecting). */
export type Track = (pending: Promise<void>) => void;

/**
 * Calls entry method `methodId` of `element` with `args` and replies if
 * asked; errors go to the reply or end the job. A call whose `when`
 * condition does not hold yet waits (see when.ts); calls it releases run
 * here too. `track` hears of each async method started, this call's or a
 * released one's.
 */
export function invoke(element: Chare<never>, info: ChareClassInfo, methodId: number, args: unknown[], reply: Reply | undefined, track?: Track): void {
  if (methodId === METHOD_CHANNEL) {
    deliverChannelData(element, args);
    return;
  }
  const name = info.methods[methodId];
  if (name === undefined) throw new Error(`charmts: ${info.name} has no method id ${methodId} on PE ${runtime().myPe}; are classes registered the same way on every PE?`);
  const guard = guardOf(info, methodId);
  if (guard) {
    const verdict = checkGuard(guard, element, info, name, args, reply);
    if (verdict === undefined) return;
    if (!verdict) {
      park(element, { methodId, args, reply });
      return;
    }
  }
  call(element, info, name, args, reply, track);
}

/** Runs a waiting call whose condition now holds. */
export function runWaiting(element: Chare<never>, info: ChareClassInfo, waiting: WaitingCall, track?: Track): void {
  call(element, info, info.methods[waiting.methodId], waiting.args, waiting.reply as Reply | undefined, track);
}

/** Evaluates a guard; a guard that throws fails the call (undefined). */
function checkGuard(guard: (self: Chare<never>, ...a: unknown[]) => boolean, element: Chare<never>, info: ChareClassInfo, name: string, args: unknown[], reply: Reply | undefined): boolean | undefined {
  try {
    return Boolean(guard(element, ...args));
  } catch (error) {
    fail(error, element, info, `${name} (its when condition)`, reply);
    return undefined;
  }
}

function call(element: Chare<never>, info: ChareClassInfo, name: string, args: unknown[], reply: Reply | undefined, track: Track | undefined): void {
  let result: unknown;
  const started = profiling.methods ? methodStarts() : 0;
  const { className, method, index } = running;
  running.className = info.name;
  running.method = name;
  running.index = element.thisIndex;
  try {
    result = (element as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args);
  } catch (error) {
    fail(error, element, info, name, reply);
    return;
  } finally {
    running.className = className;
    running.method = method;
    running.index = index;
    if (started) recordMethod(`${info.name}.${name}`, started, performance.now());
    retryWaiting(
      element,
      (waiting) => checkGuard(guardOf(info, waiting.methodId)!, element, info, info.methods[waiting.methodId], waiting.args, waiting.reply as Reply | undefined),
      (waiting) => runWaiting(element, info, waiting, track),
    );
  }
  if (result instanceof Promise) {
    const pending = result.then(
      (value) => succeed(value, element, info, name, reply),
      (error) => fail(error, element, info, name, reply),
    );
    track?.(pending);
    return;
  }
  if (reply) succeed(result, element, info, name, reply);
}
function succeed(value: unknown, element: Chare<never>, info: ChareClassInfo, name: string, reply: Reply | undefined): void {
  if (!reply) return;
  try {
    reply.resolve(value);
  } catch (error) {
    fail(error, element, info, name, reply); // e.g. a result that cannot be serialized
  }
}

function fail(error: unknown, element: Chare<never>, info: ChareClassInfo, name: string, reply: Reply | undefined): void {
  if (reply) reply.reject(error, describeCall(info, name, element));
  else uncaught(error, `on PE ${runtime().myPe} in ${describeCall(info, name, element)}`);
}
