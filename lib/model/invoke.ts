/**
 * Running an entry method: the call, its result or completion sent back to
 * whoever asked, and errors either returned to the caller or, when nobody
 * waits for them, fatal for the job.
 */
import type { Chare } from './chare';
import type { ChareClassInfo } from './registry';
import { Future } from './future';
import { fatal } from '../errors';
import { runtime } from './context';
import type { Reader } from '../codec/reader';
import { profiling, recordMethod } from '../profiling/profile';
import { METHOD_CHANNEL, deliverChannelData } from '../channels';

/** Where the outcome of a call goes. */
export interface Reply {
  resolve(value: unknown): void;
  reject(error: unknown, where: string): void;
}

/** A member slot placeholder: the receiving member fills in its own position. */
export const SLOT_OF_MEMBER = -2;

/** Reads the future a call replies to, and the slot of the reply in it. */
export function readReplyFuture(r: Reader): [Future<unknown>, number] {
  return [new Future(r.u32(), r.u32()), r.i32()];
}

/** Reads the future a call replies to; `memberSlot` fills SLOT_OF_MEMBER. */
export function readReply(r: Reader, completionOnly: boolean, memberSlot: number): Reply {
  const [future, wanted] = readReplyFuture(r);
  const slot = wanted === SLOT_OF_MEMBER ? memberSlot : wanted;
  return {
    resolve: (value) => future.sendSlot(slot, completionOnly ? undefined : value),
    reject: (error, where) => future.sendError(error, where),
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
 * rejecting: errors go to the reply or end the job), or undefined.
 */
export function invoke(element: Chare<never>, info: ChareClassInfo, methodId: number, args: unknown[], reply: Reply | undefined): Promise<void> | undefined {
  if (methodId === METHOD_CHANNEL) {
    deliverChannelData(element, args);
    return undefined;
  }
  const name = info.methods[methodId];
  if (name === undefined) throw new Error(`charmts: ${info.name} has no method id ${methodId} on PE ${runtime().myPe}; are classes registered the same way on every PE?`);
  let result: unknown;
  const started = profiling.methods ? performance.now() : 0;
  try {
    result = (element as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args);
  } catch (error) {
    fail(error, element, info, name, reply);
    return undefined;
  } finally {
    if (started) recordMethod(`${info.name}.${name}`, started, performance.now());
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
