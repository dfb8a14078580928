/**
 * Where this PE's calls to one array's elements go: the first hop of a
 * call made here, the messages that keep the location records current, and
 * the forwarding of calls that find their element gone: the messaging half
 * of Charm++'s location manager (the records themselves are locations.ts').
 *
 * - A call made here goes to this PE if the element lives here, otherwise
 *   to where the location cache last saw it, otherwise to its home. An
 *   element proxy keeps the hop it found while neither the elements here
 *   nor the cache changed (each counts its changes), so steady calls look
 *   nothing up.
 * - An element settling in on a PE (arriving, or rebuilt at a restart) is
 *   recorded there and at its home; a home that sent it away recorded the
 *   move when it sent it, so it is not told again.
 * - A PE an element leaves records where it went, and so does its home.
 * - A PE that delivers a call that was forwarded tells the caller's PE
 *   where the element is, so steady traffic takes one hop.
 * - A call for an element not here is held at the home until the element
 *   exists (or while a deletion's call the home sent on is out), or sent on
 *   (one hop more) to where this PE last knew it to be.
 *
 * Location records are bookkeeping: quiescence detection does not count them.
 */
import type { Reader } from '../codec/reader';
import { ArrayControl, Flag, flagsOf, readArgs, readLocation, setHops, setToHome, writeLocation, type ElementRoute } from '../codec/wire';
import { isGoneNotice } from '../channels';
import { METHOD_CHANNEL, METHOD_DESTROY } from '../model/methodIds';
import { runtime } from '../model/context';
import { whenComplete, type Future } from '../model/future';
import { lostAfter, Route, type Locations } from '../location/locations';
import { keyOf, type ArrayIndex, type IndexKey } from './arrayIndex';
import type { ArrayRef, ElementAddress } from './arrays';
import { beginControl } from './collections';
import type { Residents } from './residents';

/** What `forward` returns for a call to an element deleted here: the refusal's reason, after the element's name. */
export const DELETED = ' was deleted';

export class Routing {
  constructor(
    private readonly ref: ArrayRef,
    private readonly elements: Residents,
    private readonly locations: Locations,
  ) {}

  /**
   * The first PE a call from here to `index` goes to (`key`, `home`: its
   * key and home PE when the caller knows them): where this PE's deletion
   * of it went, while one is pending, even for an element that came here
   * meanwhile (`followDeletion`).
   */
  firstHop(index: ArrayIndex, key = keyOf(index), home = -1): number {
    const deletion = this.locations.deletionHop(key);
    if (deletion >= 0) return deletion;
    return this.elements.has(key) ? runtime().myPe : this.locations.firstHop(key, index, home);
  }

  /** This PE sent a deletion's call (`done`: its completion) to the element at `address` by `address.hop`: calls from here follow it until it is done (Locations.followDeletion). */
  followDeletion(address: ElementAddress, done: Future<unknown>): void {
    this.locations.followDeletion(address.key, address.hop);
    whenComplete(done, () => this.locations.deletionDone(address.key));
  }

  /**
   * firstHop for an element proxy's address, kept in it: the same PE while
   * neither the elements here nor the location cache changed since (a
   * steady caller looks nothing up: two Map lookups a call before).
   */
  hopOf(address: ElementAddress): number {
    const stamp = this.elements.changes + this.locations.changes;
    if (address.stamp !== stamp) {
      address.hop = this.firstHop(address.index, address.key, address.home);
      address.stamp = stamp;
    }
    return address.hop;
  }

  /** This PE asked to insert `index`: its calls go to the home from now on (which expects the insertion). */
  inserting(index: ArrayIndex): void {
    this.locations.forget(keyOf(index));
  }

  /**
   * Passes on a call for an element that is not here: held at the home
   * until the element exists, otherwise sent to where this PE last knew it
   * to be, however many times it moved since. Returns why it cannot be,
   * to follow the element's name in the error (the caller refuses the
   * call), or '' once it is passed on.
   *
   * Refused: a call for a deleted element; and a call that came here as to
   * its index's home (Flag.Home: the sender's map names this PE) when this
   * PE's map names another. A PE without a record of an index sends a call
   * on to the home its own map names, so a map that differs between PEs
   * sent such calls round the PEs for good (docs/internals.md, Element calls).
   *
   * A channel's gone notice the home would hold is dropped (channels.ts).
   *
   * A call that has made `lostAfter` hops goes to the home from any other
   * PE (which forgets its entry): a bounded cache can take a stale location
   * update and send calls round without the home (locations.ts).
   */
  forward(r: Reader, key: IndexKey, index: ArrayIndex, route: ElementRoute, method: number): string {
    const home = this.ref.homeOf(index);
    if (flagsOf(r.buf, r.base) & Flag.Home) {
      // The sender: the caller at the first hop (r.source is this PE for a message held here until the array existed).
      const mismatch = this.ref.homeMismatch(index, route.hops === 0 ? route.origin : r.source, home);
      if (mismatch) return mismatch;
    }
    const deletion = method === METHOD_DESTROY ? deletionOf(r) : undefined;
    // The deletion's call the home sent on, back here: held, it goes ahead of the calls held behind it.
    const back = deletion !== undefined && home === runtime().myPe && this.locations.isOut(key, deletion);
    const dest = this.locations.route(key, index, route.hops >= lostAfter(runtime().numPes), deletion);
    if (dest === Route.Deleted) return DELETED;
    // A gone notice the home would hold: its channel end went with its element (the tombstone forgotten) or is to come
    // (the notice overtook it: that end is then kept, as before notices). Held, it would wait for good or reach a later
    // element at the index. Dropped, before the copy (readArgs moves the reader; the copy does not depend on it).
    if (dest === Route.Hold && method === METHOD_CHANNEL && isGoneNotice(method, readArgs(r))) return '';
    if (dest === Route.Hold) {
      this.hold(r, key, back);
    } else {
      const message = r.copyMessage();
      setHops(message, route, route.hops + 1);
      setToHome(message, dest === home);
      runtime().scheduler.sendMessage(dest, message);
    }
    return '';
  }

