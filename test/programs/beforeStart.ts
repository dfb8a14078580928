// Using the runtime before charm.start is a clear error, and the program
// can still start afterwards.
//   node dist/test/programs/beforeStart.js            (no MPI at all)
//   mpirun -np 1 node dist/test/programs/beforeStart.js start
import { charm } from '../../lib';

try {
  const pe = charm.myPe();
  console.log(`no error: myPe() returned ${pe}`);
} catch (error) {
  console.log(`caught: ${(error as Error).message}`);
}

if (process.argv[2] === 'start') {
  charm.start(() => {
    console.log(`started pe=${charm.myPe()} of ${charm.numPes()}`);
    charm.exit(0);
  });
}
