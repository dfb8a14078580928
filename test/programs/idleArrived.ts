// The binding's idle wait with a message that came while the PE was not
// waiting (binding/wake.cc): the sender found the PE awake, so it woke
// nobody, and the wait has to see the message before it sleeps. After a
// barrier PE 0 sends 8 bytes to PE 1, which meanwhile makes no MPI call for
// 300 ms (so MPI has not taken the message in yet), then waits for a
// message for up to a minute and reports what it found. (Had PE 0 been
// slower than that, its send wakes PE 1: the outcome is the same.)
//   mpirun -np 2 node dist/test/programs/idleArrived.js
import { META_FIELDS, mpi } from '../../lib/transport/binding';

const { rank } = mpi.Init();
mpi.Barrier();
if (rank === 0) {
  mpi.Send(1, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 8);
} else if (rank === 1) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  const waiting = mpi.Idle(60e6);
  const meta = new Int32Array(META_FIELDS);
  const arena = new Uint8Array(64);
  const count = mpi.Drain(mpi.Inbox(arena, meta, []), 1);
  console.log(`waiting ${waiting} received ${count} bytes ${Array.from(arena.subarray(meta[1], meta[1] + meta[2])).join(',')}`);
}
mpi.Barrier();
mpi.Finalize();
