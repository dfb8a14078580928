// Shakes out ordering assumptions: preloaded into every node process of a
// test run, it sets the scheduler's local pass (lib/scheduler/scheduler.ts,
// `localPass`) so that a PE's messages to itself wait behind MPI as long
// as the scheduler ever lets them. A protocol that assumed its own copy
// comes first (QD before 200ad58) fails under it.
//   CHARMTS_SHAKE=0         one local message, then MPI is drained
//   CHARMTS_SHAKE=mpi-first MPI drained and dispatched before every local message
//   NODE_OPTIONS="--require $PWD/dist/test/tools/shakeOrder.js" CHARMTS_SHAKE=mpi-first node dist/test/run.js
// Read by this test tool only: the runtime has no such knob.
import { localPass } from '../../lib/scheduler/scheduler';

const shake = process.env.CHARMTS_SHAKE;
if (shake === 'mpi-first') {
  localPass.ms = 0;
  localPass.mpiFirst = true;
} else if (shake !== undefined && shake !== '') {
  const ms = Number(shake);
  if (!(ms >= 0)) throw new Error(`shakeOrder: CHARMTS_SHAKE=${shake} is neither a bound in ms nor 'mpi-first'`);
  localPass.ms = ms;
}
