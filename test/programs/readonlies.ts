// Readonlies as in Charm++: set on PE 0 by the main chare's constructor
// (mode chare) or by main's synchronous part (mode function), after the
// array that reads them was created; every element reads them in its
// constructor, on every PE, and reports what it saw.
//   mpirun -np N node dist/test/programs/readonlies.js chare|function
import { charm, Chare, type CollectionProxy, type ElementProxy } from '../../lib';

// A main chare's thisProxy is typed as its collection's (of one member); createChare gives an element proxy.
let mainProxy: CollectionProxy<Main> | ElementProxy<Main> | undefined;
let settings: { size: number; label: string } | undefined;
charm.registerReadonly('mainProxy', () => mainProxy, (value) => (mainProxy = value));
charm.registerReadonly('settings', () => settings, (value) => (settings = value));

class Reader extends Chare<[number]> {
  constructor() {
    super();
    // Runs as soon as this PE has the array's creation: the readonlies must be set by then.
    mainProxy!.saw(this.thisIndex[0], charm.myPe(), `${settings?.label}/${settings?.size}`);
  }
}
charm.register(Reader);

const ELEMENTS = 8;

class Main extends Chare {
  private readonly seen: string[] = [];
  /** `args`: the program's arguments when this is the main chare; `collectOnly` when main is a function. */
  constructor(args: string[] | 'collectOnly') {
    super();
    if (args === 'collectOnly') return;
    charm.createArray(Reader, [ELEMENTS]); // created before the readonlies are set, as Charm++ programs do
    mainProxy = this.thisProxy;
    settings = { size: ELEMENTS, label: 'set-in-main' };
  }
  saw(index: number, pe: number, what: string): void {
    this.seen.push(`${index}@${pe}:${what}`);
    if (this.seen.length === ELEMENTS) {
      console.log(`seen ${this.seen.sort().join(' ')}`);
      charm.exit(0);
    }
  }
}
charm.register(Main);

if (process.argv.includes('function')) {
  charm.start(() => {
    settings = { size: ELEMENTS, label: 'set-in-main' };
    charm.createArray(Reader, [ELEMENTS]);
    // The collector is a chare too; its proxy is set after the readers were created.
    mainProxy = charm.createChare(Main, ['collectOnly'], { onPE: charm.numPes() - 1 });
  });
} else charm.start(Main);
