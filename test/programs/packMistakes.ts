// Mistakes in an element's own pack/unpack, seen when it migrates: the job
// ends naming the element, the hook and what was wrong.
//   throws     pack() throws
//   notObject  pack() returns a Float64Array and the class has no unpack
//   unpackThrows  unpack(state) throws on arrival
import { charm, Chare } from '../../lib';

/** An element with a typed-array field that moves when asked; subclasses get its pack/unpack wrong. */
abstract class Mover extends Chare<[number]> {
  data = new Float64Array(4);
  move(pe: number): void {
    this.migrate(pe);
  }
}

class Thrower extends Mover {
  override pack(): unknown {
    throw new Error('pack failed on purpose');
  }
  override unpack(state: unknown): void {
    this.data = state as typeof this.data;
  }
}
charm.register(Thrower);

class Bare extends Mover {
  override pack(): unknown {
    return this.data;
  }
}
charm.register(Bare);

class BadUnpack extends Mover {
  override pack(): unknown {
    return this.data;
  }
  override unpack(): void {
    throw new RangeError('unpack failed on purpose');
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
