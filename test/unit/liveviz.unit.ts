// The live view's pure parts, in process (no MPI): how image pieces combine
// (lib/liveviz/image.ts) against a pixel-by-pixel reference, in every order
// and tree shape; the socket's message layouts and refusals
// (lib/liveview/protocol.ts); and `+liveview` / `liveView` parsing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addPiece, combinePieces, paintFrame, pieceOf, type CombineRule, type Piece, type Pieces } from '../../lib/liveviz/image';
import { ProtocolError, decodeServerBinary, encodeBinaryCall, encodeBinaryReply, encodeFrame, parseClientMessage } from '../../lib/liveview/protocol';
import { liveViewSettings } from '../../lib/liveview/settings';
import { randomPiece, referenceFrame } from '../helpers/imageReference';
import { random } from './random';

const W = 37;
const H = 23;
const reference = (pieces: Piece[], rule: CombineRule, channels: number): Uint8Array => referenceFrame(pieces, rule, channels, W, H);

const one = (piece: Piece, rule: CombineRule, channels: number): Pieces => ({ channels, rule, list: [[piece[0], piece[1], piece[2], piece[3], piece[4].slice()]] });

/** Combines single-piece accumulators in a random tree shape, as PEs and their children would. */
function combineRandomly(pieces: Piece[], rule: CombineRule, channels: number, random: () => number): Pieces {
  let partials = pieces.map((p) => one(p, rule, channels));
  while (partials.length > 1) {
    const i = Math.floor(random() * partials.length);
    const [a] = partials.splice(i, 1);
    const j = Math.floor(random() * partials.length);
    partials[j] = random() < 0.5 ? combinePieces(partials[j], a) : combinePieces(a, partials[j]);
  }
  return partials[0] ?? { channels, rule, list: [] };
}

function assertDisjoint(list: Piece[]): void {
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [a, b] = [list[i], list[j]];
      const overlap = a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
      assert.not.ok(overlap, `pieces ${i} and ${j} overlap`);
    }
  }
}

test('overlapping pieces combined in any tree shape give the pixel-by-pixel frame (sum and max; 1, 3, 4 bytes per pixel)', () => {
  for (const rule of ['sum', 'max'] as const) {
    for (const channels of [1, 3, 4]) {
      for (let seed = 1; seed <= 25; seed++) {
        const next = random(seed * 31 + channels);
        const pieces = Array.from({ length: 1 + Math.floor(next() * 12) }, () => randomPiece(next, channels, W, H));
        const combined = combineRandomly(pieces, rule, channels, next);
        assertDisjoint(combined.list);
        assert.equal(paintFrame(combined, W, H), reference(pieces, rule, channels), `${rule}, ${channels} channels, seed ${seed}`);
      }
    }
  }
});

test('tiles that do not overlap travel as they are: no pixel is copied until the frame is painted', () => {
  const tiles: Piece[] = [];
  for (let ty = 0; ty < 3; ty++) for (let tx = 0; tx < 4; tx++) tiles.push([tx * 9, ty * 7, 9, 7, new Uint8Array(9 * 7 * 3).fill(10 * ty + tx + 1)]);
  const acc: Pieces = { channels: 3, rule: 'sum', list: [] };
  for (const tile of [...tiles].reverse()) addPiece(acc, tile);
  assert.is(acc.list.length, 12);
  for (const tile of tiles) assert.ok(acc.list.some((p) => p[4] === tile[4]), 'the tile is kept, not copied');
  assert.equal(paintFrame(acc, W, H), reference(tiles, 'sum', 3));
});

test('a piece overlapping several merges them into one over their bounding box; empty pieces add nothing', () => {
  const acc: Pieces = { channels: 1, rule: 'max', list: [] };
  addPiece(acc, [0, 0, 2, 2, new Uint8Array(4).fill(5)]);
  addPiece(acc, [5, 5, 2, 2, new Uint8Array(4).fill(6)]);
  addPiece(acc, [3, 3, 0, 4, new Uint8Array(0)]);
  assert.is(acc.list.length, 2);
  addPiece(acc, [1, 1, 5, 5, new Uint8Array(25).fill(3)]);
  assert.is(acc.list.length, 1);
  assert.equal(acc.list[0].slice(0, 4), [0, 0, 7, 7]);
  const frame = paintFrame(acc, W, H);
  assert.is(frame[0], 5);
  assert.is(frame[1 * W + 1], 5);
  assert.is(frame[2 * W + 2], 3);
  assert.is(frame[6 * W + 6], 6);
  assert.is(frame[0 * W + 6], 0, 'the bounding box outside every piece stays 0');
});

