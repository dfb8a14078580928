// A program that registers chare classes and never calls charm.start:
// PE 0 says so in one line at exit; one that registers nothing stays silent.
//   mpirun -np 2 node dist/test/programs/neverStarted.js register
//   node dist/test/programs/neverStarted.js plain
import { charm, Chare, type Future } from '../../lib';

class Hello extends Chare {
  sayHi(done: Future<string>): void {
    done.send('hi');
  }
}

if (process.argv[2] === 'register') charm.register(Hello);
// Types only (and the class defined): nothing registered.
const pending: Future<string> | undefined = undefined;
console.log(`script done (${typeof Hello}, ${String(pending)})`);
