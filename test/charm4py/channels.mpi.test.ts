// np: 1 2 3 4
// Charm4py's tests/channels, ported: values in order, waiting on several
// channels, channels to a chare's own self and between singletons, a
// thousand random channels per level between the members of eight
// collections, typed arrays through channels.
import * as assert from 'uvu/assert';
import { port, runPorts, randint, range, sample, asGroup, asArray } from './port';
import { charm, Chare, Channel, Reducer, type ArrayProxy, type ElementProxy, type Future } from '../../lib';

/** Charm4py's `charm.iwait(channels)` then `ch.recv()`: each channel's value as it becomes ready, with its channel. */
async function* iwaitChannels(channels: readonly Channel[]): AsyncGenerator<[Channel, unknown]> {
  const remaining = channels.slice();
  while (remaining.length) {
    const [ch, value] = await Channel.select(remaining);
    remaining.splice(remaining.indexOf(ch), 1);
    yield [ch, value];
  }
}

// ---------------------------------------------------------------- inorder.py

const NUM_STEPS = 5000;

class InorderTest extends Chare {
  async work(mainProxy: ElementProxy<InorderMain>, doneFut: Future<void>): Promise<void> {
    const ch = new Channel(this, mainProxy);
    for (let i = 0; i < NUM_STEPS; i++) assert.is(await ch.recv(), i);
    doneFut.send();
  }
}
charm.register(InorderTest);

class InorderMain extends Chare {
  async run(): Promise<void> {
    assert.ok(charm.numPes() >= 2);
    const g = charm.createGroup(InorderTest);
    const doneFut = charm.createFuture();
    g[1].work(this.thisElement, doneFut);
    const ch = new Channel(this, g[1]);
    for (let i = 0; i < NUM_STEPS; i++) ch.send(i);
    await doneFut;
  }
}
charm.register(InorderMain);

port(
  'channels/inorder.py',
  async () => {
    await charm.createChare(InorderMain, [], { onPE: 0 }).awaitable.run();
  },
  { minPes: 2 },
);

// ---------------------------------------------------------------- iwait.py

class IwaitTest extends Chare {
  /** Sends its index to main over a channel. */
  work(mainProxy: ElementProxy<IwaitMain>): void {
    const ch = new Channel(this, mainProxy);
    ch.send(this.thisIndex);
  }
}
charm.register(IwaitTest);

class IwaitMain extends Chare {
  /**
   * The original orders the members' sends by sleeping index * 0.5 s, and
   * iwait yields each channel as its value comes, not in list order (the
   * list is reversed). Here member i + 1 sends once main has received i:
   * the same order without depending on timing. (A chain among the members
   * would not do: member i's value and member i + 1's come from different
   * PEs, and messages from different PEs are not ordered.)
   */
  async run(): Promise<void> {
    const N = Math.min(4, charm.numPes());
    const g = charm.createGroup(IwaitTest);
    const channels = range(N).map((i) => new Channel(this, g[i]));
    g[0].work(this.thisElement);
    channels.reverse();
    const t0 = charm.wallTime();
    let idx = 0;
    for await (const [ch, value] of iwaitChannels(channels)) {
      assert.is(value, idx);
      assert.is(ch, channels[N - 1 - idx], 'the channel the value came on');
      idx += 1;
      if (idx < N) g[idx].work(this.thisElement);
      console.log(charm.wallTime() - t0);
    }
    assert.is(idx, N);
  }
}
charm.register(IwaitMain);

port('channels/iwait.py', async () => {
  await charm.createChare(IwaitMain, [], { onPE: 0 }).awaitable.run();
});

// ---------------------------------------------------------------- test1.py

