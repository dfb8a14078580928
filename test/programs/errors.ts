// Errors nobody catches end the job with a non-zero exit code.
//   mpirun -np 2 node dist/test/programs/errors.js <send|ret|main|ctor>
//   send: an entry method called fire-and-forget throws on PE 1
//   ret:  a `.ret` call whose future is never awaited throws on PE 1
//   main: main (PE 0) throws after an await
//   ctor: the constructor of a group member throws on the last PE
import { charm, Chare } from '../../lib';

class Exploder extends Chare {
  boom(): void {
    throw new Error('kaboom from boom');
  }
  failRet(): number {
    throw new RangeError('unawaited failure in failRet');
  }
}

class FragileCtor extends Chare {
  constructor() {
    super();
    if (charm.myPe() === charm.numPes() - 1) throw new Error('constructor failure in FragileCtor');
  }
  ping(): void {}
}
charm.register(Exploder);
charm.register(FragileCtor);

charm.start(async (args) => {
  const mode = args[0];
  console.log(`mode=${mode}`);
  switch (mode) {
    case 'send': {
      const g = charm.createGroup(Exploder);
      g[1].boom();
      break;
    }
    case 'ret': {
      const g = charm.createGroup(Exploder);
      g[1].ret.failRet(); // never awaited
      break;
    }
    case 'main':
      await charm.sleep(0.05);
      throw new Error('main went wrong');
    case 'ctor': {
      const g = charm.createGroup(FragileCtor);
      g.ping();
      break;
    }
    default:
      console.log(`unknown mode ${String(mode)}`);
      charm.exit(99);
  }
  // nothing else ends the job: the error must
});
