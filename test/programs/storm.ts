// The storm: a randomized, time-bounded run of everything issue 12 is
// about at once, with exact accounting. A sparse array of peers exchanges
// chains of uniquely numbered messages while
// - some peers move after every message they receive, others now and then,
//   and main moves random peers through their proxies;
// - broadcast handlers move elements (migration inside broadcasts);
// - churning peers are deleted and inserted again every third round, some
//   deleted while a reduction is under way and all inserted right after
//   the broadcast that starts it (they must not count in it, and must in
//   the next);
// - calls guarded by a `when` condition wait on moving peers, and pairs of
//   peers talk over channels kept in their state, moving between talks;
// - every round ends at quiescence, where every message sent has been
//   received: the tallies (count, sum, xor, 64-bit hash of the ids) of
//   senders and receivers must be equal then, exactly.
// The counts it prints are exact: messages, broadcasts, reductions,
// migrations, insertions, deletions.
//
// Failure injection (`inject` stuck|exit|kill): at a seeded round a seeded
// PE stops answering, calls process.exit(7) or kills itself; the job must
// end, naming that PE.
//
//   mpirun -np N node dist/test/programs/storm.js SEED SECONDS [none|stuck|exit|kill]
import { charm, Chare, Channel, Future, Reducer } from '../../lib';

type Index = readonly [number];

process.env.CHARMTS_EXIT_GRACE ??= '3';

/** Messages each peer starts per round; each is passed on HOPS times. */
const PER_PEER = 6;
const HOPS = 3;
const STABLE_PER_PE = 8;
const CHURN_PER_PE = 4;
/** Calls waiting on a `when` condition, per target, per round. */
const ORDERED_PER_ROUND = 5;

// ------------------------------------------------------------ tallies

interface Tally {
  count: number;
  sum: number;
  xor: number;
  hash: bigint;
}

const MASK64 = (1n << 64n) - 1n;

