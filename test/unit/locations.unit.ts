// Location records (lib/location/locations.ts) in-process: epochs order
// updates, the home's record is authoritative, routing decisions for each
// case, held messages; and, over random migrations with location updates
// delivered late and out of order, a message sent from any PE reaches the
// element by following route() without a loop; insertions at the home wait
// for their notice and for a deletion under way.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Locations, lostAfter, Route, TOMBSTONES_KEPT, type Location } from '../../lib/location/locations';
import { keyOf, roundRobinMap, type ArrayIndex, type IndexKey } from '../../lib/collections/arrayIndex';
import { random } from './random';

const at = (pe: number, epoch: number): Location => ({ pe, epoch, deleted: false });
const gone = (epoch: number): Location => ({ pe: -1, epoch, deleted: true });
const setRecord = (on: Locations, key: IndexKey, l: Location): void => on.setRecord(key, l.pe, l.epoch, l.deleted);
const learn = (on: Locations, key: IndexKey, l: Location): void => on.learn(key, l.pe, l.epoch, l.deleted);

/** Locations of PE `myPe` of `numPes`, for a 1D array homed round-robin; `dense` indices exist from the start. */
function pe(myPe: number, numPes: number, dense = false): Locations {
  return new Locations(myPe, (i) => roundRobinMap(i, numPes, undefined), () => dense);
}

const I = [5] as ArrayIndex; // home: PE 5 % 4 = 1
const K = keyOf(I);

test('a dense element starts at its home: the home record says so without being told', () => {
  const home = pe(1, 4, true);
  assert.equal(home.record(K, I), at(1, 0));
  assert.is(pe(1, 4, false).record(K, I), undefined, 'a sparse index has no record until created');
  // The home does not hold the element: it is being created here, so calls wait.
  assert.is(home.route(K, I), Route.Hold);
});

test('epochs: a record or a cache entry is replaced by a newer or equal epoch, never by an older one', () => {
  const home = pe(1, 4);
  setRecord(home, K, at(2, 3));
  setRecord(home, K, at(3, 2)); // an older update arriving late
  assert.equal(home.record(K, I), at(2, 3));
  setRecord(home, K, at(0, 4));
  assert.equal(home.record(K, I), at(0, 4));
  setRecord(home, K, gone(5));
  assert.equal(home.record(K, I), gone(5));
  setRecord(home, K, at(2, 4));
  assert.equal(home.record(K, I), gone(5), 'a deletion is not undone by an older move');
  const other = pe(3, 4);
  learn(other, K, at(2, 7));
  learn(other, K, at(0, 6));
  assert.is(other.firstHop(K, I), 2);
  learn(other, K, at(0, 8));
  assert.is(other.firstHop(K, I), 0);
});

test("a PE's own deletion pending: calls from it follow the deletion's first hop, whatever it learns, until the deletion is done or it inserts the index again", () => {
  const p3 = pe(3, 4);
  assert.is(p3.deletionHop(K), -1, 'no deletion of its own');
  p3.followDeletion(K, 1); // the deletion went by the home (nothing known)
  const stamp = p3.changes;
  learn(p3, K, at(2, 1)); // a call made before it was delivered on PE 2, which told this PE
  assert.is(p3.firstHop(K, I), 2, 'the cache is what it is');
  assert.is(p3.deletionHop(K), 1, 'but calls go where the deletion went');
  assert.ok(p3.changes > stamp);
  p3.followDeletion(K, 1); // a second deletion, the same way
  p3.deletionDone(K);
  assert.is(p3.deletionHop(K), 1, 'one deletion still pending');
  const before = p3.changes;
  p3.deletionDone(K);
  assert.is(p3.deletionHop(K), -1, 'both done: the cache again');
  assert.ok(p3.changes > before, 'first hops found while pinned are looked up again');
  p3.deletionDone(K); // a late one (asked before an insertion) finds nothing: no harm
  assert.is(p3.deletionHop(K), -1);
  p3.followDeletion(K, 2);
  p3.forget(K); // this PE asked to insert the index again: its calls go to the home, which expects it
  assert.is(p3.deletionHop(K), -1);
  assert.is(p3.firstHop(K, I), 1);
  p3.followDeletion(K, 1); // deleted again: the pin comes back, counted with the one pending
  p3.deletionDone(K);
  assert.is(p3.deletionHop(K), 1);
  p3.deletionDone(K);
  assert.is(p3.deletionHop(K), -1);
});

