// The transport under the runtime: messages of every size and form (small,
// segment first, contiguous, parted with copied pieces, parted with
// transfers) from each PE arrive in the order they were sent, with the
// right bytes, however their receives complete; and a failing MPI call
// becomes an Error naming the call, the peer and MPI's own words.
//
// The job runs over TCP: there a large message's parts move only as its
// sender keeps calling MPI, so they are still on their way when later
// messages from the same sender arrive (over shared memory the receiver
// pulls them at once), which is what the ordering has to survive.
process.env.OMPI_MCA_btl = 'self,tcp'; // read by MPI_Init, which charm.start calls
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, type CollectionProxy } from '../lib';
import { mpi } from '../lib/transport/binding';

/** Sizes crossing every threshold: inline, segment, contiguous limit, lone-segment limit (a copied array up to 256 KiB and its call is one message), one piece, several pieces. */
const SIZES = [0, 8, 4096, 16 * 1024, 20 * 1024, 32 * 1024, 32 * 1024 + 512, 64 * 1024, 256 * 1024, 256 * 1024 + 8, 272 * 1024, 1 << 20, 3 * (1 << 20) + 24];

/** Every fifth message carries 70,000 characters inline: its descriptor is then too large to arrive eagerly (TCP sends up to 64 KiB eagerly). */
const paddingOf = (seq: number): string => (seq % 5 === 1 ? 'x'.repeat(70_000) : '');

class Sink extends Chare {
  /** Per source PE: sequence numbers in arrival order, and the first fault found. */
  private readonly seen = new Map<number, number[]>();
  private fault = '';

  take(from: number, seq: number, data: Float64Array, tail: string, padding: string): void {
    const list = this.seen.get(from) ?? [];
    this.seen.set(from, list);
    list.push(seq);
    if (!this.fault) {
      for (let i = 0; i < data.length; i += 997) if (data[i] !== seq) this.fault = `message ${seq} from PE ${from}: element ${i} is ${data[i]}`;
      if (tail !== `end ${seq}`) this.fault = `message ${seq} from PE ${from}: tail "${tail}"`;
      if (padding.length !== paddingOf(seq).length) this.fault = `message ${seq} from PE ${from}: padding of ${padding.length} characters`;
    }
  }
  report(): { fault: string; order: [number, number[]][] } {
    return { fault: this.fault, order: [...this.seen.entries()] };
  }
  /** Sends `rounds` messages of mixed sizes to the sink on PE `to`, every third one transferred, some with a large inline part. */
  flood(this: Sink, to: number, rounds: number): void {
    const me = charm.myPe();
    for (let seq = 0; seq < rounds; seq++) {
      const bytes = SIZES[(seq * 7 + me) % SIZES.length];
      const data = new Float64Array(bytes / 8).fill(seq);
      this.thisProxy[to].take(me, seq, seq % 3 === 2 ? charm.transfer(data) : data, `end ${seq}`, paddingOf(seq));
    }
  }
}
charm.register(Sink);

let sinks: CollectionProxy<Sink>;

test('messages of every size and form arrive in the order each PE sent them', async () => {
  sinks = charm.createGroup(Sink);
  const rounds = 60;
  // Every PE floods PE 0 at once; PE 0 also sends to itself.
  await sinks.awaitable.flood(0, rounds);
  await charm.waitQD();
  const { fault, order } = await sinks[0].ret.report();
  assert.is(fault, '');
  assert.is(order.length, charm.numPes());
  const expected = Array.from({ length: rounds }, (_, i) => i);
  for (const [from, seqs] of order) assert.equal(seqs, expected, `order of the messages from PE ${from}`);
});

test('a failing MPI call throws an Error naming the call, the peer and MPI\'s reason', () => {
  const beyond = charm.numPes() + 2;
  const header = new Uint8Array(16);
  try {
    mpi.Send(beyond, header, 16);
    assert.unreachable('a send to a rank that does not exist');
  } catch (error) {
    assert.instance(error, Error);
    const message = (error as Error).message;
    assert.match(message, `MPI_Isend to rank ${beyond} failed`);
    assert.match(message, /MPI_ERR_RANK|invalid rank/);
    assert.not.ok((error as { fatal?: boolean }).fatal, 'nothing was sent: the job can go on');
  }
  assert.throws(() => mpi.Send(-1, header, 16), /send to rank -1/);
  assert.throws(() => mpi.Send(0, header, 17), /header length beyond its buffer/);
});

runTests();
