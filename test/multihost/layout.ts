// Prints where every PE runs as one line `layout <JSON array of Place>`,
// then keeps the job running until a line (or end of input) arrives on
// stdin, so the test can look at the running ranks (their sockets) first.
//   echo | mpirun -np 2 node dist/test/multihost/layout.js
import * as os from 'os';
import { charm, Chare } from '../../lib';

/** What one PE reports about where it runs. */
export interface Place {
  pe: number;
  host: number;
  numHosts: number;
  hostname: string;
  pid: number;
}

class Where extends Chare {
  place(): Place {
    return { pe: charm.myPe(), host: charm.myHost(), numHosts: charm.numHosts(), hostname: os.hostname(), pid: process.pid };
  }
}
charm.register(Where);

function stdinLineOrEnd(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.stdin.pause();
      resolve();
    };
    process.stdin.on('data', (chunk: Buffer) => chunk.includes(10) && done());
    process.stdin.on('end', done);
  });
}

charm.start(async () => {
  const places = await charm.createGroup(Where).ret.place();
  console.log(`layout ${JSON.stringify(places)}`);
  await stdinLineOrEnd();
  charm.exit();
});
