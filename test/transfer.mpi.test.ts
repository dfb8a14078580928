// Zero copy as an explicit choice: charm.transfer(view) moves a typed
// array's memory into the message. The sender's view is detached at the
// call, the receiver's data is right and its buffer is its own (it can
// transfer it on), on every path, local and remote; what cannot be
// transferred is refused with a clear error at the caller, and a call
// that fails leaves the view as it was.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Reducer, SerializationError, type ArrayProxy, type Future } from '../lib';
import { SIZES, channelTo, filled, spread, targets, verdict } from './helpers/payloads';

/** What a receiver saw: its data's verdict, including that its array is a whole ArrayBuffer of its own. */
const received = (a: unknown, n: number, v: number): string => verdict(a, n, v, true);

const detached = (a: ArrayBufferView): boolean => a.byteLength === 0 && a.buffer.byteLength === 0;

declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer } };

class Holder extends Chare<readonly number[]> {
  check(a: Float64Array, n: number, v: number): string {
    return received(a, n, v);
  }
  /** Passes what it received on to element `to`, transferred; reports whether its own view is detached then. */
  relay(a: Float64Array, to: number, n: number): Promise<[boolean, string]> {
    const next = (this.thisProxy as unknown as ArrayProxy<Holder>).at([to]).ret.check(charm.transfer(a), n, 1);
    const gone = detached(a);
    return next.then((verdictThere) => [gone, verdictThere]);
  }
  /** A .ret reply transferred: reports nothing, the caller checks what it got. */
  give(bytes: number): Float64Array {
    return charm.transfer(filled(bytes, 1));
  }
  fulfil(f: Future<Float64Array>, bytes: number): boolean {
    const a = filled(bytes, 1);
    f.send(charm.transfer(a));
    return detached(a) || bytes === 0;
  }
  contributeMoved(bytes: number, f: Future<Float64Array[]>): boolean {
    const a = filled(bytes, 1);
    this.contribute(charm.transfer(a), Reducer.gather, f);
    return detached(a) || bytes === 0;
  }
  async listen(this: Holder, from: number, n: number): Promise<string> {
    return received(await channelTo(this, from).recv(), n, 1);
  }
  talk(this: Holder, to: number, bytes: number): boolean {
    const a = filled(bytes, 1);
    channelTo(this, to).send(charm.transfer(a));
    return detached(a) || bytes === 0;
  }
}
charm.register(Holder);

let holders: ArrayProxy<Holder>;

test('a transferred typed array is detached at the call and arrives whole, local and remote', async () => {
  holders = charm.createArray(Holder, [charm.numPes()], [], { map: spread });
  for (const bytes of SIZES) {
    for (const i of targets()) {
      const a = filled(bytes, 1);
      const seen = holders.at([i]).ret.check(charm.transfer(a), bytes / 8, 1);
      assert.ok(detached(a), `the sender's view is detached at the call (element ${i}, ${bytes} B)`);
      assert.is(await seen, 'ok', `element ${i}, ${bytes} B`);
    }
  }
});

test('the largest messages (64 MiB) transfer too', async () => {
  const bytes = 64 << 20;
  for (const i of targets()) {
    const a = filled(bytes, 1);
    const seen = holders.at([i]).ret.check(charm.transfer(a), bytes / 8, 1);
    assert.ok(detached(a), `detached at the call (element ${i}, 64 MiB)`);
    assert.is(await seen, 'ok', `element ${i}, 64 MiB`);
  }
});

test('a receiver owns what it received: it can transfer it on', async () => {
  const last = charm.numPes() - 1;
  for (const bytes of [16 * 1024, 1 << 20]) {
    const [gone, there] = await holders.at([last]).ret.relay(filled(bytes, 1), 0, bytes / 8);
    assert.ok(gone, `the relaying element's view is detached (${bytes} B)`);
    assert.is(there, 'ok', `relayed ${bytes} B`);
  }
});

