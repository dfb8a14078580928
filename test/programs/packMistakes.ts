// Mistakes in an element's own pack/unpack, seen when it migrates: the job
// ends naming the element, the hook and what was wrong.
//   throws     pack() throws
//   notObject  pack() returns a Float64Array and the class has no unpack
//   unpackThrows  unpack(state) throws on arrival
import { charm, Chare } from '../../lib';

class Thrower extends Chare<[number]> {
  data = new Float64Array(4);
  pack(): unknown {
    throw new Error('pack failed on purpose');
  }
  unpack(state: unknown): void {
    this.data = state as typeof this.data;
  }
  move(pe: number): void {
    this.migrate(pe);
  }
}
charm.register(Thrower);

class Bare extends Chare<[number]> {
  data = new Float64Array(4);
  pack(): unknown {
    return this.data;
  }
  move(pe: number): void {
    this.migrate(pe);
  }
}
charm.register(Bare);

class BadUnpack extends Chare<[number]> {
  data = new Float64Array(4);
  pack(): unknown {
    return this.data;
  }
  unpack(): void {
    throw new RangeError('unpack failed on purpose');
  }
  move(pe: number): void {
    this.migrate(pe);
  }
}
charm.register(BadUnpack);

charm.start(async (args) => {
  const cls = { throws: Thrower, notObject: Bare, unpackThrows: BadUnpack }[args[0] as 'throws'];
  charm.createArray(cls, [2]).at([0]).move(1);
  await charm.sleep(10);
  console.log('migrated?!');
  charm.exit(0);
});
