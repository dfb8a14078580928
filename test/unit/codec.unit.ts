// The value codec (lib/codec/values.ts) in-process: every value kind
// round-trips through a Writer and a Reader exactly as the message path
// uses them, typed arrays on each of their three paths (element by element,
// inline bytes, out-of-line segment), and refused values name their path;
// transfers (lib/codec/transfer.ts) and copies (lib/codec/clone.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writer, type LocalMessage } from '../../lib/codec/writer';
import { Reader } from '../../lib/codec/reader';
import { beginMessage, Flag, flagsOf, Kind, newElementRoute, readElementRoute, readMigrant, readPartial, readRouteIndex, setHops, setToHome, writeElementRoute, writeMigrant, writePartial, type MigrantState } from '../../lib/codec/wire';
import { Reducer } from '../../lib/reductions/reducers';
import { decodeArgs, decodeValue, encodeArgs, encodeValue, registerExtension } from '../../lib/codec/values';
import { decodeInto, encodeFields } from '../../lib/codec/fields';
import { SerializationError } from '../../lib/codec/serializationError';
import { markTransfer } from '../../lib/codec/transfer';
import { copyValue } from '../../lib/codec/clone';
import { restock } from '../../lib/codec/fresh';

/** Encodes `values` as one message, with `change` run between the encoding and the send, in its local form (segments as buffers of their own). */
function local(write: (w: Writer) => void, change?: () => void): LocalMessage {
  const w = new Writer();
  beginMessage(w, Kind.Call, 0, 0, 0); // a header, as every message has
  write(w);
  change?.();
  return w.detachLocal();
}

function reader(message: Uint8Array, owned: boolean, parts?: ArrayBuffer[]): Reader {
  const r = new Reader();
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  r.reset(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 0, message.byteLength, owned, 0, parts);
  return r;
}

/** The same, as one contiguous message (segments 8-byte aligned after the inline part), as a message held for later is kept. */
function encoded(write: (w: Writer) => void, change?: () => void): Uint8Array {
  const { bytes, parts } = local(write, change);
  return reader(bytes, true, parts).copyMessage();
}

/** Encodes and decodes `value`: in its local form, and contiguous from a buffer the message owns and from a shared one. */
function roundTrip(value: unknown): unknown {
  const message = encoded((w) => encodeValue(w, value, 'value'));
  const fromShared = decodeValue(reader(message.slice(), false));
  const fromOwned = decodeValue(reader(message, true));
  const { bytes: inline, parts } = local((w) => encodeValue(w, value, 'value'));
  const fromLocal = decodeValue(reader(inline, true, parts));
  const bytes = (v: unknown): Uint8Array => encoded((w) => encodeValue(w, v, 'value'));
  assert.ok(Buffer.from(bytes(fromShared)).equals(bytes(fromOwned)), 'the same value from an owned and a shared buffer');
  assert.ok(Buffer.from(bytes(fromLocal)).equals(bytes(fromOwned)), 'the same value from the local form');
  return fromOwned;
}

function same(value: unknown): void {
  assert.equal(roundTrip(value), value);
}

test('primitives: undefined, null, booleans, integers at the int32 edges, doubles, -0, NaN, infinities', () => {
  for (const v of [undefined, null, true, false, 0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5, -2.25, Number.MIN_VALUE, Number.MAX_VALUE, Infinity, -Infinity]) {
    assert.is(roundTrip(v), v, String(v));
  }
  assert.ok(Object.is(roundTrip(-0), -0), '-0 stays -0');
  assert.ok(Number.isNaN(roundTrip(NaN)), 'NaN');
});