test('transfers through .ret replies, future.send, channels, contributions and broadcasts', async () => {
  const last = charm.numPes() - 1;
  for (const bytes of SIZES) {
    for (const i of targets()) {
      assert.is(received(await holders.at([i]).ret.give(bytes), bytes / 8, 1), 'ok', `.ret reply from element ${i}, ${bytes} B`);
      const f = charm.createFuture<Float64Array>();
      assert.ok(await holders.at([i]).ret.fulfil(f, bytes), `future.send detaches (element ${i})`);
      assert.is(received(await f, bytes / 8, 1), 'ok', `future from element ${i}, ${bytes} B`);
    }
    const g = charm.createFuture<Float64Array[]>();
    assert.equal(await holders.ret.contributeMoved(bytes, g), new Array(charm.numPes()).fill(true), 'contribute detaches');
    for (const a of await g) assert.is(received(a, bytes / 8, 1), 'ok', `transferred contribution, ${bytes} B`);
    const b = filled(bytes, 1);
    const all = holders.ret.check(charm.transfer(b), bytes / 8, 1);
    assert.ok(detached(b) || bytes === 0, 'a broadcast detaches the sender\'s view');
    assert.equal(await all, new Array(charm.numPes()).fill('ok'), `broadcast, ${bytes} B`);
    if (charm.numPes() > 1) {
      const heard = holders.at([0]).ret.listen(last, bytes / 8);
      assert.ok(await holders.at([last]).ret.talk(0, bytes), 'a channel send detaches');
      assert.is(await heard, 'ok', `channel, ${bytes} B`);
    }
  }
});

function throwsWith(f: () => unknown, kind: new (...a: never[]) => Error, pattern: RegExp): void {
  try {
    f();
  } catch (error) {
    assert.instance(error, kind);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}

test('what cannot be transferred is refused at the caller, and a failed call leaves the view alone', async () => {
  const last = charm.numPes() - 1;
  const target = holders.at([last]);
  throwsWith(() => charm.transfer(Buffer.from('pooled')), TypeError, /only a view of a whole ArrayBuffer can be transferred.*pool/);
  throwsWith(() => charm.transfer(new Float64Array(new ArrayBuffer(64), 8, 2)), TypeError, /bytes 8\.\.24 of a 64-byte ArrayBuffer/);
  throwsWith(() => charm.transfer(new Float64Array(new SharedArrayBuffer(64))), TypeError, /SharedArrayBuffer/);
  throwsWith(() => charm.transfer(new DataView(new ArrayBuffer(8)) as never), TypeError, /expected a typed array.*got DataView/);
  throwsWith(() => charm.transfer(42 as never), TypeError, /expected a typed array.*got number/);

  const a = filled(64, 1);
  void target.check(charm.transfer(a), 8, 1);
  throwsWith(() => charm.transfer(a), TypeError, /detached already/);
  throwsWith(() => target.check(a, 8, 1), SerializationError, /Holder\.check: argument 0: the Float64Array is detached/);

  const twice = charm.transfer(filled(64, 1));
  throwsWith(() => target.check(twice, twice as never, 1), SerializationError, /transferred twice in one message/);
  assert.is(twice.length, 8, 'a call that failed did not detach the view');
  throwsWith(() => target.check(charm.transfer(twice), (() => 1) as never, 1), SerializationError, /a function/);
  assert.is(twice.length, 8, 'a call with an unsendable argument did not detach the view');

  // WebAssembly memory cannot be detached: found at the send, before anything is sent.
  const wasm = new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer);
  wasm.fill(7);
  for (const i of targets()) {
    throwsWith(() => holders.at([i]).check(charm.transfer(wasm) as never, 1, 1), TypeError, /cannot be detached \(WebAssembly memory\?\)/);
    assert.is(wasm.length, 65536, `the WebAssembly memory is still usable (element ${i})`);
  }
  assert.is(await target.ret.check(filled(64, 3), 8, 3), 'ok', 'the job goes on');
});

runTests();
