/**
 * Insertion into a chare array (ckInsert, ckDoneInserting), the part done
 * away from the element's new PE, and the home's part of deletion, which
 * insertions wait for.
 *
 * An insertion goes: requesting PE -> PE 0 -> home -> the element's PE.
 * PE 0 decides which broadcasts and reductions the new element takes part
 * in (sequencer.ts) and counts the insertions asked for and not yet
 * created: ckDoneInserting completes when none is left. The home admits
 * the insertion once its notice is in and no element is left at the index
 * (locations.ts), records where the element will be, sends it there to be
 * created (localArray.ts), and passes on the calls it held for the index.
 * A deletion ends at the home too: the record becomes a tombstone, the
 * deleter hears it, and insertions that waited for it go ahead.
 */
import type { Reader } from '../codec/reader';
import {
  ArrayControl, readBodyValue, readDeleted, readDeletionNotice, readInsert, readInsertNotice, readInsertRequest, writeCreateElement, writeDeleted, writeInsert, type Insertion,
} from '../codec/wire';
import { runtime } from '../model/context';
import type { Future } from '../model/future';
import { fatal } from '../errors';
import type { DeletionName, Location, Locations } from '../location/locations';
import { describe, keyOf, type ArrayIndex, type IndexKey } from './arrayIndex';
import type { ArrayRef } from './arrays';
import { beginControl } from './collections';
import type { Membership, Sequencer } from './sequencer';

export class Insertions {
  // PE 0 only: insertions asked for and not yet created, for ckDoneInserting.
  private pending = 0;
  private readonly waiters: Future<void>[] = [];

  constructor(
    private readonly ref: ArrayRef,
    private readonly locations: Locations,
  ) {}

  /**
   * Handles an array control message `op` of insertion or of the home's
   * part of deletion (`sequencer`: PE 0's, for an InsertRequest); the
   * array's own control messages are localArray.ts'.
   */
  receive(op: ArrayControl, r: Reader, sequencer: Sequencer | undefined): void {
    switch (op) {
      case ArrayControl.InsertRequest:
        this.request(r, sequencer!);
        return;
      case ArrayControl.DeletionNotice: {
        const { index, asker, id } = readDeletionNotice(r);
        this.ref.checkHome(index as ArrayIndex, asker, 'its deletion notice');
        this.deletionNoticed(index as ArrayIndex, { asker, id });
        return;
      }
      case ArrayControl.InsertNotice:
        this.noticed(r);
        return;
      case ArrayControl.Insert:
        this.insert(r);
        return;
      case ArrayControl.Created:
        this.created();
        return;
      case ArrayControl.DoneInserting:
        this.doneInserting(readBodyValue(r) as Future<void>);
        return;
      case ArrayControl.Deleted: {
        const { index, epoch, asker, id, done } = readDeleted(r);
        this.ref.checkHome(index as ArrayIndex, r.source, 'the news of its deletion');
        this.deleted(keyOf(index as ArrayIndex), index as ArrayIndex, { pe: -1, epoch, deleted: true }, { asker, id }, done as Future<unknown>);
        return;
      }
    }
  }

  /** PE 0: an InsertRequest; once the sequencer decides the element's membership, the home makes it. */
  private request(r: Reader, sequencer: Sequencer): void {
    const request = readInsertRequest(r);
    this.pending++;
    sequencer.insert((membership) => this.sendInsert(request, membership));
  }

  private sendInsert(request: Insertion, membership: Membership): void {
    const index = request.index as ArrayIndex;
    const w = beginControl(this.ref.id, ArrayControl.Insert);
    writeInsert(w, { ...request, pe: request.pe >= 0 ? request.pe : this.ref.homeOf(index) }, membership);
    runtime().scheduler.send(this.ref.homeOf(index));
  }

  /** PE 0: an inserted element was created. */
  private created(): void {
    if (--this.pending === 0) for (const f of this.waiters.splice(0)) f.send();
  }

  /** PE 0: ckDoneInserting's future completes once no insertion asked for before it is pending. */
  private doneInserting(future: Future<void>): void {
    if (this.pending === 0) future.send();
    else this.waiters.push(future);
  }

