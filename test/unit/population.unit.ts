// The root's count of members per reduction (lib/reductions/population.ts),
// a PE's counts per reduction number (lib/reductions/histogram.ts) and the
// Map that is replaced rather than shrunk (lib/turnoverMap.ts), in-process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Histogram } from '../../lib/reductions/histogram';
import { Population } from '../../lib/reductions/population';
import { TurnoverMap } from '../../lib/turnoverMap';

test('a population counts the base and the changes that start at or before a reduction, per stream', () => {
  const p = new Population(2, 8);
  assert.is(p.of(0, 0), 8);
  p.change(0, 3, 2); // two join stream 0 from reduction 3
  p.change(0, 5, -1); // one leaves from 5
  p.change(1, 1, 4);
  assert.equal([0, 2, 3, 4, 5, 9].map((r) => p.of(0, r)), [8, 8, 10, 10, 9, 9]);
  assert.equal([0, 1, 7].map((r) => p.of(1, r)), [8, 12, 12]);
});

test('folding a stream moves only its changes already in force into the base; later ones stay ahead', () => {
  const p = new Population(2, 8);
  p.change(0, 3, 2);
  p.change(0, 5, -1);
  p.change(1, 1, 4);
  p.fold(0, 3);
  assert.equal([3, 4, 5, 6].map((r) => p.of(0, r)), [10, 10, 9, 9]);
  assert.is(p.of(1, 1), 12, 'the other stream is untouched');
  p.fold(0, 5);
  p.fold(1, 2);
  assert.equal([p.of(0, 5), p.of(0, 100), p.of(1, 2), p.of(1, 100)], [9, 9, 12, 12]);
});

test('changes to a stream from the same reduction share one entry, and cancelling ones leave none', () => {
  const p = new Population(2, 0);
  for (let i = 0; i < 10_000; i++) p.change(0, 1, 1); // 10,000 insertions before reduction 1
  for (let i = 0; i < 4_000; i++) p.change(0, 1, -1);
  p.change(1, 1, 3);
  assert.equal([p.of(0, 0), p.of(0, 1), p.of(1, 1)], [0, 6_000, 3]);
  assert.is((p as unknown as { changes: unknown[] }).changes.length, 2, 'one entry per (stream, reduction)');
  p.change(1, 1, -3);
  assert.is((p as unknown as { changes: unknown[] }).changes.length, 1, 'a change summing to nothing is dropped');
  assert.is(p.of(1, 5), 0);
});

test('a histogram moves counts between keys as adding and taking away would', () => {
  const h = new Histogram();
  h.add(4, 1);
  h.move(4, 5); // the only member of 4, and no 5 yet
  assert.equal([h.get(4), h.get(5), h.atOrBelow(4), h.atOrBelow(5)], [0, 1, 0, 1]);
  h.add(5, 1);
  h.add(7, 1);
  h.move(5, 7); // one of two at 5, onto a key with a count
  assert.equal([h.get(5), h.get(7), h.atOrBelow(6), h.atOrBelow(7)], [1, 2, 1, 3]);
  h.move(5, 7); // the last of 5 onto a key with a count
  assert.equal([h.get(5), h.get(7), h.atOrBelow(7)], [0, 3, 3]);
  h.move(7, 7);
  assert.equal([h.get(7), h.atOrBelow(100)], [3, 3]);
  h.move(9, 10); // a key with no count: as add(9, -1), add(10, 1)
  assert.equal([h.get(9), h.get(10), h.atOrBelow(100)], [-1, 1, 3]);
});

test('a histogram emptied and filled again answers as one never emptied', () => {
  // A PE's only element leaving (its entry falls to 0) and one arriving (at the same key or another).
  const h = new Histogram();
  h.add(3, 1);
  h.add(3, -1);
  assert.equal([h.get(3), h.atOrBelow(100)], [0, 0]);
  h.add(4, 1); // another key takes the place of 3
  assert.equal([h.get(3), h.get(4), h.atOrBelow(3), h.atOrBelow(4)], [0, 1, 0, 1]);
  h.add(4, -1);
  h.add(4, 1); // the same key again
  assert.equal([h.get(4), h.atOrBelow(100)], [1, 1]);
  h.add(6, 1);
  h.add(4, -1); // not the only entry: it goes
  assert.equal([h.get(4), h.get(6), h.atOrBelow(5), h.atOrBelow(6)], [0, 1, 0, 1]);
  h.add(6, -1);
  h.add(2, -1); // a count below 0 (a reply owed, then counted) where the 0 was
  assert.equal([h.get(2), h.get(6), h.atOrBelow(1), h.atOrBelow(100)], [-1, 0, 0, -1]);
  h.move(2, 3);
  assert.equal([h.get(2), h.get(3), h.atOrBelow(100)], [-2, 1, -1]);
});

test('a turnover map keeps entries like a Map, also across emptying', () => {
  const m = new TurnoverMap<number, string>();
  m.set(1, 'a');
  m.set(2, 'b');
  m.delete(1);
  assert.equal([m.size, m.get(2), m.has(1)], [1, 'b', false]);
  m.delete(3); // absent: nothing changes, even with one entry left
  assert.equal([m.size, m.get(2)], [1, 'b']);
  m.delete(2);
  assert.equal([m.size, m.has(2)], [0, false]);
  m.set(5, 'c');
  assert.equal([m.size, m.get(5)], [1, 'c']);
  m.set(5, 'd'); // the one entry, replaced: still one
  assert.equal([m.size, m.get(5), m.get(6), m.has(6)], [1, 'd', undefined, false]);
  m.set(6, 'e'); // a second entry, then back to one and to none
  m.set(7, 'f');
  m.delete(5);
  assert.equal([m.size, m.get(5), m.get(6), m.get(7)], [2, undefined, 'e', 'f']);
  m.delete(7);
  m.delete(6);
  assert.equal([m.size, m.has(6), m.get(7)], [0, false, undefined]);
  m.delete(6); // absent from an empty map
  m.set(0, 'g');
  assert.equal([m.size, m.get(0), m.has(1)], [1, 'g', false]);
});

test.run();
