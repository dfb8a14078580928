/**
 * Where the elements of one array live, as far as this PE knows.
 *
 * Every index has a home PE (from the array's map). The home keeps the
 * authoritative record of where the element is; other PEs keep a cache.
 * Records carry an epoch that grows with every move, so an old update
 * never overwrites a newer one. A PE an element left remembers where it
 * went, so messages chasing a moving element follow it, however often it
 * moves (each PE on the way points to a later stay); the sender's cache is
 * corrected after a forwarded delivery, so steady traffic takes one hop.
 *
 * Insertions: the PE that asks for one tells the home at once (before any
 * call it makes afterwards), so the home holds calls for the index from
 * then until the element exists, even where it keeps a tombstone of an
 * earlier element at that index. Each insertion is named by (requesting
 * PE, id); the insertion itself (from PE 0) may reach the home before its
 * notice, and then waits for it.
 *
 * Deletion before insertion: `ckDestroy` sends a DeletionNotice to the
 * home, then the deletion itself the way of the calls (behind the calls
 * made before it). Each deletion is named (asker PE, number). The home
 * marks the index with the deletion's name when the notice comes, whether
 * or not an element is there: the element it is for may not be recorded
 * yet (ckInsert, ckDestroy, ckInsert at once from one PE: the notice comes
 * straight from the asker, the first Insert by way of PE 0, and a notice
 * that marked only an element present let the second insertion be
 * refused once the first was made). The mark ends when the deletion does:
 * its Deleted comes, or the home refuses its call (no element left to
 * delete); a call for an index never inserted waits at the home and
 * deletes the element inserted first. So once an insertion's notice is
 * in, every deletion its requester asked for before it is known to the
 * home (same sender, same receiver: in order): done (a tombstone) or under
 * way (a mark). An insertion that finds an element at the index waits
 * while a deletion is under way and is refused otherwise. The notice and
 * the deletion's end come from different PEs when the element is neither
 * at the home nor at the asker, so the end may come first, and a new
 * element may be made at the index before the notice: a notice whose
 * deletion ended already marks nothing. The home knows which notices are
 * in from the highest number per asker (one asker's notices reach it in
 * order), and keeps only the names of deletions ended before their
 * notice, each until that notice comes. Messages between different pairs
 * of PEs are not ordered, so nothing else orders a deletion before an
 * insertion that PE 0 decides later (a program that deletes on one PE and
 * re-inserts from another orders them itself, e.g. by awaiting
 * `ckDestroy()`).
 *
 * Tombstones: the home keeps one per deleted element, for two things. A
 * call to the index finds it and is refused to its caller (rather than
 * held for an insertion, as a call to a sparse index never inserted is),
 * and an element inserted at the index again takes the epoch after it, so
 * late location updates of the deleted one never overwrite the new one's.
 * A sparse array deleting at ever-new indices would keep one per index:
 * so the home keeps the last `tombstonesKept` (per array) and forgets the
 * oldest beyond, raising a floor that the epoch of any insertion at an
 * index without a record starts from, to above the forgotten tombstone's,
 * and below which a location update for a record-less index is refused
 * (it is a late one of a forgotten element): epochs still only grow per
 * index. Past the bound, a late call to such an
 * index is held at the home as for an index never inserted (the idle hint
 * names it), not refused. A dense array's indices are finite, and a
 * record-less dense index means an element at its home, so its tombstones
 * are all kept. The PE that deleted an element, when not its home, learns
 * the deletion's epoch too (Insertions.elementDeleted), so that a location
 * update arriving there late is refused rather than sending calls round
 * the PEs that learnt it; that record is bounded with the cache.
 *
 * The cache: every PE learns where elements are (a call forwarded to one
 * tells its caller; a PE an element left or was deleted on records it), and
 * a sparse array's elements come and go at ever-new indices, so a PE keeps
 * the `cacheKept` entries it learned most recently (per array; relearning
 * an entry makes it the newest) and forgets the oldest beyond. A PE
 * without an entry sends a call to the home, as for a tombstone: the home's
 * record is authoritative, so a call to an element this PE forgot takes a
 * hop more, and the forwarded delivery teaches the PE again. An entry
 * forgotten no longer refuses an older location update, nor points a call
 * at the element's stay after this PE (until the home hears of it, such a
 * call goes back and forth between here and the home): both matter only
 * for a message in flight across `cacheKept` newer entries, but an older
 * update taken can send calls round without the home, so `route` sends a
 * call past `lostAfter` hops to the home (docs/internals.md, Element calls). A dense array's indices are finite:
 * its cache is not bounded.
 */