test('routing at a PE that is not the home: the cache if it names another PE, the home otherwise', () => {
  const p3 = pe(3, 4);
  assert.is(p3.route(K, I), 1, 'nothing known: the home');
  assert.is(p3.firstHop(K, I), 1);
  learn(p3, K, at(2, 1));
  assert.is(p3.route(K, I), 2, 'a forward pointer (the element went there)');
  assert.is(p3.firstHop(K, I), 2);
  learn(p3, K, at(3, 2));
  assert.is(p3.route(K, I), 1, 'a cache naming this PE, where the element is not: ask the home');
  assert.is(p3.firstHop(K, I), 1);
  learn(p3, K, gone(3));
  assert.is(p3.route(K, I), 1, 'deleted, as far as this PE knows: the home decides');
  assert.is(p3.firstHop(K, I), 1);
});

test('routing at the home: by its record; Hold while the element does not exist or is arriving here; Deleted after deletion', () => {
  const home = pe(1, 4);
  assert.is(home.route(K, I), Route.Hold, 'sparse, not inserted yet');
  setRecord(home, K, at(1, 0));
  assert.is(home.route(K, I), Route.Hold, 'the record names the home but the element is not here yet');
  setRecord(home, K, at(2, 1));
  assert.is(home.route(K, I), 2);
  setRecord(home, K, at(0, 3));
  assert.is(home.route(K, I), 0, 'a newer record');
  setRecord(home, K, gone(4));
  assert.is(home.route(K, I), Route.Deleted);
});

test('a late location update of a deleted element is refused at the home, before or after its tombstone is forgotten: calls are held, not sent to an earlier stay, and the index can be inserted again', () => {
  // Review: an update of an earlier stay (PE 2, epoch 1) can arrive after the Deleted (epoch 3), and after the
  // home has forgotten the tombstone. Taken, it made a live record at an old epoch: calls went to PE 2, whose
  // pointer led back to the home, for good, and an insertion at the index was refused as existing.
  for (const lateFirst of [true, false]) {
    const numPes = 4;
    const home = new Locations(1, (i) => roundRobinMap(i, numPes, undefined), () => false, 2);
    setRecord(home, K, at(2, 1));
    home.deletionAnnounced(K, { asker: 2, id: 1 });
    home.deleted(K, I, gone(3), { asker: 2, id: 1 });
    if (lateFirst) setRecord(home, K, at(2, 1)); // refused: older than the tombstone
    assert.is(home.route(K, I), Route.Deleted, 'the tombstone refuses the call');
    for (let n = 0; n < 2; n++) {
      const other = [101 + 4 * n] as ArrayIndex; // homed on PE 1 too
      home.deletionAnnounced(keyOf(other), { asker: 2, id: 2 + n });
      home.deleted(keyOf(other), other, gone(1), { asker: 2, id: 2 + n });
    }
    if (!lateFirst) setRecord(home, K, at(2, 1)); // refused: below the floor, the tombstone forgotten
    assert.is(home.route(K, I), Route.Hold, `late update ${lateFirst ? 'before' : 'after'} the tombstone went: held, as for an index never inserted`);
    assert.is(home.firstHop(K, I), 1, 'a call made at the home goes nowhere else first');
    assert.ok(home.insertionEpoch(K, I) > 3, 'an insertion there takes an epoch above the deleted one');
    home.expect(K, 'again');
    assert.is(home.admit(K, I, 'again', () => new Uint8Array(0)), 'make', 'and is made, not refused as existing');
  }
});

test('at the home, firstHop follows the record (the home keeps no cache entries of its own indices)', () => {
  const home = pe(1, 4);
  setRecord(home, K, at(2, 1));
  assert.is(home.firstHop(K, I), 2, 'to the element, not through the home itself');
  setRecord(home, K, gone(2));
  assert.is(home.firstHop(K, I), 1);
});