test('arrays of numbers, whole or leading (written by one loop): int32 edges, doubles, -0, NaN, then other items; the bytes of each number alone', () => {
  const numbers = [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1.5, NaN, Infinity, -Infinity, Number.MIN_VALUE];
  for (const items of [numbers, [...numbers, 'x', 3, -0, [2.5]], ['x', ...numbers], [], new Array<number>(16).fill(1.5)]) {
    const back = roundTrip(items) as unknown[];
    assert.is(back.length, items.length);
    items.forEach((item, i) => assert.ok(Object.is(back[i], item) || (Array.isArray(item) && Array.isArray(back[i])), `item ${i}: ${String(item)}`));
    const whole = new Writer();
    encodeValue(whole, items, 'items');
    const apart = new Writer();
    apart.u8(whole.buf[0]); // the array's tag
    apart.u32(items.length);
    for (const item of items) encodeValue(apart, item, 'item');
    assert.equal([...whole.buf.subarray(0, whole.pos)], [...apart.buf.subarray(0, apart.pos)]);
  }
});

test('an array with few numbers reserves room for those only (the writer keeps what it grew to)', () => {
  const w = new Writer();
  encodeValue(w, [1, ...new Array<boolean>(1_000_000).fill(true)], 'flags');
  assert.ok(w.pos < 1_100_000, `encoded ${w.pos} bytes`);
  assert.ok(w.buf.length < 4 << 20, `the writer grew to ${w.buf.length} bytes for ${w.pos}`);
});

test('strings: empty, ASCII, non-ASCII, astral, long, with NUL', () => {
  for (const s of ['', 'a', 'hello world', 'é', 'naïve café', '日本語', '😀 emoji 𝄞', 'x'.repeat(100_000), 'ü'.repeat(70), 'a\u0000b']) {
    assert.is(roundTrip(s), s);
  }
});

test('short strings (decoded through a cache by their bytes): every length up to and past its limit, similar bytes, non-ASCII, twice', () => {
  const shorts = ['', 'a', 'b', 'ab', 'ba', 'aa', '\u0000', 'a\u0000', '\u0000a', '\u007f', 'é', 'aé', 'abcdefg', 'abcdefh', 'bbcdefg', 'abcdefgh', 'state', 'label', 'left'];
  for (let round = 0; round < 2; round++) for (const s of shorts) assert.is(roundTrip(s), s);
});

test('encodeFields: an object of a class travels as the plain object of its own fields; decodeInto assigns them to a target', () => {
  class Fields {
    n = 1.5;
    s = 'x';
    list = [1, 2, 3];
    method(): number {
      return this.n;
    }
  }
  const source = new Fields();
  Object.defineProperty(source, 'hidden', { value: 1, enumerable: false });
  const fields = encoded((w) => encodeFields(w, source, () => 'state'));
  assert.equal(fields, encoded((w) => encodeValue(w, { n: 1.5, s: 'x', list: [1, 2, 3] }, 'value')));
  const target = Object.create(Fields.prototype) as Fields;
  const r = reader(fields, true);
  r.pos = 16;
  assert.is(decodeInto(r, target), target);
  assert.equal({ ...target }, { n: 1.5, s: 'x', list: [1, 2, 3] });
  assert.is(target.method(), 1.5);
  // Anything but a plain object is decoded and returned, the target untouched.
  const other = reader(encoded((w) => encodeValue(w, [1, 2], 'value')), true);
  other.pos = 16;
  const untouched = {};
  assert.equal(decodeInto(other, untouched), [1, 2]);
  assert.equal(untouched, {});
  try {
    encodeFields(new Writer(), Object.assign(new Fields(), { bad: () => 1 }), () => 'Cell state');
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SerializationError);
    assert.is((error as SerializationError).path, 'Cell state.bad');
  }
});

