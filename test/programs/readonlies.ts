// Readonlies as in Charm++: set on PE 0 by the main chare's constructor
// (mode chare) or by main's synchronous part (mode function), after the
// array that reads them was created; every element reads them in its
// constructor, on every PE, and reports what it saw. Large payloads take
// the same way: the readonlies carry a 64 KiB array, and the array's
// creation (held on the other PEs until the readonlies arrive) a 256 KiB
// one, both travelling as segments of their messages.
//   mpirun -np N node dist/test/programs/readonlies.js chare|function
import { charm, Chare, type ElementProxy } from '../../lib';

let mainProxy: ElementProxy<Main> | undefined;
let settings: { size: number; label: string; weights: Float64Array } | undefined;
charm.registerReadonly('mainProxy', () => mainProxy, (value) => (mainProxy = value));
charm.registerReadonly('settings', () => settings, (value) => (settings = value));

const sum = (values: Float64Array | undefined): number => (values ? values.reduce((a, b) => a + b, 0) : NaN);
/** The arrays' contents: 0, 1, 2, ... (sums 8192 * 8191 / 2 and 32768 * 32767 / 2). */
const counting = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i);

class Reader extends Chare<[number]> {
  constructor(block: Float64Array) {
    super();
    // Runs as soon as this PE has the array's creation: the readonlies must be set by then.
    mainProxy!.saw(this.thisIndex[0], charm.myPe(), `${settings?.label}/${settings?.size}/${sum(settings?.weights)}/${sum(block)}`);
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
    charm.createArray(Reader, [ELEMENTS], [counting(32768)]); // created before the readonlies are set, as Charm++ programs do
    mainProxy = this.thisElement;
    settings = { size: ELEMENTS, label: 'set-in-main', weights: counting(8192) };
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
    settings = { size: ELEMENTS, label: 'set-in-main', weights: counting(8192) };
    charm.createArray(Reader, [ELEMENTS], [counting(32768)]);
    // The collector is a chare too; its proxy is set after the readers were created.
    mainProxy = charm.createChare(Main, ['collectOnly'], { onPE: charm.numPes() - 1 });
  });
} else charm.start(Main);
