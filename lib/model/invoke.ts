/**
 * Running an entry method: the call, its result or completion sent back to
 * whoever asked, and errors either returned to the caller or, when nobody
 * waits for them, fatal for the job.
 */
import { performance } from '../clock';
import { memberOf, type Chare } from './chare';
import type { ChareClassInfo } from './registry';
import { types } from 'util';
import { Future } from './future';
import { describeOrigin, endedByDeletion, fatal, running, uncaught } from '../errors';
import { runtime } from './context';
import type { Reader } from '../codec/reader';
import { readReplyTo } from '../codec/wire';
import { methodStarts, profiling, recordContinuation, recordMethod } from '../profiling/profile';
import { deliverChannelData } from '../channels';
import { METHOD_CHANNEL, METHOD_CREATED } from './methodIds';
import { guardOf, hasWaiting, park, retryWaiting, type Condition, type WaitingCall } from '../when';
import { afterContinuations, runAs } from './activity';

/** Where the outcome of a call goes. */
export interface Reply {
  resolve(value: unknown): void;
  reject(error: unknown, where: string): void;
  /** The same reply as data, for a call that waits on a migrating element (see `replyFrom`). */
  readonly data?: ReplyData;
}

/** A reply as data: [CALL_REPLY, future, slot, completion only] (a call), or a collection's own form (array broadcasts). */
export type ReplyData = [kind: number, future: Future<unknown>, slot: number, completionOnly: boolean];
/** The kind of a call's reply as data (ReplyData). */
export const CALL_REPLY = 0;

/**
 * Runs a new member's async set-up, `onCreated()`, if its class has one
 * (Charm4py's coroutine constructors): like an entry method, right after
 * the constructor. Creation (`charm.awaitCreation`) completes when it has
 * finished; an error in it ends the job, as one in a constructor does.
 */
export function runCreatedHook(element: Chare<never>, info: ChareClassInfo): void {
  const hook = (element as unknown as { onCreated?: () => unknown }).onCreated;
  if (typeof hook !== 'function') return;
  const member = memberOf(element);
  const where = (): string => `on PE ${runtime().myPe} in ${describeCall(info, 'onCreated', element)}`;
  let result: unknown;
  try {
    result = runAs(element, member, undefined, 'onCreated', hook, []);
  } catch (error) {
    fatal(error, where());
  } finally {
    retry(element, info);
  }
  // Cleared once done: a checkpoint refuses a member whose set-up is still suspended.
  // isPromise: a future of this PE is a promise, but not an instance of Promise.
  if (types.isPromise(result)) member.created = result.then(() => void (member.created = undefined), (error: unknown) => fatal(error, where()));
}

/** A member slot placeholder: the receiving member fills in its own position. */
export const SLOT_OF_MEMBER = -2;

/** Reads the future a call replies to, whose only value the reply is (an array broadcast's, a deletion's). */
export function readReplyFuture(r: Reader): Future<unknown> {
  const to = readReplyTo(r);
  return new Future(to.pe, to.id);
}

/** Reads the future a call replies to and the slot of the reply in it; `memberSlot` fills SLOT_OF_MEMBER. */
export function readReply(r: Reader, completionOnly: boolean, memberSlot: number): Reply {
  const to = readReplyTo(r);
  return replyFrom([CALL_REPLY, new Future(to.pe, to.id), to.slot === SLOT_OF_MEMBER ? memberSlot : to.slot, completionOnly]);
}

/** The reply of a call to `future` (slot `slot`), from its data. */
export function replyFrom(data: ReplyData): Reply {
  const [, future, slot, completionOnly] = data;
  return {
    resolve: (value) => future.sendSlot(slot, completionOnly ? undefined : value),
    reject: (error, where) => future.sendError(error, where, runtime().myPe, slot),
    data,
  };
}

export function describeCall(info: ChareClassInfo, method: string, element: Chare<never>): string {
  return describeOrigin(info.name, method, element.thisIndex);
}

