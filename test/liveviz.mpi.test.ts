// liveViz in a real MPI job (binary spanning tree): pieces deposited by
// array elements (overlapping, empty, migrating between frames, several
// frames in flight at once) and by group members are combined up the tree
// into frames equal to the frame painted pixel by pixel; each np uses
// another pixel format and rule. Bad input is refused at the caller, on
// every PE. CCS registration checks its arguments.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, liveViz, type Future, type LiveVizFrame, type PixelFormat, type CombineRule } from '../lib';
import type { Piece } from '../lib/liveviz/image';
import { randomPiece, referenceFrame } from './helpers/imageReference';
import { random } from './unit/random';

const WIDTH = 48;
const HEIGHT = 32;
/** Format and rule per number of PEs, so the runs at np 1..5 cover each. */
const CONFIGS: Record<number, [PixelFormat, CombineRule]> = { 1: ['gray', 'max'], 2: ['rgb', 'sum'], 3: ['rgb', 'max'], 4: ['rgba', 'sum'], 5: ['gray', 'sum'] };
const CHANNELS = { gray: 1, rgb: 3, rgba: 4 };
const ELEMENTS: [number, number] = [5, 3];

const config = (): [PixelFormat, CombineRule] => CONFIGS[charm.numPes()] ?? ['rgb', 'sum'];

/** The piece element `i` deposits in frame `frame` (every PE computes the same). */
function pieceOf(frame: number, i: number): Piece {
  const channels = CHANNELS[config()[0]];
  if (i % 7 === 3) return [0, 0, 0, 0, new Uint8Array(0)]; // nothing to show this time
  return randomPiece(random(frame * 1000 + i + 1), channels, WIDTH, HEIGHT);
}

const deposit = (chare: Chare<never> | Chare<readonly number[]> | Chare, [x, y, width, height, pixels]: Piece): void => liveViz.deposit(chare, { x, y, width, height }, pixels);