test('sum saturates at 255; pieces of one frame must agree on format and rule', () => {
  const acc: Pieces = { channels: 1, rule: 'sum', list: [[0, 0, 1, 1, Uint8Array.of(200)]] };
  combinePieces(acc, { channels: 1, rule: 'sum', list: [[0, 0, 1, 1, Uint8Array.of(100)]] });
  assert.is(paintFrame(acc, 1, 1)[0], 255);
  assert.throws(() => combinePieces(acc, { channels: 3, rule: 'sum', list: [] }), /disagree on the pixel format or rule \(1 and 3 bytes per pixel/);
  assert.throws(() => combinePieces(acc, { channels: 1, rule: 'max', list: [] }), /sum and max/);
});

test('a deposit is checked at the caller and its pixels copied', () => {
  const frame = { width: 8, height: 4, format: 'rgb' as const };
  const pixels = new Uint8Array(2 * 2 * 3).fill(7);
  const piece = pieceOf('liveViz.deposit', frame, { x: 6, y: 2, width: 2, height: 2 }, pixels);
  pixels.fill(0);
  assert.is(piece[4][0], 7, 'the piece has its own copy');
  const bad = (rect: unknown, px: unknown): string => {
    try {
      pieceOf('liveViz.deposit', frame, rect as never, px);
    } catch (error) {
      return (error as Error).message;
    }
    return 'no error';
  };
  assert.match(bad({ x: 7, y: 0, width: 2, height: 1 }, new Uint8Array(6)), 'liveViz.deposit: the rectangle (x 7, y 0, 2x1) extends outside the 8x4 image');
  assert.match(bad({ x: -1, y: 0, width: 1, height: 1 }, new Uint8Array(3)), 'rectangle x must be a non-negative integer, got -1');
  assert.match(bad({ x: 0, y: 0.5, width: 1, height: 1 }, new Uint8Array(3)), 'rectangle y must be a non-negative integer, got 0.5');
  assert.match(bad(null, new Uint8Array(3)), 'the rectangle must be an object { x, y, width, height }, got null');
  assert.match(bad({ x: 0, y: 0, width: 2, height: 1 }, new Uint8Array(4)), 'a 2x1 rgb piece has 6 bytes (3 per pixel), got 4');
  assert.match(bad({ x: 0, y: 0, width: 1, height: 1 }, new Float32Array(3)), 'pixels must be a Uint8Array or Uint8ClampedArray, got Float32Array');
  assert.match(bad({ x: 0, y: 0, width: 1, height: 1 }, [1, 2, 3]), 'got object');
  assert.is(pieceOf('d', frame, { x: 0, y: 0, width: 1, height: 1 }, new Uint8ClampedArray(3)).length, 5);
});

test('socket messages: what a client may send, and the clear refusal of anything else', () => {
  const json = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  assert.equal(parseClientMessage(json({ type: 'subscribe', feeds: ['frames', 'perf', 'frames'] }), false), { type: 'subscribe', feeds: ['frames', 'perf'] });
  assert.equal(parseClientMessage(json({ type: 'call', id: 7, handler: 'disturb', payload: { x: 1 } }), false), { type: 'call', id: 7, handler: 'disturb', payload: { x: 1 } });
  assert.equal(parseClientMessage(json({ type: 'call', id: 0, handler: 'stop' }), false), { type: 'call', id: 0, handler: 'stop', payload: null });
  assert.equal(parseClientMessage(json({ type: 'status' }), false), { type: 'status' });
  const binary = parseClientMessage(encodeBinaryCall(9, 'upload', Uint8Array.of(1, 2, 3)), true);
  assert.equal(binary, { type: 'call', id: 9, handler: 'upload', payload: Uint8Array.of(1, 2, 3) });
  const refusals: [Buffer, boolean, RegExp][] = [
    [json('{not json'), false, /must be a JSON object with a "type"/],
    [json([1, 2]), false, /must be a JSON object/],
    [json({ type: 'exec', code: 'process.exit()' }), false, /unknown message type "exec" \(known: subscribe, call, status\)/],
    [json({ type: 'subscribe', feeds: ['frames', 'secrets'] }), false, /"feeds" must be a list of "frames", "perf", "balancing", "output"/],
    [json({ type: 'subscribe' }), false, /"feeds" must be a list/],
    [json({ type: 'call', id: -1, handler: 'x' }), false, /"id" must be an integer 0\.\.4294967295/],
    [json({ type: 'call', id: 1.5, handler: 'x' }), false, /"id" must be an integer/],
    [json({ type: 'call', id: 1, handler: '../etc' }), false, /"handler" must be a handler name/],
    [json({ type: 'call', id: 1 }), false, /"handler" must be a handler name/],
    [Buffer.from([3, 0, 0]), true, /a binary message must be a call/],
    [Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), true, /a binary message must be a call/],
    [Buffer.from([3, 1, 0, 0, 0, 200, 0, 65]), true, /the handler name runs past the end/],
    [Buffer.from([3, 1, 0, 0, 0, 1, 0, 0x2f]), true, /not a valid name/],
  ];
  for (const [data, isBinary, message] of refusals) {
    assert.throws(() => parseClientMessage(data, isBinary), (e: Error) => e instanceof ProtocolError && message.test(e.message), `${data.toString('hex')}`);
  }
});

