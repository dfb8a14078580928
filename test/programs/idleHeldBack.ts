// The binding's wake when MPI writes a message after its send returned
// (binding/sends.cc, wake.cc): PE 1 makes no MPI call for 300 ms while PE 0
// sends it 20,000 small messages, so that Open MPI holds some of them back
// for want of room and writes them as PE 0 keeps completing its sends. PE 1
// then takes what is there and, whenever nothing is, waits in the binding
// for up to 5 s, long beyond any wake: a wait that lasts that long slept
// through a message written without a wake. PE 1 reports how many did.
//   mpirun -np 2 node dist/test/programs/idleHeldBack.js
import { META_FIELDS, mpi } from '../../lib/transport/binding';

const COUNT = 20_000;
const WAIT_US = 5e6;

const { rank } = mpi.Init();
const inbox = mpi.Inbox(new Uint8Array(1 << 20), new Int32Array(META_FIELDS * 1024), []);
const message = new Uint8Array(8);
mpi.Barrier();
if (rank === 0) {
  for (let i = 0; i < COUNT; i++) mpi.Send(1, message, message.length);
  while (mpi.Progress() > 0);
  // PE 1's answer: it has them all.
  while (mpi.Drain(inbox, 1) === 0) mpi.Idle(WAIT_US);
} else if (rank === 1) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  let received = 0;
  let sleptThrough = 0;
  while (received < COUNT) {
    const count = mpi.Drain(inbox, 1024);
    received += count;
    if (count > 0 || received === COUNT) continue;
    const start = performance.now();
    mpi.Idle(WAIT_US);
    if (performance.now() - start > (0.8 * WAIT_US) / 1000) sleptThrough++;
  }
  mpi.Send(0, message, message.length);
  while (mpi.Progress() > 0);
  console.log(`received ${received} slept through ${sleptThrough}`);
}
mpi.Barrier();
mpi.Finalize();