test('held messages are released in arrival order, once', () => {
  const home = pe(1, 4);
  const messages = [1, 2, 3].map((n) => new Uint8Array([n]));
  for (const m of messages) home.hold(K, m);
  home.hold(keyOf([9]), new Uint8Array([9]));
  assert.equal(home.release(K), messages);
  assert.equal(home.release(K), []);
  assert.equal(home.release(keyOf([9])), [new Uint8Array([9])]);
});

test('random migrations, location updates late and out of order: from every PE, route() reaches the element without a loop', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rand = random(seed);
    const numPes = 2 + Math.floor(rand() * 7);
    const index = [Math.floor(rand() * 100)] as ArrayIndex;
    const key = keyOf(index);
    const home = roundRobinMap(index, numPes, undefined);
    const pes = Array.from({ length: numPes }, (_, p) => pe(p, numPes, true));
    let where = home;
    let epoch = 0;
    /** Location updates in flight to the home: [epoch, pe]. */
    const inFlight: Location[] = [];
    for (let move = 0; move < 30; move++) {
      // Move (as the array does: the PE left remembers where it went; the
      // new PE knows it is there; the home is told by a message).
      const to = Math.floor(rand() * numPes);
      if (to !== where) {
        epoch++;
        learn(pes[where], key, at(to, epoch));
        if (where === home) setRecord(pes[home], key, at(to, epoch));
        learn(pes[to], key, at(to, epoch));
        if (to === home) setRecord(pes[home], key, at(to, epoch));
        else inFlight.push(at(to, epoch));
        where = to;
      }
      // Some updates reach the home, in any order.
      while (inFlight.length && rand() < 0.5) setRecord(pes[home], key, inFlight.splice(Math.floor(rand() * inFlight.length), 1)[0]);
      // Some PEs learn something stale or fresh from a forwarded delivery.
      if (rand() < 0.3) learn(pes[Math.floor(rand() * numPes)], key, at(where, epoch));
      // A message from every PE finds the element.
      for (let from = 0; from < numPes; from++) {
        const path = [from];
        let atPe = pes[from].firstHop(key, index);
        if (from === where) continue;
        while (atPe !== where) {
          path.push(atPe);
          assert.ok(path.length <= numPes + 2, `seed ${seed}: no way to the element on PE ${where} (epoch ${epoch}): ${path.join(' -> ')}`);
          const next = pes[atPe].route(key, index);
          assert.ok(next >= 0, `seed ${seed}: PE ${atPe} would ${next === Route.Hold ? 'hold' : 'drop'} a message for an element on PE ${where}: ${path.join(' -> ')}`);
          atPe = next;
        }
      }
    }
  }
});

test('insertion notice: the home holds calls for an index whose tombstone it keeps once an insertion is announced', () => {
  const home = pe(1, 4);
  setRecord(home, K, gone(3));
  assert.is(home.route(K, I), Route.Deleted, 'a deleted element, no insertion coming');
  assert.is(home.expect(K, '2:7'), undefined, 'no insertion came before its notice');
  assert.is(home.route(K, I), Route.Hold, 'the insertion from PE 2 is coming: calls wait');
  assert.is(home.admit(K, I, '2:7', () => new Uint8Array([7])), 'make');
  setRecord(home, K, at(3, 4));
  assert.is(home.route(K, I), 3, 'made: calls go to its PE');
  home.deletionAnnounced(K, { asker: 1, id: 1 });
  home.deleted(K, I, gone(5), { asker: 1, id: 1 });
  assert.is(home.route(K, I), Route.Deleted, 'no insertion announced any more');
});

test('an insertion that reaches the home before its notice waits for it, and the notice hands it back', () => {
  const home = pe(1, 4);
  const insert = new Uint8Array([8]);
  assert.is(home.admit(K, I, '0:8', () => insert), 'wait');
  assert.is(home.expect(K, '2:9'), undefined, "another insertion's notice does not release it");
  assert.is(home.expect(K, '0:8'), insert, 'its notice: the insertion is made now');
  assert.is(home.admit(K, I, '0:8', () => insert), 'make');
  assert.is(home.expect(K, '0:8'), undefined, 'handed back once');
});