test('encodeFields and decodeInto by class shape: other fields, other orders and other names take the general path, with the same bytes', () => {
  class Shaped {
    a = 1;
    label = 'same text';
    list: unknown = [1.5, 2];
  }
  const write = (o: object) => encoded((w) => encodeFields(w, o, () => 'state'));
  const plain = (o: object) => encoded((w) => encodeValue(w, { ...o }, 'value'));
  const arrive = (bytes: Uint8Array) => {
    const r = reader(bytes, true);
    r.pos = 16;
    const into = Object.create(Shaped.prototype) as Shaped;
    assert.is(decodeInto(r, into), into);
    assert.is(r.pos, r.inlineEnd); // every byte read
    return into;
  };
  const first = new Shaped();
  assert.equal(write(first), plain(first)); // makes the class's shape
  const extra = Object.assign(new Shaped(), { more: 'x' });
  const reordered = new Shaped();
  delete (reordered as Partial<Shaped>).a;
  reordered.a = 2;
  const fewer = new Shaped();
  delete (fewer as Partial<Shaped>).list;
  const renamed = Object.assign(new Shaped(), { label: 'ünïcode, and a longer text than a short string' });
  for (const o of [first, extra, reordered, fewer, renamed, first]) {
    const bytes = write(o);
    assert.equal(bytes, plain(o));
    const into = arrive(bytes);
    assert.equal({ ...into }, { ...o });
    assert.equal(Object.keys(into), Object.keys(o));
  }
  // A message whose first fields are the shape's and then differ: those read by shape, the rest by name.
  const partly = arrive(plain({ a: 3, label: 'same text', other: [4] }));
  assert.equal({ ...partly }, { a: 3, label: 'same text', other: [4] });
  // A field's text arrives as it was sent, remembered or not; values are never shared.
  const sent = new Shaped();
  const one = arrive(write(sent));
  const two = arrive(write(sent));
  assert.is(two.label, 'same text');
  assert.is.not(one.list, two.list);
  sent.label = 'changed';
  assert.is(arrive(write(sent)).label, 'changed');
  sent.label = 'same texT';
  assert.is(arrive(write(sent)).label, 'same texT');
  // A field that cannot be sent is named, by shape as by the general path.
  sent.list = () => 1;
  try {
    write(sent);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SerializationError);
    assert.is((error as SerializationError).path, 'state.list');
  }
});

test('decodeInto by class shape behaves as the general path: a read-only field throws on both; an own field named constructor is a field', () => {
  const write = (o: object) => encoded((w) => encodeFields(w, o, () => 'state'));
  const arriveIn = (bytes: Uint8Array, into: object) => {
    const r = reader(bytes, true);
    r.pos = 16;
    return decodeInto(r, into);
  };
  class Labelled {
    n = 1;
    label = 'saved';
  }
  const bytes = encoded((w) => encodeValue(w, { n: 1, label: 'saved' }, 'state')); // the bytes encodeFields writes, no shape made
  const frozen = () => Object.defineProperty(Object.create(Labelled.prototype), 'label', { value: 'fixed', writable: false }) as Labelled;
  assert.throws(() => arriveIn(bytes, frozen()), TypeError, 'the general path refuses a read-only field');
  arriveIn(bytes, Object.create(Labelled.prototype)); // the general path, which makes the shape
  arriveIn(bytes, Object.create(Labelled.prototype)); // by the shape
  assert.throws(() => arriveIn(bytes, frozen()), TypeError, 'so does the shape');
  class Odd {
    constructor_ = 0;
  }
  const odd = Object.assign(new Odd(), { constructor: 7 });
  for (let i = 0; i < 3; i++) {
    const into = Object.create(Odd.prototype) as Record<string, unknown>;
    arriveIn(write(odd), into);
    assert.is(into.constructor, 7, `move ${i}: the field arrives`);
    assert.instance(into, Odd);
  }
});

test('bigints: zero, signs, beyond 64 bits', () => {
  for (const b of [0n, 1n, -1n, 2n ** 63n, -(2n ** 64n), 10n ** 40n]) assert.is(roundTrip(b), b);
});

test('arrays and plain objects, nested; holes become undefined; null-prototype objects come back as plain objects', () => {
  same([]);
  same([1, 'two', [3, [4, [5]]], { six: 6 }]);
  same({});
  same({ a: 1, b: { c: [true, null, undefined], 'd e': 'f' }, '': 0 });
  const holes = [1, , 3]; // eslint-disable-line no-sparse-arrays
  assert.equal(roundTrip(holes), [1, undefined, 3]);
  const bare = Object.assign(Object.create(null) as Record<string, number>, { x: 1 });
  const back = roundTrip(bare) as Record<string, number>;
  assert.equal({ ...back }, { x: 1 });
  assert.is(Object.getPrototypeOf(back), Object.prototype);
});

