/**
 * Running an entry method: the call, its result or completion sent back
 * to the caller's future, and errors either returned to the caller or,
 * when nobody waits for them, fatal for the job.
 */
import type { Chare } from './chare';
import type { ChareClassInfo } from './registry';
import { Future } from './future';
import { fatal } from '../errors';
import { runtime } from './context';
import type { Reader } from '../codec/reader';

/** Where the result of a call goes: a future, and the slot of this member in it (-1: none). */
export interface ReplyTo {
  future: Future<unknown>;
  slot: number;
  completionOnly: boolean;
}

/** A member slot placeholder: the receiving member fills in its own position. */
export const SLOT_OF_MEMBER = -2;

export function readReply(r: Reader, completionOnly: boolean): ReplyTo {
  const pe = r.u32();
  const id = r.u32();
  return { future: new Future(pe, id), slot: r.i32(), completionOnly };
}

function describe(info: ChareClassInfo, method: string, element: Chare<never>): string {
  return `${info.name}.${method} (index ${JSON.stringify(element.thisIndex)})`;
}

/** Calls entry method `methodId` of `element` with `args`; replies if asked. */
export function invoke(element: Chare<never>, info: ChareClassInfo, methodId: number, args: unknown[], reply: ReplyTo | undefined, memberSlot: number): void {
  const name = info.methods[methodId];
  if (name === undefined) throw new Error(`charmts: ${info.name} has no method id ${methodId} on PE ${runtime().myPe}; are classes registered the same way on every PE?`);
  const failed = (error: unknown): void => {
    if (reply) reply.future.sendError(error, describe(info, name, element));
    else fatal(error, `on PE ${runtime().myPe} in ${describe(info, name, element)}`);
  };
  const done = (value: unknown): void => {
    if (!reply) return;
    try {
      const slot = reply.slot === SLOT_OF_MEMBER ? memberSlot : reply.slot;
      reply.future.sendSlot(slot, reply.completionOnly ? undefined : value);
    } catch (error) {
      failed(error);
    }
  };
  let result: unknown;
  try {
    result = (element as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args);
  } catch (error) {
    failed(error);
    return;
  }
  if (result instanceof Promise) result.then(done, failed);
  else done(result);
}