/** splitmix64's finalizer: swapped or repeated ids do not cancel out. */
function mix64(id: number): bigint {
  let z = (BigInt(id) + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

const emptyTally = (): Tally => ({ count: 0, sum: 0, xor: 0, hash: 0n });

function record(t: Tally, id: number): void {
  t.count++;
  t.sum += id;
  t.xor ^= id;
  t.hash = (t.hash + mix64(id)) & MASK64;
}

function merge(into: Tally, t: Tally): void {
  into.count += t.count;
  into.sum += t.sum;
  into.xor ^= t.xor;
  into.hash = (into.hash + t.hash) & MASK64;
}

const sameTally = (a: Tally, b: Tally): boolean => a.count === b.count && a.sum === b.sum && a.xor === b.xor && a.hash === b.hash;

// ------------------------------------------------------------ the rules every PE applies alike

interface Shape {
  stable: number;
  churn: number;
  seed: number;
}

/** A churning peer is away (deleted, inserted again, never messaged) one round in three. */
const isAway = (shape: Shape, index: number, round: number): boolean => index >= shape.stable && (index - shape.stable + round) % 3 === 0;
/** Stable peers that move after every message they receive. */
const isRestless = (index: number): boolean => index % 5 === 0;
/** Stable peers talk over a channel with their neighbour (2i, 2i+1). */
const partnerOf = (shape: Shape, index: number): number | undefined => (index < shape.stable - (shape.stable % 2) ? index ^ 1 : undefined);

/** Unique over the job: one chain per (round, sender, message), one id per hop. */
const messageId = (shape: Shape, round: number, sender: number, message: number): number =>
  ((round * (shape.stable + shape.churn) + sender) * PER_PEER + message) * (HOPS + 1);

/** mulberry32's output function. */
function unit(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}
const STEP = 0x6d2b79f5;

function randomSource(seed: number): (n: number) => number {
  let state = seed | 0;
  return (n) => Math.floor(unit((state = (state + STEP) | 0)) * n);
}

interface Report {
  index: number;
  generation: number;
  sent: Tally;
  received: Tally;
  duplicates: number;
  misdelivered: number;
  news: number[];
  ordered: number[];
  talks: number[];
  arrivals: number;
}

class Peer extends Chare<Index> {
  sent = emptyTally();
  received = emptyTally();
  seen = new Set<number>();
  seenRound = -1;
  duplicates = 0;
  misdelivered = 0;
  news: number[] = [];
  arrivals = 0;
  /** `when`: calls ordered(k) run strictly in order of k. */
  nextOrdered = 0;
  ordered: number[] = [];
  /** Channel to the partner, kept in the state (it migrates with the peer). */
  ch: Channel | undefined;
  talks: number[] = [];
  private rng: number;

  constructor(
    readonly shape: Shape,
    readonly generation: number,
  ) {
    super();
    this.rng = shape.seed ^ Math.imul(this.thisIndex[0] + 1, 0x9e3779b1) ^ Math.imul(generation + 1, 0x85ebca6b);
  }

  private random(n: number): number {
    this.rng = (this.rng + STEP) | 0;
    return Math.floor(unit(this.rng) * n);
  }

  private target(round: number): number {
    const total = this.shape.stable + this.shape.churn;
    for (;;) {
      const i = this.random(total);
      if (!isAway(this.shape, i, round)) return i;
    }
  }

  private send(round: number, id: number, hopsLeft: number): void {
    const to = this.target(round);
    record(this.sent, id);
    this.thisProxy.at([to]).deliver(round, id, to, hopsLeft);
  }

  chatter(round: number): void {
    if (isAway(this.shape, this.thisIndex[0], round)) return;
    for (let m = 0; m < PER_PEER; m++) this.send(round, messageId(this.shape, round, this.thisIndex[0], m), HOPS);
  }

  deliver(round: number, id: number, to: number, hopsLeft: number): void {
    if (to !== this.thisIndex[0]) this.misdelivered++;
    if (round !== this.seenRound) {
      this.seen.clear();
      this.seenRound = round;
    }
    if (this.seen.has(id)) this.duplicates++;
    this.seen.add(id);
    record(this.received, id);
    if (hopsLeft > 0) this.send(round, id + 1, hopsLeft - 1);
    if (isRestless(this.thisIndex[0]) || this.random(8) === 0) this.migrate(this.random(charm.numPes()));
  }

  /** A broadcast whose handler may move the element. */
  newsOf(round: number): void {
    this.news.push(round);
    // (An away peer stays: main is reading its tallies and counts.)
    if (!isAway(this.shape, this.thisIndex[0], round) && this.random(3) === 0) this.migrate(this.random(charm.numPes()));
  }

  /** Contributes 2^index (and 1): the result says exactly who took part, once each. */
  contributeRound(f: Future<[bigint, number]>): void {
    this.contribute([1n << BigInt(this.thisIndex[0]), 1], Reducer.tuple(Reducer.sum, Reducer.sum), f);
  }

  async agree(): Promise<[number, number]> {
    return this.allReduce([1, this.thisIndex[0]], Reducer.tuple(Reducer.sum, Reducer.max));
  }

  orderedCall(k: number): number {
    this.ordered.push(k);
    this.nextOrdered = k + 1;
    return charm.myPe();
  }

  openChannel(): void {
    const partner = partnerOf(this.shape, this.thisIndex[0]);
    if (partner !== undefined) this.ch = new Channel(this, this.thisProxy.at([partner]));
  }

  /** One exchange over the channel (the peer cannot move while it waits; it moves after). */
  async talk(round: number): Promise<void> {
    if (!this.ch) return;
    this.ch.send(round * 1000 + this.thisIndex[0]);
    this.talks.push((await this.ch.recv()) as number);
    if (this.random(2) === 0) this.migrate(this.random(charm.numPes()));
  }

  override onMigrated(): void {
    this.arrivals++;
  }

  report(): Report {
    const { sent, received, duplicates, misdelivered, news, ordered, talks, arrivals, generation } = this;
    return { index: this.thisIndex[0], generation, sent, received, duplicates, misdelivered, news, ordered, talks, arrivals };
  }
}
charm.register(Peer);
charm.when(Peer, 'orderedCall', (self, k) => k === self.nextOrdered);

/** One per PE: the failure to inject. */
class Saboteur extends Chare {
  strike(mode: string): void {
    console.log(`storm: injecting "${mode}" on PE ${charm.myPe()}`);
    if (mode === 'stuck') {
      for (;;) {
        // a PE that never answers again
      }
    }
    if (mode === 'exit') process.exit(7);
    if (mode === 'kill') process.kill(process.pid, 'SIGKILL');
  }
}
charm.register(Saboteur);

/** A broken promise ends the job (main's error is fatal), with what was wrong. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`storm FAILED: ${what}`);
}

const equalLists = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The broadcasts a peer saw: consecutive, from its insertion round (or the one after) to its deletion round (or the one before). */
function checkNews(r: Report, from: number, to: number, rounds: number): void {
  const what = `Peer[${r.index}] generation ${r.generation} (inserted in round ${from}, deleted in round ${to}) saw broadcasts [${r.news.join(', ')}]`;
  const first = r.news.length ? r.news[0] : Math.max(from + 1, 0);
  check(equalLists(r.news, Array.from({ length: r.news.length }, (_, k) => first + k)), `${what}: not each once, in order`);
  check(first === Math.max(from, 0) || first === from + 1, `${what}: missed the first`);
  const last = Math.min(to, rounds - 1);
  if (r.news.length) check(r.news[r.news.length - 1] === last || r.news[r.news.length - 1] === to - 1, `${what}: missed the last`);
}

charm.start(async (args) => {
  const numPes = charm.numPes();
  const seed = Number(args[0] ?? Date.now() % 1e9);
  const seconds = Number(args[1] ?? 10);
  const inject = args[2] ?? 'none';
  console.log(`storm seed ${seed} np ${numPes} ${seconds} s inject ${inject} (CHARMTS_STORM_SEED=${seed} replays the choices)`);
  const random = randomSource(seed);
  const shape: Shape = { stable: STABLE_PER_PE * numPes, churn: CHURN_PER_PE * numPes, seed };
  const total = shape.stable + shape.churn;
  /** Array broadcasts; reductions by contribute and allReduce; reductions of broadcast results (.ret, .awaitable). */
  const counts = { broadcasts: 0, reductions: 0, resultReductions: 0, insertions: 0, deletions: 0, proxyMoves: 0, orderedCalls: 0 };
  const peers = charm.createArray(Peer, { ndims: 1 });
  for (let i = 0; i < total; i++) peers.ckInsert([i], [shape, 0], { onPE: random(numPes) });
  counts.insertions += total;
  await peers.ckDoneInserting();
  peers.openChannel();
  counts.broadcasts++;

  const saboteurs = charm.createGroup(Saboteur);
  const injectRound = 1 + random(2);
  const victim = 1 + random(numPes - 1);
  /** After an injected failure, a round that does not finish ends the job (the exit must still end). */
  const deadline = <T>(p: PromiseLike<T>, round: number): Promise<T> =>
    inject === 'none' || round < injectRound
      ? Promise.resolve(p)
      : Promise.race([
          p,
          new Promise<T>(() =>
            setTimeout(() => {
              console.log(`storm: round ${round} stalled; ending the job`);
              charm.exit(1);
            }, 4000),
          ),
        ]);

  const generation = new Array<number>(total).fill(0);
  const insertedIn = new Array<number>(total).fill(-1);
  const departed: { report: Report; from: number; to: number }[] = [];
  /** The calls guarded by `when` sent to each target so far (they run in order 0, 1, 2, ...). */
  const orderedSent = new Map<number, number>();
  const started = performance.now();
  let rounds = 0;
  for (let round = 0; performance.now() - started < seconds * 1000 || round < 2; round++) {
    if (inject !== 'none' && round === injectRound) saboteurs[victim].strike(inject);
    peers.chatter(round);
    peers.newsOf(round);
    counts.broadcasts += 2;
    for (let k = 0; k < numPes; k++) {
      const i = random(total);
      if (isAway(shape, i, round)) continue;
      peers.at([i]).ckMigrate(random(numPes));
      counts.proxyMoves++;
    }
    // Calls that wait for their turn on moving peers, sent out of order.
    for (const target of [0, 5, 10].filter((t) => t < shape.stable)) {
      const base = orderedSent.get(target) ?? 0;
      const ks = Array.from({ length: ORDERED_PER_ROUND }, (_, k) => base + k);
      for (let k = ks.length - 1; k > 0; k--) {
        const j = random(k + 1);
        [ks[k], ks[j]] = [ks[j], ks[k]];
      }
      for (const k of ks) peers.at([target]).orderedCall(k);
      orderedSent.set(target, base + ORDERED_PER_ROUND);
      counts.orderedCalls += ORDERED_PER_ROUND;
    }

    // Churn: read the away peers' tallies; delete half before the reduction, half while it runs;
    // insert them all again right after the broadcast that starts it.
    const away = Array.from({ length: shape.churn }, (_, k) => shape.stable + k).filter((i) => isAway(shape, i, round));
    const reports = await deadline(Promise.all(away.map((i) => peers.at([i]).ret.report())), round);
    const before = away.filter((_, k) => k % 2 === 0);
    const racing = away.filter((_, k) => k % 2 === 1);
    await deadline(Promise.all(before.map((i) => peers.at([i]).ckDestroy())), round);
    const result = charm.createFuture<[bigint, number]>();
    peers.contributeRound(result);
    counts.broadcasts++;
    counts.reductions++;
    const destroyed = racing.map((i) => peers.at([i]).ckDestroy());
    for (const i of away) peers.ckInsert([i], [shape, generation[i] + 1], { onPE: random(numPes) });
    counts.deletions += away.length;
    counts.insertions += away.length;
    const [mask, contributors] = await deadline(result, round);
    await deadline(Promise.all(destroyed), round);
    let expectedMask = 0n;
    for (let i = 0; i < total; i++) if (!away.includes(i)) expectedMask |= 1n << BigInt(i);
    const racingMask = racing.reduce((m, i) => m | (1n << BigInt(i)), 0n);
    check((mask & ~racingMask) === expectedMask, `round ${round}: the reduction counted ${mask.toString(2)} instead of every peer not away (${expectedMask.toString(2)}), and maybe those deleted meanwhile`);
    check(contributors === mask.toString(2).split('1').length - 1, `round ${round}: ${contributors} contributions for ${mask.toString(2)} (one member twice?)`);
    away.forEach((i, k) => {
      departed.push({ report: reports[k], from: insertedIn[i], to: round });
      generation[i]++;
      insertedIn[i] = round;
    });
    await deadline(peers.ckDoneInserting(), round);

    // Membership is settled: an allreduce every member answers, the re-inserted ones included.
    const agreed = await deadline(peers.ret.agree(), round);
    counts.broadcasts++;
    counts.reductions++;
    counts.resultReductions++;
    check(agreed.length === total && agreed.every(([n, max]) => n === total && max === total - 1), `round ${round}: allreduce gave ${JSON.stringify(agreed.slice(0, 3))}...`);

    await deadline(peers.awaitable.talk(round), round);
    counts.broadcasts++;
    counts.resultReductions++;
    await deadline(charm.waitQD(), round);

    // At quiescence nothing is in flight: every message sent was received, exactly.
    const live = await deadline(peers.ret.report(), round);
    counts.broadcasts++;
    counts.resultReductions++;
    const sent = emptyTally();
    const received = emptyTally();
    for (const r of [...live, ...departed.map((d) => d.report)]) {
      merge(sent, r.sent);
      merge(received, r.received);
    }
    check(sameTally(sent, received), `round ${round}: at quiescence ${sent.count} messages sent, ${received.count} received (sums ${sent.sum}/${received.sum})`);
    rounds = round + 1;
  }
  if (inject !== 'none') {
    console.log(`storm: the injected failure did not end the job by round ${rounds}`);
    charm.exit(2);
    return;
  }
  const seconds_ = (performance.now() - started) / 1000;

  const live = await peers.ret.report();
  counts.broadcasts++;
  counts.resultReductions++;
  const sent = emptyTally();
  const received = emptyTally();
  let migrations = 0;
  for (const r of [...live, ...departed.map((d) => d.report)]) {
    merge(sent, r.sent);
    merge(received, r.received);
    migrations += r.arrivals;
    check(r.duplicates === 0, `Peer[${r.index}] generation ${r.generation} received ${r.duplicates} duplicates`);
    check(r.misdelivered === 0, `Peer[${r.index}] generation ${r.generation} received messages meant for others`);
  }
  for (const r of live) checkNews(r, insertedIn[r.index], rounds, rounds);
  for (const d of departed) checkNews(d.report, d.from, d.to, rounds);
  for (const [target, n] of orderedSent) {
    const r = live[target];
    check(equalLists(r.ordered, Array.from({ length: n }, (_, k) => k)), `Peer[${target}] ran its when-guarded calls as [${r.ordered.slice(0, 12).join(', ')}...], not 0..${n - 1} in order`);
  }
  for (const r of live) {
    const partner = partnerOf(shape, r.index);
    if (partner === undefined) continue;
    check(equalLists(r.talks, Array.from({ length: rounds }, (_, k) => k * 1000 + partner)), `Peer[${r.index}] heard [${r.talks.slice(0, 6).join(', ')}...] over its channel`);
  }
  let expected = 0;
  for (let round = 0; round < rounds; round++) for (let i = 0; i < total; i++) if (!isAway(shape, i, round)) expected += PER_PEER * (HOPS + 1);
  check(sameTally(sent, received), `${sent.count} messages sent, ${received.count} received`);
  check(sent.count === expected, `${sent.count} chain messages sent, ${expected} expected`);
  console.log(
    `storm ok: seed ${seed} np ${numPes}: ${rounds} rounds in ${seconds_.toFixed(1)} s; ` +
      `${sent.count} messages sent and received exactly once; ${counts.broadcasts} broadcasts; ${counts.reductions} reductions ` +
      `(and ${counts.resultReductions} of broadcast results); ` +
      `${migrations} migrations (${counts.proxyMoves} asked through proxies); ${counts.insertions} insertions; ${counts.deletions} deletions; ` +
      `${counts.orderedCalls} when-guarded calls in order; ${rounds * (shape.stable - (shape.stable % 2))} channel messages`,
  );
  charm.exit(0);
});