test('Map, Set, Date, Error', () => {
  const m = new Map<unknown, unknown>([
    ['k', 1],
    [2, { deep: [new Map([[1, 2]])] }],
    [null, new Set([1, 'a'])],
  ]);
  const mb = roundTrip(m) as Map<unknown, unknown>;
  assert.instance(mb, Map);
  assert.equal([...mb.keys()], ['k', 2, null]);
  assert.equal(mb.get(2), { deep: [new Map([[1, 2]])] });
  assert.equal(mb.get(null), new Set([1, 'a']));
  const s = roundTrip(new Set([1, 'x', [2]])) as Set<unknown>;
  assert.instance(s, Set);
  assert.equal([...s], [1, 'x', [2]]);
  const d = new Date(1_700_000_000_123);
  assert.is((roundTrip(d) as Date).getTime(), d.getTime());
  assert.ok(Number.isNaN((roundTrip(new Date(NaN)) as Date).getTime()), 'an invalid date stays invalid');
  const e = new RangeError('out of range');
  const eb = roundTrip(e) as Error;
  assert.instance(eb, Error);
  assert.is(eb.name, 'RangeError');
  assert.is(eb.message, 'out of range');
  assert.is(eb.stack, e.stack);
});

test('errors arrive as their standard class, with a cause that is an error or a primitive; other causes stay behind, the error goes', () => {
  for (const cls of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) {
    const back = roundTrip(new cls('m')) as Error;
    assert.ok(back instanceof cls && back.constructor === cls, `${cls.name} arrives as ${back.constructor.name}`);
    assert.is(back.name, cls.name);
  }
  class AppError extends Error {
    override name = 'AppError';
  }
  const app = roundTrip(new AppError('mine')) as Error;
  assert.is(app.constructor, Error, 'a class of the program arrives as Error, its name kept');
  assert.is(app.name, 'AppError');
  const chained = roundTrip(new TypeError('outer', { cause: new RangeError('inner', { cause: 'root' }) })) as Error;
  assert.instance(chained, TypeError);
  const inner = chained.cause as Error;
  assert.instance(inner, RangeError);
  assert.is(inner.message, 'inner');
  assert.is(inner.cause, 'root');
  assert.is((roundTrip(new Error('n', { cause: 42 })) as Error).cause, 42);
  const unsendable = roundTrip(new Error('has a socket-like cause', { cause: { close: () => 0 } })) as Error;
  assert.is(unsendable.message, 'has a socket-like cause');
  assert.not.ok('cause' in unsendable, 'a cause that cannot be sent is left behind');
  assert.not.ok('cause' in (roundTrip(new Error('plain')) as Error));
});

const TYPED = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;

/** A typed array of `ctor` with `n` elements of distinct, kind-specific values (negative where signed). */
function filled(ctor: (typeof TYPED)[number], n: number): ArrayLike<number | bigint> {
  const a = new ctor(n) as unknown as { [i: number]: number | bigint; length: number };
  const big = ctor === BigInt64Array || ctor === BigUint64Array;
  const signed = ctor === Int8Array || ctor === Int16Array || ctor === Int32Array || ctor === BigInt64Array || ctor === Float32Array || ctor === Float64Array;
  for (let i = 0; i < n; i++) {
    const v = (i * 37 + 11) % 120;
    const x = signed && i % 3 === 0 ? -v : v;
    a[i] = big ? BigInt(x) * (ctor === BigInt64Array ? 1_000_000_007n : 1n) : ctor === Float32Array || ctor === Float64Array ? x + 0.5 : x;
  }
  return a as ArrayLike<number | bigint>;
}