class Test1 extends Chare {
  constructor(private readonly id: number) {
    super();
  }
  async work(mainProxy: ElementProxy<Test1Main>, other: ElementProxy<Test1>, doneFut: Future<void[], void>): Promise<void> {
    const me = this.thisElement; // thisProxy[thisIndex]
    let ch = new Channel(this, mainProxy);
    ch.send('hello from ' + this.id);

    ch = new Channel(this, me);
    ch.send('self ping', me);
    const ping = (await ch.recv()) as [string, unknown];
    assert.ok(ping[0] === 'self ping' && ping[1] === me); // == ('self ping', me)

    ch = new Channel(this, other);
    ch.send(['hi from ' + this.id, me]);
    const data = (await ch.recv()) as [string, unknown];
    assert.is(data[0], 'hi from ' + ((this.id + 1) % 2));
    assert.ok(data[1] === other);
    doneFut.send();
  }
}
charm.register(Test1);

class Test1Main extends Chare {
  async run(): Promise<void> {
    assert.ok(charm.numPes() >= 3);
    const doneFut = charm.createFuture<void>(2);
    const chare0 = charm.createChare(Test1, [0], { onPE: 1 });
    const chare1 = charm.createChare(Test1, [1], { onPE: 2 });
    chare0.work(this.thisElement, chare1, doneFut);
    chare1.work(this.thisElement, chare0, doneFut);
    const ch0 = new Channel(this, chare0);
    const ch1 = new Channel(this, chare1);
    assert.is(await ch0.recv(), 'hello from 0');
    assert.is(await ch1.recv(), 'hello from 1');
    await doneFut;
  }
}
charm.register(Test1Main);

port(
  'channels/test1.py',
  async () => {
    await charm.createChare(Test1Main, [], { onPE: 0 }).awaitable.run();
  },
  { minPes: 3 },
);

// ---------------------------------------------------------------- test2.py

const NUM_LEVELS = 3;
const LEVELS_START = [37, 533, 17000];
const LEVELS_NUM_ITER = [30, 50, 10];
const NUM_CHANNELS = 1000;
/** The random channels, per level: for each chare (by proxy), its neighbours. Main puts it in every PE's globals. */
const test2 = globalThis as unknown as { gchannels: Map<unknown, ElementProxy<unknown>[]>[] };

class Test2 extends Chare<number | readonly number[]> {
  private readonly channels: Channel[][] = [];
  private readonly nbs: Set<unknown>[] = [];
  /** The proxy each channel was opened to (Charm4py's `ch.remote`). */
  private readonly remoteOf = new Map<Channel, unknown>();
  /**
   * Opens this chare's channels. Each Charm4py Channel is a stream of its
   * own, paired with the remote's in creation order; in charmts two chares
   * have one stream per port, so the k-th channel between two chares at a
   * level gets its own port (both ends count their occurrences of each
   * other in the same order).
   */
  setup(): void {
    const me = this.thisElement;
    for (let level = 0; level < NUM_LEVELS; level++) {
      this.channels[level] = [];
      this.nbs[level] = new Set();
      const occurrences = new Map<unknown, number>();
      for (const nb of test2.gchannels[level].get(me) ?? []) {
        const k = occurrences.get(nb) ?? 0;
        occurrences.set(nb, k + 1);
        const ch = new Channel(this, nb as ElementProxy<unknown>, level * NUM_CHANNELS * 2 + k);
        this.channels[level].push(ch);
        this.remoteOf.set(ch, nb);
        this.nbs[level].add(nb);
      }
    }
  }
  async work(level: number, doneFut: Future<number[], number>): Promise<void> {
    let msgs = 0;
    const start = LEVELS_START[level];
    const me = this.thisElement;
    let channels = this.channels[level].slice();
    for (let i = 0; i < LEVELS_NUM_ITER[level]; i++) {
      channels = sample(channels, channels.length); // random.shuffle
      for (const ch of channels) ch.send(me, start + i);
      for await (const [ch, value] of iwaitChannels(channels)) {
        const [remote, data] = value as [unknown, number];
        assert.is(data, start + i);
        assert.ok(this.remoteOf.get(ch) === remote); // ch.remote == remote
        assert.ok(this.nbs[level].has(remote));
        msgs += 1;
      }
    }
    this.contribute(msgs, Reducer.sum, doneFut);
  }
}
charm.register(Test2);

