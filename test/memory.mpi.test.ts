// Memory stays bounded: broadcasts kept for elements that may arrive later
// are dropped once every element has run them (64 broadcasts of 8 MiB
// leave no trace after a GC), and a broadcast flood toward a PE that is
// stuck is throttled like point-to-point sends (the sender's backlog stays
// near the back-pressure bound instead of growing with the flood), and a
// chain of calls a PE sends itself keeps no finished call's arrays.
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, type Future } from '../lib';
import { mpi } from '../lib/transport/binding';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const MiB = 1 << 20;

/** ArrayBuffer memory of this PE after a full GC, in MiB. */
function arrayBufferMiB(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().arrayBuffers / MiB;
}

/** V8's external memory after a full GC, in MiB: it counts received arrays, whose memory (the binding's) arrayBuffers leaves out. */
function externalMiB(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().external / MiB;
}

/** One per PE: measures, and stalls on demand. */
class Gauge extends Chare {
  memory(): number {
    return arrayBufferMiB();
  }
  /** Keeps this PE busy, deaf to messages, for `ms`. */
  stall(ms: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // stuck
    }
  }
  sum = 0;
  take(data: Float64Array): void {
    this.sum += data[data.length - 1];
  }
  total(): number {
    return this.sum;
  }
  /** Passes `data` on to itself `left` more times; the last call reports its PE's external memory in MiB. */
  relay(left: number, data: Float64Array, done: Future<number>): void {
    if (left === 0) done.send(externalMiB());
    else this.thisProxy[this.thisIndex].relay(left - 1, data, done);
  }
}
charm.register(Gauge);

/** Array elements that look at each broadcast and keep nothing of it. */
class Reader extends Chare<readonly number[]> {
  seen = 0;
  last = 0;
  take(data: Float64Array): void {
    this.seen++;
    this.last = data[data.length - 1];
  }
  report(): [number, number] {
    return [this.seen, this.last];
  }
}
charm.register(Reader);

test('64 broadcasts of 8 MiB to an array: every PE returns to its ArrayBuffer memory before them', async () => {
  const gauge = charm.createGroup(Gauge);
  const readers = charm.createArray(Reader, [2 * charm.numPes()]);
  const data = new Float64Array(MiB); // 8 MiB
  // One first, so that buffers the runtime keeps for good (writer, receive arena) are counted in the baseline.
  data[data.length - 1] = -1;
  await readers.awaitable.take(data);
  await charm.waitQD();
  const before = await gauge.ret.memory();
  for (let k = 1; k <= 64; k++) {
    data[data.length - 1] = k;
    readers.take(data);
    if (k % 8 === 0) await readers.awaitable.take(data); // bursts of 8 (up to ~100 MiB in flight per PE)
  }
  await charm.waitQD();
  const after = await gauge.ret.memory();
  for (const [seen, last] of await readers.ret.report()) assert.equal([seen, last], [1 + 64 + 8, 64]);
  const grown = after.map((mib, pe) => mib - before[pe]);
  console.log(`[report] ArrayBuffer MiB per PE before ${before.map((m) => m.toFixed(1)).join('/')}, after 584 MiB of broadcasts ${after.map((m) => m.toFixed(1)).join('/')}`);
  for (let pe = 0; pe < grown.length; pe++) assert.ok(grown[pe] < 4, `PE ${pe} kept ${grown[pe].toFixed(1)} MiB of ArrayBuffers after the broadcasts`);
});

test('a broadcast flood toward a stuck PE is throttled: the sender holds about the back-pressure bound, not the flood', async () => {
  if (charm.numPes() === 1) return; // nothing to wait for
  const gauge = charm.createGroup(Gauge);
  await charm.waitQD();
  // The backlog: bytes of sends MPI has not completed, which the sender holds (in native memory).
  gauge[charm.numPes() - 1].stall(3000);
  const data = new Float64Array(MiB / 8); // 1 MiB each, 256 MiB in all
  let peak = 0;
  for (let k = 1; k <= 256; k++) {
    data[data.length - 1] = k;
    gauge.take(data);
    peak = Math.max(peak, mpi.PendingBytes() / MiB);
    if (k % 8 === 0) await charm.sleep(0); // let this PE's own member take its copies
  }
  const totals = await gauge.ret.total();
  assert.equal(totals, new Array(charm.numPes()).fill((256 * 257) / 2), 'every member got every broadcast');
  console.log(`[report] broadcast flood of 256 MiB toward a stuck PE: at most ${peak.toFixed(0)} MiB of sends in flight on the sender`);
  assert.ok(peak < 96, `the sender held ${peak.toFixed(0)} MiB of the flood`);
});

test('a chain of 256 calls a PE sends itself, each passing on 1 MiB, holds only the call in hand', async () => {
  const gauge = charm.createGroup(Gauge);
  await charm.waitQD();
  const before = externalMiB();
  const done = charm.createFuture<number>();
  gauge[0].relay(256, new Float64Array(MiB / 8), done);
  const during = await done;
  console.log(`[report] external memory MiB on PE 0 before ${before.toFixed(1)}, at the end of a 256 MiB chain of local calls ${during.toFixed(1)}`);
  assert.ok(during - before < 16, `PE 0 held ${(during - before).toFixed(0)} MiB of finished calls' arrays`);
});

runTests();