test('every typed array kind and Buffer, on each path: elements (<= 256 bytes), inline bytes, segment (>= 4096 bytes), and at an offset', () => {
  for (const ctor of TYPED) {
    for (const bytes of [0, 8, 256, 264, 4088, 4096, 65536]) {
      const n = bytes / ctor.BYTES_PER_ELEMENT;
      const a = filled(ctor, n);
      const back = roundTrip(a) as ArrayBufferView;
      assert.is(back.constructor, ctor, `${ctor.name} x ${n}`);
      assert.equal(Array.from(back as unknown as ArrayLike<unknown>), Array.from(a), `${ctor.name} x ${n}`);
      // A view into a larger buffer, at a non-zero (and for bytes, unaligned) offset.
      const offset = ctor.BYTES_PER_ELEMENT * 3;
      const wide = filled(ctor, n + 6) as unknown as { buffer: ArrayBuffer };
      const view = new ctor(wide.buffer, offset, n);
      assert.equal(Array.from(roundTrip(view) as unknown as ArrayLike<unknown>), Array.from(view as unknown as ArrayLike<unknown>), `${ctor.name} x ${n} at offset ${offset}`);
    }
  }
  for (const bytes of [0, 5, 300, 5000]) {
    const b = Buffer.from(Array.from({ length: bytes }, (_, i) => i & 0xff));
    const back = roundTrip(b);
    assert.ok(Buffer.isBuffer(back), `Buffer of ${bytes}`);
    assert.ok(b.equals(back as Buffer));
  }
  const odd = new Uint8Array(new ArrayBuffer(10_001), 1, 10_000).fill(7);
  assert.equal(Array.from(roundTrip(odd) as Uint8Array), Array.from(odd), 'a segment at an odd offset');
});

test('typed arrays inside structures, several segments in one message (each aligned for its kind)', () => {
  const value = { a: new Float64Array(1000).fill(1.5), b: [new Uint8Array(4097).fill(2), new Int32Array(3)], c: new BigInt64Array(600).fill(-3n) };
  const back = roundTrip(value) as typeof value;
  assert.equal(back, value);
  assert.is((back.a as Float64Array).byteOffset % 8, 0, 'Float64Array aligned');
  assert.is((back.c as BigInt64Array).byteOffset % 8, 0, 'BigInt64Array aligned');
});

test('decoded values do not share memory with the message read from a shared buffer (it is reused)', () => {
  const message = encoded((w) => encodeValue(w, [new Float64Array(10).fill(1), new Float64Array(1000).fill(2), 'tail'], 'value'));
  const shared = message.slice();
  const [small, large] = decodeValue(reader(shared, false)) as Float64Array[];
  shared.fill(0xff);
  assert.is(small[0], 1);
  assert.is(large[999], 2);
});

test('inline values are copied at the call: changing them after encoding changes nothing', () => {
  const small = new Float64Array(16).fill(1);
  const medium = new Uint8Array(1000).fill(1);
  const object = { n: 1, list: [1, 2] };
  const message = encoded(
    (w) => encodeValue(w, [small, medium, object], 'value'),
    () => {
      small.fill(9);
      medium.fill(9);
      object.n = 9;
      object.list.push(3);
    },
  );
  assert.equal(decodeValue(reader(message, true)), [new Float64Array(16).fill(1), new Uint8Array(1000).fill(1), { n: 1, list: [1, 2] }]);
});

test('argument lists: up to 255, encoded in order', () => {
  const args = Array.from({ length: 255 }, (_, i) => (i % 2 ? `s${i}` : i));
  const message = encoded((w) => encodeArgs(w, args));
  assert.equal(decodeArgs(reader(message, true)), args);
  assert.equal(decodeArgs(reader(encoded((w) => encodeArgs(w, [])), true)), []);
  assert.throws(() => encoded((w) => encodeArgs(w, new Array(256).fill(0))), (e: unknown) => e instanceof SerializationError && /more than 255 arguments/.test((e as Error).message));
});