test('an insertion at an index whose element exists waits while a deletion is on its way to it, and is refused otherwise', () => {
  const home = pe(1, 4);
  setRecord(home, K, at(2, 4));
  home.expect(K, '0:1');
  assert.is(home.admit(K, I, '0:1', () => new Uint8Array([1])), 'exists', 'no deletion under way: an error');
  // ckDestroy's notice reaches the home (the element is on PE 2), then an insertion's notice, then the insertion.
  home.deletionAnnounced(K, { asker: 0, id: 1 });
  home.expect(K, '0:2');
  const insert = new Uint8Array([2]);
  assert.is(home.admit(K, I, '0:2', () => insert), 'wait', 'the element is still there, its deletion is coming');
  assert.is(home.route(K, I), 2, 'calls still follow the element (after the deletion, in order)');
  assert.equal(home.deleted(K, I, gone(5), { asker: 0, id: 1 }), [insert], 'deleted: the insertion goes ahead');
  assert.is(home.route(K, I), Route.Hold, 'and calls wait for it');
  assert.is(home.admit(K, I, '0:2', () => insert), 'make');
  setRecord(home, K, at(3, 6));
  home.deletionAnnounced(K, { asker: 3, id: 1 });
  assert.equal(home.deleted(K, I, gone(7), { asker: 3, id: 1 }), [], 'nothing waits any more');
  // The mark lasts until a deletion is recorded: a later insertion over a live element is refused again.
  setRecord(home, K, at(0, 8));
  home.expect(K, '3:1');
  assert.is(home.admit(K, I, '3:1', () => new Uint8Array([3])), 'exists');
});

test("once the home sent a deletion's call on, it holds every other call for the index until that deletion ends or its call comes back, which goes ahead of them", () => {
  const home = pe(1, 4);
  const held = (n: number): Uint8Array => new Uint8Array([n]);
  setRecord(home, K, at(2, 4));
  home.deletionAnnounced(K, { asker: 0, id: 1 });
  home.deletionAnnounced(K, { asker: 0, id: 2 });
  assert.is(home.route(K, I, false, '0:1'), 2, "the first deletion's call goes to the element");
  assert.is(home.route(K, I), Route.Hold, 'a call after it waits here: sent on, it would come back behind the deletion');
  home.hold(K, held(1));
  assert.is(home.route(K, I, false, '0:2'), Route.Hold, "so does the next deletion's call");
  home.hold(K, held(2));
  assert.equal(home.release(K), [], 'nothing is released while the deletion is out (an arrival, an insertion made here)');
  // Deleted: the tombstone; the insertion announced since makes the calls wait for it, in order.
  home.expect(K, '0:3');
  assert.equal(home.deleted(K, I, gone(5), { asker: 0, id: 1 }), []);
  assert.equal(home.release(K), [held(1), held(2)], 'the deletion ended: the calls go their way again, in order');
  assert.is(home.route(K, I, false, '0:2'), Route.Hold, 'the insertion announced is not made yet: held');
  home.hold(K, held(2));
  assert.is(home.route(K, I), Route.Hold);
  home.hold(K, held(1));
  assert.is(home.admit(K, I, '0:3', () => held(9)), 'make');
  setRecord(home, K, at(3, 6));
  const [first, ...rest] = home.release(K);
  assert.equal([first, ...rest], [held(2), held(1)]);
  assert.is(home.route(K, I, false, '0:2'), 3, "made: the second deletion's call goes to the new element first");
  home.hold(K, held(1)); // the call behind it, held again (route said Hold)
  assert.is(home.route(K, I), Route.Hold);
  // The element had left PE 3 and was deleted there already (by another deletion): the call comes back.
  setRecord(home, K, gone(7));
  assert.ok(home.isOut(K, '0:2'));
  assert.is(home.route(K, I, false, '0:2'), Route.Deleted, 'back, with no insertion announced: refused');
  home.deletionRefused(K, { asker: 0, id: 2 });
  assert.equal(home.release(K), [held(1)], 'and the calls behind it go their way again (to be refused)');
  // Back while an insertion is announced: held again, ahead of the calls behind it.
  setRecord(home, K, at(2, 8));
  home.deletionAnnounced(K, { asker: 0, id: 4 });
  assert.is(home.route(K, I, false, '0:4'), 2);
  home.hold(K, held(1));
  setRecord(home, K, gone(9));
  home.expect(K, '0:5');
  assert.ok(home.isOut(K, '0:4'));
  assert.is(home.route(K, I, false, '0:4'), Route.Hold);
  home.hold(K, held(4), true);
  assert.equal(home.release(K), [held(4), held(1)], 'the deletion first, as it was sent');
});

