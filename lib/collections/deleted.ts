/**
 * Arrays deleted whole (`ckDestroy()` on an array proxy, wholeDeletion.ts):
 * which collection ids on this PE belong to one, and what becomes of a
 * message that reaches one after this PE deleted its part.
 *
 * No table of deleted ids: that would grow by one entry per array ever
 * deleted. Instead, the ids of collections created by a broadcast (arrays
 * and groups: even ids, collections.ts) are numbered upwards per creating
 * PE, and their Create messages travel down the spanning tree rooted at
 * that PE, so they reach this PE in the order they were numbered. Once
 * this PE has installed collection n of creator p, every collection of p
 * numbered up to n has its Create in here: if it is not installed, it was
 * deleted. So a count per PE, `createdUpTo`, is all that is kept.
 * Singletons (odd ids) are created by a message straight to their PE,
 * which may overtake a broadcast, so they are never judged deleted (and
 * are never deleted whole).
 *
 * A message for a deleted array is refused, never held (it would wait for
 * good) and never dropped unsaid: a call's future is rejected with the
 * reason, a call without one is reported to the PE that sent it (as
 * Undeliverable, fatal there, as for a deleted element). An element that
 * was migrating has its waiting calls refused. What the array's own
 * machinery sends (reductions, location updates, insertions) is dropped:
 * the array and all its elements are gone.
 */
import { isGoneNotice } from '../channels';
import type { Reader } from '../codec/reader';
import {
  ArrayControl, Flag, beginControl, controlOf, flagsOf, methodOf, newElementRoute, readArgs, readBodyValue, readDeleted, readElementRoute, readMigrant, readMulticastOrigin, type MigrantState, readRouteIndex, skipBroadcastNumbers, targetOf, writeBodyValue,
} from '../codec/wire';
import { runtime } from '../model/context';
import { CALL_REPLY, readReply, type ReplyData } from '../model/invoke';
import type { Future } from '../model/future';
import type { ChareClassInfo } from '../model/registry';
import { fatal } from '../errors';
import { describe, type ArrayIndex } from './arrayIndex';
import { FIXED_IDS, creatorOf } from './ids';
import { methodName } from '../model/methodIds';

/** Per creating PE: the highest broadcast-created collection id installed here. */
let createdUpTo: number[] = [];

/** Collection `id` is installed here. */
export function noteInstalled(id: number): void {
  if (id % 2 !== 0 || id >= FIXED_IDS) return;
  const creator = creatorOf(id);
  if (!(id <= createdUpTo[creator])) createdUpTo[creator] = id;
}

/** Restart: every collection id up to `highest` was created before it; those not restored were deleted. */
export function noteRestoredUpTo(highest: number): void {
  createdUpTo = new Array<number>(runtime().numPes).fill(highest - (highest % 2));
}

/** True if collection `id`, not installed here, was deleted (rather than not created here yet). */
export function wasDeleted(id: number): boolean {
  return id % 2 === 0 && id < FIXED_IDS && id <= createdUpTo[creatorOf(id)];
}

/**
 * The classes of the arrays deleted last, so that a refusal can name the
 * class and method; bounded (a refusal of an older one names its id).
 */
const NAMES_KEPT = 64;
const names = new Map<number, ChareClassInfo>();

/** Array `id` of class `info` was deleted here. */
export function noteDeleted(id: number, info: ChareClassInfo): void {
  if (names.size >= NAMES_KEPT) names.delete(names.keys().next().value!);
  names.set(id, info);
}

/** "Class array (collection id)": of class `info`, or as well as this PE still knows it. */
function arrayName(id: number, info = names.get(id)): string {
  return info ? `${info.name} array (collection ${id})` : `array (collection ${id})`;
}

/** The error a call to deleted array `id` (of class `info`, when the caller knows it) gets. */
export function deletedError(id: number, what: string, info?: ChareClassInfo): Error {
  return new Error(`${what}: the ${arrayName(id, info)} was deleted (ckDestroy() of the whole array)`);
}

const route = newElementRoute();