test('element routes: tuples of 1 to 6 integers (0 and 2^31 - 1 at the edges) and string and bytes keys, read in place, one route object refilled; the hop count set on a copy', () => {
  const indices: unknown[] = [[0], [0x7fffffff], [3, 4], [1, 2, 3, 4, 5, 0x7fffffff], 'key', '', new Uint8Array([1, 2])];
  const route = newElementRoute();
  for (const [n, index] of indices.entries()) {
    const message = encoded((w) => {
      writeElementRoute(w, index, 7 + n);
      encodeArgs(w, ['after']);
    });
    const r = reader(message, false);
    r.pos = 16;
    assert.is(readElementRoute(r, route), route);
    assert.is(route.dims, Array.isArray(index) ? index.length : 0);
    if (Array.isArray(index)) assert.is(route.first, index[0]);
    assert.equal(readRouteIndex(r, route), index);
    assert.is(route.origin, 7 + n);
    assert.is(route.hops, 0);
    assert.equal(decodeArgs(r), ['after'], 'the arguments follow the route');
    const flags = flagsOf(message);
    setHops(message, route, 300);
    setToHome(message, true);
    const again = reader(message, false);
    again.pos = 16;
    assert.is(readElementRoute(again, newElementRoute()).hops, 255, 'a hop count stops at 255');
    assert.is(flagsOf(message), flags | Flag.Home, 'sent on to the home: marked');
    setToHome(message, false);
    assert.is(flagsOf(message), flags & ~Flag.Home, 'sent on elsewhere: not marked');
  }
});

test('migrating element records: every index form, counters at each varint length edge (0 to 2^32 - 1), sections, waiting calls and channel ends; a small element\'s record is compact', () => {
  const counters = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1];
  const indices: unknown[] = [[0], [0x7fffffff], [3, 4], [1, 2, 3, 4, 5, 0x7fffffff], 'key', '', new Uint8Array([1, 2])];
  const none = { sections: {}, waiting: [], channels: [] };
  const records: MigrantState[] = [
    ...indices.map((index, n) => ({ index, epoch: counters[n], bcastSeq: counters[counters.length - 1 - n], balancing: n % 2 === 0, load: 0.25 * n, next: [n, 2 ** 32 - 1, 128, 0], ...none })),
    ...counters.map((c) => ({ index: [c & 0x7fffffff], epoch: c, bcastSeq: c, balancing: false, load: 1e-3, next: [c, c, c, c], ...none })),
    { index: [9], epoch: 5, bcastSeq: 3, balancing: true, load: 2, next: [1, 2, 3, 4], sections: { 6: 2, 10: 7 }, waiting: [[3, [1, 'x'], null]], channels: [[1, 2, 3]] },
  ];
  for (const record of records) {
    const message = encoded((w) => {
      writeMigrant(w, record, () => 'the element');
      encodeValue(w, 'state', 'state');
    });
    const r = reader(message, false);
    r.pos = 16;
    const read = readMigrant(r);
    assert.equal({ ...read, waiting: [...read.waiting], channels: read.channels }, { ...record, channels: record.channels }, `record ${JSON.stringify(record.index)}`);
    assert.is(decodeValue(r), 'state', 'the state follows the record');
  }
  // Index 1 of a 1D array, early in its moves, four streams: 5 (route index) + 8 (load) + 2 (parts, streams) + 6 one-byte varints.
  const small = encoded((w) => writeMigrant(w, { index: [1], epoch: 100, bcastSeq: 0, balancing: false, load: 1.5, next: [0, 0, 0, 0], ...none }, () => 'the element'));
  assert.is(small.byteLength - 16, 21);
});