test('frames and binary replies decode as they were encoded', () => {
  const pixels = Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => i);
  const frame = decodeServerBinary(encodeFrame(42, 5, 3, 4, pixels));
  assert.equal({ ...frame, pixels: [...(frame as { pixels: Uint8Array }).pixels] }, { kind: 'frame', frame: 42, width: 5, height: 3, channels: 4, pixels: [...pixels] });
  const reply = decodeServerBinary(encodeBinaryReply(3, Uint8Array.of(9, 8)));
  assert.equal({ ...reply, bytes: [...(reply as { bytes: Uint8Array }).bytes] }, { kind: 'reply', id: 3, bytes: [9, 8] });
  assert.throws(() => decodeServerBinary(Buffer.from([7])), /unknown binary message from the server \(kind 7\)/);
});

test('+liveview and the liveView option: off by default, loopback unless an address is named, bad values named', () => {
  assert.is(liveViewSettings(undefined, ['node', 'app.js']), undefined);
  assert.equal(liveViewSettings(undefined, ['node', 'app.js', '+liveview', '8080']), { port: 8080, host: '127.0.0.1' });
  assert.equal(liveViewSettings(undefined, ['+liveview', '0.0.0.0:9000']), { port: 9000, host: '0.0.0.0' });
  assert.equal(liveViewSettings(undefined, ['+liveview', '[::1]:0']), { port: 0, host: '::1' });
  assert.equal(liveViewSettings(0, []), { port: 0, host: '127.0.0.1' });
  assert.equal(liveViewSettings({ port: 81, host: '10.1.2.3' }, ['+liveview', '99']), { port: 81, host: '10.1.2.3' }, 'the option wins over the command line');
  assert.throws(() => liveViewSettings(undefined, ['+liveview']), /\+liveview needs a port or HOST:PORT \(e\.g\. \+liveview 8080, \+liveview 0 for any free port\), got ""/);
  assert.throws(() => liveViewSettings(undefined, ['+liveview', 'http']), /got "http"/);
  assert.throws(() => liveViewSettings(undefined, ['+liveview', '70000']), /port must be an integer 0\.\.65535, got 70000/);
  assert.throws(() => liveViewSettings(-1, []), /port must be an integer 0\.\.65535, got -1/);
  assert.throws(() => liveViewSettings({ port: 1, host: '' }, []), /liveView\.host must be an address/);
});

test.run();
