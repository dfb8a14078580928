// Checkpoint and restart of every kind of state: a readonly, two groups
// (one with a restoreMember hook), singleton chares (one on the last PE),
// a dense array with a deleted element, a sparse keyed array with an
// element placed off its home and one inserted after a broadcast (a
// census), reductions, broadcast replies and a section reduction done
// before the checkpoint, a channel with values sent and not yet received,
// calls waiting on `when` conditions (an element's, a chare's), asked for
// while chains of messages run. The restarted job (any PE count) checks
// them all, and goes on: replies, reductions, insertions (before and after
// a broadcast), the channel, the waiting calls.
//   mpirun -np 4 node dist/test/programs/checkpointed.js save DIR
//       checkpoint, callback Driver.resume; prints "written: ..." and exits
//   mpirun -np 4 node dist/test/programs/checkpointed.js future DIR
//       the same state, checkpointed with a future that main awaits
//   mpirun -np 4 node dist/test/programs/checkpointed.js suspended|futureInState|awaitedWaiting|settingUp DIR
//       a checkpoint that cannot be saved: main prints why and exits
//   mpirun -np 4 node dist/test/programs/checkpointed.js samePes DIR
//       a group member holds a waiting call, and a group lives on PEs 1
//       and 3 only: restartable on 4 PEs only
//   mpirun -np 2 node dist/test/programs/checkpointed.js x +restart DIR [--renamed]
//       the restart: Driver.resume prints what it finds; with --renamed,
//       the class Grid is registered as RenamedGrid (the restart must refuse)
import { charm, Chare, Channel, Future, Reducer, type ArrayProxy, type CheckpointStatus, type CollectionProxy, type ElementProxy, type Section } from '../../lib';

interface Config {
  label: string;
  n: number;
}
let config: Config | undefined;
charm.registerReadonly('config', () => config, (c: Config | undefined) => (config = c));

/** A group without a restart hook: on another PE count every member gets PE 0's state. */
class Plain extends Chare {
  value = charm.myPe() * 10 + 1;
  open = false;
  guarded(): void {}
  setConfig(c: Config): void {
    config = c;
  }
  config(): Config | undefined {
    return config;
  }
  get(): number {
    return this.value;
  }
  total(done: Future<number>): void {
    this.contribute(this.value, Reducer.sum, done);
  }
}

/** A group whose hook folds every old member's count into PE 0's. */
class Tally extends Chare {
  count = 0;
  static restoreMember(saved: { count: number }[], pe: number): { count: number } {
    return { count: pe === 0 ? saved.reduce((sum, s) => sum + s.count, 0) : 0 };
  }
  bump(n: number): void {
    this.count += n;
  }
  get(): number {
    return this.count;
  }
  total(done: Future<number>): void {
    this.contribute(this.count, Reducer.sum, done);
  }
}

/** A singleton whose call waits on a `when` condition across the restart. */
class Far extends Chare {
  open = false;
  log: string[] = [];
  where(): number {
    return charm.myPe();
  }
  guarded(word: string): void {
    this.log.push(word);
  }
  openUp(): void {
    this.open = true;
  }
  logged(): string[] {
    return this.log;
  }
}

class Grid extends Chare<[number]> {
  value = this.thisIndex[0] * this.thisIndex[0];
  hops = 0;
  kept: Future<void> | undefined;
  /** Grid[0] -> Grid[1]: a channel whose values wait at Grid[1] across the checkpoint. */
  channel: Channel<string> | undefined;
  ready = false;
  seen: number[] = [];
  openChannel(peer: ElementProxy<Grid>): void {
    this.channel = new Channel<string>(this, peer);
  }
  send(words: string[]): void {
    for (const word of words) this.channel!.send(word);
  }
  async receive(n: number): Promise<string[]> {
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(await this.channel!.recv());
    return words;
  }
  guarded(n: number): void {
    this.seen.push(n);
  }
  getReady(): void {
    this.ready = true;
  }
  seenSoFar(): number[] {
    return this.seen;
  }
  /** A chain of `n` messages through the array, each counted where it lands. */
  hop(n: number): void {
    this.hops++;
    if (n > 1) this.thisProxy.at([[0, 1, 3, 4, 5][(this.thisIndex[0] + n) % 5]]).hop(n - 1);
  }
  hopCount(done: Future<number>): void {
    this.contribute(this.hops, Reducer.sum, done);
  }
  get(): number {
    return this.value;
  }
  sumTo(done: Future<number>): void {
    this.contribute(this.value, Reducer.sum, done);
  }
  sectionSum(section: Section<Grid, number[]>, done: Future<number>): void {
    this.contribute(this.value, Reducer.sum, done, section);
  }
  async waitForever(): Promise<void> {
    await charm.createFuture();
  }
  keep(f: Future<void>): void {
    this.kept = f;
  }
}
/** The same class under another name: a program where Grid was renamed. */
class RenamedGrid extends Grid {}