import type { ArrayIndex, IndexKey } from '../collections/arrayIndex';

export interface Location {
  pe: number;
  epoch: number;
  /** The element was deleted (a tombstone). */
  deleted: boolean;
}

/** What to do with a message for an element that is not on this PE. */
export const enum Route {
  /** Hold it here: this is the home and the element does not exist yet, or a deletion's call the home sent on is out. */
  Hold = -1,
  /** The element was deleted. */
  Deleted = -2,
}

/** A deletion's name: the PE that asked for it and its number there (growing from 1). */
export interface DeletionName {
  asker: number;
  id: number;
}

const NONE_HELD: readonly Uint8Array[] = Object.freeze([]);

/** Tombstones a home keeps per sparse array (about 250 B each): the deletions a late call is still refused for. */
export const TOMBSTONES_KEPT = 1024;

/**
 * Location cache entries (`known`) a PE keeps per sparse array, the most
 * recently learned: about 80 B each with 1D indices (0.7 MB a PE at the
 * bound), more than the elements away from their home that a PE calls in
 * most jobs; past it, a call to one forgotten costs a hop via the home once.
 */
export const CACHE_KEPT = 8192;

/**
 * Hops after which a call is taken to be lost in stale pointers (`route`'s
 * `lost`): a bounded cache forgets a pointer and may then accept a location
 * update older than it (docs/internals.md, Element calls), and PEs that did
 * can send a call round for good without a visit to the home. A call that
 * only chases its element's moves takes a few hops per move while it travels;
 * below the wire's hop count's cap (255), where it saturates.
 */
export function lostAfter(numPes: number): number {
  return Math.min(2 * numPes + 8, 254);
}

export class Locations {
  /** Where elements are (or went), as learned here. */
  private readonly known = new Map<IndexKey, Location>();
  /** Records of the indices whose home is this PE. */
  private readonly records = new Map<IndexKey, Location>();
  /** Messages held at the home: for indices not created yet, or behind a deletion's call sent on (`deletionsOut`). */
  private readonly held = new Map<IndexKey, Uint8Array[]>();
  /** At the home: insertions announced and not yet made, per index. */
  private readonly expected = new Map<IndexKey, Set<string>>();
  /** At the home: insertions (their messages) that arrived before their notice, by name. */
  private readonly early = new Map<string, Uint8Array>();
  /** At the home: per index, the deletions under way ("asker:id": noticed, neither Deleted nor refused yet). */
  private readonly deleting = new Map<IndexKey, Set<string>>();
  /** At the home: insertions (their messages) waiting for the element at their index to be deleted. */
  private readonly afterDeletion = new Map<IndexKey, Uint8Array[]>();
  /** At the home: per asking PE, the number of the last deletion notice from it. */
  private readonly lastNotice = new Map<number, number>();
  /** At the home: deletions ended (Deleted, or refused) before their notice came ("asker:id"). */
  private readonly doneBeforeNotice = new Set<string>();
  /**
   * At the home: per index, the deletion ("asker:id") whose call this PE sent on towards the element and
   * that has not ended (Deleted) or come back; every other call for the index is held meanwhile (see `route`).
   */
  private readonly deletionsOut = new Map<IndexKey, string>();
  /** At the home: indices of a sparse array with a tombstone here, oldest first (at most `tombstonesKept`). */
  private readonly tombstones = new Set<IndexKey>();
  /** At the home: above the epoch of every tombstone forgotten; where an insertion at an index without a record starts. */
  private epochFloor = 0;
  /**
   * Per index, this PE's deletions whose call it sent and that are not done yet: how many, and the first hop
   * the last one's call took, which calls from here take too while any is pending (`followDeletion`); -1
   * once this PE asked to insert the index again (its calls go to the home then: `forget`).
   */
  private readonly ownDeletions = new Map<IndexKey, { hop: number; pending: number }>();
  /** Grows whenever what this PE knows of where elements are (`known`) may have changed: a first hop found before is still good while it is the same. */
  changes = 0;

  constructor(
    private readonly myPe: number,
    private readonly homeOf: (index: ArrayIndex) => number,
    /** True for indices that exist from the start, at their home (dense arrays). */
    private readonly initiallyAtHome: (index: ArrayIndex) => boolean,
    /** Tombstones of a sparse array the home keeps (the most recent). */
    private readonly tombstonesKept = TOMBSTONES_KEPT,
    /** Entries of the location cache kept (the most recently learned; a dense array's, bounded by its size, all). */
    private readonly cacheKept = CACHE_KEPT,
  ) {}