test("while a deletion of an index is under way, the home's own calls go by route (not straight by its record), and a call to the element come home behind a deletion's call out waits", () => {
  const home = pe(1, 4);
  setRecord(home, K, at(2, 4));
  assert.is(home.firstHop(K, I), 2, 'no deletion under way: straight by the record');
  const before = home.changes;
  home.deletionAnnounced(K, { asker: 1, id: 1 });
  assert.ok(home.changes !== before, 'a first hop found before is looked up again');
  assert.is(home.firstHop(K, I), 1, 'under way: this PE (its local queue, then route)');
  assert.is(home.route(K, I, false, '1:1'), 2);
  assert.ok(home.deletionOut());
  assert.ok(home.heldBehindDeletion(K, undefined), 'the element came home: a call waits behind the deletion');
  assert.not.ok(home.heldBehindDeletion(K, '1:1'), 'the deletion itself is delivered');
  home.deleted(K, I, gone(5), { asker: 1, id: 1 });
  assert.not.ok(home.deletionOut());
  assert.is(home.firstHop(K, I), 1, 'deleted: the home (route refuses, or holds for an insertion)');
  setRecord(home, K, at(3, 6));
  assert.is(home.firstHop(K, I), 3, 'no deletion under way any more: straight by the record');
});

test('a deletion notice that finds a tombstone marks the index until the home refuses its call (nothing left to delete)', () => {
  const home = pe(1, 4);
  setRecord(home, K, gone(3));
  home.deletionAnnounced(K, { asker: 2, id: 1 });
  assert.is(home.route(K, I), Route.Deleted, 'its call is refused');
  home.deletionRefused(K, { asker: 2, id: 1 });
  setRecord(home, K, at(2, 4)); // inserted again later
  home.expect(K, '0:5');
  assert.is(home.admit(K, I, '0:5', () => new Uint8Array([5])), 'exists', 'no stale mark makes an insertion wait');
});

test('a deletion noticed before the insertion of the element it deletes is recorded (insert, destroy, insert at once from PE 2): the second insertion waits for it', () => {
  const home = pe(1, 4);
  // PE 2's notices come straight to the home; its insertions by way of PE 0, after them.
  home.expect(K, '2:1');
  home.deletionAnnounced(K, { asker: 2, id: 1 });
  home.expect(K, '2:2');
  assert.is(home.admit(K, I, '2:1', () => new Uint8Array([1])), 'make');
  setRecord(home, K, at(3, 0));
  const second = new Uint8Array([2]);
  assert.is(home.admit(K, I, '2:2', () => second), 'wait', 'the first element is still there, its deletion is coming');
  assert.equal(home.deleted(K, I, gone(1), { asker: 2, id: 1 }), [second], 'deleted: the second insertion goes ahead');
  assert.is(home.admit(K, I, '2:2', () => second), 'make');
});

test('a deletion that ends (refused) before its notice comes leaves no mark', () => {
  const home = pe(1, 4);
  setRecord(home, K, gone(3));
  home.deletionRefused(K, { asker: 2, id: 4 }); // its call came round by another PE first
  home.deletionAnnounced(K, { asker: 2, id: 4 });
  setRecord(home, K, at(2, 4));
  home.expect(K, '0:5');
  assert.is(home.admit(K, I, '0:5', () => new Uint8Array([5])), 'exists');
});