class Bag extends Chare<string> {
  constructor(private item: string) {
    super();
  }
  get(): string {
    return `${this.item}@${charm.myPe()}`;
  }
  letters(done: Future<number>): void {
    this.contribute(this.item.length, Reducer.sum, done);
  }
  override unpack(state: { item: string }): void {
    this.item = state.item;
    console.log(`unpacked Bag[${this.thisIndex}] on PE ${charm.myPe()}`);
  }
}

/** A chare whose async set-up never finishes. */
class SettingUp extends Chare {
  override async onCreated(): Promise<void> {
    await charm.createFuture();
  }
}

interface Parts {
  plain: CollectionProxy<Plain>;
  /** Mode samePes: a group on PEs 1 and 3 only. */
  few?: CollectionProxy<Plain>;
  tally: CollectionProxy<Tally>;
  far: ElementProxy<Far>;
  grid: ArrayProxy<Grid>;
  bag: ArrayProxy<Bag>;
  evens: Section<Grid, number[]>;
}

class Driver extends Chare {
  /** An array created and deleted whole after every other collection (the highest id issued). */
  gone: ArrayProxy<Grid> | undefined;
  constructor(private readonly parts: Parts) {
    super();
  }

  keepGone(gone: ArrayProxy<Grid>): void {
    this.gone = gone;
  }

  async resume(status: CheckpointStatus): Promise<void> {
    if (!status.restarted) {
      console.log(`written: generation ${status.generation}, ${status.pes} PEs, ${status.bytes} bytes`);
      charm.exit();
      return;
    }
    const p = this.parts;
    console.log(`restarted: generation ${status.generation}, ${status.pes} PEs then, ${charm.numPes()} now`);
    console.log(`checkpoint dir: ${charm.checkpointDir() === status.dir ? 'the one restarted from' : String(charm.checkpointDir())}`);
    const configs = await p.plain.ret.config();
    console.log(`readonly: ${[...new Set(configs.map((c) => JSON.stringify(c)))].join(' | ')} on ${configs.length} PEs`);
    console.log(`plain: ${JSON.stringify(await p.plain.ret.get())}`);
    console.log(`tally: ${JSON.stringify(await p.tally.ret.get())}`);
    const total = charm.createFuture<number>();
    p.tally.total(total);
    console.log(`tally total: ${await total}`);
    console.log(`far: on PE ${await p.far.ret.where()}`);
    const sum = charm.createFuture<number>();
    p.grid.sumTo(sum);
    console.log(`grid sum: ${await sum}`);
    const hops = charm.createFuture<number>();
    p.grid.hopCount(hops);
    console.log(`hops: ${await hops}`);
    const values = await Promise.all([0, 1, 3, 4, 5].map((i) => p.grid.at([i]).ret.get()));
    console.log(`grid: ${values.join(' ')}`);
    try {
      await p.grid.at([2]).ret.get();
    } catch (error) {
      console.log(`deleted: ${(error as Error).message}`);
    }
    const bags = await Promise.all(['a', 'b', 'c', 'd'].map((k) => p.bag.at(k).ret.get()));
    console.log(`bag: ${bags.join(' ')}`);
    console.log(`grid replies: ${(await p.grid.ret.get()).sort((a, b) => a - b).join(' ')}`);
    p.grid.at([0]).send(['three']);
    console.log(`channel: ${(await p.grid.at([1]).ret.receive(3)).join(' ')}`);
    await p.grid.at([3]).awaitable.getReady();
    console.log(`waited: Grid[3] ${JSON.stringify(await p.grid.at([3]).ret.seenSoFar())}, Far ${JSON.stringify(await p.far.ret.logged())}`);
    await p.far.awaitable.openUp();
    console.log(`released: Far ${JSON.stringify(await p.far.ret.logged())}`);
    // Insertions go on: one before any broadcast, one decided by a census; reductions count them.
    p.bag.ckInsert('e', ['elder']);
    await p.bag.ckDoneInserting();
    await p.bag.ret.get();
    p.bag.ckInsert('f', ['fig']);
    await p.bag.ckDoneInserting();
    const grown = charm.createFuture<number>();
    p.bag.letters(grown);
    console.log(`bag after: ${(await p.bag.ret.get()).map((b) => b.split('@')[0]).sort().join(' ')}, ${await grown} letters`);
    const evens = charm.createFuture<number>();
    p.evens.sectionSum(p.evens, evens);
    console.log(`section sum: ${await evens}`);
    const fresh = charm.createGroup(Plain);
    console.log(`new group: ${JSON.stringify(await fresh.ret.get())}`);
    if (this.gone) {
      // Its id is never issued again: a call through a proxy of it kept across the restart is refused, never delivered to a new array.
      const goneId = (this.gone as unknown as { __ref: { id: number } }).__ref.id;
      const ids = [charm.createArray(Grid, [2]), charm.createArray(Grid, [2])].map((a) => (a as unknown as { __ref: { id: number } }).__ref.id);
      console.log(`gone id: ${ids.includes(goneId) ? 'issued again' : 'not issued again'}`);
      try {
        console.log(`gone: delivered, ${await this.gone.at([0]).ret.get()}`);
      } catch (error) {
        console.log(`gone: ${(error as Error).message.replace(/\d+/g, 'N')}`);
      }
    }
    if (p.few) {
      const sum = charm.createFuture<number>();
      p.few.total(sum);
      console.log(`few: ${JSON.stringify(await p.few.ret.get())}, ${await sum}`);
    }
    charm.exit();
  }
}
charm.register(Plain, Tally, Far, Bag, Driver, SettingUp);
charm.register(process.argv.includes('--renamed') ? RenamedGrid : Grid);
charm.when(Plain, 'guarded', (self) => self.open);
charm.when(Far, 'guarded', (self) => self.open);
charm.when(process.argv.includes('--renamed') ? RenamedGrid : Grid, 'guarded', (self) => self.ready);