  /** The home's record for an index homed here. */
  record(key: IndexKey, index: ArrayIndex): Location | undefined {
    return this.records.get(key) ?? (this.initiallyAtHome(index) ? { pe: this.myPe, epoch: 0, deleted: false } : undefined);
  }

  /**
   * Updates the home record if the location (`pe`, `epoch`, `deleted`) is
   * newer. Without a record, one below the epoch floor is refused: it is a
   * late update of an element whose tombstone was forgotten (every
   * insertion at a record-less index starts at the floor), and taken it
   * would make a live record at an old epoch, to which calls would go
   * round and against which an insertion would be refused as existing.
   */
  setRecord(key: IndexKey, pe: number, epoch: number, deleted: boolean): void {
    if (epoch < this.epochFloor && !this.records.has(key)) return;
    this.changes++; // firstHop at the home reads the record
    update(this.records, key, pe, epoch, deleted);
  }

  /** Learns where an element is (`pe`, `epoch`, `deleted`), if newer than what is known. */
  learn(key: IndexKey, pe: number, epoch: number, deleted: boolean): void {
    this.changes++;
    if (this.cacheKept === Infinity) update(this.known, key, pe, epoch, deleted);
    else this.learnBounded(key, pe, epoch, deleted);
  }

  /** `learn` in a bounded cache: the entry learned becomes the newest; the oldest beyond the bound is forgotten (see the file's comment). */
  private learnBounded(key: IndexKey, pe: number, epoch: number, deleted: boolean): void {
    const current = this.known.get(key);
    if (!current) {
      this.known.set(key, { pe, epoch, deleted });
      if (this.known.size > this.cacheKept) this.known.delete(this.known.keys().next().value!);
    } else if (epoch >= current.epoch) {
      current.pe = pe;
      current.epoch = epoch;
      current.deleted = deleted;
      this.known.delete(key); // to the end of the Map's order: the newest
      this.known.set(key, current);
    }
  }

  /**
   * Where to send a message for an element that is not here: a PE, or a
   * Route. `lost`: the message has made `lostAfter` hops (see there): a PE
   * other than the home forgets what it knew of the element and sends it
   * to the home, whose record is authoritative. `deletion`: the message is
   * deletion "asker:id"'s call.
   *
   * At the home, once it has sent a deletion's call on towards the element,
   * it holds every other call for the index until that deletion ends (its
   * Deleted) or its call comes back here (the element was gone already):
   * sent on, they would reach the element's PE behind the deletion and come
   * back, while the record may meanwhile name a new element at the index,
   * to which later calls went straight, ahead of them. A call made after
   * `ckDestroy`, and the next deletion's call, reached the element deleted
   * by the later deletion before it (test/reinsertion.mpi.test.ts, np 5).
   */
  route(key: IndexKey, index: ArrayIndex, lost = false, deletion?: string): number {
    const home = this.homeOf(index);
    if (home !== this.myPe) {
      if (lost) {
        this.forget(key);
        return home;
      }
      const cached = this.known.get(key);
      if (!cached || cached.pe === this.myPe || cached.deleted) return home;
      return cached.pe;
    }
    const out = this.deletionsOut.get(key);
    if (out !== undefined) {
      if (out !== deletion) return Route.Hold;
      this.deletionsOut.delete(key); // it came back: routed again below
    }
    const to = this.routeByRecord(key, index);
    if (deletion !== undefined && to >= 0) this.deletionsOut.set(key, deletion);
    return to;
  }

  /** At the home: where its record sends a call (it keeps no cache entries of its own indices: Routing.receive, left). */
  private routeByRecord(key: IndexKey, index: ArrayIndex): number {
    const best = this.record(key, index);
    if (!best) return Route.Hold;
    if (best.deleted) return this.expected.has(key) ? Route.Hold : Route.Deleted;
    // The record names this PE but the element is not here: it is being created here.
    if (best.pe === this.myPe) return Route.Hold;
    return best.pe;
  }

  /** At the home: deletion `deletion`'s call is the one this PE sent on for the index (it came back: see `route`). */
  isOut(key: IndexKey, deletion: string): boolean {
    return this.deletionsOut.get(key) === deletion;
  }

  /** Where a send from this PE goes first (`home`: the index's home PE, when the caller knows it): the cache, or at the home its record. */
  firstHop(key: IndexKey, index: ArrayIndex, home = -1): number {
    const cached = this.known.get(key);
    if (cached && !cached.deleted && cached.pe !== this.myPe) return cached.pe;
    const to = home >= 0 ? home : this.homeOf(index);
    if (to !== this.myPe) return to;
    // While a deletion of the index is under way, the home's own calls go by `route` too (this PE, the
    // local queue), which holds them behind a deletion's call it sent on: straight by the record, a call
    // made after this PE's ckDestroy could reach the element before it (a new one the record names already).
    if (this.deleting.has(key) || this.deletionsOut.has(key)) return to;
    const record = this.records.get(key);
    return record && !record.deleted && record.pe !== this.myPe ? record.pe : to;
  }