  /**
   * At the home, a call to an element that is here: held instead, and true,
   * when a deletion's call this PE sent on (to where the element was) is
   * out and this is not that call: the element came home while the
   * deletion chased it, and a call that reached the home after the
   * deletion left must not run before it (Locations.route).
   */
  heldBehindDeletion(r: Reader, key: IndexKey, method: number): boolean {
    if (!this.locations.heldBehindDeletion(key, method === METHOD_DESTROY ? deletionOf(r) : undefined)) return false;
    this.hold(r, key, false);
    return true;
  }

  /** Holds the call in `r` at the home (`first`: ahead of those held before). Wherever it goes from here (the element's PE once it exists), it goes unmarked. */
  private hold(r: Reader, key: IndexKey, first: boolean): void {
    const message = r.copyMessage();
    setToHome(message, false);
    this.locations.hold(key, message, first);
  }

  /**
   * The element is now here; its home hears it, unless the home sent it
   * (`from`: it recorded the move then). Not learned in the cache: calls
   * look for residents first, its epoch is in its MemberState, and in a
   * bounded cache it would push out an entry of an element elsewhere.
   */
  settled(key: IndexKey, index: ArrayIndex, epoch: number, from = -1): void {
    const rt = runtime();
    const home = this.ref.homeOf(index);
    if (home === rt.myPe) this.locations.setRecord(key, rt.myPe, epoch, false);
    else if (home !== from) this.tell(home, index, rt.myPe, epoch, false, Flag.Home);
  }

  /**
   * The element left for `pe` (its arrival there tells the home, should
   * this not be it). The home records it; it keeps no cache entries of its
   * own indices (they would only take the bounded cache's places, and one
   * outliving a forgotten tombstone misled calls).
   */
  left(key: IndexKey, index: ArrayIndex, pe: number, epoch: number): void {
    if (this.ref.homeOf(index) === runtime().myPe) this.locations.setRecord(key, pe, epoch, false);
    else this.locations.learn(key, pe, epoch, false);
  }

  /** A call to the element at `index` (here, at `epoch`) was forwarded to it: the PE that sent it (`origin`) learns where it is, unless that is this PE. */
  forwarded(origin: number, index: ArrayIndex, epoch: number): void {
    const myPe = runtime().myPe;
    if (origin !== myPe) this.tell(origin, index, myPe, epoch, false);
  }

  /** Sends a location record to `dest` (`toHome`: Flag.Home when `dest` is the index's home by this PE's map). */
  private tell(dest: number, index: ArrayIndex, pe: number, epoch: number, deleted: boolean, toHome = 0): void {
    writeLocation(beginControl(this.ref.id, ArrayControl.LocationUpdate, Flag.System | toHome), index, pe, epoch, deleted);
    runtime().scheduler.send(dest);
  }

  /** Entries of this PE's location cache of the array, for tests (soak.mpi.test.ts). */
  cachedLocations(): number {
    return this.locations.cacheSize();
  }

  /**
   * A LocationUpdate: recorded if this is the home, else learned. One
   * sent here as to the home (Flag.Home) is checked against this PE's map,
   * as insertions and deletions are: where it names another home, the
   * record would not be kept anywhere.
   */
  receive(r: Reader): void {
    const toHome = flagsOf(r.buf, r.base) & Flag.Home;
    const { index: at, pe, epoch, deleted } = readLocation(r);
    const index = at as ArrayIndex;
    const key = keyOf(index);
    const home = this.ref.homeOf(index);
    if (toHome) this.ref.checkHome(index, r.source, 'the news of where it settled', home);
    if (home === runtime().myPe) this.locations.setRecord(key, pe, epoch, deleted);
    else this.locations.learn(key, pe, epoch, deleted);
  }
}

/** A deletion call's name ("asker:id", locations.ts), its reader left where it was (a refusal reads the arguments again). */
function deletionOf(r: Reader): string {
  const at = r.pos;
  const [asker, id] = readArgs(r) as [number, number];
  r.pos = at;
  return `${asker}:${id}`;
}
