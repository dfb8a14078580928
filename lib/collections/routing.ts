/**
 * The messages that keep one array's location records current, and the
 * forwarding of calls that find their element gone: the messaging half of
 * Charm++'s location manager (the records themselves are locations.ts').
 *
 * - An element settling in on a PE (arriving, or rebuilt at a restart) is
 *   recorded there and at its home; a home that sent it away recorded the
 *   move when it sent it, so it is not told again.
 * - A PE an element leaves records where it went, and so does its home.
 * - A PE that delivers a call that was forwarded tells the caller's PE
 *   where the element is, so steady traffic takes one hop.
 * - A call for an element not here is held at the home until the element
 *   exists, or sent on (one hop more) to where this PE last knew it to be;
 *   refused should its route loop (STALE_HOPS).
 *
 * Location records are bookkeeping: quiescence detection does not count them.
 */
import type { Reader } from '../codec/reader';
import { ArrayControl, Flag, TRAIL_PES, forwardedCopy, readLocation, readTrail, writeLocation, type ElementRoute, type Trail } from '../codec/wire';
import { runtime } from '../model/context';
import { Route, type Locations } from '../location/locations';
import { methodName } from '../model/methodIds';
import { describeMember, keyOf, type ArrayIndex, type IndexKey } from './arrayIndex';
import type { ArrayRef } from './arrays';
import { beginControl } from './collections';

/**
 * Hops in a row a call may take by no newer location record than the one
 * it was last sent by. A call sent by the record of a stay (epoch e) finds,
 * at that PE, the element or a record of at least e + 1: the element was
 * there at e (the record came from that PE, or from the PE that sent the
 * element there, ahead of the call on the same pair of PEs), and a PE
 * records where an element it held went. So a call chasing an element,
 * however often it moves, follows a newer record at every hop. Only two
 * hops in a row may follow none: to the home, from a PE whose record is a
 * deletion's or that forgot the index (it asked to insert it again), and
 * on from the home, whose record may not have caught up yet. Caches that
 * disagree in a loop follow the same records round and round: the call
 * fails after STALE_HOPS (twice the legal count), rather than circling for
 * ever, named to its caller.
 */
const STALE_HOPS = 4;

export class Routing {
  constructor(
    private readonly ref: ArrayRef,
    private readonly locations: Locations,
  ) {}

  /**
   * Passes on a call for an element that is not here: held at the home
   * until the element exists, otherwise sent to where this PE last knew it
   * to be, however many times it moved since. Returns why it cannot be
   * delivered instead (the caller refuses it): the element was deleted, or
   * the call is going round PEs whose records disagree (see STALE_HOPS).
   */
  forward(r: Reader, key: IndexKey, index: ArrayIndex, route: ElementRoute, method: number): string | undefined {
    const dest = this.locations.route(key, index);
    const name = (): string => describeMember(this.ref.info.name, index);
    if (dest === Route.Deleted) return `${name()} was deleted: the call to ${methodName(this.ref.info.methods, method)} was not delivered`;
    if (dest === Route.Hold) {
      this.locations.hold(key, r.copyMessage());
      return undefined;
    }
    const trail = readTrail(r, route);
    const had = trail.bytes;
    const epoch = this.locations.routedEpoch;
    const myPe = runtime().myPe;
    if (epoch > trail.epoch) {
      trail.epoch = epoch;
      trail.stale = 0;
    } else if (++trail.stale > STALE_HOPS) {
      return `${name()}.${methodName(this.ref.info.methods, method)}: the call, sent from PE ${route.origin}, went round PEs ${describeTrail(trail, myPe)} without reaching the element, and ${STALE_HOPS} hops in a row followed no newer location record than the one before: these PEs' location records disagree (a runtime bug: please report it)`;
    }
    trail.hops++;
    trail.pes.push(myPe);
    runtime().scheduler.sendMessage(dest, forwardedCopy(r, route, trail, had));
    return undefined;
  }

  /** The element is now here; its home hears it, unless the home sent it (`from`: it recorded the move then). */
  settled(key: IndexKey, index: ArrayIndex, epoch: number, from = -1): void {
    const rt = runtime();
    this.locations.learn(key, rt.myPe, epoch, false);
    const home = this.ref.homeOf(index);
    if (home === rt.myPe) this.locations.setRecord(key, rt.myPe, epoch, false);
    else if (home !== from) this.tell(home, index, rt.myPe, epoch, false);
  }

  /** The element left for `pe` (its arrival there tells the home, should this not be it). */
  left(key: IndexKey, index: ArrayIndex, pe: number, epoch: number): void {
    this.locations.learn(key, pe, epoch, false);
    if (this.ref.homeOf(index) === runtime().myPe) this.locations.setRecord(key, pe, epoch, false);
  }

  /** Sends a location record to `dest`. */
  tell(dest: number, index: ArrayIndex, pe: number, epoch: number, deleted: boolean): void {
    writeLocation(beginControl(this.ref.id, ArrayControl.LocationUpdate, Flag.System), index, pe, epoch, deleted);
    runtime().scheduler.send(dest);
  }

  /** A LocationUpdate: learned here, and recorded if this is the home. */
  receive(r: Reader): void {
    const { index: at, pe, epoch, deleted } = readLocation(r);
    const index = at as ArrayIndex;
    const key = keyOf(index);
    this.locations.learn(key, pe, epoch, deleted);
    if (this.ref.homeOf(index) === runtime().myPe) this.locations.setRecord(key, pe, epoch, deleted);
  }
}

/** "2 -> 3 -> 1 -> 2 -> 3 (5 hops)": the PEs a call went through, ending at `myPe` (the last TRAIL_PES). */
function describeTrail(trail: Trail, myPe: number): string {
  const pes = [...trail.pes, myPe].slice(-TRAIL_PES);
  const dropped = trail.hops + 1 > pes.length ? '... -> ' : '';
  return `${dropped}${pes.join(' -> ')} (${trail.hops} hops)`;
}
