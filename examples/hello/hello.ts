// Hello world: a group with one member per PE; each says hello, and main
// waits for all of them before ending the job.
//   mpirun -np 2 node dist/examples/hello/hello.js
import { charm, Chare } from '../../lib';

class Hello extends Chare {
  sayHi(): void {
    console.log(`Hello from PE ${charm.myPe()}`);
  }
}
charm.register(Hello);

charm.start(async () => {
  const group = charm.createGroup(Hello);
  await group.awaitable.sayHi();
  charm.exit();
});