  /**
   * At the home, for a call to an element that is here: whether it waits
   * instead (held), behind a deletion's call this PE sent on before the
   * element arrived here (`deletion`: the call's name, if it is a
   * deletion's; that one is delivered). Rare: the element came home while
   * its deletion chased it.
   */
  heldBehindDeletion(key: IndexKey, deletion: string | undefined): boolean {
    const out = this.deletionsOut.get(key);
    return out !== undefined && out !== deletion;
  }

  /** Whether a deletion's call this PE sent on is out for any index (heldBehindDeletion can be true). */
  deletionOut(): boolean {
    return this.deletionsOut.size > 0;
  }

  /** At the home: the epoch of an element inserted at the index (after its tombstone's, or after every tombstone forgotten). */
  insertionEpoch(key: IndexKey, index: ArrayIndex): number {
    const record = this.record(key, index);
    return record ? record.epoch + 1 : this.epochFloor;
  }

  /** Forgets where an element was (this PE asked to insert it again: calls go to the home, not after a deletion of it). */
  forget(key: IndexKey): void {
    this.changes++;
    this.known.delete(key);
    const own = this.ownDeletions.get(key);
    if (own) own.hop = -1;
  }

  /**
   * This PE sent a deletion's call for the index to `hop`: until it is
   * done (`deletionDone`), calls from here go there too, behind it,
   * whatever this PE learns meanwhile. Learnt from a call made before
   * (its forwarded delivery tells the caller), the element's PE took the
   * next call straight, ahead of a deletion that went by the home, and
   * the call ran on the element deleted before it was made
   * (test/reinsertion.mpi.test.ts). Calls that take one route arrive in
   * order; the route can change under calls in general (docs/internals.md,
   * Element calls), but a call made after `ckDestroy` must not be given
   * to the element it deleted.
   */
  followDeletion(key: IndexKey, hop: number): void {
    this.changes++;
    const own = this.ownDeletions.get(key);
    if (own) {
      own.hop = hop;
      own.pending++;
    } else {
      this.ownDeletions.set(key, { hop, pending: 1 });
    }
  }

  /** One of this PE's deletions of the index is done (its element deleted, or the call refused). */
  deletionDone(key: IndexKey): void {
    const own = this.ownDeletions.get(key);
    if (!own || --own.pending > 0) return;
    this.ownDeletions.delete(key);
    this.changes++;
  }

  /** Where calls from here to the index go while this PE's deletion of it is pending (`followDeletion`), or -1. */
  deletionHop(key: IndexKey): number {
    return this.ownDeletions.size === 0 ? -1 : (this.ownDeletions.get(key)?.hop ?? -1);
  }

  /**
   * At the home: insertion `name` of the index is coming (its notice
   * arrived). Returns the insertion's message if it came first (it is to be
   * made now).
   */
  expect(key: IndexKey, name: string): Uint8Array | undefined {
    let names = this.expected.get(key);
    if (!names) this.expected.set(key, (names = new Set()));
    names.add(name);
    const early = this.early.get(name);
    this.early.delete(name);
    return early;
  }

  /**
   * At the home: may insertion `name` of the index be made now? 'wait'
   * keeps its message (`message()`) until its notice arrives, or until the
   * element at the index, which a deletion is on its way to, is deleted;
   * 'exists' when an element is there and no deletion is under way.
   */
  admit(key: IndexKey, index: ArrayIndex, name: string, message: () => Uint8Array): 'make' | 'wait' | 'exists' {
    const names = this.expected.get(key);
    if (!names?.has(name)) {
      this.early.set(name, message());
      return 'wait';
    }
    const record = this.record(key, index);
    if (record && !record.deleted) {
      if (!this.deleting.has(key)) return 'exists';
      const waiting = this.afterDeletion.get(key);
      if (waiting) waiting.push(message());
      else this.afterDeletion.set(key, [message()]);
      return 'wait';
    }
    names.delete(name);
    if (names.size === 0) this.expected.delete(key);
    return 'make';
  }

  /**
   * At the home: deletion `name` of the index was asked for (its notice);
   * marked until it ends, unless it ended already (see the file's comment).
   */
  deletionAnnounced(key: IndexKey, name: DeletionName): void {
    this.changes++; // firstHop at the home looks for a deletion under way
    this.lastNotice.set(name.asker, name.id);
    const named = `${name.asker}:${name.id}`;
    if (this.doneBeforeNotice.delete(named)) return;
    const marks = this.deleting.get(key);
    if (marks) marks.add(named);
    else this.deleting.set(key, new Set([named]));
  }

