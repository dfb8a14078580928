// Stress: many array elements exchange random messages while some migrate
// constantly, others are deleted and inserted again, and broadcasts and
// reductions run. Every message carries a unique id; senders and receivers
// keep counts and checksums: sent == received, each exactly once.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, Reducer } from '../lib';

type Index = readonly number[];

/** Sums of ids: plain numbers stay exact below 2^53 (ids are small). */
interface Tally {
  count: number;
  sum: number;
  xor: number;
}

const tally = (): Tally => ({ count: 0, sum: 0, xor: 0 });
const add = (t: Tally, id: number): void => {
  t.count++;
  t.sum += id;
  t.xor ^= id;
};


class Node extends Chare<Index> {
  sent = tally();
  received = tally();
  seen = new Set<number>();
  duplicates = 0;
  broadcasts = 0;
  moves = 0;
  /** State of a deterministic random sequence (a number, so it migrates with the element). */
  private seed = this.thisIndex[0] * 7919 + 1;

  private random(): number {
    this.seed = (Math.imul(this.seed ^ (this.seed >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return this.seed / 2 ** 32;
  }

  /** Sends `count` messages to random stable elements (indices below `stable`), migrating now and then. */
  chatter(round: number, count: number, stable: number, roam: boolean): void {
    for (let i = 0; i < count; i++) {
      const id = ((round * 1000 + this.thisIndex[0]) * 100 + i) % 2 ** 31;
      add(this.sent, id);
      this.thisProxy.at([Math.floor(this.random() * stable)]).take(id);
    }
    if (roam && this.random() < 0.5) {
      this.moves++;
      this.migrate(Math.floor(this.random() * charm.numPes()));
    }
  }

  take(id: number): void {
    if (this.seen.has(id)) this.duplicates++;
    this.seen.add(id);
    add(this.received, id);
  }

  news(): void {
    this.broadcasts++;
  }

  sumIndex(f: Future<number>): void {
    this.contribute(this.thisIndex[0], Reducer.sum, f);
  }

  totals(): { sent: Tally; received: Tally; duplicates: number; broadcasts: number; moves: number } {
    return { sent: this.sent, received: this.received, duplicates: this.duplicates, broadcasts: this.broadcasts, moves: this.moves };
  }
}
charm.register(Node);

test('stress: random traffic with migration, deletion and reinsertion, broadcasts and reductions; every message exactly once', async () => {
  const numPes = charm.numPes();
  const stable = 8 * numPes; // always present, receive messages
  const churn = 4 * numPes; // deleted and reinserted; send but never receive
  const nodes = charm.createArray(Node, { ndims: 1 });
  for (let i = 0; i < stable + churn; i++) nodes.ckInsert([i]);
  await nodes.ckDoneInserting();
  let broadcasts = 0;
  const churned = Array.from({ length: churn }, (_, k) => stable + k);
  const sentByDeleted = tally();
  const rounds = 12;
  for (let round = 0; round < rounds; round++) {
    nodes.chatter(round, 20, stable, true);
    nodes.news();
    broadcasts++;
    const f = charm.createFuture<number>();
    nodes.sumIndex(f);
    const n = stable + churn;
    assert.is(await f, (n * (n - 1)) / 2, `reduction in round ${round}`);
    // Delete a few churning elements (after reading what they sent) and insert them again.
    await charm.waitQD();
    for (const index of churned.filter((_, k) => (k + round) % 3 === 0)) {
      const t = await nodes.at([index]).ret.totals();
      sentByDeleted.count += t.sent.count;
      sentByDeleted.sum += t.sent.sum;
      sentByDeleted.xor ^= t.sent.xor;
      await nodes.at([index]).ckDestroy();
      nodes.ckInsert([index], [], { onPE: (index + round) % numPes });
    }
    await nodes.ckDoneInserting();
  }
  await charm.waitQD();
  const all = await nodes.ret.totals();
  const sent = tally();
  const received = tally();
  for (const t of all) {
    sent.count += t.sent.count;
    sent.sum += t.sent.sum;
    sent.xor ^= t.sent.xor;
    received.count += t.received.count;
    received.sum += t.received.sum;
    received.xor ^= t.received.xor;
    assert.is(t.duplicates, 0);
  }
  sent.count += sentByDeleted.count;
  sent.sum += sentByDeleted.sum;
  sent.xor ^= sentByDeleted.xor;
  const moves = all.reduce((a, t) => a + t.moves, 0);
  console.log(`stress np=${numPes}: ${sent.count} messages sent, ${received.count} received, ${moves} migrations (of the live elements), ${broadcasts} broadcasts, ${rounds} reductions`);
  assert.equal(received, sent);
  for (const t of all.slice(0, stable)) assert.ok(t.broadcasts > 0 && t.broadcasts <= broadcasts);
  assert.equal(all.slice(0, stable).map((t) => t.broadcasts), new Array(stable).fill(broadcasts));
});

runTests();