test('refused values: SerializationError naming the path inside the value and the reason', () => {
  const refused = (value: unknown, path: RegExp, reason: RegExp): void => {
    try {
      encoded((w) => encodeArgs(w, [1, value]));
      assert.unreachable(`${String(value)} was encoded`);
    } catch (error) {
      assert.instance(error, SerializationError);
      const e = error as SerializationError;
      assert.match(e.path, path);
      assert.match(e.reason, reason);
      assert.is(e.message, `${e.path}: ${e.reason}`);
    }
  };
  refused(function named() {}, /^argument 1$/, /a function \(named\) cannot be sent/);
  refused({ deep: [0, { f: () => 1 }] }, /^argument 1\.deep\[1\]\.f$/, /a function \(f\) cannot be sent/);
  refused([Symbol('s')], /^argument 1\[0\]$/, /a symbol \(Symbol\(s\)\) cannot be sent/);
  refused(new Map([['k', Symbol('v')]]), /^argument 1<value 0>$/, /a symbol/);
  refused(new Map([[Symbol('k'), 1]]), /^argument 1<key 0>$/, /a symbol/);
  refused(new Set([1, () => 0]), /^argument 1<item 1>$/, /a function/);
  class Particle {
    x = 1;
  }
  refused({ p: new Particle() }, /^argument 1\.p$/, /an instance of class Particle cannot be sent/);
  refused(new DataView(new ArrayBuffer(4)), /^argument 1$/, /DataView cannot be sent; send a typed array/);
  refused({ p: Promise.resolve(1) }, /^argument 1\.p$/, /^a Promise cannot be sent: send the value it resolves to \(did you forget an await\?\)$/);
  refused(new WeakMap(), /^argument 1$/, /^an instance of WeakMap cannot be sent; send the data it holds/);
  refused(new URL('http://x/'), /^argument 1$/, /^an instance of URL cannot be sent; send the data it holds/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  refused(cyclic, /^argument 1\.self$/, /^is argument 1 again: a message cannot carry a cycle/);
  // The cycle is named by its first object met again on the way down, here b (not a, which is passed once).
  const a: Record<string, unknown> = {};
  const b: Record<string, unknown> = { n: 1 };
  a.b = b;
  b.c = { back: b };
  refused({ list: [a] }, /^argument 1\.list\[0\]\.b\.c\.back$/, /^is argument 1\.list\[0\]\.b again/);
  let deep: unknown = 0;
  for (let i = 0; i < 300; i++) deep = [deep];
  refused(deep, /^argument 1(\[0\]){257}$/, /^nested more than 256 levels deep$/);
});

test('nesting up to the depth limit is fine', () => {
  let deep: unknown = 0;
  for (let i = 0; i < 200; i++) deep = [deep];
  same(deep);
});

test('extensions: a registered class travels through its encode and decode, inside structures', () => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  registerExtension<Point>(
    {
      id: 0xfff0,
      matches: (v): v is Point => v instanceof Point,
      encode(w, p) {
        w.f64(p.x);
        w.f64(p.y);
      },
      decode(r) {
        return new Point(r.f64(), r.f64());
      },
    },
    [Point],
  );
  const back = roundTrip({ at: [new Point(1.5, -2)] }) as { at: Point[] };
  assert.instance(back.at[0], Point);
  assert.equal({ ...back.at[0] }, { x: 1.5, y: -2 });
  assert.throws(() => registerExtension({ id: 0xfff0, matches: (_v: object): _v is never => false, encode() {}, decode: () => 0 }), /registered twice/);
});

test('corrupt input: an unknown tag or extension is an error naming it', () => {
  const w = (tag: number, extra?: (w: Writer) => void): Uint8Array =>
    encoded((x) => {
      x.u8(tag);
      extra?.(x);
    });
  assert.throws(() => decodeValue(reader(w(250), true)), /corrupt message \(value tag 250\)/);
  assert.throws(
    () => decodeValue(reader(w(16, (x) => x.u16(0xfffe)), true)),
    /codec extension 65534, unknown on this PE/,
  );
});

test('transfers: a marked typed array moves into the local form (detached at the send), a copied one is copied; both arrive whole', () => {
  const moved = markTransfer(new Float64Array(1000).fill(4));
  const copied = new Float64Array(1000).fill(5);
  const small = markTransfer(new Uint8Array(8).fill(6)); // transferred at any size
  const { bytes, parts } = local((w) => encodeValue(w, [moved, copied, small], 'value'));
  assert.is(moved.length, 0, 'the transferred view is detached');
  assert.is(small.length, 0, 'a small transferred view too');
  copied.fill(0);
  const [a, b, c] = decodeValue(reader(bytes, true, parts)) as [Float64Array, Float64Array, Uint8Array];
  assert.equal([a[999], b[999], c[7]], [4, 5, 6]);
  for (const x of [a, b, c]) assert.ok(x.byteOffset === 0 && x.buffer.byteLength === x.byteLength, 'each arrives as a whole ArrayBuffer of its own');
});