test("a deletion notice that comes after its element's Deleted (from another PE) and after a new element was made marks nothing", () => {
  const home = pe(1, 4);
  setRecord(home, K, at(0, 4)); // on PE 0; PE 2 asks for its deletion
  // PE 0's Deleted, PE 0's notice of an insertion at the index and the insertion reach the home before PE 2's notice.
  assert.equal(home.deleted(K, I, gone(5), { asker: 2, id: 7 }), []);
  home.expect(K, '0:1');
  assert.is(home.admit(K, I, '0:1', () => new Uint8Array([1])), 'make');
  setRecord(home, K, at(0, 6));
  home.deletionAnnounced(K, { asker: 2, id: 7 }); // late: its deletion is done
  home.expect(K, '3:1');
  assert.is(home.admit(K, I, '3:1', () => new Uint8Array([3])), 'exists', 'the new element is not being deleted: refused, not held');
  // PE 2's next deletion is of the new element: its notice marks it as usual.
  home.deletionAnnounced(K, { asker: 2, id: 8 });
  home.expect(K, '3:2');
  assert.is(home.admit(K, I, '3:2', () => new Uint8Array([4])), 'wait', 'a deletion is under way');
});

test('forget: a PE that asks to insert an index sends its calls to the home, not to where an earlier element was', () => {
  const other = pe(3, 4);
  learn(other, K, at(2, 4));
  assert.is(other.firstHop(K, I), 2);
  other.forget(K);
  assert.is(other.firstHop(K, I), 1, 'the home');
});

test('tombstones: a sparse array\'s home keeps the last few; beyond, an index is as one never inserted, and an insertion there starts above every forgotten epoch', () => {
  const home = new Locations(1, (i) => roundRobinMap(i, 4, undefined), () => false, 3);
  const index = (n: number): ArrayIndex => [4 * n + 1] as ArrayIndex; // all homed on PE 1
  const deletedAt: number[] = [];
  for (let n = 0; n < 10; n++) {
    const key = keyOf(index(n));
    home.expect(key, `0:${n}`);
    assert.is(home.admit(key, index(n), `0:${n}`, () => new Uint8Array()), 'make');
    const epoch = home.insertionEpoch(key, index(n));
    setRecord(home, key, at(2, epoch));
    setRecord(home, key, at(3, epoch + n)); // n moves
    home.deletionAnnounced(key, { asker: 0, id: n + 1 });
    home.deleted(key, index(n), gone(epoch + n + 1), { asker: 0, id: n + 1 });
    deletedAt.push(epoch + n + 1);
    assert.ok(home.tombstoneCount() <= 3, 'at most 3 kept');
    assert.is(home.cacheSize(), 0, 'a tombstone is a record at the home, not a cache entry too');
  }
  for (let n = 7; n < 10; n++) assert.is(home.route(keyOf(index(n)), index(n)), Route.Deleted, `index ${n}: a late call is refused`);
  for (let n = 0; n < 7; n++) assert.is(home.route(keyOf(index(n)), index(n)), Route.Hold, `index ${n}: held, as for an index never inserted`);
  // A new element at a forgotten index starts above the epochs of all the forgotten ones (later indices started higher).
  const again = keyOf(index(2));
  const floor = home.insertionEpoch(again, index(2));
  assert.ok(floor > Math.max(...deletedAt.slice(0, 7)), `epoch ${floor} above ${deletedAt.slice(0, 7).join(', ')}`);
  assert.ok(deletedAt[6] > deletedAt[2], 'the floor has risen (index 6 was inserted at the floor raised by older ones)');
  setRecord(home, again, at(3, floor));
  setRecord(home, again, at(2, floor - 1)); // a late update of the deleted element at index 2
  assert.equal(home.record(again, index(2)), at(3, floor), 'does not overwrite the new element');
  // A dense array's tombstones are all kept (a dense index without a record is an element at its home).
  const dense = new Locations(1, (i) => roundRobinMap(i, 4, undefined), () => true, 3);
  for (let n = 0; n < 10; n++) dense.deleted(keyOf(index(n)), index(n), gone(1), { asker: 1, id: n + 1 });
  for (let n = 0; n < 10; n++) assert.is(dense.route(keyOf(index(n)), index(n)), Route.Deleted);
});