/** What a deposit with bad arguments says, or 'no error'. */
function refusal(call: () => void): string {
  try {
    call();
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}

class Painter extends Chare<readonly number[]> {
  /** Deposits this element's piece of `frame`. */
  draw(frame: number): void {
    const [a, b] = this.thisIndex;
    deposit(this, pieceOf(frame, a * ELEMENTS[1] + b));
  }
  /** Moves on to the next PE. */
  hop(): void {
    this.migrate((charm.myPe() + 1) % charm.numPes());
  }
}
charm.register(Painter);

class Band extends Chare {
  /** One horizontal band of the image per PE (the last PE's band reaches the bottom). */
  draw(value: number): void {
    const channels = CHANNELS[config()[0]];
    const rows = Math.floor(HEIGHT / charm.numPes());
    const y = this.thisIndex * rows;
    const height = this.thisIndex === charm.numPes() - 1 ? HEIGHT - y : rows;
    deposit(this, [0, y, WIDTH, height, new Uint8Array(WIDTH * height * channels).fill(value + this.thisIndex)]);
  }
  refusals(): string[] {
    const px = new Uint8Array(3);
    return [
      refusal(() => liveViz.deposit(this, { x: WIDTH, y: 0, width: 1, height: 1 }, px)),
      refusal(() => liveViz.deposit(this, { x: 0, y: 0, width: 2, height: 2 }, px)),
      refusal(() => liveViz.deposit({} as Chare, { x: 0, y: 0, width: 0, height: 0 }, px)),
    ];
  }
  initHere(): Promise<string> {
    return liveViz.init({ width: 1, height: 1 }).then(() => 'no error', (e: Error) => e.message);
  }
  registerHere(): string {
    try {
      charm.ccs.register('elsewhere', () => 1);
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  }
}
charm.register(Band);

// PE 0: frames as they arrive, and who waits for how many.
const frames: LiveVizFrame[] = [];
let waiting: [count: number, done: Future<void>] | undefined;
function onFrame(frame: LiveVizFrame): void {
  frames.push(frame);
  if (waiting && frames.length >= waiting[0]) {
    waiting[1].send();
    waiting = undefined;
  }
}
async function framesUpTo(count: number): Promise<void> {
  if (frames.length >= count) return;
  const done = charm.createFuture();
  waiting = [count, done];
  await done;
}

let bands: import('../lib').CollectionProxy<Band>;

test('before init: deposits are refused on every PE, init only on PE 0, bad configurations named', async () => {
  bands = charm.createGroup(Band);
  const before = await bands.ret.refusals();
  for (const [pe, messages] of before.entries()) {
    assert.ok(messages.every((m) => m === `liveViz.deposit: liveViz is not set up on PE ${pe}; await liveViz.init(config) on PE 0 before members deposit`), `PE ${pe}: ${messages}`);
  }
  if (charm.numPes() > 1) assert.is(await bands[1].ret.initHere(), 'liveViz.init: call it on PE 0 (in main), not on PE 1');
  const bad = (cfg: unknown, options?: unknown): Promise<string> => liveViz.init(cfg as never, options as never).then(() => 'no error', (e: Error) => e.message);
  assert.is(await bad(null), 'liveViz.init: config must be an object { width, height, ... }');
  assert.is(await bad({ width: 0, height: 4 }), 'liveViz.init: config.width must be an integer 1..16384, got 0');
  assert.is(await bad({ width: 4, height: 20000 }), 'liveViz.init: config.height must be an integer 1..16384, got 20000');
  assert.is(await bad({ width: 4, height: 4, format: 'cmyk' }), `liveViz.init: config.format must be 'rgb', 'rgba' or 'gray', got "cmyk"`);
  assert.is(await bad({ width: 4, height: 4, combine: 'min' }), `liveViz.init: config.combine must be 'sum' or 'max', got "min"`);
  assert.is(await bad({ width: 4, height: 4, clickHandler: 'nowhere' }), 'liveViz.init: config.clickHandler "nowhere" is not a registered CCS handler; register it with charm.ccs.register first');
  assert.is(await bad({ width: 4, height: 4 }, { onRequest: () => {} }), `liveViz.init: options.onRequest must be a callback from charm.callback(proxy, 'method')`);
  assert.is(await bad({ width: 4, height: 4 }, { maxFps: 0 }), 'liveViz.init: options.maxFps must be a positive number, got 0');
});

test('charm.ccs.register names what is wrong', () => {
  charm.ccs.register('echo', (p) => p);
  assert.throws(() => charm.ccs.register('echo', () => 1), /charm.ccs.register: a handler named "echo" is already registered/);
  assert.throws(() => charm.ccs.register('9lives', () => 1), /invalid handler name "9lives"/);
  assert.throws(() => charm.ccs.register('a b', () => 1), /invalid handler name "a b"/);
  assert.throws(() => charm.ccs.register('ok', 42 as never), /charm.ccs.register\(ok\): the handler must be a function, got number/);
  assert.equal(charm.ccs.names(), ['echo']);
});

test('charm.ccs.register on a PE other than 0 is refused at the caller, naming the PE (handlers run on PE 0)', async () => {
  if (charm.numPes() === 1) return;
  const bands = charm.createGroup(Band);
  assert.is(await bands[1].ret.registerHere(), 'charm.ccs.register(elsewhere): call it on PE 0 (in main, or at module load), not on PE 1: handlers run on PE 0 and one registered here would never be called');
  assert.equal(charm.ccs.names(), ['echo']);
});

test('array deposits (overlapping, empty, migrating, six frames in flight) combine up the tree into the frame painted pixel by pixel', async () => {
  const [format, combine] = config();
  await liveViz.init({ width: WIDTH, height: HEIGHT, format, combine, clickHandler: 'echo' }, { onFrame });
  const painters = charm.createArray(Painter, ELEMENTS);
  const count = 6;
  for (let f = 0; f < count; f++) {
    painters.draw(f);
    if (f === 2) painters.hop(); // elements move between frames still in flight
  }
  await framesUpTo(count);
  const n = ELEMENTS[0] * ELEMENTS[1];
  for (let f = 0; f < count; f++) {
    const pieces = Array.from({ length: n }, (_, i) => pieceOf(f, i));
    const frame = frames[f];
    assert.equal({ ...frame, pixels: undefined }, { frame: f, width: WIDTH, height: HEIGHT, format, pixels: undefined });
    assert.equal(frame.pixels, referenceFrame(pieces, combine, CHANNELS[format], WIDTH, HEIGHT), `frame ${f} (${format}, ${combine}, np ${charm.numPes()})`);
  }
  const changes = frames.slice(1, count).filter((frame, f) => !Buffer.from(frame.pixels).equals(frames[f].pixels)).length;
  assert.is(changes, count - 1, 'every frame differs from the one before');
});

test('group members deposit one band each; bad deposits are refused at the caller on every PE', async () => {
  const start = frames.length;
  await bands.awaitable.draw(40);
  await framesUpTo(start + 1);
  const channels = CHANNELS[config()[0]];
  const rows = Math.floor(HEIGHT / charm.numPes());
  const pixels = frames[start].pixels;
  for (let y = 0; y < HEIGHT; y++) assert.is(pixels[y * WIDTH * channels], 40 + Math.min(charm.numPes() - 1, Math.floor(y / rows)), `row ${y}`);
  for (const [pe, messages] of (await bands.ret.refusals()).entries()) {
    assert.equal(messages, [
      `liveViz.deposit: the rectangle (x ${WIDTH}, y 0, 1x1) extends outside the ${WIDTH}x${HEIGHT} image`,
      `liveViz.deposit: a 2x2 ${config()[0]} piece has ${4 * channels} bytes (${channels} per pixel), got 3`,
      'liveViz.deposit: the first argument must be the depositing chare (this)',
    ], `PE ${pe}`);
  }
  assert.is(await liveViz.init({ width: 4, height: 4 }).then(() => 'no error', (e: Error) => e.message), 'liveViz.init: liveViz is already set up; call it once per job');
});

runTests({ treeBranching: 2 });
