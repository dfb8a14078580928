// Charm4py's tests/interactive/mylib.py: a module with a chare class,
// imported at the console prompt (test/charm4py/interactive.test.ts). Its
// class shares its name with one defined at the prompt, so it is
// registered under its module's name.
import { charm, Chare, Reducer, type Future } from '../../lib';

export class Worker extends Chare<readonly number[]> {
  work(cb: Future<number>, x = 1): void {
    this.contribute(x, Reducer.sum, cb);
  }
}
charm.register(Worker, { name: 'mylib.Worker' });