/** A call (Kind.Call) for deleted array `id`, reader after the header. */
export function refuseCall(r: Reader): void {
  const id = targetOf(r.buf, r.base);
  const flags = flagsOf(r.buf, r.base);
  const method = methodOf(r.buf, r.base);
  let origin = r.source;
  let target = '';
  if (flags & Flag.Indexed) {
    readElementRoute(r, route);
    origin = route.origin;
    target = describe(readRouteIndex(r, route) as ArrayIndex);
  } else {
    skipBroadcastNumbers(r); // a broadcast on its way to PE 0, to be numbered
  }
  if (isGoneNotice(method, readArgs(r))) return; // the other end of a channel went with its array
  const call = `a call to ${methodName(names.get(id)?.methods, method)}${target ? ` of element ${target}` : ' (a broadcast)'}`;
  if (flags & Flag.Reply) {
    readReply(r, false, -1).reject(deletedError(id, `${call}, sent from PE ${origin}, was not delivered`), `${arrayName(id)}${target}`);
  } else if (flags & Flag.Multicast) {
    // A section's branch handed it on (localArray.ts undeliverable): its caller is told.
    const { section, caller } = readMulticastOrigin(r);
    reportUndelivered(id, caller, deletedError(id, `${call}, a multicast to section ${section} made on PE ${caller} (handed on by PE ${origin}), was not delivered`).message);
  } else {
    reportUndelivered(id, origin, deletedError(id, `${call}, sent from PE ${origin}, was not delivered`).message);
  }
}

/**
 * Reports a call to deleted array `id` that nobody awaits (an element's
 * here, or a section multicast's: lib/sections/branch.ts) to `origin`, the
 * PE that made it: fatal there, as Undeliverable.
 */
export function reportUndelivered(id: number, origin: number, message: string): void {
  const rt = runtime();
  if (origin === rt.myPe) undeliveredHere(message);
  const w = rt.scheduler.writer;
  beginControl(w, id, ArrayControl.Undeliverable);
  writeBodyValue(w, message, 'error');
  rt.scheduler.send(origin);
}

/**
 * An element that left its PE before the deletion reached it and arrives
 * after the deletion reached this one: it is deleted with its array, as
 * those that stayed were (localArray.ts retire), and the calls that waited
 * in it for their `when` condition are refused to their callers. Those
 * that were a broadcast's are part of its replies, refused whole by PE 0
 * (ReductionManager.abandon).
 */
function refuseMigrant(id: number, record: MigrantState): void {
  const info = names.get(id);
  const element = `${info?.name ?? 'element'}${describe(record.index as ArrayIndex)}`;
  for (const [method, , data] of record.waiting) {
    const reply = data as ReplyData | null;
    if (!reply || reply[0] !== CALL_REPLY) continue;
    const name = methodName(info?.methods, method);
    const error = deletedError(id, `${element} was migrating when its array was deleted, with its call to ${name} waiting for its when condition: the call did not run`, info);
    reply[1].sendError(error, `${element}.${name}`, runtime().myPe, reply[2]);
  }
}

/**
 * Ends the job at the PE that sent a call nobody awaits, which could not be
 * delivered (`message` names the element, the method and why). The error
 * is made here, in the runtime's handling of the report, so its frames
 * would only show that handling: it is printed without them.
 */
export function undeliveredHere(message: string): never {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return fatal(error, `on PE ${runtime().myPe} (a call sent from this PE, with no one awaiting its result)`);
}

/** A control message (Kind.ArrayControl) for deleted array `id`, reader after the header. */
export function refuseControl(r: Reader): void {
  const id = targetOf(r.buf, r.base);
  switch (controlOf(r)) {
    case ArrayControl.Undeliverable: // about a call this PE sent: fatal, as it would have been
      return undeliveredHere(readBodyValue(r) as string);
    case ArrayControl.DoneInserting:
      (readBodyValue(r) as Future<void>).sendError(deletedError(id, 'ckDoneInserting'), arrayName(id));
      return;
    case ArrayControl.DeleteArray:
      (readBodyValue(r) as Future<void>).sendError(deletedError(id, 'ckDestroy'), arrayName(id));
      return;
    case ArrayControl.Deleted: // an element's deletion, done: it is gone either way
      (readDeleted(r).done as Future<unknown>).send(undefined);
      return;
    case ArrayControl.Migrate:
      refuseMigrant(id, readMigrant(r));
      return;
    default:
      // The array's own traffic (insertions, location updates, balancing):
      // its elements are deleted, so is what concerns them.
      return;
  }
}
