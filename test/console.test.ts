// The tutorial's console session (docs/tutorial.md), fed to
// `charmrun +p2 ++interactive` through stdin, checking what the user sees:
// the tutorial cannot rot. Also charmrun for a program.
import { test } from 'uvu';
import { playConsole, type Step } from './helpers/console';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

const CHARMRUN = path.join(__dirname, '..', 'lib', 'launcher', 'charmrun.js');

/** The steps of the tutorial: what to type, and what must appear after it. */
const STEPS: Step[] = [
  ['self', /InteractiveConsole/],
  ['charm.myPe()', /^0$/m],
  ['charm.numPes()', /^2$/m],
  ['charm.numHosts()', /^1$/m],
  [
    `class Simple extends Chare {
  sayHi() {
    console.log('Hello from PE', charm.myPe());
    return 'hi done';
  }
}`,
    /Registered Simple on every PE/,
  ],
  ["chare = charm.createChare(Simple, [], { onPE: 1 }); 'created'", /created/],
  ['chare.sayHi()', /Hello from PE 1/],
  ['f = chare.ret.sayHi(); await f', /'hi done'/],
  [
    `class AsyncSimple extends Chare {
  async sayHi() {
    await charm.sleep(0.5);
    console.log('Hello from PE', charm.myPe());
    return 'hi done';
  }
}`,
    /Registered AsyncSimple on every PE/,
  ],
  ["chare = charm.createChare(AsyncSimple, [], { onPE: 1 }); await chare.awaitable.sayHi(); 'completed'", /Hello from PE 1[\s\S]*completed/],
  // Quiescence counts messages, not timers: with a synchronous method the print comes first.
  ["s = charm.createChare(Simple, [], { onPE: 1 }); s.sayHi(); await charm.waitQD(); 'quiescent'", /Hello from PE 1[\s\S]*quiescent/],
  ['g = charm.createGroup(AsyncSimple); await g.ret.sayHi()', /\[ 'hi done', 'hi done' \]/],
  ['await g[1].ret.sayHi()', /'hi done'/],
  [
    `class Test extends Chare {
  start() {
    console.log('I am element', this.thisIndex, 'on PE', charm.myPe(), 'sending a msg to element 1');
    this.thisProxy[1].sayHi();
  }
  sayHi() {
    console.log('Hello from element', JSON.stringify(this.thisIndex), 'on PE', charm.myPe());
  }
}`,
    /Registered Test on every PE/,
  ],
  ["g = charm.createGroup(Test); g[0].start(); await charm.waitQD(); 'done'", /I am element 0 on PE 0 sending a msg to element 1[\s\S]*Hello from element 1 on PE 1/],
  ["a = charm.createArray(Test, [2, 2]); a.sayHi(); await charm.waitQD(); 'done'", /Hello from element \[1,0\] on PE 1/],
  ['await charm.thisProxy[1].ret.myPe()', /^1$/m],
  ["await charm.thisProxy[1].ret.eval('charm.myPe()')", /^1$/m],
  ["await charm.thisProxy.awaitable.updateGlobals({ MY_GLOBAL: 1234 }); await charm.thisProxy.ret.eval('MY_GLOBAL')", /\[ 1234, 1234 \]/],
  [
    `class RedTest extends Chare {
  work(data, callback) {
    this.contribute(data, Reducer.sum, callback);
  }
  printResult(result) {
    console.log('[' + this.thisIndex[0] + '] Result is', result);
  }
}`,
    /Registered RedTest on every PE/,
  ],
  ['a = charm.createArray(RedTest, 20); f = charm.createFuture(); a.work(1, f); await f', /^20$/m],
  ["a.work(1, charm.callback(a[7], 'printResult')); await charm.waitQD(); 'done'", /\[7\] Result is 20/],
  ['f = charm.createFuture(); a.work(new Float64Array([1, 2, 3]), f); await f', /Float64Array\(3\) \[ 20, 40, 60 \]/],
  [
    `class Echo extends Chare {
  async run(remote) {
    const ch = new Channel(this, remote);
    for (;;) ch.send(await ch.recv());
  }
}`,
    /Registered Echo on every PE/,
  ],
  ["chare = charm.createChare(Echo, [], { onPE: 1 }); chare.run(self.thisElement); ch = new Channel(self, chare); ch.send('hello'); await ch.recv()", /'hello'/],
  ['ch.send(1, 2, 3); await ch.recv()', /\[ 1, 2, 3 \]/],
  ['await charm.pool.map((x) => Math.abs(x), [-1, -2, -3, -4])', /\[ 1, 2, 3, 4 \]/],
];

function env(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_DISABLE_COLORS: '1' };
}

test('the tutorial console session at np 2, step by step', async () => {
  const { code, stderr } = await playConsole(2, STEPS);
  assert.is(code, 0, `Ctrl-D ends the session cleanly\n${stderr}`);
});

test('charmrun +p4 runs a program on 4 PEs and passes its exit code; bad arguments are explained', () => {
  const hello = path.join(__dirname, '..', 'examples', 'hello', 'hello.js');
  const r = spawnSync(process.execPath, [CHARMRUN, '+p4', hello], { env: env(), encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').sort(), ['Hello from PE 0', 'Hello from PE 1', 'Hello from PE 2', 'Hello from PE 3']);
  const exit3 = spawnSync(process.execPath, [CHARMRUN, '+p', '2', path.join(__dirname, 'programs', 'exitCode.js'), '3'], { env: env(), encoding: 'utf8', timeout: 60_000 });
  assert.is(exit3.status, 3, exit3.stderr);
  const bad = spawnSync(process.execPath, [CHARMRUN, '+p0', hello], { env: env(), encoding: 'utf8' });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /\+p needs a positive number of PEs/);
  const none = spawnSync(process.execPath, [CHARMRUN, '+p2'], { env: env(), encoding: 'utf8' });
  assert.match(none.stderr, /no program given/);
});

test.run();