  /**
   * At the home: the element was deleted (`tombstone`) by deletion `name`.
   * Returns the insertions that waited for it, to be tried again in order
   * (one is made; the others wait again while another deletion is under
   * way, or are refused).
   */
  deleted(key: IndexKey, index: ArrayIndex, tombstone: Location, name: DeletionName): Uint8Array[] {
    this.deletionEnded(key, name);
    if (this.deletionsOut.get(key) === `${name.asker}:${name.id}`) this.deletionsOut.delete(key);
    this.setRecord(key, tombstone.pe, tombstone.epoch, true);
    if (!this.initiallyAtHome(index)) this.keepTombstone(key);
    const waiting = this.afterDeletion.get(key) ?? [];
    this.afterDeletion.delete(key);
    return waiting;
  }

  /** Entries of the location cache (`known`), for tests (soak.mpi.test.ts). */
  cacheSize(): number {
    return this.known.size;
  }

  /**
   * At the home: deletion `name`'s call was refused here (a tombstone, no
   * insertion announced): it deletes nothing, and its mark ends. No
   * insertion waits then: they wait only while an element is there.
   */
  deletionRefused(key: IndexKey, name: DeletionName): void {
    this.deletionEnded(key, name);
  }

  /** Deletion `name` ended: its mark goes, or, its notice still to come, its name is kept for the notice. */
  private deletionEnded(key: IndexKey, name: DeletionName): void {
    const named = `${name.asker}:${name.id}`;
    if (name.id > (this.lastNotice.get(name.asker) ?? 0)) {
      this.doneBeforeNotice.add(named);
      return;
    }
    const marks = this.deleting.get(key);
    if (marks?.delete(named) && marks.size === 0) {
      this.deleting.delete(key);
      this.changes++; // firstHop at the home: no deletion under way
    }
  }

  /** Tombstones kept here (the sparse arrays' ones). */
  tombstoneCount(): number {
    return this.tombstones.size;
  }

  /** Counts `key`'s tombstone as the newest; forgets the oldest beyond the bound (see the file's comment). */
  private keepTombstone(key: IndexKey): void {
    this.tombstones.delete(key);
    this.tombstones.add(key);
    if (this.tombstones.size <= this.tombstonesKept) return;
    const oldest = this.tombstones.keys().next().value!;
    this.tombstones.delete(oldest);
    const record = this.records.get(oldest);
    if (!record?.deleted) return; // an element was inserted there since: its record stays
    this.epochFloor = Math.max(this.epochFloor, record.epoch + 1);
    this.records.delete(oldest);
  }

  /** Holds a call at the home (`first`: the deletion's call that came back, ahead of the calls held behind it). */
  hold(key: IndexKey, message: Uint8Array, first = false): void {
    const list = this.held.get(key);
    if (!list) this.held.set(key, [message]);
    else if (first) list.unshift(message);
    else list.push(message);
  }

  /** Indices with messages held here, with how many each (the idle hint names them: a call to an index never inserted waits here). */
  heldIndices(): IterableIterator<[IndexKey, readonly Uint8Array[]]> {
    return this.held.entries();
  }

  /** The array is deleted whole: takes every message held here (the insertions waiting are dropped with it). */
  releaseAll(): Uint8Array[] {
    const all = [...this.held.values()].flat();
    this.held.clear();
    this.deletionsOut.clear();
    return all;
  }

  /**
   * Takes the messages held for `key`, to be routed again (the element now
   * exists, or a deletion ended): none while a deletion's call this PE sent
   * on is out (they stay behind it). Usually none, and then no list is made
   * (every arrival asks).
   */
  release(key: IndexKey): readonly Uint8Array[] {
    const list = this.held.get(key);
    if (list === undefined || this.deletionsOut.has(key)) return NONE_HELD;
    this.held.delete(key);
    return list;
  }
}

/**
 * Sets `key`'s location in `locations` unless the one there is newer. An
 * entry is updated in place: every move updates two, and a new record per
 * update was garbage per move on both PEs.
 */
function update(locations: Map<IndexKey, Location>, key: IndexKey, pe: number, epoch: number, deleted: boolean): void {
  const current = locations.get(key);
  if (!current) {
    locations.set(key, { pe, epoch, deleted });
  } else if (epoch >= current.epoch) {
    current.pe = pe;
    current.epoch = epoch;
    current.deleted = deleted;
  }
}
