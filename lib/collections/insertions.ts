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
  ArrayControl, readInsert, readInsertNotice, readInsertRequest, writeCreateElement, writeInsert, type Insertion,
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

  /** PE 0: an InsertRequest; once the sequencer decides the element's membership, the home makes it. */
  request(r: Reader, sequencer: Sequencer): void {
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
  created(): void {
    if (--this.pending === 0) for (const f of this.waiters.splice(0)) f.send();
  }

  /** PE 0: ckDoneInserting's future completes once no insertion asked for before it is pending. */
  doneInserting(future: Future<void>): void {
    if (this.pending === 0) future.send();
    else this.waiters.push(future);
  }

  /** At the home: an InsertNotice; the insertion, should it have come first, goes ahead now. */
  noticed(r: Reader): void {
    const notice = readInsertNotice(r);
    const early = this.locations.expect(keyOf(notice.index as ArrayIndex), `${notice.requester}:${notice.id}`);
    if (early) runtime().scheduler.deliverHeld([early]);
  }

  /**
   * At the home, an Insert: once its notice is in and no element is left
   * at the index, records where the element will be, then creates it there.
   */
  insert(r: Reader): void {
    const rt = runtime();
    const insert = readInsert(r);
    const index = insert.index as ArrayIndex;
    const key = keyOf(index);
    const target = insert.pe;
    const admission = this.locations.admit(key, index, `${insert.requester}:${insert.id}`, () => r.copyMessage());
    if (admission === 'wait') return;
    if (admission === 'exists') {
      fatal(new Error(`${this.ref.info.name}.ckInsert(${describe(index)}) from PE ${insert.requester}: the element already exists`), `on PE ${rt.myPe}`);
    }
    const record = this.locations.record(key, index);
    const epoch = record ? record.epoch + 1 : 0;
    this.locations.setRecord(key, target, epoch, false);
    writeCreateElement(beginControl(this.ref.id, ArrayControl.CreateElement), index, epoch, insert, insert.args);
    rt.scheduler.send(target);
    // Calls held here go to the element in order: to its PE now, or (when
    // that is this PE) when it settles in, ahead of any held after them.
    if (target !== rt.myPe) for (const message of this.locations.release(key)) rt.scheduler.sendMessage(target, message);
  }

  /** At the home: deletion `name` of `index` was asked for (it is under way; locations.ts). */
  deletionNoticed(index: ArrayIndex, name: DeletionName): void {
    this.locations.deletionAnnounced(keyOf(index), index, name);
  }

  /** At the home: deletion `name` deleted the element; its deleter hears it, and insertions that waited for it go ahead. */
  deleted(key: IndexKey, tombstone: Location, name: DeletionName, done: Future<unknown>): void {
    const waiting = this.locations.deleted(key, tombstone, name);
    done.send();
    runtime().scheduler.deliverHeld(waiting);
  }
}