test("the location cache of a sparse array keeps the entries learned last: relearning one makes it the newest, and a PE that forgot one sends calls to the home", () => {
  const map = (i: ArrayIndex): number => roundRobinMap(i, 4, undefined);
  const other = new Locations(3, map, () => false, TOMBSTONES_KEPT, 3);
  const index = (n: number): ArrayIndex => [4 * n + 1] as ArrayIndex; // all homed on PE 1
  for (let n = 0; n < 10; n++) {
    learn(other, keyOf(index(n)), at(2, 1));
    assert.ok(other.cacheSize() <= 3, 'at most 3 kept');
  }
  for (let n = 7; n < 10; n++) assert.is(other.firstHop(keyOf(index(n)), index(n)), 2, `index ${n}: cached`);
  for (let n = 0; n < 7; n++) {
    assert.is(other.firstHop(keyOf(index(n)), index(n)), 1, `index ${n}: forgotten, to the home`);
    assert.is(other.route(keyOf(index(n)), index(n)), 1, `index ${n}: a call that comes here goes to the home`);
  }
  learn(other, keyOf(index(7)), at(0, 2)); // relearned: the newest
  const before = other.changes;
  learn(other, keyOf(index(10)), at(2, 1));
  assert.ok(other.changes > before, 'an element proxy looks its hop up again');
  assert.is(other.firstHop(keyOf(index(8)), index(8)), 1, 'the oldest (8) is forgotten');
  assert.is(other.firstHop(keyOf(index(7)), index(7)), 0, 'not the one relearned');
  learn(other, keyOf(index(7)), at(2, 1)); // older: refused, and not made the newest
  learn(other, keyOf(index(11)), at(2, 1)); // forgets 9
  learn(other, keyOf(index(12)), at(2, 1)); // forgets 7, the oldest after 9
  assert.is(other.firstHop(keyOf(index(7)), index(7)), 1, '7 is forgotten');
  assert.is(other.firstHop(keyOf(index(10)), index(10)), 2, '10 is not');
});

test('a call does not go round for good when a PE forgot a pointer and then took an older location update: past lostAfter hops it goes by the home', () => {
  // The review's case: PEs 0-4, X homed on PE 0, a cache of one entry (a filler index pushes X's out).
  const n = 5;
  const map = (i: ArrayIndex): number => roundRobinMap(i, n, undefined);
  const pes = Array.from({ length: n }, (_, p) => new Locations(p, map, () => false, TOMBSTONES_KEPT, 1));
  const X = [5] as ArrayIndex; // home: PE 0
  const KX = keyOf(X);
  const home = pes[0];
  const settle = (p: number, epoch: number, from: number): void => {
    learn(pes[p], KX, at(p, epoch)); // Routing.settled
    setRecord(home, KX, at(p, epoch)); // the home hears it (and records it only: Routing.receive)
    if (from >= 0) learn(pes[from], KX, at(p, epoch)); // Routing.left
  };
  settle(1, 1, -1);
  // PE 3's call was forwarded to PE 1, which sends PE 3 (PE 1, epoch 1): slow. X moves 1 -> 2 -> 3 -> 4.
  settle(2, 2, 1);
  settle(3, 3, 2);
  settle(4, 4, 3);
  assert.is(pes[3].route(KX, X), 4, 'PE 3 points at PE 4');
  learn(pes[3], keyOf([1] as ArrayIndex), at(1, 1)); // a newer entry: PE 3 forgets X's
  learn(pes[3], KX, at(1, 1)); // the late update: nothing to refuse it
  assert.is(pes[3].route(KX, X), 1, 'PE 3 now points at PE 1 (1 -> 2 -> 3 -> 1 ...)');
  // A call made on PE 3, passed on as Routing.forward does.
  let where = pes[3].firstHop(KX, X);
  let hops = 0;
  while (where !== 4 && hops < 255) {
    where = pes[where].route(KX, X, hops >= lostAfter(n));
    hops++;
  }
  assert.is(where, 4, `delivered to X on PE 4 (after ${hops} hops)`);
  assert.ok(hops <= lostAfter(n) + 2, `${hops} hops: to the home once lost, and on from there`);
});

test.run();