test('transfers: refused views and a buffer transferred twice, named', () => {
  assert.throws(() => markTransfer(Buffer.from('pooled')), /covers bytes \d+\.\.\d+ of a 8192-byte ArrayBuffer; only a view of a whole ArrayBuffer/);
  assert.throws(() => markTransfer(new Int32Array(new SharedArrayBuffer(16))), /SharedArrayBuffer/);
  assert.throws(() => markTransfer(new DataView(new ArrayBuffer(8)) as never), /expected a typed array .* got DataView/);
  const once = markTransfer(new Uint8Array(16));
  local((w) => encodeValue(w, once, 'value'));
  assert.throws(() => markTransfer(once), /detached already/);
  assert.throws(() => encoded((w) => encodeArgs(w, [once])), (e: unknown) => e instanceof SerializationError && /argument 0: the Uint8Array is detached/.test((e as Error).message));
  const twice = markTransfer(new Uint8Array(16));
  assert.throws(() => encoded((w) => encodeArgs(w, [twice, [twice]])), (e: unknown) => e instanceof SerializationError && /argument 1\[0\]: this ArrayBuffer is transferred twice/.test((e as Error).message));
  assert.is(twice.length, 16, 'an encoding that failed did not detach it');
});

test('copyValue: a copy as a message makes it (later writes do not reach it), transfers moved, unsendable values refused', () => {
  const data = { a: new Float64Array(100_000).fill(1), b: [1, { c: 'x' }], d: new Map([[1, new Uint8Array(10).fill(2)]]) };
  const copy = copyValue(data, 'value');
  data.a.fill(9);
  data.b.push(3);
  data.d.get(1)!.fill(9);
  assert.equal(copy, { a: new Float64Array(100_000).fill(1), b: [1, { c: 'x' }], d: new Map([[1, new Uint8Array(10).fill(2)]]) });
  const moved = markTransfer(new Float64Array(10).fill(3));
  assert.equal(Array.from(copyValue(moved, 'value')), new Array(10).fill(3));
  assert.is(moved.length, 0, 'moved, not copied');
  assert.throws(() => copyValue({ f: () => 1 }, 'a contribution'), (e: unknown) => e instanceof SerializationError && /^a contribution\.f: a function/.test((e as Error).message));
});

test('every built-in reducer travels in a partial as one byte and comes back by name (wire.ts keeps its own list of them); others go by name', () => {
  const builtIns = Object.values(Reducer).filter((v): v is Reducer => v instanceof Reducer).map((r) => r.name);
  assert.ok(builtIns.includes('sum') && builtIns.includes('gather'), `the built-in reducers: ${builtIns.join(', ')}`);
  for (const name of [...builtIns, 'myReducer', undefined]) {
    const { bytes } = local((w) => writePartial(w, { count: 3, reducer: name, hasAcc: false }, 'test'));
    const code = bytes[16 + 4]; // after the header and the count
    if (name === undefined) assert.is(code, 0);
    else if (builtIns.includes(name)) assert.ok(code > 0 && code < 255, `${name}: a code of its own, got ${code}`);
    else assert.is(code, 255, `${name}: by name`);
    const r = reader(bytes, true);
    r.pos = 16;
    const back = readPartial(r);
    assert.is(back.reducer, name);
    assert.is(back.count, 3);
  }
});

test('one reader, messages in different buffers in turn: each typed array made ahead holds its own message\'s bytes (Reader.memory follows the buffer)', () => {
  // Each message in an ArrayBuffer of its own; the reader goes back to the first after another one.
  const bufs = [1, 2, 3].map((base) => Buffer.from(new Uint8Array(local((w) => encodeArgs(w, [new Float64Array(64).map((_, i) => base * 1000 + i)])).bytes).buffer));
  const r = new Reader();
  for (const k of [0, 1, 0, 2]) {
    while (restock());
    const buf = bufs[k];
    r.reset(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 0, buf.byteLength, false, 0);
    const [got] = decodeArgs(r) as [Float64Array];
    assert.is(got.buffer.byteLength, 512, 'owns exactly its buffer');
    for (let i = 0; i < 64; i++) if (got[i] !== (k + 1) * 1000 + i) assert.unreachable(`message ${k}, element ${i}: ${got[i]}`);
  }
});

test.run();