  /** At the home: an InsertNotice; the insertion, should it have come first, goes ahead now. */
  private noticed(r: Reader): void {
    const notice = readInsertNotice(r);
    this.ref.checkHome(notice.index as ArrayIndex, notice.requester, 'its insertion notice');
    const early = this.locations.expect(keyOf(notice.index as ArrayIndex), `${notice.requester}:${notice.id}`);
    if (early) runtime().scheduler.deliverHeld([early]);
  }

  /**
   * At the home, an Insert: once its notice is in and no element is left
   * at the index, records where the element will be, then creates it there.
   */
  private insert(r: Reader): void {
    const rt = runtime();
    const insert = readInsert(r);
    const index = insert.index as ArrayIndex;
    this.ref.checkHome(index, 0, 'its insertion'); // from PE 0's sequencer
    const key = keyOf(index);
    const target = insert.pe;
    const admission = this.locations.admit(key, index, `${insert.requester}:${insert.id}`, () => r.copyMessage());
    if (admission === 'wait') return;
    if (admission === 'exists') {
      fatal(new Error(`${this.ref.info.name}.ckInsert(${describe(index)}) from PE ${insert.requester}: the element already exists`), `on PE ${rt.myPe}`);
    }
    const epoch = this.locations.insertionEpoch(key, index);
    this.locations.setRecord(key, target, epoch, false);
    writeCreateElement(beginControl(this.ref.id, ArrayControl.CreateElement), index, epoch, insert, insert.args);
    rt.scheduler.send(target);
    // Calls held here go to the element in order: routed again now (a
    // deletion's call among them holds those behind it: Locations.route),
    // or (when its PE is this one) when it settles in, ahead of any held after them.
    if (target !== rt.myPe) this.releaseHeld(key);
  }

  /**
   * At the home: the calls held for the index go their way again, in order
   * (to the element, here or elsewhere, held again, or refused); none while
   * a deletion's call sent on is out. Usually none (every arrival asks):
   * then no loop over an empty list.
   */
  releaseHeld(key: IndexKey): void {
    const held = this.locations.release(key);
    if (held.length) runtime().scheduler.deliverHeld(held);
  }

  /** At the home: deletion `name` of `index` was asked for (it is under way; locations.ts). */
  deletionNoticed(index: ArrayIndex, name: DeletionName): void {
    this.locations.deletionAnnounced(keyOf(index), name);
  }

  /**
   * Deletion `name`'s call to `index` was refused on this PE: at the home,
   * which refuses it for a tombstone, the deletion's mark ends. Elsewhere
   * (a map that differs between PEs refused it) no mark is kept here.
   */
  deletionRefused(index: ArrayIndex, name: DeletionName): void {
    if (this.ref.homeOf(index) !== runtime().myPe) return;
    const key = keyOf(index);
    this.locations.deletionRefused(key, name);
    // The calls held behind it, should it have been the deletion's call this PE sent on (Locations.route).
    this.releaseHeld(key);
  }

  /**
   * The element at `index` was deleted here by deletion `name` (its epoch
   * now `epoch`): the home records the tombstone, at once when it is this
   * PE (an insertion after it, in the same batch of messages, must see
   * it), otherwise when the Deleted message sent to it arrives.
   */
  elementDeleted(index: ArrayIndex, key: IndexKey, epoch: number, name: DeletionName, done: Future<unknown>): void {
    const rt = runtime();
    const home = this.ref.homeOf(index);
    if (home === rt.myPe) {
      this.deleted(key, index, { pe: -1, epoch, deleted: true }, name, done);
      return;
    }
    // The record of the deletion's epoch: a location update of the element arriving late is older and
    // refused here, so no call to the deleted index circles between PEs that learnt it (a review's reproducer).
    this.locations.learn(key, -1, epoch, true);
    writeDeleted(beginControl(this.ref.id, ArrayControl.Deleted), index, epoch, name.asker, name.id, done);
    rt.scheduler.send(home);
  }

  /** At the home: deletion `name` deleted the element; its deleter hears it, and insertions that waited for it go ahead. */
  private deleted(key: IndexKey, index: ArrayIndex, tombstone: Location, name: DeletionName, done: Future<unknown>): void {
    const waiting = this.locations.deleted(key, index, tombstone, name);
    done.send();
    // The calls held behind its call (Locations.route) first: held again for an insertion announced, or refused.
    this.releaseHeld(key);
    runtime().scheduler.deliverHeld(waiting);
  }
}