port('channels/test2.py', async () => {
  const [g1, g2, g3, g4] = range(4).map(() => charm.createGroup(asGroup(Test2)));
  const P = charm.numPes();
  const arrays: [ArrayProxy<Test2>, number][] = [P * 8, P * 10, P * 4, P].map((n) => [charm.createArray(asArray(Test2), n), n]);
  await charm.awaitCreation(g1, g2, g3, g4, ...arrays.map(([a]) => a));
  // proxies to all individual chares created
  const chares: unknown[] = [];
  for (const collection of [g1, g2, g3, g4]) for (let idx = 0; idx < P; idx++) chares.push(collection[idx]);
  for (const [collection, numelems] of arrays) for (let idx = 0; idx < numelems; idx++) chares.push(collection[idx]);
  console.log('There are', chares.length, 'chares');

  // establish random channels between chares
  const gchannels: Map<unknown, unknown[]>[] = [];
  let numSelfChannels = 0;
  for (let level = 0; level < NUM_LEVELS; level++) {
    const byChare = new Map<unknown, unknown[]>();
    const add = (x: unknown, y: unknown): void => void (byChare.get(x) ?? byChare.set(x, []).get(x)!).push(y);
    for (let k = 0; k < NUM_CHANNELS; k++) {
      const a = chares[randint(0, chares.length - 1)];
      const b = chares[randint(0, chares.length - 1)];
      if (a === b) numSelfChannels += 1;
      add(a, b);
      add(b, a);
    }
    gchannels.push(byChare);
  }
  await charm.thisProxy.awaitable.updateGlobals({ gchannels });

  const doneFut = charm.createFuture<number>(8 * NUM_LEVELS); // wait for 8 collections to finish 3 levels
  const collections = [g1, g2, g3, g4, ...arrays.map(([a]) => a)];
  for (const collection of collections) await collection.awaitable.setup();
  console.log(NUM_CHANNELS * NUM_LEVELS, 'channels set up,', numSelfChannels, 'self channels');
  for (const collection of collections) for (let lvl = 0; lvl < NUM_LEVELS; lvl++) collection.work(lvl, doneFut);
  const msgs = (await doneFut).reduce((a, b) => a + b, 0);
  assert.is(msgs, LEVELS_NUM_ITER.slice(0, NUM_LEVELS).reduce((a, b) => a + b, 0) * NUM_CHANNELS * 2);
  console.log('total msgs received by chares=', msgs);
});

// ---------------------------------------------------------------- test_numpy.py

const NUMPY_ITER = 10;
const arange = (n: number, plus: number): BigInt64Array => BigInt64Array.from(range(n), (x) => BigInt(x + plus)); // np.arange(n, dtype='int64') + i

class NumpyTest extends Chare {
  async work(mainProxy: ElementProxy<NumpyMain>, doneFut: Future<void>): Promise<void> {
    const ch = new Channel(this, mainProxy);
    for (let i = 0; i < NUMPY_ITER; i++) {
      const [array1, array2, array3] = (await ch.recv()) as BigInt64Array[];
      assert.equal([...array1], [...arange(100, i)]);
      assert.equal([...array2], [...arange(50, i)]);
      assert.equal([...array3], [...arange(70, i)]);
    }
    doneFut.send();
  }
}
charm.register(NumpyTest);

class NumpyMain extends Chare {
  async run(): Promise<void> {
    const chare = charm.createChare(NumpyTest, [], { onPE: 1 });
    const ch = new Channel(this, chare);
    const doneFut = charm.createFuture();
    chare.work(this.thisElement, doneFut);
    for (let i = 0; i < NUMPY_ITER; i++) ch.send(arange(100, i), arange(50, i), arange(70, i));
    await doneFut;
  }
}
charm.register(NumpyMain);

port(
  'channels/test_numpy.py',
  async () => {
    await charm.createChare(NumpyMain, [], { onPE: 0 }).awaitable.run();
  },
  { minPes: 2 },
);

runPorts({ remoteCode: true });