/** Told of every async entry method started, and of whose it is: its promise settles when it finishes (never rejecting). */
export type Track = (pending: Promise<void>, member: Chare<never>, method: string) => void;

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
  if (methodId === METHOD_CREATED) {
    const created = memberOf(element).created;
    if (!created) reply?.resolve(undefined);
    else void created.then(() => reply?.resolve(undefined));
    return;
  }
  // Kept on the member, not in a WeakMap keyed by it: an entry per member made (every arrival of a
  // migrating element is a new object) kept each departed element alive until a full GC, and every
  // scavenge copied and promoted them (~1 MB a scavenge in bench/cases/migration.ts).
  if (track) memberOf(element).track = track;
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

/** Evaluates a guard (a predicate, or a tag matched against the state); a guard that throws fails the call (undefined). */
function checkGuard(guard: Condition, element: Chare<never>, info: ChareClassInfo, name: string, args: unknown[], reply: Reply | undefined): boolean | undefined {
  try {
    if (typeof guard === 'function') return Boolean(guard(element, ...args));
    const [a, b] = [guard.state(element), guard.tag(...args)];
    return a === b || (a !== a && b !== b); // SameValueZero, as the waiting calls' Map
  } catch (error) {
    fail(error, element, info, `${name} (its when condition)`, reply);
    return undefined;
  }
}

/** Runs the waiting calls of `element` that may run now (after an entry method, or a continuation of one). */
function retry(element: Chare<never>, info: ChareClassInfo): void {
  if (!hasWaiting(element)) return; // after nearly every call: no closures then
  const track = memberOf(element).track;
  retryWaiting(
    element,
    (waiting) => checkGuard(guardOf(info, waiting.methodId)!, element, info, info.methods[waiting.methodId], waiting.args, waiting.reply as Reply | undefined),
    (waiting) => runWaiting(element, info, waiting, track),
  );
}

// After each continuation of a chare's code (model/activity.ts), its waiting calls are tried again.
afterContinuations((chare) => retry(chare, memberOf(chare).services.ref.info));

function call(element: Chare<never>, info: ChareClassInfo, name: string, args: unknown[], reply: Reply | undefined, track: Track | undefined): void {
  let result: unknown;
  const started = profiling.methods ? methodStarts() : 0;
  const record = profiling.methods ? (start: number, end: number) => recordContinuation(`${info.name}.${name}`, start, end) : undefined;
  const { className, method, index } = running;
  running.className = info.name;
  running.method = name;
  running.index = element.thisIndex;
  try {
    const fn = (element as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    // Its time, across awaits, is charged to the chare (model/activity.ts).
    result = runAs(element, memberOf(element), record, name, fn, args);
  } catch (error) {
    fail(error, element, info, name, reply);
    return;
  } finally {
    running.className = className;
    running.method = method;
    running.index = index;
    if (started) recordMethod(`${info.name}.${name}`, started, performance.now());
    retry(element, info);
  }
  if (result instanceof Promise) {
    const pending = result.then(
      (value) => succeed(value, element, info, name, reply),
      (error) => fail(error, element, info, name, reply),
    );
    track?.(pending, element, name);
    return;
  }
  if (reply) succeed(result, element, info, name, reply);
}
function succeed(value: unknown, element: Chare<never>, info: ChareClassInfo, name: string, reply: Reply | undefined): void {
  if (!reply) return;
  if (value instanceof Future && value.pe === runtime().myPe) {
    // A future of this PE as the result: its value is the result (a future of another PE is forwarded by the caller's).
    value.then(
      (inner) => succeed(inner, element, info, name, reply),
      (error: unknown) => fail(error, element, info, name, reply),
    );
    return;
  }
  try {
    reply.resolve(value);
  } catch (error) {
    fail(error, element, info, name, reply); // e.g. a result that cannot be serialized
  }
}

function fail(error: unknown, element: Chare<never>, info: ChareClassInfo, name: string, reply: Reply | undefined): void {
  if (reply) reply.reject(error, describeCall(info, name, element));
  else if (!endedByDeletion(error)) uncaught(error, `on PE ${runtime().myPe} in ${describeCall(info, name, element)}`);
}
