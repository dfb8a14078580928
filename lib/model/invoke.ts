/**
 * Running an entry method: the call, its result or completion sent back to
 * whoever asked, and errors either returned to the caller or, when nobody
 * waits for them, fatal for the job.
 */
import { memberOf, type Chare } from './chare';
import type { ChareClassInfo } from './registry';
import { Future } from './future';
import { fatal } from '../errors';
import { runtime } from './context';
import type { Reader } from '../codec/reader';
import { readReplyTo } from '../codec/wire';
import { profiling, recordMethod } from '../profiling/profile';
import { METHOD_CHANNEL, deliverChannelData } from '../channels';
import { guardOf, park, retryWaiting, type Condition } from '../when';
import { runAs } from './activity';

/** Where the outcome of a call goes. */
export interface Reply {
  resolve(value: unknown): void;
  reject(error: unknown, where: string): void;
}

/** Pseudo method id of the call `charm.awaitCreation` makes: completes once the member's set-up has finished. */
export const METHOD_CREATED = 0xfffc;

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
    result = runAs({ chare: element, member, record: undefined }, () => hook.call(element));
  } catch (error) {
    fatal(error, where());
  } finally {
    retryWaiting(element);
  }
  if (result instanceof Promise) member.created = result.then(() => undefined, (error: unknown) => fatal(error, where()));
}

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
  const slot = wanted === SLOT_OF_MEMBER ? memberSlot : wanted;
  return {
    resolve: (value) => future.sendSlot(slot, completionOnly ? undefined : value),
    reject: (error, where) => future.sendError(error, where, slot),
  };
}

export function describeCall(info: ChareClassInfo, method: string, element: Chare<never>): string {
  const index = element.thisIndex as unknown;
  const shown = index instanceof Uint8Array ? `bytes<${Buffer.from(index).toString('hex')}>` : JSON.stringify(index);
  return `${info.name}.${method} (index ${shown})`;
}

/**
 * Calls entry method `methodId` of `element` with `args` and replies if
 * asked. Returns a promise settling when an async method finishes (never
 * rejecting: errors go to the reply or end the job), or undefined. A call
 * whose `when` condition does not hold yet waits (see when.ts).
 */
export function invoke(element: Chare<never>, info: ChareClassInfo, methodId: number, args: unknown[], reply: Reply | undefined): Promise<void> | undefined {
  if (methodId === METHOD_CHANNEL) {
    deliverChannelData(element, args);
    return undefined;
  }
  if (methodId === METHOD_CREATED) {
    const created = memberOf(element).created;
    if (!created) reply?.resolve(undefined);
    else return created.then(() => reply?.resolve(undefined));
    return undefined;
  }
  const name = info.methods[methodId];
  if (name === undefined) throw new Error(`charmts: ${info.name} has no method id ${methodId} on PE ${runtime().myPe}; are classes registered the same way on every PE?`);
  const guard = guardOf(info, methodId);
  if (guard) {
    const check = (): boolean | undefined => checkGuard(guard, element, info, name, args, reply);
    const verdict = check();
    if (verdict === undefined) return undefined;
    if (!verdict) {
      const run = (): void => void call(element, info, name, args, reply);
      const waiting = { check, run, fail: (error: unknown) => fail(error, element, info, `${name} (its when condition)`, reply) };
      if (typeof guard === 'function') park(element, waiting);
      else park(element, waiting, guard, guard.tag(...args));
      return undefined;
    }
  }
  return call(element, info, name, args, reply);
}

/** Evaluates a guard; a guard that throws fails the call (undefined). */
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

function call(element: Chare<never>, info: ChareClassInfo, name: string, args: unknown[], reply: Reply | undefined): Promise<void> | undefined {
  let result: unknown;
  const record = profiling.methods ? (start: number, end: number, first: boolean) => recordMethod(`${info.name}.${name}`, start, end, first) : undefined;
  try {
    const method = (element as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    result = runAs({ chare: element, member: memberOf(element), record }, () => method.apply(element, args));
  } catch (error) {
    fail(error, element, info, name, reply);
    return undefined;
  } finally {
    retryWaiting(element);
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => succeed(value, element, info, name, reply),
      (error) => fail(error, element, info, name, reply),
    );
  }
  if (reply) succeed(result, element, info, name, reply);
  return undefined;
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
  else fatal(error, `on PE ${runtime().myPe} in ${describeCall(info, name, element)}`);
}
