// Charm4py's tests/interactive/test1.in, ported: a console session at 4 PEs
// (`charmrun +p4 ++interactive`) fed through stdin, each step checked:
// a chare class defined at the prompt, a group, results and reductions,
// a reducer registered on every PE by remote code, a module of chare
// classes imported at the prompt.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'path';
import { playConsole, type Step } from '../helpers/console';

const MYLIB = path.join(__dirname, 'mylib.js');

/** What to type, and what must appear after it (the original asserts; here each assertion's value is printed and matched). */
const STEPS: Step[] = [
  ['charm.myPe() === 0', /^true$/m],
  [
    `class Worker extends Chare {
  work(cb) {
    this.contribute(2, Reducer.sum, cb);
  }
  retVal() {
    return Math.random();
  }
  work2(cb) {
    this.contribute(this.thisIndex, myreducer, cb);
  }
}`,
    /Registered Worker on every PE/,
  ],
  ['g = charm.createGroup(Worker); f = charm.createFuture(); g.work(f); (await f) === charm.numPes() * 2', /^true$/m],
  ['val = await g[1].ret.retVal(); typeof val === "number" && !Number.isInteger(val)', /^true$/m], // isinstance(val, float)
  // myreducer defined on every PE by remote code, then registered (Charm4py: exec, then charm.thisProxy.addReducer)
  [
    "await charm.thisProxy.awaitable.exec(\"globalThis.myreducer = charm.registerReducer('myreducer', (a, b) => [...(Array.isArray(a) ? a : [6282]), ...(Array.isArray(b) ? b : [6282])])\"); 'registered'",
    /'registered'/,
  ],
  ['f = charm.createFuture(); g.work2(f); (await f).every((x) => x === 6282)', /^true$/m],
  ["await charm.sleep(0.3); 'slept'", /'slept'/],
];
/** The original's `import mylib` and its use. */
const IMPORT: Step[] = [
  [`const mylib = require(${JSON.stringify(MYLIB)})`, /Imported mylib on every PE/],
  ['numChares = charm.numPes() * 4; a = charm.createArray(mylib.Worker, numChares); f = charm.createFuture(); a.work(f, 33); (await f) === numChares * 33', /^true$/m],
];
const BYE: Step = ["console.log('interactive session says bye')", /interactive session says bye/];

test('tests/interactive/test1.in: the whole session, with its import', () => session([...STEPS, ...IMPORT, BYE]));

async function session(steps: Step[]): Promise<void> {
  const { code, stderr } = await playConsole(4, steps); // the original's exit(): the session ends
  assert.is(code, 0, `the session ends cleanly\n${stderr}`);
}

test.run();
