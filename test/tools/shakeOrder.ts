// Shakes out ordering assumptions: preloaded into every node process of a
// test run, it sets the scheduler's local pass (lib/scheduler/scheduler.ts,
// `localPass`) in each PE so that a PE's messages to itself wait behind
// MPI as long as the scheduler ever lets them. A protocol that assumed its
// own copy comes first (quiescence before 200ad58) fails under it.
//   CHARMTS_SHAKE=0         one local message, then MPI is drained
//   CHARMTS_SHAKE=mpi-first MPI drained and dispatched before every local message
//   NODE_OPTIONS="--require $PWD/dist/test/tools/shakeOrder.js" CHARMTS_SHAKE=mpi-first node dist/test/run.js
// Read by this test tool only: the runtime has no such knob. Programs
// that load lib/ from its TypeScript sources (charmrun app.ts) are not shaken.
const shake = process.env.CHARMTS_SHAKE;
// PEs only: the harness, the in-process unit tests and launchers load no MPI binding.
if (shake && process.env.OMPI_COMM_WORLD_SIZE !== undefined) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { localPass } = require('../../lib/scheduler/scheduler') as typeof import('../../lib/scheduler/scheduler');
  if (shake === 'mpi-first') {
    localPass.ms = 0;
    localPass.mpiFirst = true;
  } else {
    const ms = Number(shake);
    if (!(ms >= 0)) throw new Error(`shakeOrder: CHARMTS_SHAKE=${shake} is neither a bound in ms nor 'mpi-first'`);
    localPass.ms = ms;
  }
}