/** Builds every part and runs the reductions that precede the checkpoint. */
async function setUp(): Promise<Parts> {
  const last = charm.numPes() - 1;
  const plain = charm.createGroup(Plain);
  await plain.awaitable.setConfig({ label: 'set by the first run', n: 42 });
  const tally = charm.createGroup(Tally);
  for (let pe = 0; pe <= last; pe++) await tally[pe].awaitable.bump(pe + 1);
  const far = charm.createChare(Far, [], { onPE: last });
  far.guarded('waited');
  const grid = charm.createArray(Grid, [6]);
  for (let round = 0; round < 2; round++) {
    const f = charm.createFuture<number>();
    grid.sumTo(f);
    await f;
  }
  await grid.ret.get(); // a broadcast with replies: reply numbers go on after the restart
  await grid.at([2]).ckDestroy();
  await grid.at([1]).awaitable.openChannel(grid.at([0]));
  await grid.at([0]).awaitable.openChannel(grid.at([1]));
  grid.at([0]).send(['one', 'two']);
  grid.at([3]).guarded(7);
  const bag = charm.createArray(Bag, { keys: true });
  bag.ckInsert('a', ['apple'], { onPE: last });
  bag.ckInsert('b', ['banana']);
  bag.ckInsert('c', ['cherry']);
  await bag.ckDoneInserting();
  const letters = charm.createFuture<number>();
  bag.letters(letters);
  await letters;
  await bag.ret.get();
  bag.ckInsert('d', ['date']); // after a broadcast: decided by a census
  await bag.ckDoneInserting();
  const evens = charm.createSection(grid, [[0], [4]]);
  const f = charm.createFuture<number>();
  evens.sectionSum(evens, f);
  await f;
  return { plain, tally, far, grid, bag, evens };
}

charm.start(async (args) => {
  const [mode, dir] = args;
  const parts = await setUp();
  if (mode === 'save') {
    const driver = charm.createChare(Driver, [parts]);
    const gone = charm.createArray(Grid, [2]);
    await gone.ckDestroy();
    await driver.awaitable.keepGone(gone);
    // Asked for while 5 chains of 200 messages run: taken once they have all landed.
    for (const i of [0, 1, 3, 4, 5]) parts.grid.at([i]).hop(200);
    charm.startCheckpoint(dir, charm.callback(driver, 'resume'));
    return;
  }
  if (mode === 'suspended') parts.grid.at([1]).waitForever();
  if (mode === 'futureInState') await parts.grid.at([3]).awaitable.keep(charm.createFuture());
  if (mode === 'awaitedWaiting') void parts.grid.at([4]).ret.guarded(9);
  if (mode === 'settingUp') charm.createChare(SettingUp, [], { onPE: 2 % charm.numPes() });
  if (mode === 'samePes') {
    parts.plain[1].guarded();
    parts.few = charm.createGroup(Plain, [], { onPEs: [1, 3] });
    const sum = charm.createFuture<number>();
    parts.few.total(sum);
    await sum; // a reduction over the two members before the checkpoint
    const driver = charm.createChare(Driver, [parts]);
    charm.startCheckpoint(dir, charm.callback(driver, 'resume'));
    return;
  }
  const done = charm.createFuture<CheckpointStatus>();
  charm.startCheckpoint(dir, done);
  try {
    const status = await done;
    console.log(`written with a future: generation ${status.generation}, restarted ${status.restarted}`);
  } catch (error) {
    console.log(`checkpoint failed: ${(error as Error).message}`);
  }
  charm.exit();
});
