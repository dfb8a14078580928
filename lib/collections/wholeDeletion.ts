/**
 * Deleting a whole chare array: `arr.ckDestroy()` (Charm++:
 * `CProxy_A::ckDestroy()`; Charm4py has none).
 *
 * Protocol: DeleteArray(future) → PE 0, which sends ArrayDeleted (with a
 * future of its own that takes one value per PE) to every PE down its
 * spanning tree: the way PE 0 sends the array's numbered broadcasts, so
 * every broadcast numbered before the deletion reaches each PE before it.
 * Each PE then retires the elements living there (as a deleted element
 * is: localArray.ts), refuses the calls it held as home for indices not
 * made yet, drops its part of the array (location records, reductions,
 * broadcast history, balancing state) and of the sections over it,
 * forgets the array's reference, and sends its value. PE 0 completes the
 * caller's future once every PE has.
 *
 * Afterwards, messages for the array are refused on every PE (deleted.ts).
 * A second DeleteArray for the array is a mistake: its future is rejected.
 */
import { ArrayControl, beginControl, writeBodyValue } from '../codec/wire';
import { runtime } from '../model/context';
import { Future } from '../model/future';
import { dropSectionsOf } from '../sections/sections';
import type { ArrayRef } from './arrays';
import { uninstall } from './collections';
import { deletedError } from './deleted';
import { endsDeletedMembers } from '../errors';
import type { LocalArray } from './localArray';

/** Asks PE 0 to delete `ref`'s array; completes once every PE has deleted its part. */
export function requestDeletion(ref: ArrayRef): Future<void> {
  const rt = runtime(`${ref.info.name} array.ckDestroy`);
  const future = Future.create<void>(1, 'single');
  const w = rt.scheduler.writer;
  beginControl(w, ref.id, ArrayControl.DeleteArray);
  writeBodyValue(w, future, 'future');
  rt.scheduler.send(0);
  return future;
}

/** PE 0's parts whose deletion it has sent to every PE. */
const sent = new WeakSet<LocalArray>();

/** PE 0: a DeleteArray for `part`'s array, asked for with `future`. */
export function deletionAsked(part: LocalArray, future: Future<void>): void {
  if (sent.has(part)) {
    future.sendError(deletedError(part.ref.id, 'ckDestroy', part.ref.info), `${part.ref.info.name} array.ckDestroy`);
    return;
  }
  sent.add(part);
  const rt = runtime();
  // One value from each PE; the caller hears once all are in.
  const everyPe = Future.create<void>(rt.numPes, 'count');
  everyPe.then(
    () => future.send(),
    (error: unknown) => future.sendError(error, `${part.ref.info.name} array.ckDestroy`),
  );
  const w = rt.scheduler.writer;
  beginControl(w, part.ref.id, ArrayControl.ArrayDeleted);
  writeBodyValue(w, everyPe, 'future');
  rt.scheduler.broadcast();
}

/** Every PE: ArrayDeleted for `part`'s array. */
export function deleteHere(part: LocalArray, future: Future<void>): void {
  const held = part.deleteAll(endsDeletedMembers(deletedError(part.ref.id, 'a reduction or a broadcast awaited when the array was deleted did not complete', part.ref.info)));
  uninstall(part);
  part.ref.markDeleted();
  dropSectionsOf(part.ref.id);
  // Refused now that the array is gone here (deleted.ts).
  if (held.length) runtime().scheduler.deliverHeld(held);
  future.send();
}
